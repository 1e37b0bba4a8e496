// An ad's scope is the scope of the crawl it was listed in (issue 11, item 3): reconciliation
// at a crawl_end touches only that registry scope's ads, and listed counts are per scope.
#include <gtest/gtest.h>

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
  o.windows = {{"1h", 3600}};
  return o;
}

// A listing sighting with no scope of its own.
Observation Listed(const std::string& id, EpochSeconds t, const std::string& crawl) {
  Observation o;
  o.registry = "meta";
  o.ad_id = id;
  o.observed_at = t;
  o.crawl_id = crawl;
  o.content.page_id = "p";
  o.spend = SpendRange{100, 9900, false};
  return o;
}

std::int64_t Missing(const MonitorState& state) {
  const Figures f = state.Snapshot();
  return f.registries.empty() ? 0 : f.registries[0].missing[0];
}

TEST(ScopeTest, AnAdBelongsToTheScopeOfTheCrawlItWasListedIn) {
  MonitorState state(Options());
  NoEnricher enricher;
  for (int round = 0; round < 4; ++round) {
    const EpochSeconds t = kT0 + round * 6 * 3600;
    const std::string gb = "GB-" + std::to_string(round), ie = "IE-" + std::to_string(round);
    state.Apply(0, Listed("111", t + 60, gb), enricher);
    state.Apply(0, Listed("222", t + 120, ie), enricher);
    // The IE crawl ends first: ad 111 (listed in the GB crawl) is not IE's to judge.
    state.Apply(0, CrawlEnd{"meta", ie, "IE", t, t + 1800, 1}, enricher);
    EXPECT_EQ(Missing(state), 0) << "round " << round;
    state.Apply(0, CrawlEnd{"meta", gb, "GB", t, t + 2400, 1}, enricher);
    EXPECT_EQ(Missing(state), 0) << "round " << round;
  }
  // Listed counts per scope.
  const Figures f = state.Snapshot();
  ASSERT_EQ(f.registries.size(), 1U);
  EXPECT_EQ(f.registries[0].ads_listed.size(), 2U);
  EXPECT_EQ(f.registries[0].ads_listed.at("GB").second, 1);
  EXPECT_EQ(f.registries[0].ads_listed.at("IE").second, 1);
  // The next GB crawl lists nothing: only ad 111 goes missing.
  const EpochSeconds t = kT0 + 4 * 6 * 3600;
  state.Apply(0, CrawlEnd{"meta", "GB-4", "GB", t, t + 2400, 0}, enricher);
  EXPECT_EQ(Missing(state), 1);
  AdFilter lost;
  lost.presence[static_cast<size_t>(Presence::kMissing)] = true;
  const AdPage page = state.ListAds(lost, 0, 10);
  ASSERT_EQ(page.ads.size(), 1U);
  EXPECT_EQ(page.ads[0].ad_id, "111");
}

TEST(ScopeTest, ACrawlEndWithoutScopeReconcilesOnlyAdsWithoutOne) {
  MonitorState state(Options());
  NoEnricher enricher;
  Observation gb = Listed("1", kT0 + 60, "GB-0");
  gb.scope = "GB";
  state.Apply(0, gb, enricher);
  state.Apply(0, Listed("2", kT0 + 60, "X-0"), enricher);
  state.Apply(0, CrawlEnd{"meta", "GB-0", "GB", kT0, kT0 + 600, 1}, enricher);
  state.Apply(0, CrawlEnd{"meta", "X-0", "", kT0, kT0 + 700, 1}, enricher);
  EXPECT_EQ(Missing(state), 0);
  // A later unscoped crawl that lists nothing: ad 2 (no scope) goes missing, ad 1 (GB) not.
  state.Apply(0, CrawlEnd{"meta", "X-1", "", kT0 + 3600, kT0 + 4200, 0}, enricher);
  EXPECT_EQ(Missing(state), 1);
  AdFilter lost;
  lost.presence[static_cast<size_t>(Presence::kMissing)] = true;
  EXPECT_EQ(state.ListAds(lost, 0, 10).ads.at(0).ad_id, "2");
}

}  // namespace
}  // namespace adwatch
