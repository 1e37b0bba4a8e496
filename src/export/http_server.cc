#include "export/http_server.h"

#include <civetweb.h>
#include <prometheus/text_serializer.h>

#include <cstring>
#include <sstream>

namespace adwatch {
namespace {

const char* StatusText(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

void Reply(mg_connection* conn, int status, const char* content_type, const std::string& body) {
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
            "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
            "Connection: close\r\n\r\n",
            status, StatusText(status), content_type, body.size());
  mg_write(conn, body.data(), body.size());
}

}  // namespace

HttpServer::HttpServer(std::vector<std::shared_ptr<prometheus::Collectable>> collectables,
                       ReadinessProbe readiness)
    : collectables_(std::move(collectables)), readiness_(std::move(readiness)) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Route(std::string path, Handler handler) {
  routes_.push_back(std::make_unique<RouteEntry>(RouteEntry{std::move(path), std::move(handler)}));
}

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
  for (const auto& route : routes_) {
    mg_set_request_handler(ctx_, (route->path + "$").c_str(), &HttpServer::HandleRoute,
                           route.get());
  }
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

int HttpServer::HandleRoute(mg_connection* conn, void* route) {
  const mg_request_info* info = mg_get_request_info(conn);
  HttpRequest request{info->request_method ? info->request_method : "",
                      info->local_uri ? info->local_uri : "",
                      info->query_string ? info->query_string : ""};
  HttpResponse response;
  if (request.method != "GET" && request.method != "HEAD") {
    response = {405, "text/plain; charset=utf-8", "only GET\n"};
  } else {
    response = static_cast<RouteEntry*>(route)->handler(request);
  }
  Reply(conn, response.status, response.content_type.c_str(), response.body);
  return response.status;
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
