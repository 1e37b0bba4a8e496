#include "export/http_server.h"

#include <civetweb.h>
#include <prometheus/text_serializer.h>

#include <cstring>
#include <sstream>

namespace adwatch {
namespace {

void Reply(mg_connection* conn, int status, const char* content_type, const std::string& body) {
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
            "Connection: close\r\n\r\n",
            status, status == 200 ? "OK" : "Service Unavailable", content_type, body.size());
  mg_write(conn, body.data(), body.size());
}

}  // namespace

HttpServer::HttpServer(std::vector<std::shared_ptr<prometheus::Collectable>> collectables,
                       ReadinessProbe readiness)
    : collectables_(std::move(collectables)), readiness_(std::move(readiness)) {}

HttpServer::~HttpServer() { Stop(); }

bool HttpServer::Start(const std::string& address, std::string* error) {
  const char* options[] = {"listening_ports",    address.c_str(), "num_threads", "4",
                           "request_timeout_ms", "10000",         nullptr};
  mg_callbacks callbacks{};
  ctx_ = mg_start(&callbacks, nullptr, options);
  if (ctx_ == nullptr) {
    *error = "cannot listen on " + address + " (address in use or invalid)";
    return false;
  }
  mg_server_port ports[4];
  const int n = mg_get_server_ports(ctx_, 4, ports);
  port_ = n > 0 ? ports[0].port : 0;
  mg_set_request_handler(ctx_, "/metrics$", &HttpServer::HandleMetrics, this);
  mg_set_request_handler(ctx_, "/healthz$", &HttpServer::HandleHealth, this);
  mg_set_request_handler(ctx_, "/readyz$", &HttpServer::HandleReady, this);
  return true;
}

void HttpServer::Stop() {
  if (ctx_ != nullptr) mg_stop(ctx_);
  ctx_ = nullptr;
}

std::string HttpServer::RenderMetrics() const {
  std::vector<prometheus::MetricFamily> families;
  for (const auto& c : collectables_) {
    auto f = c->Collect();
    families.insert(families.end(), std::make_move_iterator(f.begin()),
                    std::make_move_iterator(f.end()));
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

int HttpServer::HandleMetrics(mg_connection* conn, void* self) {
  Reply(conn, 200, "text/plain; version=0.0.4; charset=utf-8",
        static_cast<HttpServer*>(self)->RenderMetrics());
  return 200;
}

int HttpServer::HandleHealth(mg_connection* conn, void* /*self*/) {
  Reply(conn, 200, "text/plain", "ok\n");
  return 200;
}

int HttpServer::HandleReady(mg_connection* conn, void* self) {
  const auto reason = static_cast<HttpServer*>(self)->readiness_();
  if (reason) {
    Reply(conn, 503, "text/plain", "not ready: " + *reason + "\n");
    return 503;
  }
  Reply(conn, 200, "text/plain", "ready\n");
  return 200;
}

}  // namespace adwatch
