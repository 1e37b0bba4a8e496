// Decoder::DecodeInto (the pipeline's path, reusing one result) against Decode (a fresh result
// per message): whatever the previous message left in the reused result, the outcome is the
// same. And the depth cap above the recursive reader's range (the iterative reader).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "decode/decoder.h"
#include "decode_test_util.h"

namespace adwatch {
namespace {

using namespace testing_decode;  // NOLINT

// Messages chosen so that each leaves fields behind that the next one does not set: texts
// (more, fewer, none, singular), spend and delivery dates, bylines via funding_entity, Google
// rows, not_found sightings, crawl_ends, rejections, a top-level array.
std::vector<std::string> Sequence() {
  return {
      std::string(kMetaExample),
      MetaWithAd(R"({"id":"2","page_name":"P","ad_creative_bodies":["a","b","c","d"],)"
                 R"("ad_creative_link_titles":["t1","t2"],"ad_creative_link_captions":["c"],)"
                 R"("ad_creative_link_descriptions":["d1"],"ad_delivery_stop_time":"2019-12-05",)"
                 R"("spend":{"lower_bound":"0"}})",
                 R"("crawl_id":"meta-GB-2019-12-09T07","scope":"GB",)"),
      MetaWithAd(R"({"id":"3","ad_creative_body":"only one, singular"})"),
      MetaWithAd(R"({"id":"4","funding_entity":"Funder Ltd"})"),
      MetaWithAd(R"({"id":"5"})", R"("lookup":"by_id","status":"not_found",)"),
      std::string(kGoogleExample),
      std::string(kMetaExample),
      std::string(kCrawlEndExample),
      MetaWithAd(R"({"id":"6","ad_creative_bodies":["x"],"spend":{"lower_bound":"10",)"
                 R"("upper_bound":"19"}})"),
      MetaWithAd(R"({"id":"7","ad_creative_bodies":[1]})"),  // bad_type
      MetaWithAd(R"({"id":"8","ad_creative_bodies":[]})"),
      "[1,2]",
      std::string("{\"a\":\0}", 7),  // NUL
      MetaWithAd(R"({"id":"9","page_name":"Plaid Cymru \u2014 Wales"})"),
      MetaWithAd(R"({"id":"10","ad_creative_bodies":["one"]})"),
      std::string(kMetaExample),
  };
}

void ExpectSame(const DecodeResult& reused, const DecodeResult& fresh, std::size_t i) {
  SCOPED_TRACE("message " + std::to_string(i));
  ASSERT_EQ(reused.index(), fresh.index()) << Describe(reused) << " vs " << Describe(fresh);
  if (const auto* r = std::get_if<Rejection>(&fresh)) {
    EXPECT_EQ(std::get<Rejection>(reused).reason, r->reason);
    EXPECT_EQ(std::get<Rejection>(reused).detail, r->detail);
    return;
  }
  const Message& a = std::get<Message>(reused);
  const Message& b = std::get<Message>(fresh);
  ASSERT_EQ(a.index(), b.index());
  if (const auto* o = std::get_if<Observation>(&b)) {
    ExpectSameObservation(std::get<Observation>(a), *o);
  } else if (const auto* e = std::get_if<CrawlEnd>(&b)) {
    EXPECT_EQ(std::get<CrawlEnd>(a).crawl_id, e->crawl_id);
    EXPECT_EQ(std::get<CrawlEnd>(a).completed_at, e->completed_at);
  }
}

TEST(DecodeIntoTest, ReusedResultEqualsFreshDecodeInEveryOrder) {
  ManualClock clock{kNow};
  const auto reused_decoder = MakeJsonDecoder(TestOptions(), clock);
  const auto fresh_decoder = MakeJsonDecoder(TestOptions(), clock);
  const std::vector<std::string> messages = Sequence();
  // Forwards, backwards, and each message after every other one.
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < messages.size(); ++i) order.push_back(i);
  for (std::size_t i = messages.size(); i-- > 0;) order.push_back(i);
  for (std::size_t i = 0; i < messages.size(); ++i) {
    for (std::size_t j = 0; j < messages.size(); ++j) {
      order.push_back(i);
      order.push_back(j);
    }
  }
  DecodeResult reused;
  std::size_t rejected = 0;
  for (std::size_t i : order) {
    reused_decoder->DecodeInto(messages[i], &reused);
    const DecodeResult fresh = fresh_decoder->Decode(messages[i]);
    rejected += std::holds_alternative<Rejection>(fresh) ? 1 : 0;
    ExpectSame(reused, fresh, i);
  }
  EXPECT_GT(rejected, 0u);  // the sequence exercises both kinds of result
}

TEST(DecodeIntoTest, ReusedTextsAreCutToTheNewCount) {
  ManualClock clock{kNow};
  const auto decoder = MakeJsonDecoder(TestOptions(), clock);
  DecodeResult r;
  decoder->DecodeInto(MetaWithAd(R"({"id":"1","ad_creative_bodies":["a","b","c"]})"), &r);
  ASSERT_EQ(ObservationOf(r).content.texts.size(), 3u);
  decoder->DecodeInto(MetaWithAd(R"({"id":"1","ad_creative_bodies":["z"]})"), &r);
  EXPECT_EQ(ObservationOf(r).content.texts, std::vector<std::string>{"z"});
  decoder->DecodeInto(MetaWithAd(R"({"id":"1"})", R"("lookup":"by_id","status":"not_found",)"), &r);
  EXPECT_TRUE(ObservationOf(r).content.texts.empty());
}

// A configured cap above the recursive reader's range: deep but allowed nesting is accepted
// (the iterative reader: no stack growth), one level more is too_deep.
TEST(DecodeIntoTest, LargeDepthCapUsesTheIterativeReader) {
  ManualClock clock{kNow};
  DecoderOptions options = TestOptions();
  options.limits.max_depth = 10000;
  const auto decoder = MakeJsonDecoder(options, clock);
  auto with_nesting = [](int arrays) {
    return R"({"registry":"meta","observed_at":"2019-12-09T06:12:00Z","ad":{"id":"1"},"x":)" +
           std::string(static_cast<std::size_t>(arrays), '[') +
           std::string(static_cast<std::size_t>(arrays), ']') + "}";
  };
  EXPECT_FALSE(IsRejection(decoder->Decode(with_nesting(9999))))
      << Describe(decoder->Decode(with_nesting(9999)));
  EXPECT_EQ(ReasonOf(decoder->Decode(with_nesting(10000))), RejectReason::kTooDeep);
}

}  // namespace
}  // namespace adwatch
