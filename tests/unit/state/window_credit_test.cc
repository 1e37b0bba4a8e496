// Windows never claim more than an ad ever spent, and keep lower <= mid <= upper (issue 11,
// item 4): property tests over random bucket sequences through the real MonitorState, plus the
// issue's two reproductions (a flapping bucket, a narrowing one).
#include <gtest/gtest.h>

#include <random>

#include "state/monitor_state.h"

namespace adwatch {
namespace {

constexpr EpochSeconds kT0 = 1575849600;  // 2019-12-09T00:00:00Z

class NoEnricher : public Enricher {
 public:
  void Enrich(std::string_view, const AdContent&, EntityId* entity,
              ThemeMask* themes) const override {
    *entity = EntityId{0};
    *themes = 0;
  }
};

StateOptions Options() {
  StateOptions o;
  o.entity_count = 1;
  o.windows = {{"1h", 3600}, {"24h", 86400}, {"7d", 7 * 86400}};
  return o;
}

Observation Sighting(EpochSeconds t, Pence lower, std::optional<Pence> upper) {
  Observation o;
  o.registry = "meta";
  o.ad_id = "1";
  o.observed_at = t;
  o.content.page_id = "p";
  o.spend = SpendRange{lower * 100, (upper ? *upper : lower) * 100, !upper};
  return o;
}

// lower <= mid <= upper in every window, and no window above the highest bounds ever reported.
void ExpectWindowsSound(const Figures& f, Pence top_lower, Pence top_upper, const std::string& at) {
  for (std::size_t w = 0; w < f.windows; ++w) {
    const Amounts& a = f.Window(0, w);
    EXPECT_GE(a.v[0], 0) << at;
    EXPECT_LE(a.v[0], a.v[2]) << at << " window " << w;
    EXPECT_LE(a.v[2], a.v[1]) << at << " window " << w;
    EXPECT_LE(a.v[0], top_lower) << at << " window " << w;
    EXPECT_LE(a.v[1], top_upper) << at << " window " << w;
  }
}

// 2019 buckets and 2024-style narrow ones (DOMAIN: the scheme changed), the last open-ended.
constexpr Pence kLower[] = {0, 100, 500, 1000, 1200, 1300, 5000, 10000, 50000, 100000};
constexpr Pence kUpper[] = {99, 499, 999, 4999, 1299, 1399, 9999, 49999, 99999, -1};

TEST(WindowCreditTest, RandomBucketSequencesKeepEveryWindowSound) {
  std::mt19937_64 rng(11);
  for (int run = 0; run < 400; ++run) {
    MonitorState state(Options());
    NoEnricher enricher;
    EpochSeconds t = kT0;
    Pence top_lower = 0, top_upper = 0;
    const int steps = 2 + static_cast<int>(rng() % 30);
    for (int i = 0; i < steps; ++i) {
      t += 60 + static_cast<EpochSeconds>(rng() % 20000);  // within the hour, or days apart
      const auto b = static_cast<std::size_t>(rng() % std::size(kLower));
      const std::optional<Pence> upper =
          kUpper[b] < 0 ? std::nullopt : std::optional<Pence>(kUpper[b]);
      Observation o = Sighting(t, kLower[b], upper);
      if (rng() % 8 == 0) o.spend.reset();  // a sighting without spend
      if (rng() % 10 == 0) o.delivery_stop = t;
      state.Apply(0, o, enricher);
      if (o.spend) {
        top_lower = std::max(top_lower, o.spend->lower);
        top_upper = std::max(top_upper, o.spend->upper);
      }
      const Figures f = state.Snapshot();
      ExpectWindowsSound(f, top_lower, top_upper,
                         "run " + std::to_string(run) + " step " + std::to_string(i));
      // The longest window covers the whole life: what windows hold never exceeds the peaks
      // and the lower credit never exceeds the campaign's highest lower bound.
      if (HasFailure()) return;
    }
  }
}

TEST(WindowCreditTest, AFlappingBucketCountsItsSpendOnce) {
  MonitorState state(Options());
  NoEnricher enricher;
  state.Apply(0, Sighting(kT0 + 600, 5000, 9999), enricher);
  state.Apply(0, Sighting(kT0 + 1200, 1000, 4999), enricher);  // a registry correction
  state.Apply(0, Sighting(kT0 + 1800, 5000, 9999), enricher);  // and back
  const Figures f = state.Snapshot();
  // The 1h window holds the ad's lifetime, once: not 9000 / 14999 / 11999.5.
  EXPECT_EQ(f.Window(0, 0).v[0], 5000 * 100);
  EXPECT_EQ(f.Window(0, 0).v[1], 9999 * 100);
  EXPECT_EQ(f.Window(0, 0).v[2], (5000 + 9999) * 50);
  EXPECT_EQ(f.campaign_to_date[0].v[0], 5000 * 100);
  EXPECT_EQ(f.corrections[0], 1);
}

TEST(WindowCreditTest, ANarrowingBucketNeverPutsMidBelowLower) {
  MonitorState state(Options());
  NoEnricher enricher;
  state.Apply(0, Sighting(kT0 + 600, 1000, 4999), enricher);
  state.Apply(0, Sighting(kT0 + 4800, 1200, 1299), enricher);  // the 2024 narrow scheme
  Figures f = state.Snapshot();
  // The 1h window (kT0+1200, kT0+4800] holds only the narrowing step: the upper did not grow,
  // so neither does the lower credit (it waits for the upper to climb).
  EXPECT_EQ(f.Window(0, 0).v[0], 0);
  EXPECT_EQ(f.Window(0, 0).v[1], 0);
  EXPECT_EQ(f.Window(0, 0).v[2], 0);
  EXPECT_EQ(f.Window(0, 1).v[0], 1000 * 100);
  EXPECT_EQ(f.Window(0, 1).v[1], 4999 * 100);
  // Campaign-to-date follows the registry's latest bucket.
  EXPECT_EQ(f.campaign_to_date[0].v[0], 1200 * 100);
  EXPECT_EQ(f.campaign_to_date[0].v[1], 1299 * 100);
  // The upper climbs past its old peak by 101: the lower credit catches up by as much.
  state.Apply(0, Sighting(kT0 + 8400, 5000, 5100), enricher);
  f = state.Snapshot();
  EXPECT_EQ(f.Window(0, 0).v[1], 101 * 100);
  EXPECT_EQ(f.Window(0, 0).v[0], 101 * 100);
  EXPECT_EQ(f.Window(0, 0).v[2], 101 * 100);
}

TEST(WindowCreditTest, OpenEndedTopBucketCreditsWhatTheUpperGained) {
  MonitorState state(Options());
  NoEnricher enricher;
  state.Apply(0, Sighting(kT0 + 600, 50000, 99999), enricher);
  state.Apply(0, Sighting(kT0 + 4200, 100000, std::nullopt), enricher);
  const Figures f = state.Snapshot();
  EXPECT_EQ(f.Window(0, 0).v[1], 1 * 100);  // 99999 -> 100000
  EXPECT_EQ(f.Window(0, 0).v[0], 1 * 100);
  EXPECT_EQ(f.Window(0, 0).v[2], 1 * 100);
  EXPECT_EQ(f.open_ended_ads[0], 1);
  EXPECT_EQ(f.campaign_to_date[0].v[0], 100000 * 100);
}

}  // namespace
}  // namespace adwatch
