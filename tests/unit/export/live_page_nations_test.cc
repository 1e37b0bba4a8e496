// The live page's nation view: `nations` in /api/v1/summary carries, per party with spend by
// nation or a nation limit, its campaign-to-date per nation and the configured nation limits,
// exactly (pounds from pence), in NationName order; the page has its own section for it.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/rapidjson.h"
#include "entity_fixture.h"
#include "export/live_page.h"

namespace adwatch {
namespace {

rapidjson::Document ParseJson(const std::string& s) {
  rapidjson::Document d;
  d.Parse(s.c_str());
  EXPECT_FALSE(d.HasParseError()) << s;
  return d;
}

constexpr int kE = static_cast<int>(Nation::kEngland);
constexpr int kW = static_cast<int>(Nation::kWales);
constexpr int kU = static_cast<int>(Nation::kUnknown);

Config ThreeEntityConfig() {
  Config c;
  EntityConfig labour = Entity("Labour", EntityType::kParty, Pence{1893000000});
  labour.nation_spending_limits[kE] = Pence{1596000000};
  labour.nation_spending_limits[kW] = Pence{120000000};
  EntityConfig pv = Entity("People's Vote", EntityType::kNonPartyCampaigner, Pence{58481700});
  pv.nation_spending_limits[kE] = Pence{31980000};
  c.entities = {labour, pv, Entity("Renew")};  // Renew: no nation limit, no spend
  c.themes.resize(1);
  c.themes[0].name = "brexit";
  c.windows = {{"7d", 7 * 86400}};
  return c;
}

TEST(LivePageNationsTest, SummaryCarriesSpendByNationAndTheNationLimits) {
  Figures f(4, 2, 1);  // Labour, People's Vote, Renew, unattributed
  ASSERT_EQ(f.nation_campaign_to_date.size(), 4u * kNationCount);
  f.NationCtd(0, kW) = Amounts{{105000001, 130000000, 117500000}};  // lower, upper, mid (pence)
  f.NationCtd(0, kU) = Amounts{{100, 300, 201}};
  f.NationCtd(3, kE) = Amounts{{5, 7, 6}};  // unattributed: spend, never a limit
  const auto names =
      std::make_shared<FiguresCollector>(ThreeEntityConfig(), [] { return Figures(4, 2, 1); });
  LivePage page(
      names, [&] { return f; }, [] { return std::vector<std::string>{}; }, 4);
  const rapidjson::Document d = ParseJson(page.SummaryJson());
  ASSERT_TRUE(d.HasMember("nations"));
  const auto& nations = d["nations"];
  ASSERT_EQ(nations["names"].Size(), 5u);
  for (int n = 0; n < kNationCount; ++n) {
    EXPECT_EQ(nations["names"][n].GetString(), NationName(static_cast<Nation>(n)));
  }
  const auto& parties = nations["parties"];
  ASSERT_EQ(parties.Size(), 3u);  // Renew has neither
  EXPECT_STREQ(parties[0]["party"].GetString(), "Labour");
  EXPECT_STREQ(parties[1]["party"].GetString(), "People's Vote");
  EXPECT_STREQ(parties[2]["party"].GetString(), "unattributed");

  const auto& labour = parties[0];
  EXPECT_DOUBLE_EQ(labour["to_date"][kW]["lower"].GetDouble(), 1050000.01);
  EXPECT_DOUBLE_EQ(labour["to_date"][kW]["mid"].GetDouble(), 1175000.00);
  EXPECT_DOUBLE_EQ(labour["to_date"][kW]["upper"].GetDouble(), 1300000.00);
  EXPECT_DOUBLE_EQ(labour["to_date"][kU]["mid"].GetDouble(), 2.01);
  EXPECT_DOUBLE_EQ(labour["to_date"][kE]["upper"].GetDouble(), 0.0);
  EXPECT_DOUBLE_EQ(labour["limits"][kE].GetDouble(), 15960000.0);
  EXPECT_DOUBLE_EQ(labour["limits"][kW].GetDouble(), 1200000.0);
  EXPECT_TRUE(labour["limits"][static_cast<int>(Nation::kScotland)].IsNull());
  EXPECT_TRUE(labour["limits"][kU].IsNull());

  const auto& pv = parties[1];  // a limit but no spend yet: listed, all zero
  EXPECT_DOUBLE_EQ(pv["limits"][kE].GetDouble(), 319800.0);
  for (int n = 0; n < kNationCount; ++n) EXPECT_DOUBLE_EQ(pv["to_date"][n]["mid"].GetDouble(), 0);

  const auto& unattributed = parties[2];
  EXPECT_DOUBLE_EQ(unattributed["to_date"][kE]["mid"].GetDouble(), 0.06);
  for (int n = 0; n < kNationCount; ++n) EXPECT_TRUE(unattributed["limits"][n].IsNull());
}

TEST(LivePageNationsTest, ThePageHasItsOwnNationSection) {
  const std::string_view html = LivePage::Html();
  EXPECT_NE(html.find("<section id=\"nation-view\">"), std::string_view::npos);
  EXPECT_NE(html.find("<table id=\"nations\""), std::string_view::npos);
  EXPECT_NE(html.find("showNations(s)"), std::string_view::npos);
}

}  // namespace
}  // namespace adwatch
