#include "source/kafka_conf.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

namespace adwatch {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(KafkaConfTest, SecretPropertiesAreRedactedInDescriptions) {
  for (const char* name :
       {"sasl.password", "ssl.key.password", "ssl.key.pem", "sasl.oauthbearer.client.secret",
        "sasl.oauthbearer.config", "SASL.PASSWORD", "ssl.keystore.password", "sasl.jaas.config"}) {
    EXPECT_TRUE(IsSecretProperty(name)) << name;
  }
  for (const char* name : {"sasl.username", "security.protocol", "ssl.ca.location"}) {
    EXPECT_FALSE(IsSecretProperty(name)) << name;
  }
  EXPECT_EQ(DescribeProperties({{"sasl.username", "adwatch"},
                                {"sasl.password", "hunter2"},
                                {"sasl.oauthbearer.config", "file:/run/token"}}),
            "sasl.username=adwatch sasl.password=[redacted] sasl.oauthbearer.config=[redacted]");
}

TEST(KafkaConfTest, RefusedSecretValueIsNotEchoed) {
  std::string error;
  EXPECT_EQ(MakeKafkaConf({{"ssl.key.password", "ok"}, {"sasl.password2", "TYPO-SECRET"}}, "test",
                          &error),
            nullptr);
  EXPECT_EQ(error, "test: kafka property sasl.password2: invalid value (secret, not shown)");
  // Other properties keep librdkafka's explanation.
  EXPECT_EQ(MakeKafkaConf({{"linger.ms", "soon"}}, "test", &error), nullptr);
  EXPECT_THAT(error, HasSubstr("linger.ms: Invalid value"));
}

// Everything librdkafka logs while trying to authenticate (debug=all, including its config
// dump) goes through adwatch's logger; the password and the token never appear.
TEST(KafkaConfTest, SecretsNeverReachTheLogs) {
  const std::string token_file = ::testing::TempDir() + "/adwatch_token";
  std::ofstream(token_file) << "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZHdhdGNoIn0.TOKEN-SECRET-42\n";
  testing::internal::CaptureStderr();
  for (const char* mechanism : {"PLAIN", "OAUTHBEARER"}) {
    std::string error;
    rd_kafka_conf_t* conf = MakeKafkaConf({{"bootstrap.servers", "127.0.0.1:1"},
                                           {"debug", "all"},
                                           {"security.protocol", "SASL_PLAINTEXT"},
                                           {"sasl.mechanisms", mechanism},
                                           {"sasl.username", "adwatch"},
                                           {"sasl.password", "PASSWORD-SECRET-17"},
                                           {"sasl.oauthbearer.config", "file:" + token_file}},
                                          "test", &error);
    ASSERT_NE(conf, nullptr) << error;
    rd_kafka_t* rk = NewKafkaClient(RD_KAFKA_PRODUCER, conf, "test", &error);
    ASSERT_NE(rk, nullptr) << error;
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    while (std::chrono::steady_clock::now() < until) rd_kafka_poll(rk, 50);
    rd_kafka_destroy(rk);
  }
  const std::string logs = testing::internal::GetCapturedStderr();
  std::remove(token_file.c_str());
  EXPECT_THAT(logs, HasSubstr("sasl.username"));            // the config dump was logged...
  EXPECT_THAT(logs, Not(HasSubstr("PASSWORD-SECRET-17")));  // ...without the secrets
  EXPECT_THAT(logs, Not(HasSubstr("TOKEN-SECRET-42")));
}

TEST(KafkaConfTest, OAuthBearerTokenFromFileOrCommand) {
  const std::string path = ::testing::TempDir() + "/adwatch_token2";
  std::ofstream(path) << "  header.payload.sig \n";
  std::string error;
  EXPECT_EQ(ReadOAuthBearerToken("file:" + path, &error), "header.payload.sig");
  EXPECT_EQ(ReadOAuthBearerToken("command:printf 'a.b.c\\n'", &error), "a.b.c");

  EXPECT_EQ(ReadOAuthBearerToken("file:/nonexistent/token", &error), std::nullopt);
  EXPECT_EQ(error, "cannot read the OAUTHBEARER token file /nonexistent/token");
  EXPECT_EQ(ReadOAuthBearerToken("command:echo SECRET-OUTPUT; exit 3", &error), std::nullopt);
  EXPECT_THAT(error, HasSubstr("token command failed"));
  EXPECT_THAT(error, Not(HasSubstr("SECRET-OUTPUT")));
  EXPECT_EQ(ReadOAuthBearerToken("command:true", &error), std::nullopt);
  EXPECT_EQ(error, "the OAUTHBEARER token is empty");
  EXPECT_EQ(ReadOAuthBearerToken("principal=admin", &error), std::nullopt);
  std::remove(path.c_str());
}

// The refresh callback is installed for file:/command: sources and librdkafka calls it: the
// command leaves a mark each time it runs.
TEST(KafkaConfTest, OAuthBearerRefreshRunsTheCommand) {
  const std::string mark = ::testing::TempDir() + "/adwatch_token_mark";
  std::remove(mark.c_str());
  std::string error;
  rd_kafka_conf_t* conf =
      MakeKafkaConf({{"bootstrap.servers", "127.0.0.1:1"},
                     {"security.protocol", "SASL_PLAINTEXT"},
                     {"sasl.mechanisms", "OAUTHBEARER"},
                     {"sasl.oauthbearer.config", "command:echo ran >> " + mark + "; echo x.y.z"}},
                    "test", &error);
  ASSERT_NE(conf, nullptr) << error;
  rd_kafka_t* rk = NewKafkaClient(RD_KAFKA_PRODUCER, conf, "test", &error);
  ASSERT_NE(rk, nullptr) << error;
  bool ran = false;
  for (int i = 0; i < 100 && !ran; ++i) {
    rd_kafka_poll(rk, 50);
    ran = std::ifstream(mark).good();
  }
  rd_kafka_destroy(rk);
  EXPECT_TRUE(ran);
  std::remove(mark.c_str());
}

}  // namespace
}  // namespace adwatch
