#include "export/http_server.h"

#include <netdb.h>
#include <prometheus/text_serializer.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <utility>

namespace adwatch {
namespace {

using SteadyClock = std::chrono::steady_clock;

const char* StatusText(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

// Why a request was refused before any handler ran: the `reason` label.
enum class Refusal : std::uint8_t {
  kUnauthorized,
  kBusy,
  kTimeout,
  kTooLarge,
  kBadRequest,
  kOverloaded
};
constexpr std::array<const char*, 6> kRefusalNames = {"unauthorized", "busy",        "timeout",
                                                      "too_large",    "bad_request", "overloaded"};

// The whole response: status line, fixed headers, `extra_headers` (complete lines), body.
std::string Serialize(const HttpResponse& response, bool head,
                      std::string_view extra_headers = {}) {
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " +
                    StatusText(response.status) + "\r\nContent-Type: " + response.content_type +
                    "\r\nContent-Length: " + std::to_string(response.body.size()) +
                    "\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n";
  out += extra_headers;
  out += "Connection: close\r\n\r\n";
  if (!head) out += response.body;
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

bool ParseRequestHead(std::string_view head, ParsedRequest* out) {
  const std::size_t eol = head.find("\r\n");
  const std::string_view line = head.substr(0, eol);
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1 || line.substr(sp2 + 1, 5) != "HTTP/") {
    return false;
  }
  out->request.method = std::string(line.substr(0, sp1));
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (target.empty() || target[0] != '/') return false;
  const std::size_t q = target.find('?');
  out->request.path = std::string(target.substr(0, q));
  out->request.query = q == std::string_view::npos ? "" : std::string(target.substr(q + 1));
  std::size_t pos = eol == std::string_view::npos ? head.size() : eol + 2;
  while (pos < head.size()) {
    std::size_t end = head.find("\r\n", pos);
    if (end == std::string_view::npos) end = head.size();
    const std::string_view header = head.substr(pos, end - pos);
    const std::size_t colon = header.find(':');
    if (colon == std::string_view::npos) return false;
    if (EqualsIgnoreCase(header.substr(0, colon), "authorization")) {
      std::string_view value = header.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      out->authorization = std::string(value);
    }
    pos = end + 2;
  }
  return true;
}

// One event-loop thread owns every connection: accepts, reads requests, writes responses,
// enforces deadlines. Workers only turn complete requests into response bytes.
class HttpServer::Runtime {
 public:
  Runtime(const HttpServer& server, int listen_fd) : server_(server), listen_fd_(listen_fd) {}

  ~Runtime() {
    Shutdown();
    for (const auto& [fd, conn] : conns_) ::close(fd);
    ::close(listen_fd_);
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }

  bool Start(std::string* error) {
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epoll_fd_ < 0 || wake_fd_ < 0 || !Watch(listen_fd_, EPOLLIN, EPOLL_CTL_ADD) ||
        !Watch(wake_fd_, EPOLLIN, EPOLL_CTL_ADD)) {
      *error = "cannot set up the listener's event loop";
      return false;
    }
    loop_ = std::thread([this] { Loop(); });
    for (int i = 0; i < kWorkers; ++i) workers_.emplace_back([this] { Work(); });
    return true;
  }

  /// Stops the loop and the workers (idempotent); the descriptors close with the object.
  void Shutdown() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    Wake();
    if (loop_.joinable()) loop_.join();
    for (auto& w : workers_) {
      if (w.joinable()) w.join();
    }
  }

  std::int64_t refused(Refusal r) const { return refused_[static_cast<int>(r)].load(); }

 private:
  struct Connection {
    std::uint64_t id = 0;
    std::string in;
    std::string out;
    std::size_t written = 0;
    SteadyClock::time_point deadline;
    bool dispatched = false;  // with a worker or answered: no more reading
  };
  struct Job {
    int fd;
    std::uint64_t id;
    ParsedRequest parsed;
  };
  struct Done {
    int fd;
    std::uint64_t id;
    std::string bytes;
  };

  // Events carry the connection id with the descriptor, so that an event fetched before a
  // descriptor was closed and reused is not applied to the new connection.
  bool Watch(int fd, std::uint32_t events, int op, std::uint64_t id = 0) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = (id << 32) | static_cast<std::uint32_t>(fd);
    return ::epoll_ctl(epoll_fd_, op, fd, &ev) == 0;
  }

  void Wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
  }

  void Count(Refusal r) { refused_[static_cast<int>(r)].fetch_add(1); }

  void Loop() {
    std::array<epoll_event, 64> events{};
    while (true) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;
      }
      const int n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), 50);
      for (int i = 0; i < n; ++i) {
        const std::uint64_t data = events[static_cast<std::size_t>(i)].data.u64;
        const auto fd = static_cast<int>(data & 0xffffffffU);
        const std::uint64_t id = data >> 32;
        const std::uint32_t ev = events[static_cast<std::size_t>(i)].events;
        if (fd == listen_fd_) {
          AcceptAll();
        } else if (fd == wake_fd_) {
          std::uint64_t count = 0;
          [[maybe_unused]] const ssize_t r = ::read(wake_fd_, &count, sizeof count);
          TakeResponses();
        } else {
          OnConnectionEvent(fd, id, ev);
        }
      }
      CloseExpired();
    }
  }

  void AcceptAll() {
    bool freed = false;
    while (true) {
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        // Out of descriptors: make room once by dropping the oldest unfinished request (else
        // the listening socket would stay readable and the loop spin).
        if ((errno == EMFILE || errno == ENFILE) && !freed && !conns_.empty()) {
          DropOldestUnfinished();
          freed = true;
          continue;
        }
        return;
      }
      if (conns_.size() >= kMaxConnections) DropOldestUnfinished();
      const std::uint64_t id = ++next_id_ & 0xffffffffU;
      if (!Watch(fd, EPOLLIN, EPOLL_CTL_ADD, id)) {
        ::close(fd);
        continue;
      }
      Connection& c = conns_[fd];
      c.id = id;
      c.deadline = SteadyClock::now() + std::chrono::milliseconds(kRequestTimeoutMs);
    }
  }

  void DropOldestUnfinished() {
    auto oldest = conns_.end();
    for (auto it = conns_.begin(); it != conns_.end(); ++it) {
      if (!it->second.dispatched && (oldest == conns_.end() || it->second.id < oldest->second.id)) {
        oldest = it;
      }
    }
    if (oldest == conns_.end()) oldest = conns_.begin();
    Count(Refusal::kOverloaded);
    Close(oldest->first);
  }

  void OnConnectionEvent(int fd, std::uint64_t id, std::uint32_t ev) {
    const auto it = conns_.find(fd);
    if (it == conns_.end() || it->second.id != id) return;  // closed (and maybe reused) meanwhile
    Connection& c = it->second;
    if ((ev & EPOLLIN) != 0 && !c.dispatched) {
      Read(fd, c);
      return;
    }
    if ((ev & EPOLLOUT) != 0 && !c.out.empty()) {
      Write(fd, c);
      return;
    }
    if ((ev & (EPOLLERR | EPOLLHUP)) != 0) Close(fd);
  }

  void Read(int fd, Connection& c) {
    char buf[4096];
    bool eof = false;  // the client half-closed: a complete request is still answered
    while (true) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n == 0) {
        eof = true;
        break;
      }
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        Close(fd);
        return;
      }
      if (n < 0) break;
      c.in.append(buf, static_cast<std::size_t>(n));
      if (c.in.size() > kMaxRequestBytes) break;
    }
    const std::size_t end = c.in.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (c.in.size() > kMaxRequestBytes) {
        Count(Refusal::kTooLarge);
        Answer(fd, c, Serialize({431, "text/plain", "request too large\n"}, false));
      } else if (eof) {
        Close(fd);
      }
      return;
    }
    Job job{fd, c.id, {}};
    if (!ParseRequestHead(std::string_view(c.in).substr(0, end), &job.parsed)) {
      Count(Refusal::kBadRequest);
      Answer(fd, c, Serialize({400, "text/plain", "bad request\n"}, false));
      return;
    }
    c.dispatched = true;
    c.in.clear();
    Watch(fd, 0, EPOLL_CTL_MOD, c.id);  // nothing more to read; errors and hang-ups still arrive
    {
      std::lock_guard lock(mu_);
      if (jobs_.size() < kMaxQueued) {
        jobs_.push_back(std::move(job));
        cv_.notify_one();
        return;
      }
    }
    Count(Refusal::kOverloaded);
    Answer(fd, c,
           Serialize({503, "text/plain", "overloaded, retry\n"}, false, "Retry-After: 1\r\n"));
  }

  // Starts writing `bytes` on the connection, with the write deadline.
  void Answer(int fd, Connection& c, std::string bytes) {
    c.dispatched = true;
    c.out = std::move(bytes);
    c.written = 0;
    c.deadline = SteadyClock::now() + std::chrono::milliseconds(kWriteTimeoutMs);
    Watch(fd, EPOLLOUT, EPOLL_CTL_MOD, c.id);
    Write(fd, c);
  }

  void Write(int fd, Connection& c) {
    while (c.written < c.out.size()) {
      const ssize_t n =
          ::send(fd, c.out.data() + c.written, c.out.size() - c.written, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
        break;
      }
      c.written += static_cast<std::size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    Close(fd);
  }

  void TakeResponses() {
    std::vector<Done> done;
    {
      std::lock_guard lock(mu_);
      done.swap(done_);
    }
    for (Done& d : done) {
      const auto it = conns_.find(d.fd);
      if (it == conns_.end() || it->second.id != d.id) continue;  // closed meanwhile
      Answer(d.fd, it->second, std::move(d.bytes));
    }
  }

  void CloseExpired() {
    const auto now = SteadyClock::now();
    std::vector<int> expired;
    for (const auto& [fd, c] : conns_) {
      // A request with a worker has no deadline until its answer is ready.
      const bool waiting_for_worker = c.dispatched && c.out.empty();
      if (!waiting_for_worker && now > c.deadline) expired.push_back(fd);
    }
    for (const int fd : expired) {
      Count(Refusal::kTimeout);
      Close(fd);
    }
  }

  void Close(int fd) {
    const auto it = conns_.find(fd);
    if (it != conns_.end() && it->second.dispatched && it->second.out.empty()) {
      // Its request may still wait for a worker: drop it, so dead requests cannot fill the
      // queue that scrapes need.
      std::lock_guard lock(mu_);
      const std::uint64_t id = it->second.id;
      std::erase_if(jobs_, [&](const Job& j) { return j.fd == fd && j.id == id; });
    }
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    conns_.erase(fd);
  }

  void Work() {
    while (true) {
      Job job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (stopping_) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      std::string bytes = Handle(job.parsed);
      {
        std::lock_guard lock(mu_);
        done_.push_back(Done{job.fd, job.id, std::move(bytes)});
      }
      Wake();
    }
  }

  std::string Handle(const ParsedRequest& parsed) {
    const bool head = parsed.request.method == "HEAD";
    try {
      return Authorized(parsed, head);
    } catch (...) {  // a worker must never die: answer, count nothing more
      return Serialize({500, "text/plain", "internal error\n"}, head);
    }
  }

  std::string Authorized(const ParsedRequest& parsed, bool head) {
    if (server_.auth_) {
      switch (server_.auth_->Check(parsed.authorization)) {
        case BasicAuth::Result::kAllowed:
          break;
        case BasicAuth::Result::kDenied:
          Count(Refusal::kUnauthorized);
          return Serialize({401, "text/plain", "unauthorized\n"}, head,
                           "WWW-Authenticate: Basic realm=\"adwatch\", charset=\"UTF-8\"\r\n");
        case BasicAuth::Result::kBusy:
          Count(Refusal::kBusy);
          return Serialize({503, "text/plain", "busy checking passwords, retry\n"}, head,
                           "Retry-After: 1\r\n");
      }
    }
    return Serialize(server_.Respond(parsed.request), head);
  }

  const HttpServer& server_;
  const int listen_fd_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::unordered_map<int, Connection> conns_;  // event-loop thread only
  std::uint64_t next_id_ = 0;
  std::array<std::atomic<std::int64_t>, kRefusalNames.size()> refused_{};

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::deque<Job> jobs_;
  std::vector<Done> done_;
  std::thread loop_;
  std::vector<std::thread> workers_;
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
  runtime_ = std::make_unique<Runtime>(*this, fd);  // owns fd from here
  if (!runtime_->Start(error)) {
    runtime_.reset();
    return false;
  }
  return true;
}

void HttpServer::Stop() {
  if (runtime_) runtime_->Shutdown();  // workers may still read runtime_ until joined
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
