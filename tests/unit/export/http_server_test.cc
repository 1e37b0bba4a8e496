#include "export/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>

#include "entity_fixture.h"
#include "export/figures_collector.h"
#include "export/pipeline_metrics.h"

namespace adwatch {
namespace {

// A TCP connection to loopback `port`; -1 on failure.
int Connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Minimal GET over loopback with optional extra header lines; returns "<status> <body>".
// `half_close`: the client shuts its sending side right after the request (as `nc -N` does).
std::string Get(int port, const std::string& path, const std::string& headers = "",
                bool half_close = false) {
  const int fd = Connect(port);
  if (fd < 0) return "";
  const std::string req =
      "GET " + path + " HTTP/1.1\r\nHost: x\r\n" + headers + "Connection: close\r\n\r\n";
  (void)::send(fd, req.data(), req.size(), 0);
  if (half_close) ::shutdown(fd, SHUT_WR);
  std::string raw;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) raw.append(buf, static_cast<size_t>(n));
  ::close(fd);
  const size_t body = raw.find("\r\n\r\n");
  if (raw.size() < 12) return "";
  return raw.substr(9, 3) + " " + (body == std::string::npos ? "" : raw.substr(body + 4));
}

Config TwoPartyConfig() {
  Config c;
  c.entities = {Entity("Labour", EntityType::kParty, 1950000000),
                Entity("People's Vote", EntityType::kNonPartyCampaigner, std::nullopt)};
  c.themes.resize(1);
  c.themes[0].name = "brexit";
  c.windows = {{"1h", 3600}};
  return c;
}

TEST(HttpServerTest, ServesMetricsHealthAndReadinessOnAnEphemeralPort) {
  std::atomic<bool> ready{false};
  PipelineMetrics metrics;
  const Config config = TwoPartyConfig();
  auto collector = std::make_shared<FiguresCollector>(config, [] {
    Figures f(3, 2, 1);
    f.campaign_to_date[0].v[0] = 12345;  // £123.45
    f.no_disclaimer.v[1] = 678;          // £6.78
    f.watermark = 1575849600;
    f.outcomes[static_cast<int>(Outcome::kApplied)] = 1;
    f.outcomes[static_cast<int>(Outcome::kRejected)] = 1;
    f.rejects[static_cast<int>(RejectReason::kBadAmount)] = 1;
    return f;
  });
  HttpServer server({metrics.registry(), collector}, [&]() -> std::optional<std::string> {
    if (ready) return std::nullopt;
    return "no partitions assigned yet";
  });
  std::string error;
  ASSERT_TRUE(server.Start("127.0.0.1:0", &error)) << error;
  ASSERT_GT(server.port(), 0);

  EXPECT_EQ(Get(server.port(), "/healthz").substr(0, 3), "200");
  EXPECT_EQ(Get(server.port(), "/readyz"), "503 not ready: no partitions assigned yet\n");
  ready = true;
  EXPECT_EQ(Get(server.port(), "/readyz").substr(0, 3), "200");

  const std::string m = Get(server.port(), "/metrics");
  EXPECT_EQ(m.substr(0, 3), "200");
  EXPECT_NE(m.find("adwatch_spend_gbp{party=\"Labour\",bound=\"lower\"} 123.45\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("adwatch_spend_limit_gbp{party=\"Labour\"} 19500000\n"), std::string::npos);
  EXPECT_NE(m.find("adwatch_spend_no_disclaimer_gbp{bound=\"upper\"} 6.78\n"), std::string::npos);
  EXPECT_NE(m.find("adwatch_party_info{party=\"People's Vote\",type=\"non_party_campaigner\"} 1"),
            std::string::npos);
  EXPECT_NE(m.find("adwatch_rejected_total{reason=\"bad_amount\"} 1"), std::string::npos);
  EXPECT_NE(m.find("adwatch_events_total{outcome=\"rejected\"} 1"), std::string::npos);
  EXPECT_NE(m.find("adwatch_events_total{outcome=\"applied\"} 1"), std::string::npos);
  EXPECT_NE(m.find("adwatch_watermark_timestamp_seconds 1575849600"), std::string::npos);
  EXPECT_NE(m.find("adwatch_build_info{version="), std::string::npos);
  EXPECT_EQ(Get(server.port(), "/nope").substr(0, 3), "404");

  HttpServer other({}, [] { return std::nullopt; });
  EXPECT_FALSE(other.Start("127.0.0.1:" + std::to_string(server.port()), &error));
  EXPECT_NE(error.find("cannot listen"), std::string::npos);
}

TEST(HttpServerTest, ServesRegisteredRoutesWithTheirQueryAndOnlyForGet) {
  HttpServer server({}, [] { return std::nullopt; });
  server.Route("/api/echo", [](const HttpRequest& request) {
    return HttpResponse{200, "application/json", "{\"q\":\"" + request.query + "\"}"};
  });
  std::string error;
  ASSERT_TRUE(server.Start("127.0.0.1:0", &error)) << error;
  EXPECT_EQ(Get(server.port(), "/api/echo?a=1&b=2"), "200 {\"q\":\"a=1&b=2\"}");
  EXPECT_EQ(Get(server.port(), "/api/echo/more").substr(0, 3), "404");
}

// prometheus:hunter2, bcrypt cost 4 (fast tests).
constexpr const char* kHashCost4 = "$2b$04$Q40hoXhdEwlr1ZWS8jpamuwqtBQmYV2pcNYkTRemsU9JFXju2g/wu";
constexpr const char* kRightPassword = "Authorization: Basic cHJvbWV0aGV1czpodW50ZXIy\r\n";
constexpr const char* kWrongPassword = "Authorization: Basic cHJvbWV0aGV1czp3cm9uZw==\r\n";
constexpr const char* kUnknownUser = "Authorization: Basic bWFsbG9yeTpodW50ZXIy\r\n";

TEST(BasicAuthTest, DecodesBase64AndChecksBcrypt) {
  std::string out;
  EXPECT_TRUE(DecodeBase64("cHJvbWV0aGV1czpodW50ZXIy", &out));
  EXPECT_EQ(out, "prometheus:hunter2");
  EXPECT_TRUE(DecodeBase64("YQ==", &out));
  EXPECT_EQ(out, "a");
  EXPECT_FALSE(DecodeBase64("Y", &out));
  EXPECT_FALSE(DecodeBase64("a b", &out));

  BasicAuth auth(BasicAuth::Users{{"prometheus", kHashCost4}});
  EXPECT_EQ(auth.Check("Basic cHJvbWV0aGV1czpodW50ZXIy"), BasicAuth::Result::kAllowed);
  EXPECT_EQ(auth.Check("Basic cHJvbWV0aGV1czpodW50ZXIy"), BasicAuth::Result::kAllowed);  // cached
  EXPECT_EQ(auth.Check("Basic cHJvbWV0aGV1czp3cm9uZw=="), BasicAuth::Result::kDenied);
  EXPECT_EQ(auth.Check("Basic bWFsbG9yeTpodW50ZXIy"), BasicAuth::Result::kDenied);
  EXPECT_EQ(auth.Check(""), BasicAuth::Result::kDenied);
  EXPECT_EQ(auth.Check("Bearer x"), BasicAuth::Result::kDenied);
  EXPECT_EQ(auth.Check("Basic !!!"), BasicAuth::Result::kDenied);
  EXPECT_EQ(auth.Check("Basic bm9jb2xvbg=="), BasicAuth::Result::kDenied);  // "nocolon"
}

// Wrong passwords beyond kHashesPerSecond are turned away without a bcrypt run (503); a
// password already verified still gets in.
TEST(BasicAuthTest, PasswordChecksAreRateLimited) {
  BasicAuth auth(BasicAuth::Users{{"prometheus", kHashCost4}});
  EXPECT_EQ(auth.Check("Basic cHJvbWV0aGV1czpodW50ZXIy"), BasicAuth::Result::kAllowed);
  int busy = 0;
  for (int i = 0; i < 3 * BasicAuth::kHashesPerSecond; ++i) {
    busy += auth.Check("Basic cHJvbWV0aGV1czp3cm9uZw==") == BasicAuth::Result::kBusy ? 1 : 0;
  }
  EXPECT_GE(busy, BasicAuth::kHashesPerSecond);  // at most two seconds' budgets were spent
  EXPECT_EQ(auth.Check("Basic cHJvbWV0aGV1czpodW50ZXIy"), BasicAuth::Result::kAllowed);
}

TEST(HttpServerTest, BasicAuthCoversEveryPath) {
  HttpServer server({}, [] { return std::nullopt; });
  server.Route("/api/x", [](const HttpRequest&) { return HttpResponse{200, "text/plain", "x"}; });
  server.RequireBasicAuth({{"prometheus", kHashCost4}});
  std::string error;
  ASSERT_TRUE(server.Start("127.0.0.1:0", &error)) << error;
  for (const char* path : {"/metrics", "/healthz", "/readyz", "/api/x", "/nope"}) {
    EXPECT_EQ(Get(server.port(), path), "401 unauthorized\n") << path;
    EXPECT_EQ(Get(server.port(), path, "Authorization: Basic !!!\r\n"), "401 unauthorized\n")
        << path;
  }
  EXPECT_EQ(Get(server.port(), "/metrics", kWrongPassword), "401 unauthorized\n");
  EXPECT_EQ(Get(server.port(), "/api/x", kUnknownUser), "401 unauthorized\n");
  EXPECT_EQ(Get(server.port(), "/api/x", kRightPassword), "200 x");
  EXPECT_EQ(Get(server.port(), "/nope", kRightPassword).substr(0, 3), "404");
  const std::string m = Get(server.port(), "/metrics", kRightPassword);
  EXPECT_NE(m.find("adwatch_http_rejected_requests_total{reason=\"unauthorized\"} 12\n"),
            std::string::npos)
      << m;
}

TEST(HttpServerTest, AnswersAClientThatHalfClosedAfterItsRequest) {
  HttpServer server({}, [] { return std::nullopt; });
  std::string error;
  ASSERT_TRUE(server.Start("127.0.0.1:0", &error)) << error;
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(Get(server.port(), "/healthz", "", /*half_close=*/true), "200 ok\n");
  }
}

TEST(ParseQueryTest, DecodesPercentAndPlusAndKeepsMalformedEscapesLiterally) {
  const auto q =
      ParseQuery("party=People%27s+Vote&state=unlisted,removed&x=%zz%4&&=v&flag&party2=%C2%A3");
  EXPECT_EQ(q.at("party"), "People's Vote");
  EXPECT_EQ(q.at("state"), "unlisted,removed");
  EXPECT_EQ(q.at("x"), "%zz%4");
  EXPECT_EQ(q.at(""), "v");
  EXPECT_EQ(q.at("flag"), "");
  EXPECT_EQ(q.at("party2"), "\xC2\xA3");
  EXPECT_EQ(ParseQuery("a=1&a=2").at("a"), "2");
  EXPECT_TRUE(ParseQuery("").empty());
}

}  // namespace
}  // namespace adwatch
