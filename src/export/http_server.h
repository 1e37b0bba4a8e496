// The metrics listener: `/metrics` (Prometheus text format from the registered collectables),
// `/healthz` (200 while the process runs), `/readyz` (200 once ready, else 503 with why), and
// any further routes registered with Route() before Start (JSON API, live page).
//
// Hostile clients: one event-loop thread reads requests without blocking, so an idle or slow
// client costs a file descriptor, not a thread; it is dropped when its request is not complete
// within kRequestTimeoutMs (or its response not taken within kWriteTimeoutMs). Complete
// requests go to kWorkers worker threads. With RequireBasicAuth every request, on every path,
// needs a valid user (401; 503 while too many passwords are being checked at once). At most
// kMaxConnections are open (the oldest unfinished request is dropped for a new one) and
// kMaxQueued requests wait for a worker (503 beyond). Every refusal is counted in
// `adwatch_http_rejected_requests_total{reason}`. Plain HTTP only: keep it on loopback or
// behind a TLS proxy (docs/SECURITY.md).
// Thread-safety: handlers run on worker threads, concurrently; Start/Stop from one thread.
#pragma once

#include <prometheus/collectable.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "export/basic_auth.h"

namespace adwatch {

/// One HTTP request as a route handler sees it.
struct HttpRequest {
  std::string method;
  std::string path;
  std::string query;  // raw query string, without '?'
};

/// A request as read off the wire, before routing and authentication.
struct ParsedRequest {
  HttpRequest request;
  std::string authorization;  // the Authorization header's value, if any
};

/// Parses the request line and headers (`head` ends before the blank line); false when
/// malformed. Exposed for the fuzz target: it is what every byte from a client goes through.
bool ParseRequestHead(std::string_view head, ParsedRequest* out);

/// The parameters of a query string (`a=1&b=x%20y`), percent- and `+`-decoded; the last of
/// repeated names wins. Malformed escapes are kept literally.
std::map<std::string, std::string> ParseQuery(std::string_view query);

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class HttpServer {
 public:
  /// Handles one request; called on a worker thread, concurrently with other requests.
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  /// Returns why the process is not ready, or nullopt when it is.
  using ReadinessProbe = std::function<std::optional<std::string>()>;

  static constexpr int kWorkers = 4;
  static constexpr int kRequestTimeoutMs = 2000;
  static constexpr int kWriteTimeoutMs = 10000;
  static constexpr std::size_t kMaxRequestBytes = 8192;
  static constexpr std::size_t kMaxConnections = 512;  // within the default 1024 descriptors
  static constexpr std::size_t kMaxQueued = 256;

  HttpServer(std::vector<std::shared_ptr<prometheus::Collectable>> collectables,
             ReadinessProbe readiness);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Serves `path` (exact match) with `handler`. Only before Start.
  void Route(std::string path, Handler handler);

  /// Every request needs one of `users` (see BasicAuth). Only before Start; no users: no
  /// authentication.
  void RequireBasicAuth(BasicAuth::Users users);

  /// Binds `address` (`host:port`, port 0 = any free port). Returns false with `error` set.
  bool Start(const std::string& address, std::string* error);
  void Stop();
  /// The bound port, after Start.
  int port() const { return port_; }

  /// The `/metrics` body.
  std::string RenderMetrics() const;

 private:
  class Runtime;  // the event loop, the workers and the counters (http_server.cc)

  HttpResponse Respond(const HttpRequest& request) const;

  std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
  ReadinessProbe readiness_;
  std::vector<std::pair<std::string, Handler>> routes_;
  std::unique_ptr<BasicAuth> auth_;
  std::unique_ptr<Runtime> runtime_;
  int port_ = 0;
};

}  // namespace adwatch
