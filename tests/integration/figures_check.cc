#include "figures_check.h"

#include <gtest/gtest.h>

#include <string>

namespace adwatch::testing {
namespace {

constexpr const char* kBounds[] = {"lower", "upper", "mid"};
constexpr const char* kNations[] = {"england", "scotland", "wales", "northern_ireland", "unknown"};

// The sample's value; a failure (and 0) when the series is missing.
double Get(const Samples& s, const std::string& key) {
  const auto it = s.find(key);
  if (it == s.end()) {
    ADD_FAILURE() << "missing series " << key;
    return 0;
  }
  return it->second;
}

}  // namespace

Samples SumSamples(const std::vector<Samples>& scrapes) {
  Samples sum;
  for (const Samples& s : scrapes) {
    for (const auto& [key, value] : s) sum[key] += value;
  }
  return sum;
}

void ExpectFiguresEqualOracle(const Config& config, const Samples& s, const Expected& expected) {
  auto entity_name = [&](size_t slot) {
    return slot < config.entities.size() ? config.entities[slot].name : "unattributed";
  };
  auto theme_name = [&](size_t slot) {
    return slot < config.themes.size() ? config.themes[slot].name : "none";
  };
  long long total_ctd = 0;
  for (size_t e = 0; e <= config.entities.size(); ++e) {
    const std::string party = entity_name(e);
    for (int b = 0; b < 3; ++b) {
      const auto bi = static_cast<size_t>(b);
      EXPECT_EQ(
          Pence(Get(s, SampleKey("adwatch_spend_gbp", {{"party", party}, {"bound", kBounds[b]}}))),
          expected.campaign_to_date[e][bi])
          << party << " " << kBounds[b];
      total_ctd += expected.campaign_to_date[e][bi];
      for (size_t w = 0; w < config.windows.size(); ++w) {
        const std::string window = config.windows[w].name;
        EXPECT_EQ(
            Pence(Get(s, SampleKey("adwatch_spend_window_gbp",
                                   {{"party", party}, {"window", window}, {"bound", kBounds[b]}}))),
            expected.window[e][w][bi])
            << party << " " << window << " " << kBounds[b];
        for (size_t th = 0; th <= config.themes.size(); ++th) {
          EXPECT_EQ(
              Pence(Get(s, SampleKey("adwatch_theme_spend_window_gbp", {{"party", party},
                                                                        {"theme", theme_name(th)},
                                                                        {"window", window},
                                                                        {"bound", kBounds[b]}}))),
              expected.theme_window[e][th][w][bi])
              << party << " " << theme_name(th) << " " << window << " " << kBounds[b];
        }
      }
    }
    // Nations (README "What the figures mean" → Nations): each equals the oracle's split, and
    // in every bound and window they add up to the UK figure of the same scrape.
    for (int b = 0; b < 3; ++b) {
      const auto bi = static_cast<size_t>(b);
      long long sum = 0;
      for (size_t n = 0; n < 5; ++n) {
        const long long v = Pence(
            Get(s, SampleKey("adwatch_spend_nation_gbp",
                             {{"party", party}, {"nation", kNations[n]}, {"bound", kBounds[b]}})));
        EXPECT_EQ(v, expected.nation_campaign_to_date[e][n][bi])
            << party << " " << kNations[n] << " " << kBounds[b];
        sum += v;
      }
      EXPECT_EQ(
          sum,
          Pence(Get(s, SampleKey("adwatch_spend_gbp", {{"party", party}, {"bound", kBounds[b]}}))))
          << party << " " << kBounds[b];
      for (size_t w = 0; w < config.windows.size(); ++w) {
        const std::string window = config.windows[w].name;
        long long window_sum = 0;
        for (size_t n = 0; n < 5; ++n) {
          const long long v =
              Pence(Get(s, SampleKey("adwatch_spend_nation_window_gbp", {{"party", party},
                                                                         {"nation", kNations[n]},
                                                                         {"window", window},
                                                                         {"bound", kBounds[b]}})));
          EXPECT_EQ(v, expected.nation_window[e][n][w][bi])
              << party << " " << kNations[n] << " " << window << " " << kBounds[b];
          window_sum += v;
        }
        EXPECT_EQ(
            window_sum,
            Pence(Get(s, SampleKey("adwatch_spend_window_gbp",
                                   {{"party", party}, {"window", window}, {"bound", kBounds[b]}}))))
            << party << " " << window << " " << kBounds[b];
      }
    }
    EXPECT_EQ(Get(s, SampleKey("adwatch_spend_open_ended_ads", {{"party", party}})),
              static_cast<double>(expected.open_ended[e]))
        << party;
    EXPECT_EQ(Get(s, SampleKey("adwatch_spend_corrections_total", {{"party", party}})),
              static_cast<double>(expected.corrections[e]))
        << party;
  }
  for (int b = 0; b < 3; ++b) {
    EXPECT_EQ(Pence(Get(s, SampleKey("adwatch_spend_no_disclaimer_gbp", {{"bound", kBounds[b]}}))),
              expected.no_disclaimer[static_cast<size_t>(b)])
        << "no disclaimer " << kBounds[b];
  }
  EXPECT_GT(total_ctd, 0);  // the stream really spent something
}

}  // namespace adwatch::testing
