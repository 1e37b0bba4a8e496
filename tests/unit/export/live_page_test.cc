#include "export/live_page.h"

#include <gtest/gtest.h>

#include "core/rapidjson.h"
#include "entity_fixture.h"

namespace adwatch {
namespace {

Config TwoEntityConfig() {
  Config c;
  c.entities = {Entity("Labour", EntityType::kParty, 1950000000),
                Entity("Say \"no\" \\ </script>", EntityType::kNonPartyCampaigner)};
  c.themes.resize(1);
  c.themes[0].name = "brexit";
  c.windows = {{"1h", 3600}, {"7d", 7 * 86400}};
  return c;
}

rapidjson::Document Parse(const std::string& json) {
  rapidjson::Document d;
  d.Parse(json.c_str());
  EXPECT_FALSE(d.HasParseError()) << json;
  return d;
}

class LivePageTest : public ::testing::Test {
 protected:
  LivePageTest()
      : names_(
            std::make_shared<FiguresCollector>(TwoEntityConfig(), [] { return Figures(3, 2, 2); })),
        page_(
            names_, [this] { return figures_; }, [this] { return incidents_; }, 4) {}

  Figures figures_{3, 2, 2};
  std::vector<std::string> incidents_;
  std::shared_ptr<FiguresCollector> names_;
  LivePage page_;
};

TEST_F(LivePageTest, SummaryCarriesEveryFigureWithNamesEscaped) {
  figures_.watermark = 1575849600;  // 2019-12-09T00:00:00Z
  figures_.campaign_to_date[1] = Amounts{{10001, 20003, 15002}};
  figures_.Window(1, 0) = Amounts{{100, 300, 200}};
  figures_.Window(1, 1) = Amounts{{1000, 3000, 2000}};
  figures_.ThemeWindow(1, 0, 1) = Amounts{{500, 700, 600}};
  figures_.ThemeWindow(1, 0, 0) = Amounts{{1, 1, 1}};  // not the longest window: not shown
  RegistryFigures& meta = figures_.Registry("meta");
  meta.known = {5, 3, 0};
  meta.missing = {2, 1, 0};
  meta.unlisted = {1, 0, 0};
  meta.removed = {0, 1, 0};
  meta.missing_spend = {Amounts{{100, 200, 150}}, Amounts{{1, 3, 2}}, Amounts{}};
  meta.last_crawl_end = 1575846000;
  figures_.outcomes[static_cast<int>(Outcome::kApplied)] = 7;
  incidents_ = {"partition 3 stopped: offset out of range"};

  const rapidjson::Document d = Parse(page_.SummaryJson());
  EXPECT_STREQ(d["watermark"].GetString(), "2019-12-09T00:00:00Z");
  ASSERT_EQ(d["parties"].Size(), 3u);
  const auto& p = d["parties"][1];
  EXPECT_STREQ(p["party"].GetString(), "Say \"no\" \\ </script>");
  EXPECT_STREQ(p["type"].GetString(), "non_party_campaigner");
  EXPECT_DOUBLE_EQ(p["to_date"]["lower"].GetDouble(), 100.01);
  EXPECT_DOUBLE_EQ(p["to_date"]["upper"].GetDouble(), 200.03);
  EXPECT_DOUBLE_EQ(p["to_date"]["mid"].GetDouble(), 150.02);
  EXPECT_TRUE(p["limit"].IsNull());
  EXPECT_DOUBLE_EQ(d["parties"][0]["limit"].GetDouble(), 19500000.0);
  EXPECT_STREQ(d["parties"][2]["party"].GetString(), "unattributed");
  EXPECT_DOUBLE_EQ(p["windows"]["1h"].GetDouble(), 2.0);
  EXPECT_DOUBLE_EQ(p["windows"]["7d"].GetDouble(), 20.0);
  ASSERT_EQ(p["themes"].Size(), 2u);
  EXPECT_DOUBLE_EQ(p["themes"][0].GetDouble(), 6.0);
  EXPECT_DOUBLE_EQ(p["themes"][1].GetDouble(), 0.0);
  EXPECT_STREQ(d["themes"][1].GetString(), "none");
  EXPECT_EQ(d["parties"][0]["missing"].GetInt64(), 2);
  EXPECT_DOUBLE_EQ(d["parties"][0]["missing_spend"]["upper"].GetDouble(), 2.0);
  EXPECT_EQ(p["missing"].GetInt64(), 1);
  EXPECT_DOUBLE_EQ(p["missing_spend"]["mid"].GetDouble(), 0.02);

  ASSERT_EQ(d["registries"].Size(), 1u);
  const auto& r = d["registries"][0];
  EXPECT_EQ(r["known"].GetInt64(), 8);
  EXPECT_EQ(r["missing"].GetInt64(), 3);
  EXPECT_EQ(r["unlisted"].GetInt64(), 1);
  EXPECT_EQ(r["removed"].GetInt64(), 1);
  EXPECT_DOUBLE_EQ(r["missing_spend"]["mid"].GetDouble(), 1.52);
  EXPECT_STREQ(r["last_crawl_end"].GetString(), "2019-12-08T23:00:00Z");

  ASSERT_EQ(d["incidents"].Size(), 2u);
  EXPECT_STREQ(d["incidents"][0].GetString(), "partition 3 stopped: offset out of range");
  EXPECT_STREQ(d["incidents"][1].GetString(),
               "meta: 3 of 8 known ads (37%) missing from the latest crawl");
  EXPECT_EQ(d["events"]["applied"].GetInt64(), 7);
  EXPECT_EQ(d["events"]["rejected"].GetInt64(), 0);
}

// Top spenders: the snapshot's largest advertisers, unattributed ones flagged, names escaped.
TEST_F(LivePageTest, TopSpendersCarryNamesPartyAndSpend) {
  AdvertiserTotals a;
  a.registry = "meta";
  a.page_id = "123";
  a.page_name = "Vote \"Leave\" </script>";
  a.entity = 2;  // unattributed
  a.ads = 4;
  a.campaign_to_date = Amounts{{500000, 700000, 600000}};
  AdvertiserTotals b = a;
  b.registry = "google";
  b.page_id = "AR9";
  b.page_name = "Labour";
  b.entity = 0;
  b.campaign_to_date = Amounts{{100, 300, 200}};
  figures_.top_advertisers = {a, b};
  const rapidjson::Document d = Parse(page_.SummaryJson());
  ASSERT_EQ(d["top_spenders"].Size(), 2u);
  const auto& first = d["top_spenders"][0];
  EXPECT_STREQ(first["page_name"].GetString(), "Vote \"Leave\" </script>");
  EXPECT_STREQ(first["party"].GetString(), "unattributed");
  EXPECT_TRUE(first["unattributed"].GetBool());
  EXPECT_EQ(first["ads"].GetInt64(), 4);
  EXPECT_DOUBLE_EQ(first["to_date"]["lower"].GetDouble(), 5000.0);
  EXPECT_DOUBLE_EQ(first["to_date"]["upper"].GetDouble(), 7000.0);
  EXPECT_STREQ(d["top_spenders"][1]["party"].GetString(), "Labour");
  EXPECT_FALSE(d["top_spenders"][1]["unattributed"].GetBool());
  EXPECT_NE(std::string(LivePage::Html()).find("id=\"spenders\""), std::string::npos);
}

TEST_F(LivePageTest, NothingYetIsValidJson) {
  const rapidjson::Document d = Parse(page_.SummaryJson());
  EXPECT_TRUE(d["watermark"].IsNull());
  EXPECT_EQ(d["incidents"].Size(), 0u);
  page_.Sample();  // no watermark: nothing recorded
  EXPECT_EQ(Parse(page_.HistoryJson())["points"].Size(), 0u);
}

TEST_F(LivePageTest, HistoryStaysBoundedAndCoversTheWholeRunOldestFirst) {
  std::vector<std::int64_t> recorded;
  for (int i = 1; i <= 20; ++i) {
    figures_.watermark = 1000 + i;
    figures_.campaign_to_date[0] = Amounts{{0, 0, 100 * i}};
    page_.Sample();
    const rapidjson::Document d = Parse(page_.HistoryJson());
    ASSERT_LE(d["points"].Size(), 4u) << "after " << i << " samples";
  }
  const rapidjson::Document d = Parse(page_.HistoryJson());
  EXPECT_STREQ(d["parties"][0].GetString(), "Labour");
  // Capacity 4: samples 1..4, then thinned to every 2nd (1,3,5,7), then every 4th (1,5,9,13),
  // then every 8th: 1, 9, 17.
  std::vector<std::int64_t> t;
  for (const auto& p : d["points"].GetArray()) {
    t.push_back(p["t"].GetInt64());
    EXPECT_DOUBLE_EQ(p["mid"][0].GetDouble(), static_cast<double>(p["t"].GetInt64() - 1000));
  }
  EXPECT_EQ(t, (std::vector<std::int64_t>{1001, 1009, 1017}));
}

TEST_F(LivePageTest, SummaryIsServedFromTheLatestSampleOnceThereIsOne) {
  figures_.campaign_to_date[0] = Amounts{{0, 0, 100}};
  EXPECT_DOUBLE_EQ(Parse(page_.SummaryJson())["parties"][0]["to_date"]["mid"].GetDouble(), 1.0);
  page_.Sample();
  figures_.campaign_to_date[0] = Amounts{{0, 0, 200}};
  EXPECT_DOUBLE_EQ(Parse(page_.SummaryJson())["parties"][0]["to_date"]["mid"].GetDouble(), 1.0);
  page_.Sample();
  EXPECT_DOUBLE_EQ(Parse(page_.SummaryJson())["parties"][0]["to_date"]["mid"].GetDouble(), 2.0);
}

TEST_F(LivePageTest, AnUnmovedWatermarkUpdatesTheLastPoint) {
  figures_.watermark = 2000;
  page_.Sample();
  figures_.campaign_to_date[0] = Amounts{{0, 0, 500}};
  page_.Sample();
  const rapidjson::Document d = Parse(page_.HistoryJson());
  ASSERT_EQ(d["points"].Size(), 1u);
  EXPECT_DOUBLE_EQ(d["points"][0]["mid"][0].GetDouble(), 5.0);
}

TEST_F(LivePageTest, ThePageIsSelfContained) {
  const std::string_view html = LivePage::Html();
  EXPECT_NE(html.find("<canvas id=\"history\""), std::string_view::npos);
  EXPECT_NE(html.find("api/v1/summary"), std::string_view::npos);
  EXPECT_EQ(html.find("http://"), std::string_view::npos);  // nothing fetched from elsewhere
  EXPECT_EQ(html.find("https://"), std::string_view::npos);
}

}  // namespace
}  // namespace adwatch

namespace adwatch {
namespace {

// The second witness on the live page: the registry's own report holds more than it shows.
TEST(LivePageReportTest, TheGapBetweenReportAndShownAdsIsAnIncidentLine) {
  Figures f(3, 2, 2);
  RegistryFigures& meta = f.Registry("meta");
  meta.shown = {10, 2, 0};
  meta.shown_upper = {500000, 100000, 0};
  meta.shown_open_ended = {0, 1, 0};  // entity 1: an open-ended ad, no upper bound
  ReportFigures& report = f.Reports("meta");
  report.spend = {1234599, 99999999, 100};  // 7,345.99 over; none (open-ended); £1 unattributed
  EXPECT_EQ(f.ReportGap(report, 0), 734599);
  EXPECT_EQ(f.ReportGap(report, 1), 0);
  EXPECT_EQ(f.ReportGap(report, 2), 100);
  report.ads = {8, 5, 1};
  EXPECT_EQ(f.ReportAdsGap(report, 0), 0);  // floored at 0
  EXPECT_EQ(f.ReportAdsGap(report, 1), 3);
  ReportFigures& google = f.Reports("google");  // a registry adwatch saw no ads of
  google.spend = {0, 0, 5000};
  EXPECT_EQ(f.ReportGap(google, 2), 5000);
  const auto names =
      std::make_shared<FiguresCollector>(TwoEntityConfig(), [] { return Figures(3, 2, 2); });
  LivePage page(
      names, [&] { return f; }, [] { return std::vector<std::string>{}; }, 4);
  const rapidjson::Document d = Parse(page.SummaryJson());
  ASSERT_EQ(d["incidents"].Size(), 2u);
  EXPECT_STREQ(d["incidents"][0].GetString(),
               "google: the registry reports £50 more than it shows");
  EXPECT_STREQ(d["incidents"][1].GetString(),
               "meta: the registry reports £7346 more than it shows");
}

}  // namespace
}  // namespace adwatch
