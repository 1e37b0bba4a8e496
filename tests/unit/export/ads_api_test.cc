#include "export/ads_api.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <thread>

#include "core/rapidjson.h"
#include "entity_fixture.h"

namespace adwatch {
namespace {

constexpr EpochSeconds kT0 = 1575849600;  // 2019-12-09T00:00:00Z

Config TwoPartyConfig() {
  Config c;
  c.entities = {Entity("Labour"), Entity("People's Vote", EntityType::kNonPartyCampaigner)};
  c.themes.resize(2);
  c.themes[0].name = "brexit";
  c.themes[1].name = "nhs";
  return c;
}

AdListing Ad(std::string id, std::size_t entity, Presence presence, Pence lower_pounds) {
  return {"meta",   std::move(id), entity,
          presence, "Page",        "Byline",
          kT0,      kT0 + 3600,    SpendRange{lower_pounds * 100, lower_pounds * 100 + 9900, false},
          0b10};
}

// Serves `ads` through the filter, largest lower bound first, paged, like MonitorState::ListAds
// (tested in the state tests), remembering what it was asked.
class AdsApiTest : public ::testing::Test {
 protected:
  AdsApi api_{TwoPartyConfig(), [this](const AdFilter& f, size_t offset, size_t limit) {
                last_ = f;
                last_offset_ = offset;
                last_limit_ = limit;
                std::vector<AdListing> out;
                for (const AdListing& a : ads_) {
                  if (f.presence[static_cast<size_t>(a.presence)] &&
                      (!f.entity || *f.entity == a.entity) &&
                      (f.registry.empty() || f.registry == a.registry)) {
                    out.push_back(a);
                  }
                }
                std::sort(out.begin(), out.end(), [](const AdListing& a, const AdListing& b) {
                  return a.spend->lower != b.spend->lower ? a.spend->lower > b.spend->lower
                                                          : a.ad_id < b.ad_id;
                });
                AdPage page{out.size(), {}};
                for (size_t i = offset; i < out.size() && i - offset < limit; ++i) {
                  page.ads.push_back(out[i]);
                }
                return page;
              }};
  rapidjson::Document Get(const std::string& query, int status = 200) {
    const HttpResponse r = api_.Handle({"GET", "/api/v1/ads", query});
    EXPECT_EQ(r.status, status) << query << " → " << r.body;
    EXPECT_EQ(r.content_type, "application/json");
    rapidjson::Document d;
    d.Parse(r.body.c_str());
    EXPECT_FALSE(d.HasParseError()) << r.body;
    return d;
  }
  std::vector<std::string> Ids(const rapidjson::Document& d) {
    std::vector<std::string> ids;
    for (const auto& a : d["ads"].GetArray()) ids.emplace_back(a["ad_id"].GetString());
    return ids;
  }
  std::vector<AdListing> ads_;
  AdFilter last_;
  size_t last_offset_ = 0, last_limit_ = 0;
};

TEST_F(AdsApiTest, ListsLostAdsLargestSpendFirstWithEveryField) {
  ads_ = {Ad("small", 0, Presence::kMissing, 100), Ad("big", 1, Presence::kUnlisted, 5000),
          Ad("gone", 2, Presence::kRemoved, 300), Ad("fine", 0, Presence::kListed, 9000)};
  ads_[2].spend->open_ended = true;
  const auto d = Get("");
  EXPECT_EQ(d["total"].GetUint64(), 3U);
  EXPECT_EQ(Ids(d), (std::vector<std::string>{"big", "gone", "small"}));
  const auto& big = d["ads"][0];
  EXPECT_STREQ(big["registry"].GetString(), "meta");
  EXPECT_STREQ(big["party"].GetString(), "People's Vote");
  EXPECT_STREQ(big["state"].GetString(), "unlisted");
  EXPECT_STREQ(big["page_name"].GetString(), "Page");
  EXPECT_STREQ(big["bylines"].GetString(), "Byline");
  EXPECT_STREQ(big["first_seen"].GetString(), "2019-12-09T00:00:00Z");
  EXPECT_STREQ(big["last_seen"].GetString(), "2019-12-09T01:00:00Z");
  EXPECT_EQ(big["spend_lower_pence"].GetInt64(), 500000);
  EXPECT_EQ(big["spend_upper_pence"].GetInt64(), 509900);
  ASSERT_EQ(big["themes"].Size(), 1U);
  EXPECT_STREQ(big["themes"][0].GetString(), "nhs");
  EXPECT_STREQ(d["ads"][1]["party"].GetString(), "unattributed");
  EXPECT_TRUE(d["ads"][1]["spend_upper_pence"].IsNull());  // open-ended top bucket
}

TEST_F(AdsApiTest, FiltersByPartyStateAndRegistry) {
  ads_ = {Ad("a", 0, Presence::kMissing, 1), Ad("b", 1, Presence::kUnlisted, 2),
          Ad("c", 1, Presence::kRemoved, 3)};
  EXPECT_EQ(Ids(Get("party=People%27s+Vote")), (std::vector<std::string>{"c", "b"}));
  EXPECT_EQ(last_.entity, 1U);
  EXPECT_EQ(Ids(Get("state=unlisted,missing")), (std::vector<std::string>{"b", "a"}));
  EXPECT_FALSE(last_.presence[static_cast<size_t>(Presence::kRemoved)]);
  EXPECT_FALSE(last_.presence[static_cast<size_t>(Presence::kListed)]);
  EXPECT_EQ(Ids(Get("party=unattributed")), std::vector<std::string>{});
  EXPECT_EQ(last_.entity, 2U);
  EXPECT_EQ(Ids(Get("registry=google")), std::vector<std::string>{});
  EXPECT_EQ(last_.registry, "google");
}

TEST_F(AdsApiTest, PagesWithABoundedLimit) {
  for (int i = 0; i < 250; ++i)
    ads_.push_back(Ad("ad" + std::to_string(1000 + i), 0, Presence::kMissing, i));
  auto d = Get("");
  EXPECT_EQ(d["total"].GetUint64(), 250U);
  EXPECT_EQ(d["ads"].Size(), ListingParams::kDefaultLimit);
  EXPECT_STREQ(d["ads"][0]["ad_id"].GetString(), "ad1249");
  d = Get("limit=60&offset=200");
  EXPECT_EQ(last_offset_, 200U);
  EXPECT_EQ(last_limit_, 60U);
  ASSERT_EQ(d["ads"].Size(), 50U);
  EXPECT_STREQ(d["ads"][0]["ad_id"].GetString(), "ad1049");
  EXPECT_EQ(Get("offset=1000")["ads"].Size(), 0U);
  EXPECT_EQ(Get("offset=18446744073709551615")["ads"].Size(), 0U);
  EXPECT_EQ(Get("limit=1000")["ads"].Size(), 250U);
}

TEST_F(AdsApiTest, RejectsBadParametersWithAJsonErrorNamingThem) {
  for (const char* q : {"limit=0", "limit=1001", "limit=ten", "limit=-1", "offset=x",
                        "party=Nobody", "state=sideways", "state=", "colour=red", "format=xml"}) {
    const auto d = Get(q, 400);
    ASSERT_TRUE(d.IsObject() && d.HasMember("error")) << q;
  }
  EXPECT_STREQ(Get("party=Nobody", 400)["error"].GetString(), "unknown party: Nobody");
}

TEST(AdsApiBusyTest, ServesOneListingAtATimeAndRefusesTheOthers) {
  std::promise<void> entered, release;
  std::shared_future<void> released = release.get_future().share();
  AdsApi api(TwoPartyConfig(), [&](const AdFilter&, size_t, size_t) {
    entered.set_value();
    released.wait();
    return AdPage{};
  });
  std::thread first([&] { EXPECT_EQ(api.Handle({"GET", "/api/v1/ads", ""}).status, 200); });
  entered.get_future().wait();
  const HttpResponse second = api.Handle({"GET", "/api/v1/ads", ""});
  EXPECT_EQ(second.status, 503);
  EXPECT_NE(second.body.find("busy"), std::string::npos);
  release.set_value();
  first.join();
  std::promise<void> again;  // free again once the first is done
  entered = std::move(again);
  std::promise<void> open;
  open.set_value();
  released = open.get_future().share();
  EXPECT_EQ(api.Handle({"GET", "/api/v1/ads", ""}).status, 200);
}

TEST_F(AdsApiTest, EscapesWhateverTheRegistrySentInNames) {
  const std::string hostile = "Vote \"Leave\"\n\\ </script><b>\x01 £ ü 🗳";
  ads_ = {Ad("x", 0, Presence::kMissing, 1)};
  ads_[0].page_name = hostile;
  ads_[0].bylines = "}{\"]";
  const auto d = Get("");
  EXPECT_EQ(std::string(d["ads"][0]["page_name"].GetString()), hostile);
  EXPECT_STREQ(d["ads"][0]["bylines"].GetString(), "}{\"]");
}

}  // namespace
}  // namespace adwatch
