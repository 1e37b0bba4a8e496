// The metrics listener: `/metrics` (Prometheus text format from the registered collectables),
// `/healthz` (200 while the process runs), `/readyz` (200 once ready, else 503 with why), and
// any further routes registered with Route() before Start (JSON API, live page).
//
// HTTP (and TLS, through GnuTLS) is libmicrohttpd's: a pool of kWorkers threads, each an epoll
// loop, so an idle or slow client costs a descriptor and at most kConnectionMemoryBytes, never a
// thread. A connection silent for kConnectionTimeoutSeconds is closed; a request head larger
// than kConnectionMemoryBytes answers 431; only HTTP/1.0 and 1.1 are served (505). At most
// kMaxConnections connections are open, kMaxConnectionsPerClient from one client address
// (IPv4 address or IPv6 /64): beyond, a new connection is closed at once. Routing uses the
// request target as sent (no percent-decoding or dot-segment removal of the path). With
// RequireBasicAuth every request, on every path, needs a valid user (401; 503 while that
// client's password-check budget is spent, see BasicAuth). With TLS client certificates
// required or verified, a request without an acceptable one is refused (connection closed).
// Every refusal is counted in `adwatch_http_rejected_requests_total{reason}`.
// Thread-safety: handlers run on the pool's threads, concurrently; Start/Stop from one thread.
#pragma once

#include <prometheus/collectable.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "export/basic_auth.h"

namespace adwatch {

/// One HTTP request as a route handler sees it.
struct HttpRequest {
  std::string method;
  std::string path;
  std::string query;  // raw query string, without '?'
};

/// The parameters of a query string (`a=1&b=x%20y`), percent- and `+`-decoded; the last of
/// repeated names wins. Malformed escapes are kept literally.
std::map<std::string, std::string> ParseQuery(std::string_view query);

/// `text` with every byte sequence that is not valid UTF-8 replaced by U+FFFD, so that a
/// client's bytes can be quoted in a JSON or text answer.
std::string ValidUtf8OrReplaced(std::string_view text);

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  /// Further response headers (name, value); Content-Type, Content-Length, Cache-Control and
  /// X-Content-Type-Options are always set by the server.
  std::vector<std::pair<std::string, std::string>> headers = {};
};

/// The GnuTLS priority string that allows `min_version` and every later version.
std::string TlsPriorities(TlsServerConfig::Version min_version);

class HttpServer {
 public:
  /// Handles one request; called on a pool thread, concurrently with other requests.
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  /// Returns why the process is not ready, or nullopt when it is.
  using ReadinessProbe = std::function<std::optional<std::string>()>;

  static constexpr int kWorkers = 4;
  static constexpr unsigned kConnectionTimeoutSeconds = 3;
  static constexpr std::size_t kConnectionMemoryBytes = 16 * 1024;  // request head and buffers
  static constexpr std::size_t kMaxConnections = 512;  // within the default 1024 descriptors
  static constexpr std::size_t kMaxConnectionsPerClient = 64;

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

  /// Serves HTTPS only, with `tls`. Only before Start (which fails on unusable files).
  void UseTls(TlsServerConfig tls);

  /// Binds `address` (`host:port`, port 0 = any free port). Returns false with `error` set.
  bool Start(const std::string& address, std::string* error);
  void Stop();
  /// The bound port, after Start.
  int port() const { return port_; }

  /// The `/metrics` body.
  std::string RenderMetrics() const;

 private:
  class Runtime;  // the libmicrohttpd daemon, its callbacks and the counters (http_server.cc)

  HttpResponse Respond(const HttpRequest& request) const;

  std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
  ReadinessProbe readiness_;
  std::vector<std::pair<std::string, Handler>> routes_;
  std::unique_ptr<BasicAuth> auth_;
  std::optional<TlsServerConfig> tls_;
  std::unique_ptr<Runtime> runtime_;
  int port_ = 0;
};

}  // namespace adwatch
