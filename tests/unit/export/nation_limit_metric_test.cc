// adwatch_spend_limit_nation_gbp{party,nation}: one series per configured (entity, nation)
// limit, none for unconfigured nations, `unknown` or `unattributed`; the scrape is promtool-clean.
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "entity_fixture.h"
#include "export/figures_collector.h"

namespace adwatch {
namespace {

std::string Scrape(const FiguresCollector& c, const Figures& f) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, c.Families(f));
  return out.str();
}

// Lines of `text` that start with `prefix`.
std::vector<std::string> Lines(const std::string& text, const std::string& prefix) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) out.push_back(line);
  }
  return out;
}

TEST(NationLimitMetric, OneSeriesPerConfiguredNationLimitInPounds) {
  Config config;
  EntityConfig con = Entity("Conservative", EntityType::kParty, Pence{1905000000});
  con.nation_spending_limits[static_cast<int>(Nation::kEngland)] = Pence{1596000000};
  con.nation_spending_limits[static_cast<int>(Nation::kNorthernIreland)] = Pence{12000000};
  EntityConfig pv = Entity("People's Vote", EntityType::kNonPartyCampaigner, Pence{58481700});
  pv.nation_spending_limits[static_cast<int>(Nation::kWales)] = Pence{4400050};  // £44,000.50
  config.entities = {con, pv, Entity("Renew")};
  config.windows = {{"1h", 3600}};
  config.themes.resize(1);
  config.themes[0].name = "brexit";
  const FiguresCollector collector(config, [] { return Figures(4, 2, 1); });
  ASSERT_EQ(collector.nation_limits().size(), 3u);

  const std::string m = Scrape(collector, Figures(4, 2, 1));
  const auto series = Lines(m, "adwatch_spend_limit_nation_gbp{");
  ASSERT_EQ(series.size(), 3u) << m;
  EXPECT_EQ(series[0],
            "adwatch_spend_limit_nation_gbp{party=\"Conservative\",nation=\"england\"} "
            "15960000");
  EXPECT_EQ(series[1],
            "adwatch_spend_limit_nation_gbp{party=\"Conservative\",nation=\"northern_ireland\"} "
            "120000");
  EXPECT_EQ(series[2],
            "adwatch_spend_limit_nation_gbp{party=\"People's Vote\",nation=\"wales\"} 44000.5");
  EXPECT_NE(m.find("# TYPE adwatch_spend_limit_nation_gbp gauge"), std::string::npos);
  // The UK-wide limit is still there.
  EXPECT_EQ(Lines(m, "adwatch_spend_limit_gbp{").size(), 2u) << m;

  // promtool accepts the whole scrape.
  char path[] = "/tmp/adwatch-nation-limit-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  { std::ofstream(path) << m; }
  const std::string cmd = std::string("promtool check metrics < ") + path + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string output;
  char buf[512];
  while (fgets(buf, sizeof buf, p)) output += buf;
  const int status = pclose(p);
  std::remove(path);
  EXPECT_EQ(status, 0) << output;
}

TEST(NationLimitMetric, DefaultConfigExportsEveryConfiguredNationLimit) {
  const Config& config = DefaultConfig();
  const FiguresCollector collector(config, [] { return Figures(1, 1, 1); });
  Figures f(config.entities.size() + 1, config.themes.size() + 1, config.windows.size());
  const std::string m = Scrape(collector, f);
  std::size_t expected = 0;
  for (const EntityConfig& e : config.entities) {
    for (const auto& l : e.nation_spending_limits) expected += l ? 1 : 0;
  }
  EXPECT_GT(expected, 50u);  // every campaigner has four, the big parties three or four
  EXPECT_EQ(Lines(m, "adwatch_spend_limit_nation_gbp{").size(), expected);
  EXPECT_NE(m.find("adwatch_spend_limit_nation_gbp{party=\"SNP\",nation=\"scotland\"} 1770000\n"),
            std::string::npos);
  for (const std::string& line : Lines(m, "adwatch_spend_limit_nation_gbp{")) {
    EXPECT_EQ(line.find("nation=\"unknown\""), std::string::npos) << line;  // no limit there
  }
  EXPECT_EQ(m.find("adwatch_spend_limit_nation_gbp{party=\"unattributed\""), std::string::npos);
}

}  // namespace
}  // namespace adwatch
