#include "state/partition_state.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/spread.h"
#include "state/monitor_state.h"

namespace adwatch {
namespace {

constexpr EpochSeconds kDay = 86400;
constexpr EpochSeconds kT0 = 1575849600;  // 2019-12-09T00:00:00Z

// Entity 0 for page "p0", 1 for "p1", otherwise unattributed; theme bit 0 when text has "brexit".
class FakeEnricher : public Enricher {
 public:
  void Enrich(std::string_view, const AdContent& ad, EntityId* entity,
              ThemeMask* themes) const override {
    *entity = ad.page_id == "p0" ? EntityId{0} : ad.page_id == "p1" ? EntityId{1} : kUnattributed;
    *themes = 0;
    for (const auto& t : ad.texts) {
      if (t.find("brexit") != std::string::npos) *themes |= 1;
    }
  }
};

StateOptions Options() {
  StateOptions o;
  o.entity_count = 2;
  o.theme_count = 1;
  o.windows = {{"1h", 3600}, {"24h", kDay}};
  o.grace_seconds = 3600;
  return o;
}

Observation Obs(std::string id, EpochSeconds t, Pence lower_pounds, std::optional<Pence> upper,
                std::string page = "p0") {
  Observation o;
  o.registry = "meta";
  o.ad_id = std::move(id);
  o.observed_at = t;
  o.content.page_id = std::move(page);
  o.content.page_name = "Conservatives";
  o.content.bylines = "Conservative and Unionist Party";
  o.content.texts = {"get brexit done"};
  o.spend = SpendRange{lower_pounds * 100, (upper ? *upper : lower_pounds) * 100, !upper};
  return o;
}

TEST(SpreadTest, SharesOfAdjacentIntervalsAddUpExactly) {
  const Pence d = 99999;
  const EpochSeconds t0 = 7, t = 7 + 86400 * 3 + 11;
  Pence sum = 0;
  for (EpochSeconds a = 0; a < t + 5000; a += 3600) sum += SpreadWithin(d, t0, t, a, a + 3600);
  EXPECT_EQ(sum, d);
  EXPECT_EQ(SpreadUpTo(100, 0, 3, 1), 33);    // floor(100/3)
  EXPECT_EQ(SpreadUpTo(-100, 0, 3, 1), -34);  // floor for corrections
  EXPECT_EQ(SpreadUpTo(100, 10, 10, 9), 0);   // zero-length: all at t
  EXPECT_EQ(SpreadUpTo(100, 10, 10, 10), 100);
}

TEST(MonitorStateTest, IncreasesTelescopeAndSpreadIntoWindows) {
  MonitorState state(Options());
  FakeEnricher enricher;
  // First sighting with no delivery start: the whole bucket sits at t.
  EXPECT_EQ(state.Apply(0, Obs("a", kT0, 100, 499), enricher), Outcome::kApplied);
  // 2 hours later the bucket steps up: 400 lower, 4500 upper spread over 2h.
  EXPECT_EQ(state.Apply(0, Obs("a", kT0 + 7200, 500, 4999), enricher), Outcome::kApplied);
  Figures f = state.Snapshot();
  EXPECT_EQ(f.campaign_to_date[0].v[0], 500 * 100);
  EXPECT_EQ(f.campaign_to_date[0].v[1], 4999 * 100);
  EXPECT_EQ(f.campaign_to_date[0].v[2], (500 + 4999) * 50);
  // The 1h window (kT0+3600, kT0+7200] holds half of the 2h increment.
  EXPECT_EQ(f.Window(0, 0).v[0], 400 * 100 / 2);
  EXPECT_EQ(f.Window(0, 0).v[1], (4999 - 499) * 100 / 2);
  // The 24h window holds everything.
  EXPECT_EQ(f.Window(0, 1).v[0], 500 * 100);
  EXPECT_EQ(f.ThemeWindow(0, 0, 1).v[0], 500 * 100);
  EXPECT_EQ(f.ThemeWindow(0, 1, 1).v[0], 0);  // theme `none`
}

// A flood of new ad ids: the partition keeps at most max_ads; the others are rejected
// (too_many_ads) and change nothing, while the ads already tracked still update.
TEST(MonitorStateTest, NewAdsBeyondTheCapAreRejectedAndChangeNothing) {
  StateOptions o = Options();
  o.max_ads = 100;
  MonitorState state(o);
  FakeEnricher enricher;
  for (int i = 0; i < 10'000; ++i) {
    const Outcome want = i < 100 ? Outcome::kApplied : Outcome::kRejected;
    ASSERT_EQ(state.Apply(0, Obs("flood" + std::to_string(i), kT0 + i, 1, 99), enricher), want);
  }
  EXPECT_EQ(state.ad_count(), 100u);
  // A refused ad does not move event time either (else later sightings would count late).
  EXPECT_EQ(state.Partition(0).watermark(), kT0 + 99);
  EXPECT_EQ(state.Apply(0, Obs("far-ahead", kT0 + 86'000, 1, 99), enricher), Outcome::kRejected);
  EXPECT_EQ(state.Partition(0).watermark(), kT0 + 99);
  EXPECT_EQ(state.Apply(0, Obs("flood7", kT0 + 20'000, 5, 99), enricher), Outcome::kApplied);
  const Figures f = state.Snapshot();
  EXPECT_EQ(f.campaign_to_date[0].v[0], (100 + 4) * 100);  // 100 ads of £1, one of them now £5
  EXPECT_EQ(f.rejects[static_cast<int>(RejectReason::kTooManyAds)], 9'901);
  EXPECT_EQ(f.outcomes[static_cast<int>(Outcome::kRejected)], 9'901);
  EXPECT_EQ(f.outcomes[static_cast<int>(Outcome::kLate)], 0);
  // Another partition has its own cap.
  EXPECT_EQ(state.Apply(1, Obs("other", kT0, 1, 99), enricher), Outcome::kApplied);
}

TEST(MonitorStateTest, ListAdsPagesLargestSpendFirstAcrossPartitions) {
  MonitorState state(Options());
  FakeEnricher enricher;
  // 250 ads over 3 partitions, ad i with lower bound £(i % 100); listed once, then missing.
  for (int i = 0; i < 250; ++i) {
    Observation o = Obs("ad" + std::to_string(1000 + i), kT0, i % 100, 999);
    o.crawl_id = "c1";
    state.Apply(i % 3, o, enricher);
  }
  for (int p = 0; p < 3; ++p)
    state.Apply(p, CrawlEnd{"meta", "c1", "", kT0, kT0 + 60, 250}, enricher);
  for (int p = 0; p < 3; ++p)
    state.Apply(p, CrawlEnd{"meta", "c2", "", kT0 + 3600, kT0 + 3660, 0}, enricher);
  AdFilter lost;
  lost.presence[static_cast<size_t>(Presence::kMissing)] = true;
  // The oracle: lower bound descending, then key.
  std::vector<std::pair<int, std::string>> want;
  for (int i = 0; i < 250; ++i) want.emplace_back(-(i % 100), "ad" + std::to_string(1000 + i));
  std::sort(want.begin(), want.end());
  const AdPage page = state.ListAds(lost, 200, 60);
  EXPECT_EQ(page.total, 250U);
  ASSERT_EQ(page.ads.size(), 50U);
  for (size_t k = 0; k < page.ads.size(); ++k) EXPECT_EQ(page.ads[k].ad_id, want[200 + k].second);
  EXPECT_EQ(state.ListAds(lost, 0, 3).ads.front().ad_id, want[0].second);
  EXPECT_TRUE(state.ListAds(lost, 250, 10).ads.empty());
  EXPECT_EQ(state.ListAds(lost, SIZE_MAX, SIZE_MAX).total, 250U);
}

TEST(MonitorStateTest, DuplicatesAndStaleSightingsChangeNothing) {
  MonitorState state(Options());
  FakeEnricher enricher;
  state.Apply(0, Obs("a", kT0, 100, 499), enricher);
  state.Apply(0, Obs("a", kT0 + 100, 500, 999), enricher);
  EXPECT_EQ(state.Apply(0, Obs("a", kT0 + 100, 5000, 9999), enricher), Outcome::kDuplicate);
  EXPECT_EQ(state.Apply(0, Obs("a", kT0 + 50, 5000, 9999), enricher), Outcome::kStale);
  EXPECT_EQ(state.Snapshot().campaign_to_date[0].v[1], 999 * 100);
}

TEST(MonitorStateTest, CorrectionLowersCampaignToDateButNeverWindows) {
  MonitorState state(Options());
  FakeEnricher enricher;
  state.Apply(0, Obs("a", kT0, 1000, 4999), enricher);
  state.Apply(0, Obs("a", kT0 + 60, 500, 999), enricher);
  Figures f = state.Snapshot();
  EXPECT_EQ(f.campaign_to_date[0].v[0], 500 * 100);
  EXPECT_EQ(f.campaign_to_date[0].v[1], 999 * 100);
  EXPECT_EQ(f.corrections[0], 1);
  EXPECT_EQ(f.Window(0, 1).v[1], 4999 * 100);  // the earlier increase stays, no negative
}

TEST(MonitorStateTest, NoDisclaimerCountsUnattributedAdsWithoutAByline) {
  StateOptions o = Options();
  o.regulated_period = Period{kT0 - kDay, kT0 + kDay};
  o.max_lead_seconds = 7 * kDay;  // one ad's next sighting is 2 days on, with no crawl between
  MonitorState state(o);
  FakeEnricher enricher;
  auto with_bylines = [](Observation obs, std::string bylines, std::string registry = "meta") {
    obs.content.bylines = std::move(bylines);
    obs.registry = std::move(registry);
    return obs;
  };
  // Counted: unattributed, and no byline (absent, blank or Meta's placeholder).
  state.Apply(0, with_bylines(Obs("a", kT0, 100, 199, "x"), ""), enricher);
  state.Apply(0,
              with_bylines(Obs("b", kT0, 1000, 1999, "x"), " these ads ran WITHOUT a disclaimer"),
              enricher);
  // Not counted: a byline; attributed; a Google row (never has bylines).
  state.Apply(0, with_bylines(Obs("c", kT0, 10000, 19999, "x"), "Gardening Club"), enricher);
  state.Apply(0, with_bylines(Obs("d", kT0, 20000, 29999, "p0"), ""), enricher);
  state.Apply(0, with_bylines(Obs("e", kT0, 40000, 49999, "x"), "", "google"), enricher);
  // Later sightings keep the first sighting's verdict; spend past the period does not count.
  state.Apply(0, with_bylines(Obs("a", kT0 + 100, 200, 299, "x"), "Now With A Byline"), enricher);
  state.Apply(0, with_bylines(Obs("b", kT0 + 2 * kDay, 3000, 3999, "x"), ""), enricher);
  const Figures f = state.Snapshot();
  EXPECT_EQ(f.no_disclaimer.v[0], (200 + 1000 + 1000) * 100);
  EXPECT_EQ(f.no_disclaimer.v[1], (299 + 1999 + 1000) * 100);
  EXPECT_EQ(f.no_disclaimer.v[2], 24950 + 149950 + 100000);  // mids: (lower + upper) / 2
}

TEST(MonitorStateTest, OpenEndedBucketCountsLowerForBoth) {
  MonitorState state(Options());
  FakeEnricher enricher;
  state.Apply(1, Obs("b", kT0, 100000, std::nullopt, "p1"), enricher);
  Figures f = state.Snapshot();
  EXPECT_EQ(f.campaign_to_date[1].v[0], 100000 * 100);
  EXPECT_EQ(f.campaign_to_date[1].v[1], 100000 * 100);
  EXPECT_EQ(f.open_ended_ads[1], 1);
  EXPECT_EQ(f.open_ended_ads[0], 0);
}

TEST(MonitorStateTest, FirstSightingSpreadsFromDeliveryStartAndRegulatedPeriodClips) {
  StateOptions o = Options();
  o.regulated_period = Period{kT0 - kDay, kT0 + kDay};
  MonitorState state(o);
  FakeEnricher enricher;
  Observation obs = Obs("a", kT0, 1000, 4999);
  obs.delivery_start = kT0 - 2 * kDay;  // half of the spread falls before the period
  state.Apply(0, obs, enricher);
  Figures f = state.Snapshot();
  EXPECT_EQ(f.campaign_to_date[0].v[0], 1000 * 100 / 2);
  EXPECT_EQ(f.campaign_to_date[0].v[1], 4999 * 100 / 2);
  // The last hour of a 48h spread: D - floor(D * 47 / 48).
  EXPECT_EQ(f.Window(0, 0).v[0], 1000 * 100 - 1000 * 100 * 47 / 48);
}

TEST(MonitorStateTest, LateSightingsAreCountedAndStillApplied) {
  MonitorState state(Options());
  FakeEnricher enricher;
  state.Apply(0, Obs("a", kT0 + 5 * 3600, 100, 499), enricher);
  // Lateness is per partition: partition 1 has seen nothing yet.
  EXPECT_EQ(state.Apply(1, Obs("x", kT0, 100, 499, "p2"), enricher), Outcome::kApplied);
  EXPECT_EQ(state.Apply(0, Obs("b", kT0, 100, 499, "p1"), enricher), Outcome::kLate);
  EXPECT_EQ(state.Apply(0, Obs("c", kT0 + 4 * 3600 + 1, 100, 499, "p1"), enricher),
            Outcome::kApplied);  // inside the 1h grace
  Figures f = state.Snapshot();
  EXPECT_EQ(f.campaign_to_date[1].v[0], 2 * 100 * 100);
  EXPECT_EQ(f.Window(1, 0).v[0], 100 * 100);  // (kT0+4h, kT0+5h] holds c, not b
  EXPECT_EQ(f.Window(1, 1).v[0], 2 * 100 * 100);
}

TEST(MonitorStateTest, CrawlEndFindsMissingUnlistedAndRemovedAds) {
  MonitorState state(Options());
  FakeEnricher enricher;
  auto listed = [](std::string id, EpochSeconds t, std::string crawl) {
    Observation o = Obs(std::move(id), t, 100, 499);
    o.crawl_id = std::move(crawl);
    o.scope = "GB";
    return o;
  };
  CrawlEnd end1{"meta", "c1", "GB", kT0, kT0 + 600, 3};
  for (const char* id : {"a", "b", "c", "d"}) state.Apply(0, listed(id, kT0, "c1"), enricher);
  state.Apply(0, end1, enricher);
  // Crawl 2 lists only a; b is fetched by id (present), c by id answers not_found, d unseen.
  state.Apply(0, listed("a", kT0 + 3600, "c2"), enricher);
  Observation b = listed("b", kT0 + 3600, "c2");
  b.lookup = Lookup::kById;
  state.Apply(0, b, enricher);
  Observation c;
  c.registry = "meta";
  c.ad_id = "c";
  c.observed_at = kT0 + 3600;
  c.crawl_id = "c2";
  c.lookup = Lookup::kById;
  c.status = AdStatus::kNotFound;
  state.Apply(0, c, enricher);
  EXPECT_EQ(state.Apply(0, CrawlEnd{"meta", "c2", "GB", kT0 + 3600, kT0 + 4200, 1}, enricher),
            Outcome::kApplied);
  EXPECT_EQ(state.Apply(0, CrawlEnd{"meta", "c2", "GB", kT0 + 3600, kT0 + 4200, 1}, enricher),
            Outcome::kDuplicate);
  Figures f = state.Snapshot();
  ASSERT_EQ(f.registries.size(), 1U);
  const RegistryFigures& r = f.registries[0];
  EXPECT_EQ(r.known[0], 4);
  EXPECT_EQ(r.missing[0], 3);
  EXPECT_EQ(r.unlisted[0], 1);
  EXPECT_EQ(r.removed[0], 1);
  EXPECT_EQ(r.missing_spend[0].v[0], 3 * 100 * 100);
  ASSERT_EQ(r.ads_listed.size(), 1U);
  EXPECT_EQ(r.ads_listed.at("GB").second, 1);
  EXPECT_EQ(r.last_crawl_end, kT0 + 4200);
  // The API's list: the three lost ads with their state, names and times; filters apply.
  auto list = [&](AdFilter filter) {
    std::vector<AdListing> ads = state.ListAds(filter, 0, 1000).ads;
    std::sort(ads.begin(), ads.end(),
              [](const AdListing& x, const AdListing& y) { return x.ad_id < y.ad_id; });
    return ads;
  };
  AdFilter lost;
  for (Presence p : {Presence::kMissing, Presence::kUnlisted, Presence::kRemoved}) {
    lost.presence[static_cast<size_t>(p)] = true;
  }
  const std::vector<AdListing> ads = list(lost);
  ASSERT_EQ(ads.size(), 3U);
  EXPECT_EQ(ads[0].ad_id, "b");
  EXPECT_EQ(ads[0].presence, Presence::kUnlisted);
  EXPECT_EQ(ads[0].page_name, "Conservatives");
  EXPECT_EQ(ads[0].bylines, "Conservative and Unionist Party");
  EXPECT_EQ(ads[0].first_seen, kT0);
  EXPECT_EQ(ads[0].last_seen, kT0 + 3600);
  EXPECT_EQ(ads[0].entity, 0U);
  EXPECT_EQ(ads[0].spend, (SpendRange{100 * 100, 499 * 100, false}));
  EXPECT_EQ(ads[1].presence, Presence::kRemoved);
  EXPECT_EQ(ads[2].ad_id, "d");
  EXPECT_EQ(ads[2].presence, Presence::kMissing);
  EXPECT_EQ(ads[2].last_seen, kT0);
  AdFilter other_registry = lost;
  other_registry.registry = "google";
  EXPECT_TRUE(list(other_registry).empty());
  AdFilter other_party = lost;
  other_party.entity = 1;
  EXPECT_TRUE(list(other_party).empty());
  AdFilter unlisted;
  unlisted.presence[static_cast<size_t>(Presence::kUnlisted)] = true;
  unlisted.registry = "meta";
  unlisted.entity = 0;
  ASSERT_EQ(list(unlisted).size(), 1U);

  // b listed again in crawl 3 recovers.
  state.Apply(0, listed("b", kT0 + 7200, "c3"), enricher);
  EXPECT_EQ(state.Snapshot().registries[0].missing[0], 2);
  EXPECT_EQ(list(lost).size(), 2U);
}

}  // namespace
}  // namespace adwatch
