// Mutation tests: random byte flips, insertions, deletions and truncations of valid messages
// (fixed seed). Every input must end as a Message or a Rejection with a reason, and whatever
// is accepted must satisfy the decoders' output invariants. Also: one message per reason.
#include <gtest/gtest.h>

#include <random>
#include <set>
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

// Structural UTF-8 check (and no surrogates), independent of the decoder's validator.
bool Utf8(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80           ? 0
                          : (c >> 5) == 0x6  ? 1
                          : (c >> 4) == 0xE  ? 2
                          : (c >> 3) == 0x1E ? 3
                                             : 99;
    if (n == 99 || i + n >= s.size() + (n == 0 ? 1 : 0)) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    if (c == 0xED && static_cast<unsigned char>(s[i + 1]) >= 0xA0) return false;  // surrogate
    i += n + 1;
  }
  return true;
}

void CheckInvariants(const DecodeResult& r) {
  if (const auto* rej = std::get_if<Rejection>(&r)) {
    EXPECT_LT(static_cast<int>(rej->reason), kRejectReasonCount);
    EXPECT_FALSE(rej->detail.empty());
    return;
  }
  const Message& m = std::get<Message>(r);
  if (const auto* o = std::get_if<Observation>(&m)) {
    EXPECT_TRUE(o->registry == "meta" || o->registry == "google") << o->registry;
    EXPECT_FALSE(o->ad_id.empty());
    EXPECT_LE(o->observed_at, kNow + 86400);
    EXPECT_TRUE(Utf8(o->ad_id) && Utf8(o->content.page_name) && Utf8(o->content.bylines));
    for (const auto& t : o->content.texts) EXPECT_TRUE(Utf8(t));
    if (o->spend) {
      EXPECT_GE(o->spend->lower, 0);
      EXPECT_LE(o->spend->lower, o->spend->upper);
      if (o->spend->open_ended) {
        EXPECT_EQ(o->spend->lower, o->spend->upper);
      }
    }
  } else {
    const auto& c = std::get<CrawlEnd>(m);
    EXPECT_FALSE(c.crawl_id.empty());
    EXPECT_LE(c.started_at, c.completed_at);
    if (c.ads_listed) {
      EXPECT_GE(*c.ads_listed, 0);
    }
  }
}

std::string Mutate(const std::string& in, std::mt19937& rng) {
  static constexpr char kInteresting[] = "{}[]\",:\\0123456789-+.eE \x00\x80\xc3\xff\xed";
  std::string s = in;
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits && !s.empty(); ++e) {
    const std::size_t pos = rng() % s.size();
    switch (rng() % 6) {
      case 0:  // flip one bit
        s[pos] = static_cast<char>(s[pos] ^ (1 << (rng() % 8)));
        break;
      case 1:  // random byte
        s[pos] = static_cast<char>(rng() & 0xFF);
        break;
      case 2:  // structural or awkward byte
        s[pos] = kInteresting[rng() % (sizeof(kInteresting) - 1)];
        break;
      case 3:  // insert
        s.insert(pos, 1, kInteresting[rng() % (sizeof(kInteresting) - 1)]);
        break;
      case 4:  // delete a run
        s.erase(pos, 1 + rng() % 8);
        break;
      default:  // truncate
        s.resize(pos);
        break;
    }
  }
  return s;
}

TEST(DecodeFuzzTest, MutatedJsonNeverCrashes) {
  ManualClock clock(kNow);
  const DecoderOptions options = TestOptions();
  auto json = MakeJsonDecoder(options, clock);
  auto proto = MakeProtobufDecoder(options, clock);
  const std::string seeds[] = {
      std::string(kMetaExample),
      std::string(kGoogleExample),
      std::string(kCrawlEndExample),
      MetaWithAd(R"({"id":"1","funding_entity":"F","ad_creative_body":"B",
                     "currency":"EUR","spend":{"lower_bound":100,"upper_bound":"200"}})"),
      MetaWithAd(R"({"id":"1"})", R"("status":"not_found","lookup":"by_id",)"),
  };
  std::mt19937 rng(20191212);
  int messages = 0;
  int rejections = 0;
  for (int i = 0; i < 4000; ++i) {
    const std::string input = Mutate(seeds[static_cast<std::size_t>(i) % std::size(seeds)], rng);
    const DecodeResult r = json->Decode(input);
    CheckInvariants(r);
    (IsRejection(r) ? rejections : messages)++;
    CheckInvariants(proto->Decode(input));  // JSON bytes fed to the protobuf decoder too
  }
  // Both outcomes occur (the mutations are neither all harmless nor all fatal).
  EXPECT_GT(messages, 50);
  EXPECT_GT(rejections, 1000);
}

TEST(DecodeFuzzTest, MutatedProtobufNeverCrashes) {
  ManualClock clock(kNow);
  const DecoderOptions options = TestOptions();
  auto proto = MakeProtobufDecoder(options, clock);
  v1::Envelope env;
  v1::Observation* o = env.mutable_observation();
  o->set_registry("meta");
  o->set_observed_at("2019-12-09T06:12:00Z");
  o->set_crawl_id("c");
  v1::Ad* ad = o->mutable_ad();
  ad->set_id("461290581348812");
  ad->set_page_name("Labour");
  ad->add_ad_creative_bodies("Vote Labour");
  ad->mutable_spend()->set_lower_bound("100");
  ad->mutable_spend()->set_upper_bound("199");
  const std::string seed = env.SerializeAsString();
  std::mt19937 rng(12122019);
  int messages = 0;
  for (int i = 0; i < 3000; ++i) {
    const DecodeResult r = proto->Decode(Mutate(seed, rng));
    CheckInvariants(r);
    if (!IsRejection(r)) ++messages;
  }
  EXPECT_GT(messages, 10);
}

TEST(DecodeFuzzTest, RandomBytesNeverCrash) {
  ManualClock clock(kNow);
  const DecoderOptions options = TestOptions();
  auto json = MakeJsonDecoder(options, clock);
  auto proto = MakeProtobufDecoder(options, clock);
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string s(rng() % 200, '\0');
    for (char& c : s) c = static_cast<char>(rng() & 0xFF);
    CheckInvariants(json->Decode(s));
    CheckInvariants(proto->Decode(s));
  }
}

// One input per decoder reject reason; fails if a reason is added without a test here.
TEST(DecodeFuzzTest, EveryRejectReasonIsReachable) {
  ManualClock clock(kNow);
  const DecoderOptions options = TestOptions();
  auto json = MakeJsonDecoder(options, clock);
  auto proto = MakeProtobufDecoder(options, clock);
  const std::string five_mb(5 * 1024 * 1024, ' ');
  const std::pair<RejectReason, DecodeResult> cases[] = {
      {RejectReason::kMalformedJson, json->Decode(R"({"registry":)")},
      {RejectReason::kTooLarge, json->Decode(five_mb)},
      {RejectReason::kTooDeep, json->Decode(std::string(1000, '['))},
      {RejectReason::kBadEncoding, json->Decode("{\"a\":\"\xff\"}")},
      {RejectReason::kMissingField, json->Decode(R"({"registry":"meta"})")},
      {RejectReason::kBadType, json->Decode(MetaWithAd(R"({"id":"1","page_name":1})"))},
      {RejectReason::kBadValue, json->Decode(MetaWithAd(R"({"id":"1"})", R"("lookup":"x",)"))},
      {RejectReason::kBadTimestamp,
       json->Decode(R"({"registry":"meta","observed_at":"2019-12-09T25:00:00Z"})")},
      {RejectReason::kFutureTimestamp,
       json->Decode(R"({"registry":"meta","observed_at":"2029-12-09T00:00:00Z"})")},
      {RejectReason::kBadAmount, json->Decode(MetaWithSpend(R"("spend":{"lower_bound":"-1"})"))},
      {RejectReason::kUnknownRegistry,
       json->Decode(R"({"registry":"x","observed_at":"2019-12-09T00:00:00Z"})")},
      {RejectReason::kUnknownCurrency,
       json->Decode(MetaWithSpend(R"("currency":"XXX","spend":{"lower_bound":"1"})"))},
      {RejectReason::kUnknownKind, json->Decode(R"({"kind":"crawl_start"})")},
      {RejectReason::kBadProtobuf, proto->Decode("\x0a\xff")},
  };
  std::set<RejectReason> seen;
  for (const auto& [reason, result] : cases) {
    EXPECT_EQ(ReasonOf(result), reason) << RejectReasonName(reason) << " got " << Describe(result);
    seen.insert(reason);
  }
  // too_many_ads and ahead_of_watermark are the state's (partition_state_test and
  // event_time_test cover them), key_mismatch the pipeline's (it needs the Kafka key;
  // end_to_end_test covers it): not decoders'.
  seen.insert(RejectReason::kTooManyAds);
  seen.insert(RejectReason::kKeyMismatch);
  seen.insert(RejectReason::kAheadOfWatermark);
  EXPECT_EQ(static_cast<int>(seen.size()), kRejectReasonCount);
}

}  // namespace
}  // namespace adwatch
