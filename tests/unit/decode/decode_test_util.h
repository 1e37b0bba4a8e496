// Shared fixtures for the decode tests: options, a fixed clock and sample messages.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <variant>

#include "decode/decoder.h"

namespace adwatch::testing_decode {

// 2019-12-10T00:00:00Z.
inline constexpr EpochSeconds kNow = 1575936000;
// 2019-12-09T06:12:00Z.
inline constexpr EpochSeconds kObservedAt = 1575871920;

inline DecoderOptions TestOptions() {
  DecoderOptions o;
  o.limits.max_message_bytes = 1 << 20;
  o.limits.max_depth = 32;
  o.limits.future_tolerance_seconds = 86400;
  o.currency.reporting = "GBP";
  o.currency.conversion["EUR"] = Rate{85, 100};
  o.currency.conversion["USD"] = Rate{79, 100};
  o.currency.conversion["THR"] = Rate{1, 3};  // a made-up currency worth a third of a pound
  return o;
}

// SPEC §2.1's example, with ignored fields including an access-token URL.
inline constexpr std::string_view kMetaExample = R"({
  "kind": "observation",
  "registry": "meta",
  "observed_at": "2019-12-09T06:12:00Z",
  "crawl_id": "meta-GB-2019-12-09T06",
  "lookup": "listing",
  "status": "present",
  "ad": { "id": "461290581348812", "page_id": "8807334278", "page_name": "Conservatives",
          "bylines": "Conservative and Unionist Party",
          "ad_creative_bodies": ["Get Brexit done. Vote Conservative on 12 December."],
          "ad_creative_link_titles": ["Get Brexit Done"],
          "ad_delivery_start_time": "2019-12-01", "currency": "GBP",
          "ad_snapshot_url": "https://www.facebook.com/ads/archive/render_ad/?id=1&access_token=SECRET",
          "spend": {"lower_bound": "1000", "upper_bound": "4999"},
          "impressions": {"lower_bound": "50000", "upper_bound": "99999"},
          "delivery_by_region": [{"region": "England", "percentage": "0.91"}],
          "publisher_platforms": ["facebook", "instagram"] }
})";

inline constexpr std::string_view kGoogleExample = R"({
  "registry": "google", "observed_at": "2019-12-09T06:12:00Z", "crawl_id": "g-1", "scope": "GB",
  "ad": {"Ad_ID": "CR104", "Ad_URL": "https://transparencyreport.google.com/x",
         "Ad_Type": "Video", "Regions": "GB", "Advertiser_ID": "AR488",
         "Advertiser_Name": "The Conservative & Unionist Party",
         "Date_Range_Start": "2019-11-20", "Date_Range_End": "2019-12-11",
         "Num_of_Days": "22", "Impressions": "100k-1M", "Spend_USD": "",
         "Spend_Range_Min_USD": "100", "Spend_Range_Max_USD": "1000",
         "Spend_Range_Min_GBP": "50", "Spend_Range_Max_GBP": "750"}
})";

inline constexpr std::string_view kCrawlEndExample =
    R"({"kind": "crawl_end", "registry": "meta", "crawl_id": "meta-GB-2019-12-09T06",
 "scope": "GB", "started_at": "2019-12-09T06:00:00Z", "completed_at": "2019-12-09T06:55:00Z",
 "ads_listed": 110822})";

// An observation envelope around `ad_json` (a JSON object text) with extra top-level members.
inline std::string MetaWithAd(std::string_view ad_json, std::string_view extra = "") {
  std::string s = R"({"registry":"meta","observed_at":"2019-12-09T06:12:00Z",)";
  s += extra;
  s += R"("ad":)";
  s += ad_json;
  s += "}";
  return s;
}

// A Meta ad with id "1" and `spend_json` as its spend member text (e.g. `"spend":{...}`).
inline std::string MetaWithSpend(std::string_view spend_json) {
  return MetaWithAd(std::string(R"({"id":"1",)") + std::string(spend_json) + "}");
}

inline std::string GoogleWithAd(std::string_view ad_json) {
  std::string s = R"({"registry":"google","observed_at":"2019-12-09T06:12:00Z","ad":)";
  s += ad_json;
  s += "}";
  return s;
}

inline bool IsRejection(const DecodeResult& r) { return std::holds_alternative<Rejection>(r); }

inline std::string Describe(const DecodeResult& r) {
  if (const auto* rej = std::get_if<Rejection>(&r)) {
    return std::string(RejectReasonName(rej->reason)) + ": " + rej->detail;
  }
  return "a message";
}

// The reason, or a failure if the result is a message.
inline RejectReason ReasonOf(const DecodeResult& r) {
  const auto* rej = std::get_if<Rejection>(&r);
  EXPECT_NE(rej, nullptr) << "expected a rejection";
  return rej != nullptr ? rej->reason : RejectReason::kBadProtobuf;
}

// Returned by value: callers often pass a temporary result.
inline Observation ObservationOf(const DecodeResult& r) {
  static const Observation kEmpty;
  const auto* m = std::get_if<Message>(&r);
  EXPECT_NE(m, nullptr) << Describe(r);
  if (m == nullptr || !std::holds_alternative<Observation>(*m)) {
    ADD_FAILURE() << "not an observation: " << Describe(r);
    return kEmpty;
  }
  return std::get<Observation>(*m);
}

inline CrawlEnd CrawlEndOf(const DecodeResult& r) {
  static const CrawlEnd kEmpty;
  const auto* m = std::get_if<Message>(&r);
  EXPECT_NE(m, nullptr) << Describe(r);
  if (m == nullptr || !std::holds_alternative<CrawlEnd>(*m)) {
    ADD_FAILURE() << "not a crawl_end: " << Describe(r);
    return kEmpty;
  }
  return std::get<CrawlEnd>(*m);
}

inline void ExpectSameObservation(const Observation& a, const Observation& b) {
  EXPECT_EQ(a.registry, b.registry);
  EXPECT_EQ(a.observed_at, b.observed_at);
  EXPECT_EQ(a.crawl_id, b.crawl_id);
  EXPECT_EQ(a.scope, b.scope);
  EXPECT_EQ(a.lookup, b.lookup);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.ad_id, b.ad_id);
  EXPECT_EQ(a.content.page_id, b.content.page_id);
  EXPECT_EQ(a.content.page_name, b.content.page_name);
  EXPECT_EQ(a.content.bylines, b.content.bylines);
  EXPECT_EQ(a.content.texts, b.content.texts);
  EXPECT_EQ(a.spend, b.spend);
  EXPECT_EQ(a.delivery_start, b.delivery_start);
  EXPECT_EQ(a.delivery_stop, b.delivery_stop);
  EXPECT_EQ(a.nations, b.nations);
}

}  // namespace adwatch::testing_decode
