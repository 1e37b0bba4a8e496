// The web config's `tls_server_config`: what is accepted, and every bad setting reported with
// the web config's file, line and key (what `adwatch check-config` prints).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "../tls_test_certs.h"
#include "config/config.h"

namespace adwatch {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

class WebConfigTlsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(certs_.ok()) << "certtool failed in " << certs_.dir(); }

  // Parses a config whose web config holds `web`; returns the result.
  ConfigResult ParseWeb(const std::string& web) {
    web_ = certs_.dir() + "/web.yml";
    std::ofstream(web_) << web;
    return ParseConfig("web_config: " + web_ + "\n", "adwatch.yaml");
  }

  static std::string Dump(const ConfigResult& r) {
    std::string out;
    for (const auto& p : r.problems) out += p.ToString() + "\n";
    return out;
  }

  testing::TestCerts certs_;
  std::string web_;
};

TEST_F(WebConfigTlsTest, AcceptsTheExporterToolkitShapeWithPathsRelativeToTheWebConfig) {
  const ConfigResult r =
      ParseWeb("tls_server_config:\n  cert_file: server.pem\n  key_file: " + certs_.Key("server") +
               "\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.pem\n"
               "  min_version: TLS13\n");
  ASSERT_TRUE(r.ok()) << Dump(r);
  ASSERT_TRUE(r.config.web.tls.has_value());
  const TlsServerConfig& tls = *r.config.web.tls;
  EXPECT_EQ(tls.cert_file, certs_.Pem("server"));
  EXPECT_EQ(tls.key_file, certs_.Key("server"));
  EXPECT_EQ(tls.client_ca_file, certs_.Pem("ca"));
  EXPECT_EQ(tls.client_auth, TlsServerConfig::ClientAuth::kRequireAndVerifyClientCert);
  EXPECT_EQ(tls.min_version, TlsServerConfig::Version::kTls13);

  const ConfigResult plain =
      ParseWeb("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n");
  ASSERT_TRUE(plain.ok()) << Dump(plain);
  EXPECT_EQ(plain.config.web.tls->client_auth, TlsServerConfig::ClientAuth::kNoClientCert);
  EXPECT_EQ(plain.config.web.tls->min_version, TlsServerConfig::Version::kTls12);
}

// Each bad setting: one problem in the web config file, at the line and key of the setting.
TEST_F(WebConfigTlsTest, ReportsEachBadSettingWithFileLineAndKey) {
  struct Case {
    std::string body;
    int line;
    std::string key;
    std::string message;
  };
  const std::string head = "basic_auth_users: {}\ntls_server_config:\n";
  const std::vector<Case> cases = {
      {"  cert_file: missing.pem\n  key_file: server.key\n", 3, "tls_server_config.cert_file",
       "cannot read"},
      {"  cert_file: server.pem\n  key_file: /nonexistent.key\n", 4, "tls_server_config.key_file",
       "cannot read"},
      // The key of another certificate.
      {"  cert_file: server.pem\n  key_file: client.key\n", 4, "tls_server_config.key_file",
       "unusable with cert_file"},
      // Not PEM at all.
      {"  cert_file: server.tmpl\n  key_file: server.key\n", 4, "tls_server_config.key_file",
       "unusable with cert_file"},
      {"  cert_file: server.pem\n", 3, "tls_server_config.key_file", "required"},
      {"  cert_file: server.pem\n  key_file: server.key\n  client_auth_type: Always\n", 5,
       "tls_server_config.client_auth_type", "RequireAndVerifyClientCert"},
      {"  cert_file: server.pem\n  key_file: server.key\n  min_version: TLS14\n", 5,
       "tls_server_config.min_version", "TLS10, TLS11, TLS12 or TLS13"},
      {"  cert_file: server.pem\n  key_file: server.key\n"
       "  client_auth_type: RequireAndVerifyClientCert\n",
       3, "tls_server_config.client_ca_file", "required"},
      {"  cert_file: server.pem\n  key_file: server.key\n  client_ca_file: server.key\n", 5,
       "tls_server_config.client_ca_file", "not a PEM CA certificate file"},
      {"  cert_file: server.pem\n  key_file: server.key\n  cipher_suites: "
       "[TLS_AES_128_GCM_SHA256]\n",
       5, "tls_server_config.cipher_suites", "not supported"},
      {"  cert_file: server.pem\n  key_file: server.key\n  max_version: TLS13\n", 5,
       "tls_server_config.max_version", "unknown key"},
  };
  for (const Case& c : cases) {
    const ConfigResult r = ParseWeb(head + c.body);
    ASSERT_THAT(r.problems, SizeIs(1)) << c.body << Dump(r);
    EXPECT_EQ(r.problems[0].file, web_) << c.body;
    EXPECT_EQ(r.problems[0].line, c.line) << c.body << Dump(r);
    EXPECT_EQ(r.problems[0].key, c.key) << c.body << Dump(r);
    EXPECT_THAT(r.problems[0].message, HasSubstr(c.message)) << c.body << Dump(r);
    EXPECT_FALSE(r.config.web.tls.has_value()) << c.body;
  }
}

}  // namespace
}  // namespace adwatch
