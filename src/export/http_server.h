// The metrics listener: `/metrics` (Prometheus text format from the registered collectables),
// `/healthz` (200 while the process runs), `/readyz` (200 once ready, else 503 with why), and
// any further routes registered with Route() before Start (JSON API, live page). With
// RequireBasicAuth every request, on every path, needs a valid user (401 otherwise; 503 while
// too many passwords are being checked). kThreads server threads; a client that has not sent
// its whole request within kRequestTimeoutMs is dropped, so idle or slow clients hold a thread
// briefly. Rejected requests are counted in `adwatch_http_rejected_requests_total{reason}`.
// civetweb underneath; no TLS (DOMAIN.md: it crashes on Debian 12) — keep it on loopback or
// behind a TLS proxy. Thread-safety: serves on its own threads; Start/Stop from one thread.
#pragma once

#include <prometheus/collectable.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "export/basic_auth.h"

struct mg_context;
struct mg_connection;

namespace adwatch {

/// One HTTP request as a route handler sees it.
struct HttpRequest {
  std::string method;
  std::string path;
  std::string query;  // raw query string, without '?'
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class HttpServer {
 public:
  /// Handles one request; called on a server thread, concurrently with other requests.
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  /// Returns why the process is not ready, or nullopt when it is.
  using ReadinessProbe = std::function<std::optional<std::string>()>;

  HttpServer(std::vector<std::shared_ptr<prometheus::Collectable>> collectables,
             ReadinessProbe readiness);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  static constexpr int kThreads = 16;
  static constexpr int kRequestTimeoutMs = 500;

  /// Serves `path` (exact match) with `handler`. Only before Start.
  void Route(std::string path, Handler handler);

  /// Every request needs one of `users` (name -> bcrypt hash; see BasicAuth). Only before
  /// Start; no call or no users: no authentication.
  void RequireBasicAuth(BasicAuth::Users users);

  /// Binds `address` (`host:port`, port 0 = any free port). Returns false with `error` set.
  bool Start(const std::string& address, std::string* error);
  void Stop();
  /// The bound port, after Start.
  int port() const { return port_; }

  /// The `/metrics` body.
  std::string RenderMetrics() const;

 private:
  static int BeginRequest(mg_connection* conn);
  static int HandleMetrics(mg_connection* conn, void* self);
  static int HandleHealth(mg_connection* conn, void* self);
  static int HandleReady(mg_connection* conn, void* self);
  static int HandleRoute(mg_connection* conn, void* route);

  struct RouteEntry {
    std::string path;
    Handler handler;
  };

  std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
  ReadinessProbe readiness_;
  std::vector<std::unique_ptr<RouteEntry>> routes_;
  std::unique_ptr<BasicAuth> auth_;
  std::atomic<std::int64_t> unauthorized_{0};
  std::atomic<std::int64_t> busy_{0};
  mg_context* ctx_ = nullptr;
  int port_ = 0;
};

}  // namespace adwatch
