#include "export/http_server.h"

#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <netdb.h>
#include <prometheus/text_serializer.h>
#include <rapidjson/encodings.h>
#include <rapidjson/memorystream.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstdint>
#include <cstring>
#include <deque>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <utility>

namespace adwatch {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Why a request or connection was refused before any handler ran: the `reason` label.
enum class Refusal : std::uint8_t {
  kUnauthorized,
  kBusy,
  kTimeout,
  kTooLarge,
  kBadRequest,
  kOverloaded,
  kClientCert,
};
constexpr std::array<const char*, 7> kRefusalNames = {
    "unauthorized", "busy", "timeout", "too_large", "bad_request", "overloaded", "client_cert"};

// The budget key of a client: its IPv4 address, or the /64 of its IPv6 address (one host
// usually holds a whole /64).
std::string ClientKey(const sockaddr* addr) {
  if (addr == nullptr) return "";
  char text[INET6_ADDRSTRLEN] = {0};
  if (addr->sa_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(addr)->sin_addr, text, sizeof text);
    return text;
  }
  if (addr->sa_family == AF_INET6) {
    in6_addr a = reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(&a)) {
      ::inet_ntop(AF_INET, &a.s6_addr[12], text, sizeof text);
      return text;
    }
    std::memset(&a.s6_addr[8], 0, 8);
    ::inet_ntop(AF_INET6, &a, text, sizeof text);
    return std::string(text) + "/64";
  }
  return "";
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return out.str();
}

// One request, from its request line (the URI log callback) to its end (notify completed).
struct RequestState {
  std::string target;      // as sent: path and query, not decoded
  bool head_seen = false;  // the access handler was called once
  bool handled = false;    // a handler or a refusal of ours answered it
  // A password check on an auth thread: the connection is suspended until it is done.
  BasicAuth::Pending pending;
  std::optional<BasicAuth::Result> auth_result;
};

// One connection, from accept to close.
struct ConnectionState {
  std::string client;
  SteadyClock::time_point opened;
  bool answered = false;  // some request on it was answered
  bool cert_checked = false;
};

}  // namespace

std::string TlsPriorities(TlsServerConfig::Version min_version) {
  std::string out = "NORMAL:-VERS-ALL:+VERS-TLS1.3";
  if (min_version <= TlsServerConfig::Version::kTls12) out += ":+VERS-TLS1.2";
  if (min_version <= TlsServerConfig::Version::kTls11) out += ":+VERS-TLS1.1";
  if (min_version <= TlsServerConfig::Version::kTls10) out += ":+VERS-TLS1.0";
  return out;
}

std::string ValidUtf8OrReplaced(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    rapidjson::MemoryStream in(text.data() + i, text.size() - i);
    unsigned codepoint = 0;
    const bool ok = rapidjson::UTF8<>::Decode(in, &codepoint);
    const std::size_t used = static_cast<std::size_t>(in.Tell());
    if (ok && used > 0) {
      out.append(text.substr(i, used));
      i += used;
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD
      i += used > 0 ? used : 1;
    }
  }
  return out;
}

// The libmicrohttpd daemon and what its callbacks share: the connection counts per client,
// the refusal counters.
class HttpServer::Runtime {
 public:
  explicit Runtime(const HttpServer& server) : server_(server) {}
  ~Runtime() { Shutdown(); }
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  bool Start(int listen_fd, std::string* error) {
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    std::vector<MHD_OptionItem> options = {
        {MHD_OPTION_LISTEN_SOCKET, listen_fd, nullptr},
        {MHD_OPTION_THREAD_POOL_SIZE, kWorkers, nullptr},
        // MHD's own limit is split among the pool's threads: each may hold all of ours, so
        // MHD never refuses a connection that OnAccept took (and counted).
        {MHD_OPTION_CONNECTION_LIMIT, static_cast<intptr_t>(kWorkers * kMaxConnections), nullptr},
        {MHD_OPTION_CONNECTION_TIMEOUT, kConnectionTimeoutSeconds, nullptr},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<intptr_t>(kConnectionMemoryBytes),
         nullptr},
        {MHD_OPTION_LISTEN_BACKLOG_SIZE, 512, nullptr},
        {MHD_OPTION_EXTERNAL_LOGGER, reinterpret_cast<intptr_t>(&Runtime::OnLog), this},
        {MHD_OPTION_URI_LOG_CALLBACK, reinterpret_cast<intptr_t>(&Runtime::OnRequestLine), this},
        {MHD_OPTION_NOTIFY_COMPLETED, reinterpret_cast<intptr_t>(&Runtime::OnCompleted), this},
        {MHD_OPTION_NOTIFY_CONNECTION, reinterpret_cast<intptr_t>(&Runtime::OnConnection), this},
    };
    if (server_.tls_) {
      if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        *error = "this libmicrohttpd has no TLS support";
        return false;
      }
      const TlsServerConfig& tls = *server_.tls_;
      auto cert = ReadFile(tls.cert_file);
      auto key = ReadFile(tls.key_file);
      if (!cert || !key) {
        *error = "cannot read " + (cert ? tls.key_file : tls.cert_file);
        return false;
      }
      cert_ = std::move(*cert);
      key_ = std::move(*key);
      priorities_ = TlsPriorities(tls.min_version);
      flags |= MHD_USE_TLS;
      options.push_back({MHD_OPTION_HTTPS_MEM_CERT, 0, cert_.data()});
      options.push_back({MHD_OPTION_HTTPS_MEM_KEY, 0, key_.data()});
      options.push_back({MHD_OPTION_HTTPS_PRIORITIES, 0, priorities_.data()});
      if (!tls.client_ca_file.empty()) {
        auto ca = ReadFile(tls.client_ca_file);
        if (!ca) {
          *error = "cannot read " + tls.client_ca_file;
          return false;
        }
        trust_ = std::move(*ca);
        options.push_back({MHD_OPTION_HTTPS_MEM_TRUST, 0, trust_.data()});
      }
    }
    options.push_back({MHD_OPTION_END, 0, nullptr});
    daemon_ = MHD_start_daemon(flags, 0, &Runtime::OnAccept, this, &Runtime::OnRequest, this,
                               MHD_OPTION_ARRAY, options.data(), MHD_OPTION_END);
    if (daemon_ == nullptr) {
      ::close(listen_fd);
      *error =
          "cannot start the listener" + (last_error_.empty() ? std::string() : ": " + last_error_);
      return false;
    }
    started_ = true;
    if (server_.auth_) {
      for (int i = 0; i < BasicAuth::kConcurrentHashes; ++i) {
        auth_threads_.emplace_back([this] { CheckPasswords(); });
      }
    }
    return true;
  }

  /// Stops the daemon (idempotent): closes every connection and joins its threads. Password
  /// checks still queued are answered 503 (the daemon needs every connection resumed).
  void Shutdown() {
    {
      std::lock_guard lock(auth_mu_);
      stopping_ = true;
    }
    auth_cv_.notify_all();
    for (auto& t : auth_threads_) {
      if (t.joinable()) t.join();
    }
    auth_threads_.clear();
    if (daemon_ != nullptr) MHD_stop_daemon(daemon_);
    daemon_ = nullptr;
  }

  std::int64_t refused(Refusal r) const { return refused_[static_cast<int>(r)].load(); }

 private:
  void Count(Refusal r) { refused_[static_cast<int>(r)].fetch_add(1); }

  // A new connection: refused (closed at once, counted) beyond the limits.
  static MHD_Result OnAccept(void* cls, const sockaddr* addr, socklen_t) {
    auto* self = static_cast<Runtime*>(cls);
    const std::string client = ClientKey(addr);
    std::lock_guard lock(self->mu_);
    const auto it = self->per_client_.find(client);
    if (self->open_ >= kMaxConnections ||
        (it != self->per_client_.end() && it->second >= kMaxConnectionsPerClient)) {
      self->Count(Refusal::kOverloaded);
      return MHD_NO;
    }
    // Taken here, under the lock, so that concurrent accepts on the pool's threads cannot
    // overshoot; given back when the connection closes.
    ++self->open_;
    ++self->per_client_[client];
    return MHD_YES;
  }

  static void OnConnection(void* cls, MHD_Connection* connection, void** socket_context,
                           MHD_ConnectionNotificationCode code) {
    auto* self = static_cast<Runtime*>(cls);
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
      auto state = std::make_unique<ConnectionState>();
      const MHD_ConnectionInfo* info =
          MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
      state->client = ClientKey(info != nullptr ? info->client_addr : nullptr);
      state->opened = SteadyClock::now();
      self->AskForClientCertificate(connection);
      *socket_context = state.release();
      return;
    }
    std::unique_ptr<ConnectionState> state(static_cast<ConnectionState*>(*socket_context));
    *socket_context = nullptr;
    if (!state) return;
    // Closed without an answer after the idle timeout: a client too slow to send its request
    // (a request cut off mid-way is counted by OnCompleted).
    if (!state->answered &&
        SteadyClock::now() - state->opened >=
            std::chrono::seconds(kConnectionTimeoutSeconds) - std::chrono::milliseconds(100)) {
      self->Count(Refusal::kTimeout);
    }
    std::lock_guard lock(self->mu_);
    --self->open_;
    const auto it = self->per_client_.find(state->client);
    if (it != self->per_client_.end() && --it->second == 0) self->per_client_.erase(it);
  }

  // The two "require" kinds make GnuTLS fail the handshake of a client without a certificate.
  void AskForClientCertificate(MHD_Connection* connection) const {
    if (!server_.tls_) return;
    using Auth = TlsServerConfig::ClientAuth;
    const Auth auth = server_.tls_->client_auth;
    if (auth == Auth::kNoClientCert) return;
    const MHD_ConnectionInfo* info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (info == nullptr || info->tls_session == nullptr) return;
    const bool require =
        auth == Auth::kRequireAnyClientCert || auth == Auth::kRequireAndVerifyClientCert;
    gnutls_certificate_server_set_request(static_cast<gnutls_session_t>(info->tls_session),
                                          require ? GNUTLS_CERT_REQUIRE : GNUTLS_CERT_REQUEST);
  }

  // True when the connection's client certificate is acceptable under client_auth_type.
  bool ClientCertificateAccepted(MHD_Connection* connection) const {
    if (!server_.tls_) return true;
    using Auth = TlsServerConfig::ClientAuth;
    const Auth auth = server_.tls_->client_auth;
    if (auth != Auth::kVerifyClientCertIfGiven && auth != Auth::kRequireAndVerifyClientCert) {
      return true;
    }
    const MHD_ConnectionInfo* info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (info == nullptr || info->tls_session == nullptr) return false;
    auto* session = static_cast<gnutls_session_t>(info->tls_session);
    unsigned int count = 0;
    if (gnutls_certificate_get_peers(session, &count) == nullptr || count == 0) {
      return auth == Auth::kVerifyClientCertIfGiven;
    }
    unsigned int status = 0;
    return gnutls_certificate_verify_peers2(session, &status) == GNUTLS_E_SUCCESS && status == 0;
  }

  struct AuthJob {
    MHD_Connection* connection;
    RequestState* state;
  };

  // Suspends the connection and queues its password check; false when stopping.
  bool QueuePasswordCheck(MHD_Connection* connection, RequestState* state) {
    {
      std::lock_guard lock(auth_mu_);
      if (stopping_ || auth_threads_.empty()) return false;
      MHD_suspend_connection(connection);
      (state->pending.quiet ? quiet_jobs_ : auth_jobs_).push_back({connection, state});
    }
    auth_cv_.notify_one();
    return true;
  }

  // An auth thread: bcrypt for queued checks, quiet clients' first, then resumes the
  // connection (its access handler runs again and answers).
  void CheckPasswords() {
    while (true) {
      AuthJob job{};
      bool run = true;
      {
        std::unique_lock lock(auth_mu_);
        auth_cv_.wait(lock,
                      [this] { return stopping_ || !quiet_jobs_.empty() || !auth_jobs_.empty(); });
        auto& queue = !quiet_jobs_.empty() ? quiet_jobs_ : auth_jobs_;
        if (queue.empty()) return;  // stopping, nothing left
        job = queue.front();
        queue.pop_front();
        run = !stopping_;
      }
      BasicAuth::Result result = BasicAuth::Result::kBusy;
      if (run) {
        try {
          result = server_.auth_->Finish(job.state->pending);
        } catch (...) {
          result = BasicAuth::Result::kDenied;
        }
      }
      job.state->auth_result = result;
      MHD_resume_connection(job.connection);
    }
  }

  static void* OnRequestLine(void*, const char* uri, MHD_Connection*) {
    auto state = std::make_unique<RequestState>();
    state->target = uri != nullptr ? uri : "";
    return state.release();
  }

  static void OnCompleted(void* cls, MHD_Connection*, void** request_context,
                          MHD_RequestTerminationCode code) {
    auto* self = static_cast<Runtime*>(cls);
    std::unique_ptr<RequestState> state(static_cast<RequestState*>(*request_context));
    *request_context = nullptr;
    if (state && !state->handled && code == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED) {
      self->Count(Refusal::kTimeout);
    }
  }

  // libmicrohttpd's messages; its error answers (400, 414, 431, 505) are counted from here,
  // the one place they show.
  static void OnLog(void* cls, const char* format, va_list args) {
    auto* self = static_cast<Runtime*>(cls);
    constexpr std::string_view kErrorAnswer = "Error processing request (HTTP response code is %u";
    if (std::string_view(format).substr(0, kErrorAnswer.size()) == kErrorAnswer) {
      va_list copy;
      va_copy(copy, args);
      const unsigned status = va_arg(copy, unsigned);
      va_end(copy);
      self->Count(status == 413 || status == 414 || status == 431 ? Refusal::kTooLarge
                                                                  : Refusal::kBadRequest);
      return;
    }
    if (self->started_.load(std::memory_order_relaxed)) return;  // only start errors are kept
    char text[512];
    std::vsnprintf(text, sizeof text, format, args);
    std::lock_guard lock(self->mu_);
    self->last_error_ = text;
    while (!self->last_error_.empty() && self->last_error_.back() == '\n') {
      self->last_error_.pop_back();
    }
  }

  static MHD_Result OnRequest(void* cls, MHD_Connection* connection, const char*,
                              const char* method, const char* version, const char*,
                              std::size_t* upload_size, void** request_context) {
    auto* self = static_cast<Runtime*>(cls);
    auto* state = static_cast<RequestState*>(*request_context);
    if (state == nullptr || state->handled) {
      *upload_size = 0;  // a body after our answer: discarded
      return MHD_YES;
    }
    // The first call comes with the head: answering then would make MHD close the connection
    // (no keep-alive, no pipelining), so GET and HEAD are answered on the second call, once
    // the (empty) body is in. Other methods are refused at once.
    const std::string_view m = method != nullptr ? method : "";
    if (!state->head_seen && (m == MHD_HTTP_METHOD_GET || m == MHD_HTTP_METHOD_HEAD)) {
      state->head_seen = true;
      return MHD_YES;
    }
    if (*upload_size != 0) {
      *upload_size = 0;  // a body on GET: ignored
      return MHD_YES;
    }
    state->handled = true;
    const MHD_ConnectionInfo* info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    auto* conn = info != nullptr ? static_cast<ConnectionState*>(info->socket_context) : nullptr;
    if (conn != nullptr) conn->answered = true;
    if (!state->auth_result && !self->ClientCertificateAccepted(connection)) {
      self->Count(Refusal::kClientCert);
      return MHD_NO;  // closes the connection, as a refused handshake would
    }
    HttpResponse response;
    bool suspended = false;
    try {
      response = self->Answer(connection, method, version, *state,
                              conn != nullptr ? conn->client : std::string(), &suspended);
    } catch (...) {  // a pool thread must never see an exception
      response = {500, "text/plain", "internal error\n"};
    }
    if (suspended) {
      state->handled = false;  // answered when the password check resumes the connection
      return MHD_YES;
    }
    MHD_Response* out = MHD_create_response_from_buffer(response.body.size(), response.body.data(),
                                                        MHD_RESPMEM_MUST_COPY);
    if (out == nullptr) return MHD_NO;
    MHD_add_response_header(out, "Content-Type", response.content_type.c_str());
    MHD_add_response_header(out, "Cache-Control", "no-store");
    MHD_add_response_header(out, "X-Content-Type-Options", "nosniff");
    for (const auto& [name, value] : response.headers) {
      MHD_add_response_header(out, name.c_str(), value.c_str());
    }
    const MHD_Result queued =
        MHD_queue_response(connection, static_cast<unsigned>(response.status), out);
    MHD_destroy_response(out);
    return queued;
  }

  // The answer to a request; or `suspended` set when its password check went to an auth
  // thread (the access handler is called again when it is done).
  HttpResponse Answer(MHD_Connection* connection, const char* method, const char* version,
                      RequestState& state, const std::string& client, bool* suspended) {
    const std::string& target = state.target;
    const std::string_view v = version != nullptr ? version : "";
    if (v != MHD_HTTP_VERSION_1_0 && v != MHD_HTTP_VERSION_1_1) {
      Count(Refusal::kBadRequest);
      return {505, "text/plain", "only HTTP/1.0 and HTTP/1.1\n"};
    }
    HttpRequest request;
    request.method = method != nullptr ? method : "";
    const std::size_t q = target.find('?');
    request.path = target.substr(0, q);
    request.query = q == std::string::npos ? "" : target.substr(q + 1);
    if (request.path.empty() || request.path[0] != '/') {
      Count(Refusal::kBadRequest);
      return {400, "text/plain", "bad request\n"};
    }
    if (server_.auth_) {
      const char* value = nullptr;
      std::size_t size = 0;
      std::string_view authorization;
      if (MHD_lookup_connection_value_n(connection, MHD_HEADER_KIND, "Authorization",
                                        std::strlen("Authorization"), &value, &size) == MHD_YES &&
          value != nullptr) {
        authorization = std::string_view(value, size);
      }
      BasicAuth::Result result = BasicAuth::Result::kBusy;
      if (state.auth_result) {
        result = *state.auth_result;
      } else {
        result = server_.auth_->Precheck(authorization, client, &state.pending);
        if (result == BasicAuth::Result::kNeedsBcrypt) {
          if (QueuePasswordCheck(connection, &state)) {
            *suspended = true;
            return {};
          }
          result = BasicAuth::Result::kBusy;
        }
      }
      switch (result) {
        case BasicAuth::Result::kAllowed:
          break;
        case BasicAuth::Result::kDenied:
          Count(Refusal::kUnauthorized);
          return {401,
                  "text/plain",
                  "unauthorized\n",
                  {{"WWW-Authenticate", "Basic realm=\"adwatch\", charset=\"UTF-8\""}}};
        case BasicAuth::Result::kBusy:
        case BasicAuth::Result::kNeedsBcrypt:
          Count(Refusal::kBusy);
          return {503, "text/plain", "busy checking passwords, retry\n", {{"Retry-After", "1"}}};
      }
    }
    return server_.Respond(request);
  }

  const HttpServer& server_;
  MHD_Daemon* daemon_ = nullptr;
  std::string cert_, key_, trust_, priorities_;  // MHD keeps pointers into these
  std::array<std::atomic<std::int64_t>, kRefusalNames.size()> refused_{};
  std::mutex mu_;
  std::size_t open_ = 0;
  std::unordered_map<std::string, std::size_t> per_client_;
  std::string last_error_;  // libmicrohttpd's last message while starting
  std::atomic<bool> started_{false};
  std::mutex auth_mu_;
  std::condition_variable auth_cv_;
  bool stopping_ = false;
  std::deque<AuthJob> quiet_jobs_;
  std::deque<AuthJob> auth_jobs_;
  std::vector<std::thread> auth_threads_;
};

HttpServer::HttpServer(std::vector<std::shared_ptr<prometheus::Collectable>> collectables,
                       ReadinessProbe readiness)
    : collectables_(std::move(collectables)), readiness_(std::move(readiness)) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Route(std::string path, Handler handler) {
  routes_.emplace_back(std::move(path), std::move(handler));
}

void HttpServer::RequireBasicAuth(BasicAuth::Users users) {
  if (!users.empty()) auth_ = std::make_unique<BasicAuth>(std::move(users));
}

void HttpServer::UseTls(TlsServerConfig tls) { tls_ = std::move(tls); }

bool HttpServer::Start(const std::string& address, std::string* error) {
  const std::size_t colon = address.rfind(':');
  std::string host = colon == std::string::npos ? "" : address.substr(0, colon);
  const std::string service = address.substr(colon == std::string::npos ? 0 : colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.empty() || host == "*" ? nullptr : host.c_str(), service.c_str(), &hints,
                    &found) != 0 ||
      found == nullptr) {
    *error = "cannot listen on " + address + " (invalid address)";
    return false;
  }
  const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int on = 1;
  const bool bound = fd >= 0 && ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == 0 &&
                     ::bind(fd, found->ai_addr, found->ai_addrlen) == 0 && ::listen(fd, 512) == 0;
  ::freeaddrinfo(found);
  if (!bound) {
    if (fd >= 0) ::close(fd);
    *error = "cannot listen on " + address + " (address in use or invalid)";
    return false;
  }
  sockaddr_storage local{};
  socklen_t len = sizeof local;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
  char port[16] = {0};
  ::getnameinfo(reinterpret_cast<sockaddr*>(&local), len, nullptr, 0, port, sizeof port,
                NI_NUMERICSERV);
  port_ = std::atoi(port);
  runtime_ = std::make_unique<Runtime>(*this);
  if (!runtime_->Start(fd, error)) {  // owns fd from here
    runtime_.reset();
    return false;
  }
  return true;
}

void HttpServer::Stop() {
  if (runtime_) runtime_->Shutdown();  // pool threads may still read runtime_ until joined
  runtime_.reset();
}

HttpResponse HttpServer::Respond(const HttpRequest& request) const {
  if (request.method != "GET" && request.method != "HEAD") {
    return {405, "text/plain; charset=utf-8", "only GET\n"};
  }
  if (request.path == "/metrics") {
    return {200, "text/plain; version=0.0.4; charset=utf-8", RenderMetrics()};
  }
  if (request.path == "/healthz") return {200, "text/plain", "ok\n"};
  if (request.path == "/readyz") {
    const auto reason = readiness_();
    if (reason) return {503, "text/plain", "not ready: " + *reason + "\n"};
    return {200, "text/plain", "ready\n"};
  }
  for (const auto& [path, handler] : routes_) {
    if (path == request.path) return handler(request);
  }
  return {404, "text/plain", "not found\n"};
}

std::string HttpServer::RenderMetrics() const {
  std::vector<prometheus::MetricFamily> families;
  for (const auto& c : collectables_) {
    auto f = c->Collect();
    families.insert(families.end(), std::make_move_iterator(f.begin()),
                    std::make_move_iterator(f.end()));
  }
  prometheus::MetricFamily refused{"adwatch_http_rejected_requests_total",
                                   "Requests or connections the listener refused or dropped "
                                   "before any handler ran, by reason.",
                                   prometheus::MetricType::Counter,
                                   {}};
  for (std::size_t i = 0; i < kRefusalNames.size(); ++i) {
    prometheus::ClientMetric metric;
    metric.label = {{"reason", kRefusalNames[i]}};
    metric.counter.value =
        runtime_ ? static_cast<double>(runtime_->refused(static_cast<Refusal>(i))) : 0.0;
    refused.metric.push_back(std::move(metric));
  }
  families.push_back(std::move(refused));
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && HexDigit(s[i + 1]) >= 0 &&
               HexDigit(s[i + 2]) >= 0) {
      out += static_cast<char>(HexDigit(s[i + 1]) * 16 + HexDigit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::map<std::string, std::string> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> params;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    const std::size_t eq = part.find('=');
    params[PercentDecode(part.substr(0, eq))] =
        eq == std::string_view::npos ? std::string() : PercentDecode(part.substr(eq + 1));
  }
  return params;
}

}  // namespace adwatch
