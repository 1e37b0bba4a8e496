#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "decode/decoder.h"
#include "decode_test_util.h"

namespace adwatch {
namespace {

using namespace testing_decode;  // NOLINT
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class JsonDecoderTest : public ::testing::Test {
 protected:
  DecodeResult Decode(std::string_view json) { return decoder_->Decode(json); }
  RejectReason Reason(std::string_view json) { return ReasonOf(Decode(json)); }

  ManualClock clock_{kNow};
  DecoderOptions options_ = TestOptions();
  std::unique_ptr<Decoder> decoder_ = MakeJsonDecoder(options_, clock_);
};

// --- The happy paths --------------------------------------------------------------------------

TEST_F(JsonDecoderTest, SpecExampleMetaObservation) {
  const DecodeResult r = Decode(kMetaExample);
  const Observation& o = ObservationOf(r);
  EXPECT_EQ(o.registry, "meta");
  EXPECT_EQ(o.observed_at, 1575871920);
  EXPECT_EQ(o.crawl_id, "meta-GB-2019-12-09T06");
  EXPECT_EQ(o.scope, "");
  EXPECT_EQ(o.lookup, Lookup::kListing);
  EXPECT_EQ(o.status, AdStatus::kPresent);
  EXPECT_EQ(o.ad_id, "461290581348812");
  EXPECT_EQ(o.content.page_id, "8807334278");
  EXPECT_EQ(o.content.page_name, "Conservatives");
  EXPECT_EQ(o.content.bylines, "Conservative and Unionist Party");
  EXPECT_THAT(o.content.texts,
              ElementsAre("Get Brexit done. Vote Conservative on 12 December.", "Get Brexit Done"));
  ASSERT_TRUE(o.spend.has_value());
  EXPECT_EQ(*o.spend, (SpendRange{100000, 499900, false}));
  EXPECT_EQ(o.delivery_start, std::optional<EpochSeconds>(1575158400));  // 2019-12-01
  EXPECT_EQ(o.delivery_stop, std::nullopt);
}

TEST_F(JsonDecoderTest, KindLookupStatusDefaultsAndAlternatives) {
  const Observation& o = ObservationOf(Decode(MetaWithAd(R"({"id":"7"})")));
  EXPECT_EQ(o.lookup, Lookup::kListing);
  EXPECT_EQ(o.status, AdStatus::kPresent);
  EXPECT_EQ(o.spend, std::nullopt);
  EXPECT_THAT(o.content.texts, IsEmpty());

  const Observation& b = ObservationOf(Decode(
      MetaWithAd(R"({"id":"7"})", R"("kind":"observation","lookup":"by_id","scope":"GB",)")));
  EXPECT_EQ(b.lookup, Lookup::kById);
  EXPECT_EQ(b.scope, "GB");
}

TEST_F(JsonDecoderTest, TimestampWithOffsetIsConvertedToUtc) {
  const std::string json =
      R"({"registry":"meta","observed_at":"2019-12-09T07:12:00+01:00","ad":{"id":"1"}})";
  EXPECT_EQ(ObservationOf(Decode(json)).observed_at, 1575871920);
}

TEST_F(JsonDecoderTest, NotFoundNeedsOnlyTheIdAndIgnoresTheRest) {
  const Observation& o = ObservationOf(Decode(MetaWithAd(
      R"({"id":"9","page_name":5,"spend":"junk"})", R"("status":"not_found","lookup":"by_id",)")));
  EXPECT_EQ(o.status, AdStatus::kNotFound);
  EXPECT_EQ(o.ad_id, "9");
  EXPECT_EQ(o.content.page_name, "");
  EXPECT_EQ(o.spend, std::nullopt);
  EXPECT_EQ(Reason(R"({"registry":"meta","observed_at":"2019-12-09T06:12:00Z",
                       "status":"not_found"})"),
            RejectReason::kMissingField);
  EXPECT_EQ(Reason(MetaWithAd(R"({"page_id":"1"})", R"("status":"not_found",)")),
            RejectReason::kMissingField);
}

TEST_F(JsonDecoderTest, NullCountsAsAbsent) {
  const Observation& o = ObservationOf(Decode(MetaWithAd(
      R"({"id":"1","spend":null,"page_name":null})", R"("crawl_id":null,"kind":null,)")));
  EXPECT_EQ(o.crawl_id, "");
  EXPECT_EQ(o.spend, std::nullopt);
  EXPECT_EQ(Reason(R"({"registry":null,"observed_at":"2019-12-09T06:12:00Z","ad":{"id":"1"}})"),
            RejectReason::kMissingField);
}

TEST_F(JsonDecoderTest, DecoderIsReusableAndResultsOwnTheirStrings) {
  const DecodeResult first = Decode(kMetaExample);
  for (int i = 0; i < 3; ++i) {
    const DecodeResult other = Decode(kGoogleExample);
    EXPECT_EQ(ObservationOf(other).ad_id, "CR104");
    EXPECT_EQ(Reason("{"), RejectReason::kMalformedJson);
  }
  EXPECT_EQ(ObservationOf(first).content.page_name, "Conservatives");
  EXPECT_EQ(ObservationOf(Decode(kMetaExample)).content.bylines, "Conservative and Unionist Party");
}

// --- Syntax, size, depth, encoding -------------------------------------------------------------

TEST_F(JsonDecoderTest, EveryTruncationIsMalformed) {
  const std::string full(kMetaExample);
  for (std::size_t n = 0; n < full.size(); ++n) {
    const DecodeResult r = Decode(std::string_view(full).substr(0, n));
    ASSERT_TRUE(IsRejection(r)) << "prefix " << n;
    EXPECT_EQ(ReasonOf(r), RejectReason::kMalformedJson) << "prefix " << n << " " << Describe(r);
  }
}

TEST_F(JsonDecoderTest, SyntaxErrorsAreMalformed) {
  EXPECT_EQ(Reason(""), RejectReason::kMalformedJson);
  EXPECT_EQ(Reason("   "), RejectReason::kMalformedJson);
  EXPECT_EQ(Reason(std::string(kMetaExample) + " {}"), RejectReason::kMalformedJson);
  EXPECT_EQ(Reason(R"({"registry":"meta",})"), RejectReason::kMalformedJson);
  EXPECT_EQ(Reason(R"({'registry':'meta'})"), RejectReason::kMalformedJson);
  EXPECT_EQ(Reason("{\"registry\":\"me\tta\"}"), RejectReason::kMalformedJson);  // raw TAB
  EXPECT_EQ(Reason(R"({"a":"\x"})"), RejectReason::kMalformedJson);
  EXPECT_EQ(Reason(R"({"a":1e999999})"), RejectReason::kMalformedJson);
  // A NUL byte would end an in-place parse early: it must not hide the rest.
  EXPECT_EQ(Reason(std::string(kMetaExample) + std::string(1, '\0') + "garbage"),
            RejectReason::kMalformedJson);
  EXPECT_EQ(Reason(std::string("{\"a\":\"x\0y\"}", 11)), RejectReason::kMalformedJson);
}

TEST_F(JsonDecoderTest, FiveMegabyteMessageIsTooLarge) {
  std::string big = R"({"registry":"meta","observed_at":"2019-12-09T06:12:00Z","pad":")";
  big.append(5 * 1024 * 1024, 'x');
  big += R"(","ad":{"id":"1"}})";
  const DecodeResult r = Decode(big);
  EXPECT_EQ(ReasonOf(r), RejectReason::kTooLarge);
}

TEST_F(JsonDecoderTest, SizeCapIsInclusive) {
  const std::string msg = MetaWithAd(R"({"id":"1"})");
  DecoderOptions opts = TestOptions();
  opts.limits.max_message_bytes = msg.size();
  EXPECT_FALSE(IsRejection(MakeJsonDecoder(opts, clock_)->Decode(msg)));
  opts.limits.max_message_bytes = msg.size() - 1;
  EXPECT_EQ(ReasonOf(MakeJsonDecoder(opts, clock_)->Decode(msg)), RejectReason::kTooLarge);
}

TEST_F(JsonDecoderTest, StringAndArrayCapsAreInclusiveAndRejectAsTooLarge) {
  DecoderOptions opts = TestOptions();
  opts.limits.max_string_bytes = 20;  // observed_at is 20 bytes
  opts.limits.max_array_items = 3;
  const auto decoder = MakeJsonDecoder(opts, clock_);
  const auto decode = [&](const std::string& ad) { return decoder->Decode(MetaWithAd(ad)); };
  // Names, ids and each creative text: at most 20 bytes.
  EXPECT_FALSE(IsRejection(decode(R"({"id":"1","page_name":"01234567890123456789"})")));
  EXPECT_EQ(ReasonOf(decode(R"({"id":"1","page_name":"01234567890123456789X"})")),
            RejectReason::kTooLarge);
  EXPECT_EQ(ReasonOf(decode(R"({"id":"012345678901234567890"})")), RejectReason::kTooLarge);
  EXPECT_EQ(ReasonOf(decode(R"({"id":"1","bylines":"01234567890123456789X"})")),
            RejectReason::kTooLarge);
  EXPECT_EQ(ReasonOf(decode(R"({"id":"1","ad_creative_bodies":["a","01234567890123456789X"]})")),
            RejectReason::kTooLarge);
  EXPECT_EQ(ReasonOf(decode(R"({"id":"1","ad_creative_body":"01234567890123456789X"})")),
            RejectReason::kTooLarge);
  // Arrays of texts: at most 3 items.
  EXPECT_FALSE(IsRejection(decode(R"({"id":"1","ad_creative_link_titles":["a","b","c"]})")));
  const DecodeResult r = decode(R"({"id":"1","ad_creative_link_titles":["a","b","c","d"]})");
  EXPECT_EQ(ReasonOf(r), RejectReason::kTooLarge);
  EXPECT_EQ(Describe(r), "too_large: ad.ad_creative_link_titles has more than 3 items");
}

TEST_F(JsonDecoderTest, MillionNestedBracketsAreTooDeepAndFast) {
  const std::string deep(1'000'000, '[');
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Reason(deep), RejectReason::kTooDeep);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::milliseconds(100));  // stops at depth 33, not at the end

  std::string objects;
  for (int i = 0; i < 200'000; ++i) objects += R"({"a":)";
  EXPECT_EQ(Reason(objects), RejectReason::kTooDeep);
}

TEST_F(JsonDecoderTest, DepthCapIsExact) {
  // The top object is depth 1; `x` holds 31 more arrays -> 32 levels in all: accepted.
  auto with_nesting = [](int arrays) {
    return R"({"registry":"meta","observed_at":"2019-12-09T06:12:00Z","ad":{"id":"1"},"x":)" +
           std::string(static_cast<std::size_t>(arrays), '[') +
           std::string(static_cast<std::size_t>(arrays), ']') + "}";
  };
  EXPECT_FALSE(IsRejection(Decode(with_nesting(31)))) << Describe(Decode(with_nesting(31)));
  EXPECT_EQ(Reason(with_nesting(32)), RejectReason::kTooDeep);
}

TEST_F(JsonDecoderTest, InvalidUtf8IsBadEncodingAnywhere) {
  // In a value we read, in a key, in an ignored value, overlong and surrogate forms.
  EXPECT_EQ(Reason(MetaWithAd("{\"id\":\"1\",\"page_name\":\"Lab\xff our\"}")),
            RejectReason::kBadEncoding);
  EXPECT_EQ(Reason(MetaWithAd("{\"id\":\"1\",\"pa\xc3\x28ge\":\"x\"}")),
            RejectReason::kBadEncoding);
  EXPECT_EQ(Reason(MetaWithAd("{\"id\":\"1\",\"ad_snapshot_url\":\"\xe2\x82\"}")),
            RejectReason::kBadEncoding);
  EXPECT_EQ(Reason(MetaWithAd("{\"id\":\"1\",\"page_name\":\"\xc0\xaf\"}")),
            RejectReason::kBadEncoding);
  EXPECT_EQ(Reason(MetaWithAd("{\"id\":\"1\",\"page_name\":\"\xed\xa0\x80\"}")),
            RejectReason::kBadEncoding);
  // Valid multi-byte text is kept byte for byte.
  const Observation& o =
      ObservationOf(Decode(MetaWithAd("{\"id\":\"1\",\"page_name\":\"Plaid Cymru \xe2\x80\x94 "
                                      "\xc5\xb5 \xf0\x9f\x8f\xb4\"}")));
  EXPECT_EQ(o.content.page_name, "Plaid Cymru \xe2\x80\x94 \xc5\xb5 \xf0\x9f\x8f\xb4");
}

TEST_F(JsonDecoderTest, EscapesThatDecodeToInvalidUtf8AreBadEncoding) {
  // The raw bytes are ASCII; only the decoded strings are not UTF-8 (RapidJSON writes a lone
  // low surrogate as ED B0 80). In a value we read, in a text array, in an ignored value and in
  // a key: all bad_encoding.
  for (const char* ad :
       {R"({"id":"1","page_name":"\udc00"})", R"({"id":"1","page_name":"Lab\uDFFFour"})",
        R"({"id":"1","bylines":"x\udc00\u00e9"})",
        R"({"id":"1","ad_creative_bodies":["ok","\udc80"]})",
        R"({"id":"1","ad_snapshot_url":"\udc00"})", R"({"id":"1","\udc00":"x"})"}) {
    const DecodeResult r = Decode(MetaWithAd(ad));
    EXPECT_EQ(ReasonOf(r), RejectReason::kBadEncoding) << ad << ": " << Describe(r);
  }
  // A lone high surrogate is refused by the parser itself.
  EXPECT_EQ(Reason(MetaWithAd(R"({"id":"1","page_name":"\ud800x"})")),
            RejectReason::kMalformedJson);
  EXPECT_EQ(Reason(MetaWithAd(R"({"id":"1","page_name":"\ud800"})")), RejectReason::kMalformedJson);
  // A surrogate pair is one astral character (U+1F3F4), kept as its 4-byte UTF-8; a
  // noncharacter (U+FFFF) is a valid scalar value and kept; an escaped backslash before `u` is
  // no escape.
  const Observation& o = ObservationOf(Decode(
      MetaWithAd(R"({"id":"1","page_name":"Plaid \ud83c\udff4 \uffff","bylines":"C:\\udc00"})")));
  EXPECT_EQ(o.content.page_name, "Plaid \xf0\x9f\x8f\xb4 \xef\xbf\xbf");
  EXPECT_EQ(o.content.bylines, "C:\\udc00");
}

TEST_F(JsonDecoderTest, ControlCharactersAndQuotesInNamesArePreserved) {
  const Observation& o = ObservationOf(Decode(MetaWithAd(
      R"({"id":"1","page_name":"Vote \"Leave\"\n\u0001\ttab\\","bylines":"a\u0000b"})")));
  EXPECT_EQ(o.content.page_name, "Vote \"Leave\"\n\x01\ttab\\");
  EXPECT_EQ(o.content.bylines, std::string("a\0b", 3));
}

TEST_F(JsonDecoderTest, TopLevelMustBeAnObject) {
  EXPECT_EQ(Reason("[1,2]"), RejectReason::kBadType);
  EXPECT_EQ(Reason(R"("meta")"), RejectReason::kBadType);
  EXPECT_EQ(Reason("42"), RejectReason::kBadType);
  EXPECT_EQ(Reason("null"), RejectReason::kBadType);
}

// --- Envelope fields ---------------------------------------------------------------------------

TEST_F(JsonDecoderTest, Kind) {
  EXPECT_EQ(Reason(MetaWithAd(R"({"id":"1"})", R"("kind":"observations",)")),
            RejectReason::kUnknownKind);
  EXPECT_EQ(Reason(MetaWithAd(R"({"id":"1"})", R"("kind":"",)")), RejectReason::kUnknownKind);
  EXPECT_EQ(Reason(MetaWithAd(R"({"id":"1"})", R"("kind":1,)")), RejectReason::kBadType);
}

TEST_F(JsonDecoderTest, Registry) {
  const auto with_registry = [](std::string_view reg) {
    return R"({"registry":)" + std::string(reg) +
           R"(,"observed_at":"2019-12-09T06:12:00Z","ad":{"id":"1"}})";
  };
  EXPECT_EQ(Reason(R"({"observed_at":"2019-12-09T06:12:00Z","ad":{"id":"1"}})"),
            RejectReason::kMissingField);
  EXPECT_EQ(Reason(with_registry("7")), RejectReason::kBadType);
  EXPECT_EQ(Reason(with_registry(R"(["meta"])")), RejectReason::kBadType);
  EXPECT_EQ(Reason(with_registry(R"("Meta")")), RejectReason::kBadValue);
  EXPECT_EQ(Reason(with_registry(R"("")")), RejectReason::kBadValue);
  EXPECT_EQ(Reason(with_registry(R"("me-ta")")), RejectReason::kBadValue);
  EXPECT_EQ(Reason(with_registry("\"" + std::string(33, 'a') + "\"")), RejectReason::kBadValue);
  EXPECT_EQ(Reason(with_registry("\"" + std::string(32, 'a') + "\"")),
            RejectReason::kUnknownRegistry);
  EXPECT_EQ(Reason(with_registry(R"("tiktok")")), RejectReason::kUnknownRegistry);
  EXPECT_EQ(ObservationOf(Decode(with_registry(R"("meta")"))).registry, "meta");
}

TEST_F(JsonDecoderTest, ObservedAt) {
  const auto at = [](std::string_view v) {
    return R"({"registry":"meta","observed_at":)" + std::string(v) + R"(,"ad":{"id":"1"}})";
  };
  EXPECT_EQ(Reason(R"({"registry":"meta","ad":{"id":"1"}})"), RejectReason::kMissingField);
  EXPECT_EQ(Reason(at("1575871920")), RejectReason::kBadType);
  EXPECT_EQ(Reason(at(R"("yesterday")")), RejectReason::kBadTimestamp);
  EXPECT_EQ(Reason(at(R"("2019-13-01T00:00:00Z")")), RejectReason::kBadTimestamp);
  EXPECT_EQ(Reason(at(R"("2019-12-09")")), RejectReason::kBadTimestamp);  // a date is not enough
  EXPECT_EQ(Reason(at(R"("2019-12-09T06:12:00")")), RejectReason::kBadTimestamp);  // no offset
  // kNow + 86400 = 2019-12-11T00:00:00Z is the last accepted second.
  EXPECT_EQ(ObservationOf(Decode(at(R"("2019-12-11T00:00:00Z")"))).observed_at, 1576022400);
  EXPECT_EQ(Reason(at(R"("2019-12-11T00:00:01Z")")), RejectReason::kFutureTimestamp);
}

TEST_F(JsonDecoderTest, OptionalEnvelopeFieldsHaveStrictTypes) {
  EXPECT_EQ(Reason(MetaWithAd(R"({"id":"1"})", R"("crawl_id":5,)")), RejectReason::kBadType);
  EXPECT_EQ(Reason(MetaWithAd(R"({"id":"1"})", R"("scope":["GB"],)")), RejectReason::kBadType);
  EXPECT_EQ(Reason(MetaWithAd(R"({"id":"1"})", R"("lookup":"search",)")), RejectReason::kBadValue);
  EXPECT_EQ(Reason(MetaWithAd(R"({"id":"1"})", R"("lookup":true,)")), RejectReason::kBadType);
  EXPECT_EQ(Reason(MetaWithAd(R"({"id":"1"})", R"("status":"gone",)")), RejectReason::kBadValue);
}

TEST_F(JsonDecoderTest, DuplicateKeysWeReadAreRejected) {
  EXPECT_EQ(Reason(MetaWithAd(R"({"id":"1"})", R"("registry":"google",)")),
            RejectReason::kBadValue);
  EXPECT_EQ(Reason(MetaWithAd(R"({"id":"1","id":"2"})")), RejectReason::kBadValue);
  EXPECT_EQ(Reason(MetaWithAd(R"({"id":"1","spend":{"lower_bound":"1","lower_bound":"2"}})")),
            RejectReason::kBadValue);
  EXPECT_EQ(Reason(MetaWithAd(R"({"id":"1","ad_creative_bodies":[],"ad_creative_bodies":[]})")),
            RejectReason::kBadValue);
  EXPECT_EQ(Reason(MetaWithAd(R"({"id":"1"})", R"("ad":{"id":"2"},)")), RejectReason::kBadValue);
  // Duplicates of fields we ignore do not matter.
  EXPECT_FALSE(IsRejection(Decode(MetaWithAd(R"({"id":"1","impressions":1,"impressions":2})"))));
}

// --- The Meta ad -------------------------------------------------------------------------------

TEST_F(JsonDecoderTest, AdShapeAndRequiredId) {
  EXPECT_EQ(Reason(R"({"registry":"meta","observed_at":"2019-12-09T06:12:00Z"})"),
            RejectReason::kMissingField);
  EXPECT_EQ(Reason(MetaWithAd(R"([{"id":"1"}])")), RejectReason::kBadType);
  EXPECT_EQ(Reason(MetaWithAd(R"("1")")), RejectReason::kBadType);
  EXPECT_EQ(Reason(MetaWithAd(R"({"page_id":"1"})")), RejectReason::kMissingField);
  EXPECT_EQ(Reason(MetaWithAd(R"({"id":461290581348812})")), RejectReason::kBadType);
  EXPECT_EQ(Reason(MetaWithAd(R"({"id":""})")), RejectReason::kBadValue);
}

TEST_F(JsonDecoderTest, WronglyTypedAdFields) {
  EXPECT_EQ(Reason(MetaWithAd(R"({"id":"1","page_name":5})")), RejectReason::kBadType);
  EXPECT_EQ(Reason(MetaWithAd(R"({"id":"1","page_id":8807334278})")), RejectReason::kBadType);
  EXPECT_EQ(Reason(MetaWithAd(R"({"id":"1","bylines":["x"]})")), RejectReason::kBadType);
  EXPECT_EQ(Reason(MetaWithAd(R"({"id":"1","ad_creative_bodies":"text"})")),
            RejectReason::kBadType);
  EXPECT_EQ(Reason(MetaWithAd(R"({"id":"1","ad_creative_bodies":["a",1]})")),
            RejectReason::kBadType);
  EXPECT_EQ(Reason(MetaWithAd(R"({"id":"1","ad_creative_link_titles":[["a"]]})")),
            RejectReason::kBadType);
  EXPECT_EQ(Reason(MetaWithAd(R"({"id":"1","ad_creative_link_captions":[{"a":"b"}]})")),
            RejectReason::kBadType);
  EXPECT_EQ(Reason(MetaWithAd(R"({"id":"1","ad_creative_body":["a"]})")), RejectReason::kBadType);
  EXPECT_EQ(Reason(MetaWithAd(R"({"id":"1","ad_delivery_start_time":20191201})")),
            RejectReason::kBadType);
  EXPECT_EQ(Reason(MetaWithSpend(R"("spend":"1000")")), RejectReason::kBadType);
  EXPECT_EQ(Reason(MetaWithSpend(R"("spend":{"lower_bound":true})")), RejectReason::kBadType);
  EXPECT_EQ(Reason(MetaWithSpend(R"("spend":{"lower_bound":"1"},"currency":1)")),
            RejectReason::kBadType);
}

TEST_F(JsonDecoderTest, UnusedFieldsAreIgnoredWhateverTheyHold) {
  const Observation& o = ObservationOf(Decode(MetaWithAd(
      R"({"id":"1","ad_snapshot_url":12,"impressions":"lots","languages":{"x":[[[]]]},
          "estimated_audience_size":{"lower_bound":-1},"demographic_distribution":null})",
      R"("producer":{"name":[1,2,{"deep":true}]},)")));
  EXPECT_EQ(o.ad_id, "1");
}

TEST_F(JsonDecoderTest, TextsInOrderAcrossAllFourFields) {
  const Observation& o = ObservationOf(Decode(MetaWithAd(
      R"({"id":"1","ad_creative_link_descriptions":["d1"],"ad_creative_link_captions":["c1"],
          "ad_creative_bodies":["b1","b2"],"ad_creative_link_titles":["t1","t2"]})")));
  EXPECT_THAT(o.content.texts, ElementsAre("b1", "b2", "t1", "t2", "c1", "d1"));
}

TEST_F(JsonDecoderTest, OlderSingularFieldsAndFundingEntity) {
  const Observation& o = ObservationOf(Decode(MetaWithAd(
      R"({"id":"1","funding_entity":"The Labour Party","ad_creative_body":"Body",
          "ad_creative_link_title":"Title","ad_creative_link_caption":"labour.org.uk",
          "ad_creative_link_description":"Desc",
          "ad_delivery_start_time":"2019-05-13T15:30:13+0000",
          "ad_delivery_stop_time":"2019-12-08"})")));
  EXPECT_EQ(o.content.bylines, "The Labour Party");
  EXPECT_THAT(o.content.texts, ElementsAre("Body", "Title", "labour.org.uk", "Desc"));
  EXPECT_EQ(o.delivery_start, std::optional<EpochSeconds>(1557761413));
  EXPECT_EQ(o.delivery_stop, std::optional<EpochSeconds>(1575763200));

  // Current names win over older ones when both are given.
  const Observation& b = ObservationOf(Decode(MetaWithAd(
      R"({"id":"1","funding_entity":"Old","bylines":"New","ad_creative_body":"old body",
          "ad_creative_bodies":["new body"]})")));
  EXPECT_EQ(b.content.bylines, "New");
  EXPECT_THAT(b.content.texts, ElementsAre("new body"));
}

TEST_F(JsonDecoderTest, DeliveryDates) {
  EXPECT_EQ(Reason(MetaWithAd(R"({"id":"1","ad_delivery_start_time":"2019-02-30"})")),
            RejectReason::kBadTimestamp);
  EXPECT_EQ(Reason(MetaWithAd(R"({"id":"1","ad_delivery_stop_time":"soon"})")),
            RejectReason::kBadTimestamp);
  const Observation& o =
      ObservationOf(Decode(MetaWithAd(R"({"id":"1","ad_delivery_stop_time":""})")));
  EXPECT_EQ(o.delivery_stop, std::nullopt);
}

// --- Amounts -----------------------------------------------------------------------------------

TEST_F(JsonDecoderTest, BadAmounts) {
  for (const char* spend : {
           R"({"lower_bound":"100000000000000000000000000000"})",  // 30 digits
           R"({"lower_bound":"1000000000000"})",                   // 13 digits
           R"({"lower_bound":"1e5"})",
           R"({"lower_bound":1e5})",
           R"({"lower_bound":1.0})",
           R"({"lower_bound":"12.5"})",
           R"({"lower_bound":12.5})",
           R"({"lower_bound":"-5"})",
           R"({"lower_bound":-5})",
           R"({"lower_bound":"+5"})",
           R"({"lower_bound":""})",
           R"({"lower_bound":" 5"})",
           R"({"lower_bound":"0x10"})",
           R"({"lower_bound":"１"})",                      // a full-width digit
           R"({"lower_bound":100000000000000000000000})",  // integer beyond uint64
           R"({"lower_bound":1000000000000})",
           R"({"lower_bound":"100","upper_bound":"99"})",
           R"({"lower_bound":"100","upper_bound":"1e3"})",
           R"({"lower_bound":"100","upper_bound":""})",
       }) {
    EXPECT_EQ(Reason(MetaWithSpend(std::string(R"("spend":)") + spend)), RejectReason::kBadAmount)
        << spend;
  }
}

TEST_F(JsonDecoderTest, GoodAmounts) {
  const auto spend_of = [this](std::string_view spend) {
    const DecodeResult r = Decode(MetaWithSpend(std::string(R"("spend":)") + std::string(spend)));
    const auto& o = ObservationOf(r);
    return o.spend.value_or(SpendRange{-1, -1, false});
  };
  EXPECT_EQ(spend_of(R"({"lower_bound":"0","upper_bound":"99"})"), (SpendRange{0, 9900, false}));
  EXPECT_EQ(spend_of(R"({"lower_bound":100,"upper_bound":199})"), (SpendRange{10000, 19900}));
  EXPECT_EQ(spend_of(R"({"lower_bound":"999999999999","upper_bound":999999999999})"),
            (SpendRange{99999999999900, 99999999999900, false}));
  EXPECT_EQ(spend_of(R"({"lower_bound":"007","upper_bound":"7"})"), (SpendRange{700, 700}));
}

TEST_F(JsonDecoderTest, OpenEndedAndMissingSpend) {
  const Observation& o =
      ObservationOf(Decode(MetaWithSpend(R"("spend":{"lower_bound":"1000000"})")));
  EXPECT_EQ(o.spend, (SpendRange{100000000, 100000000, true}));
  const Observation& n =
      ObservationOf(Decode(MetaWithSpend(R"("spend":{"lower_bound":"100","upper_bound":null})")));
  EXPECT_EQ(n.spend, (SpendRange{10000, 10000, true}));
  EXPECT_EQ(ObservationOf(Decode(MetaWithAd(R"({"id":"1"})"))).spend, std::nullopt);
  EXPECT_EQ(Reason(MetaWithSpend(R"("spend":{})")), RejectReason::kMissingField);
  EXPECT_EQ(Reason(MetaWithSpend(R"("spend":{"upper_bound":"99"})")), RejectReason::kMissingField);
}

TEST_F(JsonDecoderTest, CurrencyConversionIsExactAndFloored) {
  const auto spend_in = [this](std::string_view currency, std::string_view lo,
                               std::string_view hi) {
    const std::string s = R"("currency":")" + std::string(currency) +
                          R"(","spend":{"lower_bound":")" + std::string(lo) +
                          R"(","upper_bound":")" + std::string(hi) + R"("})";
    return ObservationOf(Decode(MetaWithSpend(s))).spend.value_or(SpendRange{-1, -1, false});
  };
  // GBP as is; EUR at 85/100: 1000 EUR = 85000p, 1999 EUR = 199900*0.85 = 169915p.
  EXPECT_EQ(spend_in("GBP", "1000", "1999"), (SpendRange{100000, 199900}));
  EXPECT_EQ(spend_in("EUR", "1000", "1999"), (SpendRange{85000, 169915}));
  // USD at 79/100: 1 USD = 79p; 999999999999 USD = 99999999999900 * 79 / 100 exactly.
  EXPECT_EQ(spend_in("USD", "1", "999999999999"), (SpendRange{79, 78999999999921}));
  // A third: 1 unit = 100/3 = 33.33p -> 33p; 2 units = 66.67p -> 66p (floored, not rounded).
  EXPECT_EQ(spend_in("THR", "1", "2"), (SpendRange{33, 66}));
  // Absent currency means the reporting currency.
  EXPECT_EQ(ObservationOf(Decode(MetaWithSpend(R"("spend":{"lower_bound":"5"})"))).spend,
            (SpendRange{500, 500, true}));
  EXPECT_EQ(Reason(MetaWithSpend(R"("currency":"JPY","spend":{"lower_bound":"5"})")),
            RejectReason::kUnknownCurrency);
  EXPECT_EQ(Reason(MetaWithSpend(R"("currency":"gbp","spend":{"lower_bound":"5"})")),
            RejectReason::kUnknownCurrency);
  // Currency without spend is not used, so not checked.
  EXPECT_FALSE(IsRejection(Decode(MetaWithSpend(R"("currency":"JPY")"))));
}

// --- Google ------------------------------------------------------------------------------------

TEST_F(JsonDecoderTest, GoogleRow) {
  const Observation& o = ObservationOf(Decode(kGoogleExample));
  EXPECT_EQ(o.registry, "google");
  EXPECT_EQ(o.crawl_id, "g-1");
  EXPECT_EQ(o.scope, "GB");
  EXPECT_EQ(o.ad_id, "CR104");
  EXPECT_EQ(o.content.page_id, "AR488");
  EXPECT_EQ(o.content.page_name, "The Conservative & Unionist Party");
  EXPECT_EQ(o.content.bylines, "");
  EXPECT_THAT(o.content.texts, IsEmpty());
  EXPECT_EQ(o.spend, (SpendRange{5000, 75000, false}));  // GBP columns, not the USD ones
  EXPECT_EQ(o.delivery_start, std::optional<EpochSeconds>(1574208000));
  EXPECT_EQ(o.delivery_stop, std::optional<EpochSeconds>(1576022400));
}

TEST_F(JsonDecoderTest, GoogleSpendColumns) {
  const auto spend_of = [this](std::string_view cols) {
    const Observation& o = ObservationOf(Decode(GoogleWithAd(
        R"({"Ad_ID":"CR1")" + std::string(cols.empty() ? "" : ",") + std::string(cols) + "}")));
    return o.spend;
  };
  EXPECT_EQ(spend_of(""), std::nullopt);
  EXPECT_EQ(spend_of(R"("Spend_Range_Min_GBP":"","Spend_Range_Max_GBP":"")"), std::nullopt);
  EXPECT_EQ(spend_of(R"("Spend_Range_Min_GBP":100000,"Spend_Range_Max_GBP":"")"),
            (SpendRange{10000000, 10000000, true}));
  EXPECT_EQ(spend_of(R"("Spend_Range_Min_GBP":"0","Spend_Range_Max_GBP":50)"),
            (SpendRange{0, 5000, false}));
  // No GBP columns: a convertible currency is used (EUR 85/100).
  EXPECT_EQ(spend_of(R"("Spend_Range_Min_EUR":"100","Spend_Range_Max_EUR":"200")"),
            (SpendRange{8500, 17000, false}));
  EXPECT_EQ(Reason(GoogleWithAd(R"({"Ad_ID":"CR1","Spend_Range_Min_INR":"1000"})")),
            RejectReason::kUnknownCurrency);
  EXPECT_EQ(Reason(GoogleWithAd(R"({"Ad_ID":"CR1","Spend_Range_Max_GBP":"50"})")),
            RejectReason::kMissingField);
  EXPECT_EQ(Reason(GoogleWithAd(R"({"Ad_ID":"CR1","Spend_Range_Min_GBP":"-1"})")),
            RejectReason::kBadAmount);
  EXPECT_EQ(Reason(GoogleWithAd(R"({"Ad_ID":"CR1","Spend_Range_Min_GBP":"1",
                                    "Spend_Range_Min_GBP":"2"})")),
            RejectReason::kBadValue);
}

TEST_F(JsonDecoderTest, GoogleRequiredAndTypedFields) {
  EXPECT_EQ(Reason(GoogleWithAd(R"({"id":"CR1"})")), RejectReason::kMissingField);
  EXPECT_EQ(Reason(GoogleWithAd(R"({"Ad_ID":1})")), RejectReason::kBadType);
  EXPECT_EQ(Reason(GoogleWithAd(R"({"Ad_ID":"CR1","Advertiser_Name":1})")), RejectReason::kBadType);
  EXPECT_EQ(Reason(GoogleWithAd(R"({"Ad_ID":"CR1","Date_Range_End":"2019-12-32"})")),
            RejectReason::kBadTimestamp);
  // An empty CSV cell for the end date: still running.
  EXPECT_EQ(
      ObservationOf(Decode(GoogleWithAd(R"({"Ad_ID":"CR1","Date_Range_End":""})"))).delivery_stop,
      std::nullopt);
}

// --- crawl_end ---------------------------------------------------------------------------------

TEST_F(JsonDecoderTest, CrawlEndExample) {
  const CrawlEnd& c = CrawlEndOf(Decode(kCrawlEndExample));
  EXPECT_EQ(c.registry, "meta");
  EXPECT_EQ(c.crawl_id, "meta-GB-2019-12-09T06");
  EXPECT_EQ(c.scope, "GB");
  EXPECT_EQ(c.started_at, 1575871200);
  EXPECT_EQ(c.completed_at, 1575874500);
  EXPECT_EQ(c.ads_listed, std::optional<std::int64_t>(110822));
}

TEST_F(JsonDecoderTest, CrawlEndFields) {
  const auto end = [](std::string_view extra) {
    return R"({"kind":"crawl_end","registry":"google","crawl_id":"c1",)" + std::string(extra) +
           R"("completed_at":"2019-12-09T06:55:00Z"})";
  };
  const CrawlEnd& c = CrawlEndOf(Decode(end("")));
  EXPECT_EQ(c.registry, "google");
  EXPECT_EQ(c.started_at, 1575874500);  // defaults to completed_at
  EXPECT_EQ(c.scope, "");
  EXPECT_EQ(c.ads_listed, std::nullopt);
  EXPECT_EQ(CrawlEndOf(Decode(end(R"("ads_listed":"110822",)"))).ads_listed,
            std::optional<std::int64_t>(110822));
  EXPECT_EQ(Reason(end(R"("ads_listed":-1,)")), RejectReason::kBadValue);
  EXPECT_EQ(Reason(end(R"("ads_listed":1.5,)")), RejectReason::kBadValue);
  EXPECT_EQ(Reason(end(R"("ads_listed":"12a",)")), RejectReason::kBadValue);
  EXPECT_EQ(Reason(end(R"("ads_listed":true,)")), RejectReason::kBadType);
  EXPECT_EQ(Reason(end(R"("scope":5,)")), RejectReason::kBadType);
  EXPECT_EQ(Reason(end(R"("started_at":"2019-12-09T07:00:00Z",)")), RejectReason::kBadValue);
  EXPECT_EQ(Reason(end(R"("started_at":"06:00",)")), RejectReason::kBadTimestamp);
  EXPECT_EQ(Reason(R"({"kind":"crawl_end","registry":"meta","crawl_id":"c1"})"),
            RejectReason::kMissingField);
  EXPECT_EQ(Reason(R"({"kind":"crawl_end","registry":"meta",
                       "completed_at":"2019-12-09T06:55:00Z"})"),
            RejectReason::kMissingField);
  EXPECT_EQ(Reason(R"({"kind":"crawl_end","registry":"meta","crawl_id":"c1",
                       "completed_at":"2030-01-01T00:00:00Z"})"),
            RejectReason::kFutureTimestamp);
  EXPECT_EQ(Reason(R"({"kind":"crawl_end","registry":"bing","crawl_id":"c1",
                       "completed_at":"2019-12-09T06:55:00Z"})"),
            RejectReason::kUnknownRegistry);
}

TEST_F(JsonDecoderTest, RejectionDetailsQuoteInputSafely) {
  const DecodeResult r = Decode(MetaWithSpend("\"currency\":\"X\\n" + std::string(100, 'Y') +
                                              "\",\"spend\":{\"lower_bound\":\"1\"}"));
  ASSERT_EQ(ReasonOf(r), RejectReason::kUnknownCurrency);
  EXPECT_EQ(std::get<Rejection>(r).detail, "unknown currency 'X?YYYYYYYYYYYYYYYYYYYYYY...'");
}

TEST_F(JsonDecoderTest, MakeDecoderPicksJson) {
  auto d = MakeDecoder(InputFormat::kJson, options_, clock_);
  EXPECT_EQ(ObservationOf(d->Decode(kMetaExample)).ad_id, "461290581348812");
}

}  // namespace
}  // namespace adwatch
