// The listener over TLS, with a real client (curl) and certificates made for the test by
// certtool: every path over HTTPS, plain HTTP refused, client certificates when configured,
// min_version honoured.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>

#include "../tls_test_certs.h"
#include "export/http_server.h"

namespace adwatch {
namespace {

// Runs curl with `args` against the server; returns the HTTP status curl saw ("000" when the
// connection or handshake failed).
std::string Curl(const std::string& args) {
  const std::string command = "curl -s -o /dev/null -w '%{http_code}' --max-time 10 " + args;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  std::array<char, 64> buf{};
  std::string out;
  while (std::fgets(buf.data(), buf.size(), pipe) != nullptr) out += buf.data();
  ::pclose(pipe);
  return out;
}

class TlsListenerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(certs_.ok()) << "certtool failed in " << certs_.dir(); }

  // Starts a server with `tls` (cert and key filled in) and one extra route.
  void Start(TlsServerConfig tls) {
    tls.cert_file = certs_.Pem("server");
    tls.key_file = certs_.Key("server");
    server_.Route("/api/v1/ads", [](const HttpRequest&) {
      return HttpResponse{200, "application/json", "{}"};
    });
    server_.UseTls(std::move(tls));
    std::string error;
    ASSERT_TRUE(server_.Start("127.0.0.1:0", &error)) << error;
  }

  std::string Url(const std::string& path, const char* scheme = "https") const {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(server_.port()) + path;
  }
  std::string Trusting() const { return "--cacert " + certs_.Pem("ca") + " "; }
  std::string As(const std::string& who) const {
    return "--cert " + certs_.Pem(who) + " --key " + certs_.Key(who) + " ";
  }

  testing::TestCerts certs_;
  HttpServer server_{{}, [] { return std::nullopt; }};
};

TEST_F(TlsListenerTest, ServesEveryPathOverTlsAndRefusesPlainHttp) {
  Start({});
  for (const char* path : {"/metrics", "/healthz", "/readyz", "/api/v1/ads?limit=1"}) {
    EXPECT_EQ(Curl(Trusting() + "'" + Url(path) + "'"), "200") << path;
  }
  EXPECT_EQ(Curl(Trusting() + Url("/nope")), "404");
  // Not trusted by the client: curl refuses the server's certificate.
  EXPECT_EQ(Curl(Url("/metrics")), "000");
  // Plain HTTP to the TLS port gets no HTTP answer.
  EXPECT_EQ(Curl(Url("/metrics", "http")), "000");
}

TEST_F(TlsListenerTest, MinVersionIsHonoured) {
  TlsServerConfig tls;
  tls.min_version = TlsServerConfig::Version::kTls13;
  Start(tls);
  EXPECT_EQ(Curl(Trusting() + "--tlsv1.3 " + Url("/healthz")), "200");
  EXPECT_EQ(Curl(Trusting() + "--tlsv1.2 --tls-max 1.2 " + Url("/healthz")), "000");
}

TEST_F(TlsListenerTest, RequireAndVerifyClientCertAcceptsOnlyCertificatesOfTheClientCa) {
  TlsServerConfig tls;
  tls.client_auth = TlsServerConfig::ClientAuth::kRequireAndVerifyClientCert;
  tls.client_ca_file = certs_.Pem("ca");
  Start(tls);
  EXPECT_EQ(Curl(Trusting() + As("client") + Url("/metrics")), "200");
  EXPECT_EQ(Curl(Trusting() + As("client") + Url("/healthz")), "200");
  EXPECT_EQ(Curl(Trusting() + Url("/metrics")), "000");                   // none
  EXPECT_EQ(Curl(Trusting() + As("stranger") + Url("/metrics")), "000");  // another CA's
  const std::string metrics = [&] {
    const std::string command =
        "curl -s --max-time 10 " + Trusting() + As("client") + Url("/metrics");
    FILE* pipe = ::popen(command.c_str(), "r");
    std::string out;
    std::array<char, 4096> buf{};
    while (pipe != nullptr && std::fgets(buf.data(), buf.size(), pipe) != nullptr) {
      out += buf.data();
    }
    if (pipe != nullptr) ::pclose(pipe);
    return out;
  }();
  EXPECT_NE(metrics.find("adwatch_http_rejected_requests_total{reason=\"client_cert\"} 1\n"),
            std::string::npos)
      << metrics;
}

TEST_F(TlsListenerTest, VerifyClientCertIfGivenChecksOnlyCertificatesSent) {
  TlsServerConfig tls;
  tls.client_auth = TlsServerConfig::ClientAuth::kVerifyClientCertIfGiven;
  tls.client_ca_file = certs_.Pem("ca");
  Start(tls);
  EXPECT_EQ(Curl(Trusting() + Url("/healthz")), "200");
  EXPECT_EQ(Curl(Trusting() + As("client") + Url("/healthz")), "200");
  EXPECT_EQ(Curl(Trusting() + As("stranger") + Url("/healthz")), "000");
}

TEST_F(TlsListenerTest, RequireAnyClientCertNeedsOneButDoesNotCheckIt) {
  TlsServerConfig tls;
  tls.client_auth = TlsServerConfig::ClientAuth::kRequireAnyClientCert;
  Start(tls);
  EXPECT_EQ(Curl(Trusting() + Url("/healthz")), "000");
  EXPECT_EQ(Curl(Trusting() + As("stranger") + Url("/healthz")), "200");
}

}  // namespace
}  // namespace adwatch
