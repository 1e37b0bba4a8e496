// Nation shares from region data: the exact decimal conversion, the largest-remainder rule, the
// hostile cases that fall back to `unknown`, and both decoders (JSON and protobuf) on Meta's
// delivery_by_region and Google's geo targeting columns.
#include "decode/delivery_regions.h"

#include <gtest/gtest.h>

#include <numeric>
#include <random>
#include <string>
#include <vector>

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

NationShares Parts(std::uint16_t e, std::uint16_t s, std::uint16_t w, std::uint16_t ni,
                   std::uint16_t u) {
  NationShares n;
  n.parts = {e, s, w, ni, u};
  return n;
}

std::string PrintShares(const NationShares& n) {
  std::string s;
  for (auto p : n.parts) s += std::to_string(p) + " ";
  return s;
}

TEST(ParseFractionTest, ExactDecimalsInTenToTheMinusEighteen) {
  EXPECT_EQ(ParseFraction("0.12"), 120'000'000'000'000'000ULL);
  EXPECT_EQ(ParseFraction("0.794621"), 794'621'000'000'000'000ULL);
  EXPECT_EQ(ParseFraction("1"), kFractionOne);
  EXPECT_EQ(ParseFraction("1.000"), kFractionOne);
  EXPECT_EQ(ParseFraction("0"), 0u);
  EXPECT_EQ(ParseFraction("000.5"), kFractionOne / 2);
  EXPECT_EQ(ParseFraction(" 0.5\t"), kFractionOne / 2);
  EXPECT_EQ(ParseFraction("0.000000000000000001"), 1u);
  EXPECT_EQ(ParseFraction("0.0000000000000000010000"), 1u);  // zeros past the 18th decimal
  for (const char* bad :
       {"", ".5", "5.", "0.0000000000000000001", "-0.1", "+0.1", "NaN", "nan", "inf", "1e-2", "0,5",
        "1.5", "1.0000000000000000001", "2", "0x1", "0.1.2", "0. 1", "\xc2\xbd"}) {
    EXPECT_EQ(ParseFraction(bad), std::nullopt) << bad;
  }
}

TEST(UkNationOfRegionTest, NamesCaseAndWhitespace) {
  EXPECT_EQ(UkNationOfRegion("England"), Nation::kEngland);
  EXPECT_EQ(UkNationOfRegion("SCOTLAND"), Nation::kScotland);
  EXPECT_EQ(UkNationOfRegion(" wales\n"), Nation::kWales);
  EXPECT_EQ(UkNationOfRegion("Northern Ireland"), Nation::kNorthernIreland);
  EXPECT_EQ(UkNationOfRegion("  northern \t IRELAND "), Nation::kNorthernIreland);
  for (const char* other : {"", "Unknown", "Ireland", "Northern-Ireland", "NorthernIreland",
                            "Englandx", "Great Britain", "United Kingdom", "Dublin", "Bavaria"}) {
    EXPECT_EQ(UkNationOfRegion(other), std::nullopt) << other;
  }
}

TEST(SharesFromRegionsTest, RealShapedFourNationSplitByLargestRemainder) {
  // Six decimals as Meta gives them, summing to exactly 1.
  const std::vector<RegionEntry> e{{"Northern Ireland", "0.039023"},
                                   {"England", "0.794621"},
                                   {"Scotland", "0.102143"},
                                   {"Wales", "0.064213"}};
  // Floors 7946, 1021, 642, 390 (9,999); the one part left goes to the largest remainder,
  // Scotland's .43.
  EXPECT_EQ(SharesFromRegions(e), Parts(7946, 1022, 642, 390, 0));
}

TEST(SharesFromRegionsTest, SumBelowOneLeavesTheRestUnknown) {
  EXPECT_EQ(SharesFromRegions(std::vector<RegionEntry>{{"England", "0.91"}}),
            Parts(9100, 0, 0, 0, 900));
  // Non-UK regions (Meta also reports "Unknown") count toward unknown.
  EXPECT_EQ(SharesFromRegions(std::vector<RegionEntry>{
                {"Scotland", "0.97"}, {"Unknown", "0.01"}, {"Dublin", "0.02"}}),
            Parts(0, 9700, 0, 0, 300));
  EXPECT_EQ(SharesFromRegions(std::vector<RegionEntry>{{"England", "0"}, {"Wales", "0.0"}}),
            Parts(0, 0, 0, 0, 10000));
}

TEST(SharesFromRegionsTest, SumSlightlyAboveOneIsScaledDown) {
  // 1.005: each fraction divided by the sum, then largest remainder. 0.5/1.005 = 4975.12...,
  // 0.505/1.005 = 5024.87...: floors 4975 + 5024 = 9999, the part left to Scotland.
  EXPECT_EQ(SharesFromRegions(std::vector<RegionEntry>{{"England", "0.5"}, {"Scotland", "0.505"}}),
            Parts(4975, 5025, 0, 0, 0));
  // Exactly at the tolerance, 1.01, still usable; beyond it, unusable.
  EXPECT_EQ(SharesFromRegions(std::vector<RegionEntry>{{"Wales", "1"}, {"England", "0.01"}})
                .parts[static_cast<int>(Nation::kWales)],
            9901);
  EXPECT_TRUE(SharesFromRegions(std::vector<RegionEntry>{{"Wales", "1"}, {"England", "0.010001"}})
                  .unknown_only());
}

TEST(SharesFromRegionsTest, UnusableDataIsAllUnknown) {
  const std::vector<std::vector<RegionEntry>> cases{
      {},                                                     // empty list
      {{"England", "-0.5"}, {"Scotland", "0.5"}},             // negative
      {{"England", "NaN"}},                                   // not a number
      {{"England", "0.6"}, {"england ", "0.4"}},              // a nation twice
      {{"England", "0.6"}, {"Scotland", "0.6"}},              // sums to 1.2
      {{"England", "1"}, {"Scotland", "1"}, {"Wales", "1"}},  // sums to 3
      {{"England", "0.5"}, {"Scotland", "0.5", false}},       // an element unusable
      {{"England", "0.5e0"}},                                 // exponent
  };
  for (const auto& c : cases) {
    EXPECT_TRUE(SharesFromRegions(c).unknown_only()) << c.size();
  }
  // The same non-UK region twice is fine: both count toward unknown.
  EXPECT_EQ(SharesFromRegions(std::vector<RegionEntry>{
                {"England", "0.5"}, {"Elsewhere", "0.25"}, {"Elsewhere", "0.25"}}),
            Parts(5000, 0, 0, 0, 5000));
}

TEST(SharesFromRegionsTest, RandomListsAlwaysSumToTheWholeAndZeroGetsZero) {
  std::mt19937_64 rng(12);
  const char* names[] = {"England", "Scotland", "Wales", "Northern Ireland", "Unknown"};
  for (int i = 0; i < 20000; ++i) {
    std::vector<std::string> pct;
    std::vector<RegionEntry> e;
    std::uint64_t left = 1'000'000;  // six decimals, summing to at most 1
    for (int n = 0; n < 5; ++n) {
      if (rng() % 3 == 0) continue;
      const std::uint64_t v = n == 4 || rng() % 4 == 0 ? left : rng() % (left + 1);
      left -= v;
      std::string digits = std::to_string(v);
      digits.insert(0, 6 - std::min<std::size_t>(6, digits.size()), '0');
      pct.push_back(v == 1'000'000 ? "1" : "0." + digits);
    }
    std::size_t k = 0;
    for (int n = 0; n < 5 && k < pct.size(); ++n) {
      if (rng() % 2 == 0 && pct.size() - k < static_cast<std::size_t>(5 - n)) continue;
      e.push_back({names[n], pct[k++]});
    }
    const NationShares s = SharesFromRegions(e);
    EXPECT_EQ(std::accumulate(s.parts.begin(), s.parts.end(), 0), 10000) << PrintShares(s);
    for (const RegionEntry& r : e) {
      const auto uk = UkNationOfRegion(r.region);
      if (uk && *ParseFraction(r.percentage) == 0) {
        EXPECT_EQ(s.parts[static_cast<int>(*uk)], 0) << PrintShares(s);
      }
    }
  }
}

TEST(SharesFromGeoTargetingTest, OnlyOneNationIsDefinite) {
  EXPECT_EQ(SharesFromGeoTargeting("Scotland,United Kingdom", ""), Parts(0, 10000, 0, 0, 0));
  EXPECT_EQ(SharesFromGeoTargeting(" wales ", " "), Parts(0, 0, 10000, 0, 0));
  EXPECT_EQ(SharesFromGeoTargeting("Wales, Wales", ""), Parts(0, 0, 10000, 0, 0));
  for (const auto& [in, ex] :
       std::vector<std::pair<const char*, const char*>>{{"United Kingdom", ""},
                                                        {"Scotland,Wales", ""},
                                                        {"Scotland,Glasgow", ""},
                                                        {"Scotland", "Glasgow"},
                                                        {",,,", ""},
                                                        {"Ireland", ""}}) {
    EXPECT_TRUE(SharesFromGeoTargeting(in, ex).unknown_only()) << in << " / " << ex;
  }
}

class RegionDecodeTest : public ::testing::Test {
 protected:
  std::optional<NationShares> Meta(std::string_view regions_member) {
    const std::string json =
        MetaWithAd(std::string(R"({"id":"1","spend":{"lower_bound":"100",)") +
                   R"("upper_bound":"199"})" + std::string(regions_member) + "}");
    const Observation o = ObservationOf(json_->Decode(json));
    EXPECT_EQ(o.spend, (SpendRange{10000, 19900, false})) << "the rest of the message decodes";
    return o.nations;
  }
  std::optional<NationShares> Google(std::string_view geo_members) {
    const Observation o = ObservationOf(json_->Decode(GoogleWithAd(
        std::string(R"({"Ad_ID":"CR1","Spend_Range_Min_GBP":"0","Spend_Range_Max_GBP":"50")") +
        std::string(geo_members) + "}")));
    EXPECT_EQ(o.spend, (SpendRange{0, 5000, false}));
    return o.nations;
  }

  ManualClock clock_{kNow};
  DecoderOptions options_ = TestOptions();
  std::unique_ptr<Decoder> json_ = MakeJsonDecoder(options_, clock_);
  std::unique_ptr<Decoder> proto_ = MakeProtobufDecoder(options_, clock_);
};

TEST_F(RegionDecodeTest, MetaDeliveryByRegion) {
  EXPECT_EQ(Meta(""), std::nullopt);
  EXPECT_EQ(Meta(R"(,"delivery_by_region":null)"), std::nullopt);
  EXPECT_EQ(Meta(R"(,"delivery_by_region":[{"percentage":"0.039023","region":"Northern Ireland"},)"
                 R"({"percentage":"0.794621","region":"England"},)"
                 R"({"percentage":"0.102143","region":"Scotland"},)"
                 R"({"percentage":"0.064213","region":"Wales"}])"),
            Parts(7946, 1022, 642, 390, 0));
  EXPECT_EQ(Meta(R"(,"delivery_by_region":[{"region":"Sc\u006ftland","percentage":"1"}])"),
            Parts(0, 10000, 0, 0, 0));
  // Members adwatch does not read are ignored, nested values included.
  EXPECT_EQ(Meta(R"(,"delivery_by_region":[{"region":"Wales","x":{"y":[1,{}]},"percentage":"1"}])"),
            Parts(0, 0, 10000, 0, 0));
  EXPECT_EQ(ObservationOf(json_->Decode(kMetaExample)).nations, Parts(9100, 0, 0, 0, 900));
}

TEST_F(RegionDecodeTest, HostileRegionDataIsUnknownNeverARejection) {
  for (
      const char* member : {
          R"(,"delivery_by_region":[])",
          R"(,"delivery_by_region":"England")",
          R"(,"delivery_by_region":{"region":"England","percentage":"1"})",
          R"(,"delivery_by_region":[1])",
          R"(,"delivery_by_region":[null])",
          R"(,"delivery_by_region":[["England","1"]])",
          R"(,"delivery_by_region":[{"region":"England","percentage":1}])",
          R"(,"delivery_by_region":[{"region":"England","percentage":0.5},{"region":"Wales","percentage":"0.5"}])",
          R"(,"delivery_by_region":[{"region":"England"}])",
          R"(,"delivery_by_region":[{"percentage":"1"}])",
          R"(,"delivery_by_region":[{"region":null,"percentage":"1"}])",
          R"(,"delivery_by_region":[{"region":"England","percentage":"1","percentage":"0"}])",
          R"(,"delivery_by_region":[{"region":"England","region":"Wales","percentage":"1"}])",
          R"(,"delivery_by_region":[{"region":"England","percentage":"NaN"}])",
          R"(,"delivery_by_region":[{"region":"England","percentage":"-1"}])",
          R"(,"delivery_by_region":[{"region":"England","percentage":"0.7"},{"region":"England","percentage":"0.3"}])",
          R"(,"delivery_by_region":[{"region":"England","percentage":"0.7"},{"region":"Wales","percentage":"0.7"}])",
          R"(,"delivery_by_region":[{"region":"England","percentage":"1"}],"delivery_by_region":[])",
      }) {
    EXPECT_EQ(Meta(member), NationShares{}) << member;
  }
  std::string many = R"(,"delivery_by_region":[)";
  for (int i = 0; i < 65; ++i)
    many += std::string(i ? "," : "") + R"({"region":"X","percentage":"0"})";
  EXPECT_EQ(Meta(many + "]"), NationShares{});
  // Broken JSON is still malformed_json, and too deep is still too_deep.
  EXPECT_EQ(ReasonOf(json_->Decode(MetaWithAd(R"({"id":"1","delivery_by_region":[{"region":}]})"))),
            RejectReason::kMalformedJson);
  std::string deep = R"({"id":"1","delivery_by_region":[{"region":)";
  for (int i = 0; i < 40; ++i) deep += "[";
  for (int i = 0; i < 40; ++i) deep += "]";
  EXPECT_EQ(ReasonOf(json_->Decode(MetaWithAd(deep + "}]}"))), RejectReason::kTooDeep);
}

TEST_F(RegionDecodeTest, GoogleGeoTargeting) {
  EXPECT_EQ(Google(""), std::nullopt);
  EXPECT_EQ(Google(R"(,"Geo_Targeting_Included":"")"), std::nullopt);
  EXPECT_EQ(
      Google(R"(,"Geo_Targeting_Included":"Scotland,United Kingdom","Geo_Targeting_Excluded":"")"),
      Parts(0, 10000, 0, 0, 0));
  EXPECT_EQ(Google(R"(,"Geo_Targeting_Included":"United Kingdom")"), NationShares{});
  EXPECT_EQ(Google(R"(,"Geo_Targeting_Included":"Wales","Geo_Targeting_Excluded":"Cardiff")"),
            NationShares{});
  EXPECT_EQ(Google(R"(,"Geo_Targeting_Included":7)"), NationShares{});
  EXPECT_EQ(Google(R"(,"Geo_Targeting_Included":"Wales","Geo_Targeting_Excluded":[1])"),
            NationShares{});
}

TEST_F(RegionDecodeTest, ProtobufCarriesTheSameRegionData) {
  v1::Envelope env;
  v1::Observation* o = env.mutable_observation();
  o->set_registry("meta");
  o->set_observed_at("2019-12-09T06:12:00Z");
  v1::Ad* ad = o->mutable_ad();
  ad->set_id("1");
  EXPECT_EQ(ObservationOf(proto_->Decode(env.SerializeAsString())).nations, std::nullopt);
  for (const auto& [region, pct] :
       std::vector<std::pair<const char*, const char*>>{{"England", "0.794621"},
                                                        {"Scotland", "0.102143"},
                                                        {"Wales", "0.064213"},
                                                        {"Northern Ireland", "0.039023"}}) {
    v1::Region* r = ad->add_delivery_by_region();
    r->set_region(region);
    r->set_percentage(pct);
  }
  EXPECT_EQ(ObservationOf(proto_->Decode(env.SerializeAsString())).nations,
            Parts(7946, 1022, 642, 390, 0));
  ad->mutable_delivery_by_region(1)->clear_percentage();
  EXPECT_EQ(ObservationOf(proto_->Decode(env.SerializeAsString())).nations, NationShares{});
  ad->mutable_delivery_by_region(1)->set_percentage("\xff");
  EXPECT_EQ(ReasonOf(proto_->Decode(env.SerializeAsString())), RejectReason::kBadEncoding);

  o->set_registry("google");
  ad->clear_delivery_by_region();
  ad->set_geo_targeting_included("Northern Ireland, United Kingdom");
  EXPECT_EQ(ObservationOf(proto_->Decode(env.SerializeAsString())).nations,
            Parts(0, 0, 0, 10000, 0));
  ad->set_geo_targeting_excluded("Belfast");
  EXPECT_EQ(ObservationOf(proto_->Decode(env.SerializeAsString())).nations, NationShares{});
}

}  // namespace
}  // namespace adwatch
