#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "decode/decoder.h"
#include "decode_test_util.h"
#if __has_include("adwatch/v1/observation.pb.h")
#include "adwatch/v1/observation.pb.h"
#else
#include "observation.pb.h"
#endif

namespace adwatch {
namespace {

using namespace testing_decode;  // NOLINT

// SPEC §2.1's example as a protobuf Envelope (same values as kMetaExample).
v1::Envelope MetaEnvelope() {
  v1::Envelope env;
  v1::Observation* o = env.mutable_observation();
  o->set_registry("meta");
  o->set_observed_at("2019-12-09T06:12:00Z");
  o->set_crawl_id("meta-GB-2019-12-09T06");
  o->set_lookup(v1::LOOKUP_LISTING);
  o->set_status(v1::STATUS_PRESENT);
  v1::Ad* ad = o->mutable_ad();
  ad->set_id("461290581348812");
  ad->set_page_id("8807334278");
  ad->set_page_name("Conservatives");
  ad->set_bylines("Conservative and Unionist Party");
  ad->add_ad_creative_bodies("Get Brexit done. Vote Conservative on 12 December.");
  ad->add_ad_creative_link_titles("Get Brexit Done");
  ad->set_ad_delivery_start_time("2019-12-01");
  ad->set_currency("GBP");
  ad->mutable_spend()->set_lower_bound("1000");
  ad->mutable_spend()->set_upper_bound("4999");
  v1::Region* region = ad->add_delivery_by_region();
  region->set_region("England");
  region->set_percentage("0.91");
  return env;
}

class ProtobufDecoderTest : public ::testing::Test {
 protected:
  DecodeResult DecodeProto(const v1::Envelope& env) {
    return proto_->Decode(env.SerializeAsString());
  }
  RejectReason Reason(const v1::Envelope& env) { return ReasonOf(DecodeProto(env)); }

  ManualClock clock_{kNow};
  DecoderOptions options_ = TestOptions();
  std::unique_ptr<Decoder> proto_ = MakeProtobufDecoder(options_, clock_);
  std::unique_ptr<Decoder> json_ = MakeJsonDecoder(options_, clock_);
};

TEST_F(ProtobufDecoderTest, MetaRoundTripEqualsJsonDecode) {
  const DecodeResult from_proto = DecodeProto(MetaEnvelope());
  const DecodeResult from_json = json_->Decode(kMetaExample);
  ExpectSameObservation(ObservationOf(from_proto), ObservationOf(from_json));
  // And the values themselves, independently of the JSON decoder.
  const Observation& o = ObservationOf(from_proto);
  EXPECT_EQ(o.observed_at, 1575871920);
  EXPECT_EQ(o.spend, (SpendRange{100000, 499900, false}));
  EXPECT_EQ(o.content.texts.size(), 2u);
}

TEST_F(ProtobufDecoderTest, OlderFieldsOpenEndedAndConversionMatchJson) {
  v1::Envelope env = MetaEnvelope();
  v1::Ad* ad = env.mutable_observation()->mutable_ad();
  ad->clear_bylines();
  ad->set_funding_entity("The Labour Party");
  ad->set_currency("EUR");
  ad->mutable_spend()->clear_upper_bound();
  ad->set_ad_delivery_stop_time("2019-12-08");
  env.mutable_observation()->set_lookup(v1::LOOKUP_BY_ID);
  env.mutable_observation()->set_scope("GB");
  const std::string json = R"({"registry":"meta","observed_at":"2019-12-09T06:12:00Z",
      "crawl_id":"meta-GB-2019-12-09T06","lookup":"by_id","scope":"GB",
      "ad":{"id":"461290581348812","page_id":"8807334278","page_name":"Conservatives",
            "funding_entity":"The Labour Party",
            "ad_creative_bodies":["Get Brexit done. Vote Conservative on 12 December."],
            "ad_creative_link_titles":["Get Brexit Done"],
            "ad_delivery_start_time":"2019-12-01","ad_delivery_stop_time":"2019-12-08",
            "currency":"EUR","spend":{"lower_bound":"1000"},
            "delivery_by_region":[{"region":"England","percentage":"0.91"}]}})";
  const DecodeResult p = DecodeProto(env);
  ExpectSameObservation(ObservationOf(p), ObservationOf(json_->Decode(json)));
  EXPECT_EQ(ObservationOf(p).spend, (SpendRange{85000, 85000, true}));
  EXPECT_EQ(ObservationOf(p).content.bylines, "The Labour Party");
}

TEST_F(ProtobufDecoderTest, GoogleRoundTripEqualsJsonDecode) {
  v1::Envelope env;
  v1::Observation* o = env.mutable_observation();
  o->set_registry("google");
  o->set_observed_at("2019-12-09T06:12:00Z");
  o->set_crawl_id("g-1");
  o->set_scope("GB");
  v1::Ad* ad = o->mutable_ad();
  ad->set_id("CR104");
  ad->set_page_id("AR488");
  ad->set_page_name("The Conservative & Unionist Party");
  ad->set_ad_delivery_start_time("2019-11-20");
  ad->set_ad_delivery_stop_time("2019-12-11");
  ad->set_currency("GBP");
  ad->mutable_spend()->set_lower_bound("50");
  ad->mutable_spend()->set_upper_bound("750");
  ExpectSameObservation(ObservationOf(DecodeProto(env)),
                        ObservationOf(json_->Decode(kGoogleExample)));
  EXPECT_EQ(ObservationOf(DecodeProto(env)).content.page_id, "AR488");
}

TEST_F(ProtobufDecoderTest, NotFoundRoundTrip) {
  v1::Envelope env;
  env.mutable_observation()->set_registry("meta");
  env.mutable_observation()->set_observed_at("2019-12-09T06:12:00Z");
  env.mutable_observation()->set_status(v1::STATUS_NOT_FOUND);
  env.mutable_observation()->mutable_ad()->set_id("42");
  const std::string json = R"({"registry":"meta","observed_at":"2019-12-09T06:12:00Z",
                               "status":"not_found","ad":{"id":"42"}})";
  ExpectSameObservation(ObservationOf(DecodeProto(env)), ObservationOf(json_->Decode(json)));
  EXPECT_EQ(ObservationOf(DecodeProto(env)).status, AdStatus::kNotFound);
}

TEST_F(ProtobufDecoderTest, CrawlEndRoundTrip) {
  v1::Envelope env;
  v1::CrawlEnd* c = env.mutable_crawl_end();
  c->set_registry("meta");
  c->set_crawl_id("meta-GB-2019-12-09T06");
  c->set_scope("GB");
  c->set_started_at("2019-12-09T06:00:00Z");
  c->set_completed_at("2019-12-09T06:55:00Z");
  c->set_ads_listed(110822);
  const CrawlEnd& p = CrawlEndOf(DecodeProto(env));
  const DecodeResult jr = json_->Decode(kCrawlEndExample);
  const CrawlEnd& j = CrawlEndOf(jr);
  EXPECT_EQ(p.registry, j.registry);
  EXPECT_EQ(p.crawl_id, j.crawl_id);
  EXPECT_EQ(p.scope, j.scope);
  EXPECT_EQ(p.started_at, 1575871200);
  EXPECT_EQ(p.started_at, j.started_at);
  EXPECT_EQ(p.completed_at, j.completed_at);
  EXPECT_EQ(p.ads_listed, j.ads_listed);

  c->set_ads_listed(-3);
  EXPECT_EQ(Reason(env), RejectReason::kBadValue);
  c->clear_completed_at();
  EXPECT_EQ(Reason(env), RejectReason::kMissingField);
}

TEST_F(ProtobufDecoderTest, WireLevelRejections) {
  EXPECT_EQ(ReasonOf(proto_->Decode("\xff\xff\xff\xff")), RejectReason::kBadProtobuf);
  EXPECT_EQ(ReasonOf(proto_->Decode(kMetaExample)), RejectReason::kBadProtobuf);
  // Truncating the serialized form inside a length-delimited field fails the parse.
  const std::string bytes = MetaEnvelope().SerializeAsString();
  EXPECT_EQ(ReasonOf(proto_->Decode(std::string_view(bytes).substr(0, bytes.size() - 3))),
            RejectReason::kBadProtobuf);
  // An empty message is a valid Envelope holding nothing.
  EXPECT_EQ(ReasonOf(proto_->Decode("")), RejectReason::kUnknownKind);
  std::string big = MetaEnvelope().SerializeAsString();
  DecoderOptions small = TestOptions();
  small.limits.max_message_bytes = big.size() - 1;
  EXPECT_EQ(ReasonOf(MakeProtobufDecoder(small, clock_)->Decode(big)), RejectReason::kTooLarge);
  const std::string five_mb(5 * 1024 * 1024, '\0');
  EXPECT_EQ(ReasonOf(proto_->Decode(five_mb)), RejectReason::kTooLarge);
}

TEST_F(ProtobufDecoderTest, SameRulesAsJson) {
  v1::Envelope env = MetaEnvelope();
  env.mutable_observation()->mutable_ad()->set_page_name("Lab\xff our");
  EXPECT_EQ(Reason(env), RejectReason::kBadEncoding);
  env = MetaEnvelope();
  env.mutable_observation()->mutable_ad()->add_ad_creative_link_captions("\xed\xa0\x80");
  EXPECT_EQ(Reason(env), RejectReason::kBadEncoding);

  env = MetaEnvelope();
  env.mutable_observation()->clear_registry();
  EXPECT_EQ(Reason(env), RejectReason::kMissingField);
  env.mutable_observation()->set_registry("Meta");
  EXPECT_EQ(Reason(env), RejectReason::kBadValue);
  env.mutable_observation()->set_registry("tiktok");
  EXPECT_EQ(Reason(env), RejectReason::kUnknownRegistry);

  env = MetaEnvelope();
  env.mutable_observation()->set_observed_at("2019-12-11T00:00:01Z");
  EXPECT_EQ(Reason(env), RejectReason::kFutureTimestamp);
  env.mutable_observation()->set_observed_at("2019-12-09");
  EXPECT_EQ(Reason(env), RejectReason::kBadTimestamp);

  env = MetaEnvelope();
  env.mutable_observation()->mutable_ad()->mutable_spend()->set_lower_bound("1e5");
  EXPECT_EQ(Reason(env), RejectReason::kBadAmount);
  env.mutable_observation()->mutable_ad()->mutable_spend()->set_lower_bound(std::string(30, '9'));
  EXPECT_EQ(Reason(env), RejectReason::kBadAmount);
  env.mutable_observation()->mutable_ad()->mutable_spend()->set_lower_bound("5000");
  EXPECT_EQ(Reason(env), RejectReason::kBadAmount);  // upper 4999 < lower
  env.mutable_observation()->mutable_ad()->mutable_spend()->clear_lower_bound();
  EXPECT_EQ(Reason(env), RejectReason::kMissingField);

  env = MetaEnvelope();
  env.mutable_observation()->mutable_ad()->set_currency("JPY");
  EXPECT_EQ(Reason(env), RejectReason::kUnknownCurrency);

  env = MetaEnvelope();
  env.mutable_observation()->mutable_ad()->clear_id();
  EXPECT_EQ(Reason(env), RejectReason::kMissingField);
  env.mutable_observation()->clear_ad();
  EXPECT_EQ(Reason(env), RejectReason::kMissingField);

  env = MetaEnvelope();
  env.mutable_observation()->set_lookup(static_cast<v1::Lookup>(7));
  EXPECT_EQ(Reason(env), RejectReason::kBadValue);

  // Missing spend stays missing.
  env = MetaEnvelope();
  env.mutable_observation()->mutable_ad()->clear_spend();
  EXPECT_EQ(ObservationOf(DecodeProto(env)).spend, std::nullopt);
}

TEST_F(ProtobufDecoderTest, MakeDecoderPicksProtobuf) {
  auto d = MakeDecoder(InputFormat::kProtobuf, options_, clock_);
  EXPECT_EQ(ObservationOf(d->Decode(MetaEnvelope().SerializeAsString())).ad_id, "461290581348812");
}

}  // namespace
}  // namespace adwatch
