// The metrics listener: `/metrics` (Prometheus text format from the registered collectables),
// `/healthz` (200 while the process runs) and `/readyz` (200 once ready, else 503 with why).
// civetweb underneath; no TLS (DOMAIN.md: it crashes on Debian 12) — keep it on loopback or
// behind a TLS proxy. Thread-safety: serves on its own threads; Start/Stop from one thread.
#pragma once

#include <prometheus/collectable.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct mg_context;
struct mg_connection;

namespace adwatch {

class HttpServer {
 public:
  /// Returns why the process is not ready, or nullopt when it is.
  using ReadinessProbe = std::function<std::optional<std::string>()>;

  HttpServer(std::vector<std::shared_ptr<prometheus::Collectable>> collectables,
             ReadinessProbe readiness);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds `address` (`host:port`, port 0 = any free port). Returns false with `error` set.
  bool Start(const std::string& address, std::string* error);
  void Stop();
  /// The bound port, after Start.
  int port() const { return port_; }

  /// The `/metrics` body.
  std::string RenderMetrics() const;

 private:
  static int HandleMetrics(mg_connection* conn, void* self);
  static int HandleHealth(mg_connection* conn, void* self);
  static int HandleReady(mg_connection* conn, void* self);

  std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
  ReadinessProbe readiness_;
  mg_context* ctx_ = nullptr;
  int port_ = 0;
};

}  // namespace adwatch
