// The Kafka key against the body (Pipeline::Process, README "Input rules"): an observation must
// be keyed `<registry>:<ad id>`, a crawl_end unkeyed; anything else is `key_mismatch`, in both
// input formats, and changes no figure.
#include <gtest/gtest.h>

#include <string>

#include "app/pipeline.h"
#if __has_include("adwatch/v1/observation.pb.h")
#include "adwatch/v1/observation.pb.h"
#else
#include "observation.pb.h"
#endif

namespace adwatch {
namespace {

struct Wire {
  std::string observation;  // meta ad 42, [100, 199]
  std::string google;       // google ad CR7
  std::string crawl_end;
};

Wire Json() {
  return {R"({"registry":"meta","observed_at":"2019-12-09T06:00:00Z","ad":{"id":"42",)"
          R"("page_name":"x","spend":{"lower_bound":"100","upper_bound":"199"}}})",
          R"({"registry":"google","observed_at":"2019-12-09T06:00:00Z","ad":{"Ad_ID":"CR7",)"
          R"("Advertiser_ID":"AR1","Advertiser_Name":"x","Spend_Range_Min_GBP":"100",)"
          R"("Spend_Range_Max_GBP":"200"}})",
          R"({"kind":"crawl_end","registry":"meta","crawl_id":"c1","scope":"GB",)"
          R"("started_at":"2019-12-09T05:00:00Z","completed_at":"2019-12-09T06:30:00Z"})"};
}

Wire Protobuf() {
  Wire w;
  v1::Envelope env;
  v1::Observation* o = env.mutable_observation();
  o->set_registry("meta");
  o->set_observed_at("2019-12-09T06:00:00Z");
  o->mutable_ad()->set_id("42");
  o->mutable_ad()->set_page_name("x");
  o->mutable_ad()->mutable_spend()->set_lower_bound("100");
  o->mutable_ad()->mutable_spend()->set_upper_bound("199");
  w.observation = env.SerializeAsString();
  o->set_registry("google");
  o->mutable_ad()->set_id("CR7");
  o->mutable_ad()->set_page_id("AR1");
  o->mutable_ad()->mutable_spend()->set_upper_bound("200");
  w.google = env.SerializeAsString();
  v1::Envelope end;
  v1::CrawlEnd* c = end.mutable_crawl_end();
  c->set_registry("meta");
  c->set_crawl_id("c1");
  c->set_scope("GB");
  c->set_started_at("2019-12-09T05:00:00Z");
  c->set_completed_at("2019-12-09T06:30:00Z");
  w.crawl_end = end.SerializeAsString();
  return w;
}

class KeyCheck : public ::testing::TestWithParam<InputFormat> {
 protected:
  KeyCheck() : config_(Make(GetParam())), pipeline_(config_, clock_) {}
  static Config Make(InputFormat format) {
    Config c = DefaultConfig();
    c.kafka.format = format;
    return c;
  }
  Outcome Send(const std::string& key, const std::string& value) {
    return pipeline_.Process(InputRecord{"t", 0, offset_++, key, value});
  }
  std::int64_t Mismatches() {
    return pipeline_.Snapshot().rejects[static_cast<int>(RejectReason::kKeyMismatch)];
  }
  Wire wire_ = GetParam() == InputFormat::kJson ? Json() : Protobuf();
  ManualClock clock_{1575936000};
  Config config_;
  Pipeline pipeline_;
  std::int64_t offset_ = 0;
};

TEST_P(KeyCheck, AnythingButRegistryColonIdIsKeyMismatch) {
  for (const char* key : {"", "meta:43", "meta:4", "meta:42 ", " meta:42", "meta42", "meta::42",
                          "google:42", "Meta:42", "meta:42:x", "42"}) {
    EXPECT_EQ(Send(key, wire_.observation), Outcome::kRejected) << "key '" << key << "'";
  }
  EXPECT_EQ(Mismatches(), 11);
  EXPECT_EQ(pipeline_.ad_count(), 0u);  // none applied
  EXPECT_EQ(Send("meta:42", wire_.observation), Outcome::kApplied);
  EXPECT_EQ(Send("google:CR7", wire_.google), Outcome::kApplied);
  EXPECT_EQ(Send("meta:CR7", wire_.google), Outcome::kRejected);
  EXPECT_EQ(pipeline_.ad_count(), 2u);
  EXPECT_EQ(Mismatches(), 12);
}

TEST_P(KeyCheck, ACrawlEndIsUnkeyed) {
  EXPECT_EQ(Send("meta:c1", wire_.crawl_end), Outcome::kRejected);
  EXPECT_EQ(Send("meta:42", wire_.crawl_end), Outcome::kRejected);
  EXPECT_EQ(Mismatches(), 2);
  EXPECT_NE(Send("", wire_.crawl_end), Outcome::kRejected);
  EXPECT_EQ(Mismatches(), 2);
}

TEST_P(KeyCheck, DecodingFailuresKeepTheirReason) {
  // The key is checked only once the body decodes: a bad body under a bad key is the body's.
  EXPECT_EQ(Send("x", "\x01not a message"), Outcome::kRejected);
  EXPECT_EQ(Mismatches(), 0);
}

INSTANTIATE_TEST_SUITE_P(Formats, KeyCheck,
                         ::testing::Values(InputFormat::kJson, InputFormat::kProtobuf),
                         [](const auto& p) {
                           return p.param == InputFormat::kJson ? "Json" : "Protobuf";
                         });

}  // namespace
}  // namespace adwatch
