#include "export/http_server.h"

#include <civetweb.h>
#include <prometheus/text_serializer.h>

#include <cstring>
#include <sstream>

namespace adwatch {
namespace {

const char* StatusText(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

// `extra_headers`: complete header lines, each ending in \r\n.
void Reply(mg_connection* conn, int status, const char* content_type, const std::string& body,
           const char* extra_headers = "") {
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
            "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
            "%sConnection: close\r\n\r\n",
            status, StatusText(status), content_type, body.size(), extra_headers);
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

void HttpServer::RequireBasicAuth(BasicAuth::Users users) {
  if (!users.empty()) auth_ = std::make_unique<BasicAuth>(std::move(users));
}

bool HttpServer::Start(const std::string& address, std::string* error) {
  const std::string threads = std::to_string(kThreads);
  const std::string timeout = std::to_string(kRequestTimeoutMs);
  const char* options[] = {"listening_ports",
                           address.c_str(),
                           "num_threads",
                           threads.c_str(),
                           "request_timeout_ms",
                           timeout.c_str(),
                           "max_request_size",
                           "8192",
                           "enable_keep_alive",
                           "no",
                           nullptr};
  mg_callbacks callbacks{};
  callbacks.begin_request = &HttpServer::BeginRequest;
  ctx_ = mg_start(&callbacks, this, options);
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
  prometheus::MetricFamily rejected{"adwatch_http_rejected_requests_total",
                                    "Requests to the listener refused before any handler ran.",
                                    prometheus::MetricType::Counter,
                                    {}};
  for (const auto& [reason, count] : {std::pair{"unauthorized", &unauthorized_},
                                      std::pair{"busy", &busy_}}) {
    prometheus::ClientMetric metric;
    metric.label = {{"reason", reason}};
    metric.counter.value = static_cast<double>(count->load());
    rejected.metric.push_back(std::move(metric));
  }
  families.push_back(std::move(rejected));
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

int HttpServer::BeginRequest(mg_connection* conn) {
  auto* self = static_cast<HttpServer*>(mg_get_user_data(mg_get_context(conn)));
  if (!self->auth_) return 0;
  const char* header = mg_get_header(conn, "Authorization");
  switch (self->auth_->Check(header != nullptr ? header : "")) {
    case BasicAuth::Result::kAllowed:
      return 0;  // on to the route's handler
    case BasicAuth::Result::kDenied:
      self->unauthorized_.fetch_add(1);
      Reply(conn, 401, "text/plain", "unauthorized\n",
            "WWW-Authenticate: Basic realm=\"adwatch\", charset=\"UTF-8\"\r\n");
      return 401;
    case BasicAuth::Result::kBusy:
      self->busy_.fetch_add(1);
      Reply(conn, 503, "text/plain", "busy checking passwords, retry\n", "Retry-After: 1\r\n");
      return 503;
  }
  return 0;
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
