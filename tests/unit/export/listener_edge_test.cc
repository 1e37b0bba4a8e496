// The listener's edges over real sockets: HTTP versions, oversized heads, per-client connection
// limits, and the password checks that no flood of wrong ones can lock out.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "export/basic_auth.h"
#include "export/http_server.h"

namespace adwatch {
namespace {

// A TCP connection from loopback address `from` (e.g. "127.0.0.2") to 127.0.0.1:`port`.
int ConnectFrom(const char* from, int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  ::inet_pton(AF_INET, from, &local.sin_addr);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Sends `raw` and reads until the server closes; the whole answer.
std::string Exchange(int port, const std::string& raw, const char* from = "127.0.0.1") {
  const int fd = ConnectFrom(from, port);
  if (fd < 0) return "";
  std::size_t sent = 0;
  while (sent < raw.size()) {
    const ssize_t n = ::send(fd, raw.data() + sent, raw.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

std::string Status(const std::string& answer) {
  return answer.size() >= 12 ? answer.substr(9, 3) : "";
}

std::string Request(const std::string& target, const std::string& version = "HTTP/1.1",
                    const std::string& headers = "") {
  return "GET " + target + " " + version + "\r\nHost: x\r\n" + headers +
         "Connection: close\r\n\r\n";
}

std::string Basic(const std::string& base64) { return "Authorization: Basic " + base64 + "\r\n"; }

// prometheus:hunter2, bcrypt cost 4 (fast tests).
constexpr const char* kHashCost4 = "$2b$04$Q40hoXhdEwlr1ZWS8jpamuwqtBQmYV2pcNYkTRemsU9JFXju2g/wu";
constexpr const char* kRight = "cHJvbWV0aGV1czpodW50ZXIy";                 // prometheus:hunter2
constexpr const char* kWrong = "cHJvbWV0aGV1czp3cm9uZw==";                 // prometheus:wrong
constexpr const char* kRightNulJunk = "cHJvbWV0aGV1czpodW50ZXIyAGp1bms=";  // ...hunter2\0junk

TEST(ListenerEdgeTest, OnlyHttp10And11AreServed) {
  HttpServer server({}, [] { return std::nullopt; });
  std::string error;
  ASSERT_TRUE(server.Start("127.0.0.1:0", &error)) << error;
  EXPECT_EQ(Status(Exchange(server.port(), Request("/healthz", "HTTP/1.1"))), "200");
  EXPECT_EQ(Status(Exchange(server.port(), Request("/healthz", "HTTP/1.0"))), "200");
  EXPECT_EQ(Status(Exchange(server.port(), Request("/", "HTTP/9.9"))), "505");
  EXPECT_EQ(Status(Exchange(server.port(), Request("/healthz", "HTTP/1.2"))), "505");
  EXPECT_EQ(Status(Exchange(server.port(), Request("/healthz", "HTTP/0.9"))), "505");
  EXPECT_EQ(Status(Exchange(server.port(), Request("/healthz", "HTTX/1.1"))), "400");
  const std::string m = Exchange(server.port(), Request("/metrics"));
  EXPECT_NE(m.find("adwatch_http_rejected_requests_total{reason=\"bad_request\"} 4\n"),
            std::string::npos)
      << m;
}

TEST(ListenerEdgeTest, PathTricksAreNotNormalisedIntoRoutes) {
  HttpServer server({}, [] { return std::nullopt; });
  std::string error;
  ASSERT_TRUE(server.Start("127.0.0.1:0", &error)) << error;
  for (const char* target : {"/metrics/../", "//metrics", "/%2e%2e/metrics", "/metrics%2e",
                             "/%6detrics", "/metrics/", "/METRICS"}) {
    EXPECT_EQ(Status(Exchange(server.port(), Request(target))), "404") << target;
  }
  EXPECT_EQ(Status(Exchange(server.port(), Request("/metrics?x=/../"))), "200");
}

TEST(ListenerEdgeTest, A100KilobyteHeadIsRefusedAndCounted) {
  HttpServer server({}, [] { return std::nullopt; });
  std::string error;
  ASSERT_TRUE(server.Start("127.0.0.1:0", &error)) << error;
  const std::string big = "X-Big: " + std::string(100 * 1024, 'a') + "\r\n";
  EXPECT_EQ(Status(Exchange(server.port(), Request("/healthz", "HTTP/1.1", big))), "431");
  const std::string m = Exchange(server.port(), Request("/metrics"));
  EXPECT_NE(m.find("adwatch_http_rejected_requests_total{reason=\"too_large\"} 1\n"),
            std::string::npos)
      << m;
}

TEST(ListenerEdgeTest, PipelinedRequestsAreAnsweredInOrder) {
  HttpServer server({}, [] { return std::nullopt; });
  std::string error;
  ASSERT_TRUE(server.Start("127.0.0.1:0", &error)) << error;
  const std::string two = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" + Request("/readyz");
  const std::string out = Exchange(server.port(), two);
  const std::size_t first = out.find("ok\n");
  const std::size_t second = out.find("ready\n");
  ASSERT_NE(first, std::string::npos) << out;
  ASSERT_NE(second, std::string::npos) << out;
  EXPECT_LT(first, second);
}

// One client address cannot hold more than kMaxConnectionsPerClient connections; another
// address is still served while it tries.
TEST(ListenerEdgeTest, ConnectionsAreLimitedPerClientAddress) {
  HttpServer server({}, [] { return std::nullopt; });
  std::string error;
  ASSERT_TRUE(server.Start("127.0.0.1:0", &error)) << error;
  std::vector<int> idle;
  for (std::size_t i = 0; i < HttpServer::kMaxConnectionsPerClient + 20; ++i) {
    const int fd = ConnectFrom("127.0.0.2", server.port());
    if (fd >= 0) idle.push_back(fd);
  }
  EXPECT_EQ(Status(Exchange(server.port(), Request("/healthz"))), "200");
  // The refused ones were closed by the server at once (the others stay open until the idle
  // timeout, kConnectionTimeoutSeconds).
  std::vector<bool> is_closed(idle.size(), false);
  int closed = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (closed < 20 && std::chrono::steady_clock::now() < deadline) {
    for (std::size_t i = 0; i < idle.size(); ++i) {
      char c;
      if (!is_closed[i] && ::recv(idle[i], &c, 1, MSG_DONTWAIT) == 0) {
        is_closed[i] = true;
        ++closed;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(closed, 20);
  const std::string m = Exchange(server.port(), Request("/metrics"));
  EXPECT_NE(m.find("adwatch_http_rejected_requests_total{reason=\"overloaded\"} 20\n"),
            std::string::npos)
      << m;
  for (const int fd : idle) ::close(fd);
}

TEST(ListenerEdgeTest, ANulInThePasswordIsRefusedOverHttp) {
  HttpServer server({}, [] { return std::nullopt; });
  server.RequireBasicAuth({{"prometheus", kHashCost4}});
  std::string error;
  ASSERT_TRUE(server.Start("127.0.0.1:0", &error)) << error;
  const auto get = [&](const char* credentials) {
    return Status(Exchange(server.port(), Request("/healthz", "HTTP/1.1", Basic(credentials))));
  };
  EXPECT_EQ(get(kRight), "200");
  EXPECT_EQ(get(kRightNulJunk), "401");
  EXPECT_EQ(get(kRight), "200");
}

TEST(BasicAuthEdgeTest, ControlBytesAreDeniedAndDoNotDisplaceTheRightPassword) {
  BasicAuth auth(BasicAuth::Users{{"prometheus", kHashCost4}});
  EXPECT_EQ(auth.Check(std::string("Basic ") + kRight, "a"), BasicAuth::Result::kAllowed);
  EXPECT_EQ(auth.Check(std::string("Basic ") + kRightNulJunk, "b"), BasicAuth::Result::kDenied);
  // prometheus:hunter2\n and prometheus:hunt\x7f
  EXPECT_EQ(auth.Check("Basic cHJvbWV0aGV1czpodW50ZXIyCg==", "b"), BasicAuth::Result::kDenied);
  EXPECT_EQ(auth.Check("Basic cHJvbWV0aGV1czpodW50fw==", "b"), BasicAuth::Result::kDenied);
  // The right password is still remembered: allowed even with client c's budget spent.
  for (int i = 0; i < 3 * BasicAuth::kClientBurst; ++i) {
    (void)auth.Check(std::string("Basic ") + kWrong, "c");
  }
  EXPECT_EQ(auth.Check(std::string("Basic ") + kWrong, "c"), BasicAuth::Result::kBusy);
  EXPECT_EQ(auth.Check(std::string("Basic ") + kRight, "c"), BasicAuth::Result::kAllowed);
}

// Many clients flooding wrong passwords spend their own and the global budget; a client that
// was not flooding still gets its first (uncached) check.
TEST(BasicAuthEdgeTest, AFloodFromOtherClientsCannotStarveAQuietOne) {
  BasicAuth auth(BasicAuth::Users{{"prometheus", kHashCost4}});
  std::atomic<int> busy{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> flood;
  for (int t = 0; t < 8; ++t) {
    flood.emplace_back([&, t] {
      const std::string client = "10.0.0." + std::to_string(t);
      while (!stop) {
        if (auth.Check(std::string("Basic ") + kWrong, client) == BasicAuth::Result::kBusy) {
          ++busy;
        }
      }
    });
  }
  while (busy < 100) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  // Quiet clients, one after another, each answered at its first try.
  for (const char* client : {"192.0.2.1", "192.0.2.2"}) {
    EXPECT_EQ(auth.Check(std::string("Basic ") + kRight, client), BasicAuth::Result::kAllowed)
        << client;
  }
  stop = true;
  for (auto& t : flood) t.join();
}

TEST(BasicAuthEdgeTest, RemembersAFewPasswordsPerUserAndOnlyVerifiedOnes) {
  // Two users with the same password hash: each remembered separately.
  BasicAuth auth(BasicAuth::Users{{"prometheus", kHashCost4}, {"grafana", kHashCost4}});
  EXPECT_EQ(auth.Check(std::string("Basic ") + kRight, "a"), BasicAuth::Result::kAllowed);
  // grafana:hunter2
  EXPECT_EQ(auth.Check("Basic Z3JhZmFuYTpodW50ZXIy", "b"), BasicAuth::Result::kAllowed);
  // Spend client d's budget; both remembered passwords still pass without bcrypt.
  for (int i = 0; i < 3 * BasicAuth::kClientBurst; ++i) {
    (void)auth.Check(std::string("Basic ") + kWrong, "d");
  }
  EXPECT_EQ(auth.Check(std::string("Basic ") + kRight, "d"), BasicAuth::Result::kAllowed);
  EXPECT_EQ(auth.Check("Basic Z3JhZmFuYTpodW50ZXIy", "d"), BasicAuth::Result::kAllowed);
  // A wrong password was never remembered: still busy (needs bcrypt), not allowed.
  EXPECT_EQ(auth.Check(std::string("Basic ") + kWrong, "d"), BasicAuth::Result::kBusy);
}

TEST(ValidUtf8Test, ReplacesInvalidSequencesAndKeepsValidOnes) {
  EXPECT_EQ(ValidUtf8OrReplaced("plain"), "plain");
  EXPECT_EQ(ValidUtf8OrReplaced("\xC2\xA3 \xE2\x82\xAC"), "\xC2\xA3 \xE2\x82\xAC");
  EXPECT_EQ(ValidUtf8OrReplaced("a\xFF"
                                "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(ValidUtf8OrReplaced("\xC0\xAF"), ValidUtf8OrReplaced(ValidUtf8OrReplaced("\xC0\xAF")));
  EXPECT_EQ(ValidUtf8OrReplaced("\xED\xA0\x80").find('\xED'), std::string::npos);  // surrogate
  EXPECT_EQ(ValidUtf8OrReplaced("\xE2\x82"), "\xEF\xBF\xBD");                      // truncated
}

}  // namespace
}  // namespace adwatch
