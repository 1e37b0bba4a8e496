// Event time (issue 11, items 1 and 6): no single message, nor fewer than `quorum`, moves a
// partition's event time more than max_lead; a real gap still advances it; held messages are
// persisted and released in arrival order; grace, regulated-period edges and leap seconds.
#include <gtest/gtest.h>

#include "core/time.h"
#include "state/monitor_state.h"

namespace adwatch {
namespace {

constexpr EpochSeconds kHour = 3600;
constexpr EpochSeconds kT0 = 1575849600;  // 2019-12-09T00:00:00Z

class PageEnricher : public Enricher {
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
  o.windows = {{"1h", kHour}, {"24h", 24 * kHour}};
  o.grace_seconds = kHour;
  o.max_lead_seconds = 12 * kHour;
  o.lead_quorum = 5;
  return o;
}

Observation Sighting(int ad, EpochSeconds t, Pence lower, Pence upper,
                     const std::string& crawl = "") {
  Observation o;
  o.registry = "meta";
  o.ad_id = std::to_string(ad);
  o.observed_at = t;
  o.crawl_id = crawl;
  o.scope = "GB";
  o.content.page_id = "p";
  o.spend = SpendRange{lower * 100, upper * 100, false};
  return o;
}

CrawlEnd End(const std::string& crawl, EpochSeconds started, EpochSeconds completed,
             const std::string& registry = "meta") {
  return CrawlEnd{registry, crawl, "GB", started, completed, 10};
}

// Crawl c of `ads` ads every 6 hours from kT0: sightings at start + 60 s + ad, end at +1 h.
void Crawl(MonitorState& state, int c, int ads, Pence lower, EpochSeconds start) {
  PageEnricher enricher;
  const std::string id = "c" + std::to_string(c);
  for (int a = 0; a < ads; ++a)
    state.Apply(0, Sighting(a, start + 60 + a, lower, lower + 99, id), enricher);
  state.Apply(0, End(id, start, start + kHour), enricher);
}

std::int64_t Outcomes(const Figures& f, Outcome o) { return f.outcomes[static_cast<int>(o)]; }

TEST(EventTimeTest, ASightingFarAheadIsHeldAndChangesNoFigure) {
  MonitorState clean(Options()), hostile(Options());
  PageEnricher enricher;
  for (int c = 0; c < 4; ++c) {
    Crawl(clean, c, 8, 100 * (c + 1), kT0 + c * 6 * kHour);
    Crawl(hostile, c, 8, 100 * (c + 1), kT0 + c * 6 * kHour);
  }
  const EpochSeconds w = clean.watermark();
  EXPECT_EQ(w, kT0 + 18 * kHour + kHour);
  // A re-sighting 20 h ahead with unchanged spend.
  EXPECT_EQ(hostile.Apply(0, Sighting(3, w + 20 * kHour, 400, 499, "c3"), enricher),
            Outcome::kHeld);
  EXPECT_EQ(hostile.watermark(), w);
  EXPECT_EQ(hostile.Partition(0).held(), 1U);
  // The real stream goes on: the ad's next real sighting is applied, not stale.
  Crawl(clean, 4, 8, 500, kT0 + 24 * kHour);
  Crawl(hostile, 4, 8, 500, kT0 + 24 * kHour);
  const Figures a = clean.Snapshot(), b = hostile.Snapshot();
  EXPECT_EQ(a.watermark, b.watermark);
  for (std::size_t w2 = 0; w2 < 2; ++w2) EXPECT_EQ(a.Window(0, w2), b.Window(0, w2));
  EXPECT_EQ(a.campaign_to_date[0], b.campaign_to_date[0]);
  EXPECT_EQ(Outcomes(b, Outcome::kStale), Outcomes(a, Outcome::kStale));
  EXPECT_EQ(Outcomes(b, Outcome::kLate), 0);
  EXPECT_EQ(Outcomes(b, Outcome::kHeld), 1);
  EXPECT_GT(a.Window(0, 0).v[0], 0);  // the 1h window is not emptied
}

TEST(EventTimeTest, ACrawlEndAYearAheadIsHeldAndLaterCrawlsStillReconcile) {
  MonitorState state(Options());
  PageEnricher enricher;
  Crawl(state, 0, 8, 100, kT0);
  const EpochSeconds w = state.watermark();
  EXPECT_EQ(state.Apply(0, End("g-1", kT0 + 365 * 24 * kHour, kT0 + 366 * 24 * kHour, "google"),
                        enricher),
            Outcome::kHeld);
  EXPECT_EQ(state.watermark(), w);
  Crawl(state, 1, 8, 200, kT0 + 6 * kHour);
  EXPECT_EQ(state.watermark(), kT0 + 7 * kHour);
  EXPECT_EQ(state.Snapshot().registries.size(), 1U);  // google never reached the figures
}

TEST(EventTimeTest, AHandfulBelowQuorumDoesNotMoveEventTime) {
  MonitorState state(Options());
  PageEnricher enricher;
  Crawl(state, 0, 8, 100, kT0);
  const EpochSeconds w = state.watermark();
  for (int a = 0; a < 3; ++a)
    state.Apply(0, Sighting(100 + a, w + 30 * kHour, 1, 99, "x"), enricher);
  state.Apply(0, End("x", w + 29 * kHour, w + 31 * kHour), enricher);  // 4 witnesses of 5
  EXPECT_EQ(state.watermark(), w);
  EXPECT_EQ(state.Partition(0).held(), 4U);
}

TEST(EventTimeTest, ARealTwentyHourGapStillAdvancesWindows) {
  MonitorState state(Options());
  Crawl(state, 0, 8, 100, kT0);
  // The crawler is down 20 h; then full crawls resume.
  const EpochSeconds resume = kT0 + kHour + 20 * kHour;
  Crawl(state, 1, 8, 300, resume);
  EXPECT_EQ(state.watermark(), resume + kHour);
  EXPECT_EQ(state.Partition(0).held(), 0U);
  const Figures f = state.Snapshot();
  EXPECT_EQ(Outcomes(f, Outcome::kHeld), 5);  // until the fifth ad corroborated the time
  EXPECT_EQ(Outcomes(f, Outcome::kStale), 0);
  // Every ad rose from £100 to £300 over (kT0 + 60 s + a, resume + 60 s + a]: the 1h window
  // ending at resume + 1h holds the share of that after `resume`.
  Pence want = 0;
  for (int a = 0; a < 8; ++a) {
    const EpochSeconds t0 = kT0 + 60 + a, t = resume + 60 + a, from = resume;
    want += 20000 - static_cast<Pence>(20000 * (from - t0) / (t - t0));
  }
  EXPECT_EQ(f.Window(0, 0).v[0], want);
  EXPECT_GT(want, 0);
}

TEST(EventTimeTest, APartitionWithNoAdsFollowsCrawlsOnceQuorumCorroborates) {
  MonitorState state(Options());
  PageEnricher enricher;
  for (int c = 0; c < 4; ++c) {
    EXPECT_EQ(state.Apply(
                  0, End("c" + std::to_string(c), kT0 + c * 6 * kHour, kT0 + c * 6 * kHour + kHour),
                  enricher),
              Outcome::kHeld);
  }
  EXPECT_EQ(state.Partition(0).watermark(), kNever);
  state.Apply(0, End("c4", kT0 + 24 * kHour, kT0 + 25 * kHour), enricher);
  EXPECT_EQ(state.Partition(0).watermark(), kT0 + 25 * kHour);
  EXPECT_EQ(state.Partition(0).held(), 0U);
  EXPECT_EQ(state.Apply(0, End("c5", kT0 + 30 * kHour, kT0 + 31 * kHour), enricher),
            Outcome::kApplied);
}

TEST(EventTimeTest, HeldMessagesSurviveACheckpointAndReleaseTheSame) {
  StateOptions o = Options();
  o.track_changes = true;
  MonitorState reference(o), first(o);
  PageEnricher enricher;
  Crawl(reference, 0, 8, 100, kT0);
  Crawl(first, 0, 8, 100, kT0);
  // Three sightings of the resumed crawl are held when the checkpoint is taken.
  const EpochSeconds resume = kT0 + 22 * kHour;
  for (int a = 0; a < 3; ++a) {
    reference.Apply(0, Sighting(a, resume + a, 300, 399, "c1"), enricher);
    first.Apply(0, Sighting(a, resume + a, 300, 399, "c1"), enricher);
  }
  ASSERT_EQ(first.Partition(0).held(), 3U);
  PartitionDelta delta = first.Partition(0).TakeDelta("ads", 0, 99);
  PartitionSnapshot snapshot;
  snapshot.meta = delta.meta;
  snapshot.meta_parts = delta.meta_parts;
  for (auto& [key, bytes] : delta.ads) snapshot.ads.emplace_back(key, bytes);
  snapshot.increments = delta.increments;
  std::string error;
  MonitorState second(o);
  auto restored = PartitionState::Restore(&second.options(), snapshot, &error);
  ASSERT_NE(restored, nullptr) << error;
  second.SetPartition(0, std::move(restored));
  EXPECT_EQ(second.Partition(0).held(), 3U);
  for (int a = 3; a < 8; ++a) {
    reference.Apply(0, Sighting(a, resume + a, 300, 399, "c1"), enricher);
    second.Apply(0, Sighting(a, resume + a, 300, 399, "c1"), enricher);
  }
  reference.Apply(0, End("c1", resume, resume + kHour), enricher);
  second.Apply(0, End("c1", resume, resume + kHour), enricher);
  const Figures a = reference.Snapshot(), b = second.Snapshot();
  EXPECT_EQ(a.watermark, b.watermark);
  EXPECT_EQ(a.campaign_to_date[0], b.campaign_to_date[0]);
  EXPECT_EQ(a.Window(0, 1), b.Window(0, 1));
  EXPECT_EQ(a.outcomes, b.outcomes);
  EXPECT_EQ(b.Window(0, 1).v[0] > 0, true);
}

TEST(EventTimeTest, HeldMessagesAreBoundedThenRejected) {
  StateOptions o = Options();
  o.lead_quorum = 1000000;  // never corroborated
  MonitorState state(o);
  PageEnricher enricher;
  Crawl(state, 0, 2, 100, kT0);
  for (std::size_t i = 0; i < HeldMessages::kCapacity; ++i) {
    ASSERT_EQ(
        state.Apply(0, Sighting(1000 + static_cast<int>(i), kT0 + 40 * kHour, 1, 99), enricher),
        Outcome::kHeld);
  }
  EXPECT_EQ(state.Apply(0, Sighting(1, kT0 + 40 * kHour, 1, 99), enricher), Outcome::kRejected);
  EXPECT_EQ(state.Partition(0).last_reject(), RejectReason::kAheadOfWatermark);
  EXPECT_EQ(state.Snapshot().rejects[static_cast<int>(RejectReason::kAheadOfWatermark)], 1);
}

TEST(EventTimeTest, ACrawlEndThatEndsBeforeItStartsIsRejected) {
  MonitorState state(Options());
  PageEnricher enricher;
  Crawl(state, 0, 2, 100, kT0);
  EXPECT_EQ(state.Apply(0, End("bad", kT0 + 3 * kHour, kT0 + 2 * kHour), enricher),
            Outcome::kRejected);
  EXPECT_EQ(state.Partition(0).last_reject(), RejectReason::kBadTimestamp);
  EXPECT_EQ(state.watermark(), kT0 + kHour);
}

TEST(EventTimeTest, LeapSecondsAreNotTimestamps) {
  EXPECT_FALSE(ParseTimestamp("2016-12-31T23:59:60Z").has_value());
  EXPECT_FALSE(ParseTimestamp("2019-12-12T23:59:60+00:00").has_value());
  EXPECT_EQ(ParseTimestamp("2016-12-31T23:59:59Z"), 1483228799);
}

// Grace: a sighting more than `grace` behind event time is `late`, and still revises windows.
TEST(EventTimeTest, GraceOnlyDecidesTheLateCountAtItsEdge) {
  MonitorState state(Options());
  PageEnricher enricher;
  state.Apply(0, Sighting(1, kT0, 1, 99), enricher);
  state.Apply(0, Sighting(2, kT0, 1, 99), enricher);
  state.Apply(0, End("c", kT0 - 60, kT0 + 10 * kHour), enricher);
  const EpochSeconds w = kT0 + 10 * kHour;
  EXPECT_EQ(state.Apply(0, Sighting(1, w - kHour, 2, 199), enricher), Outcome::kApplied);
  EXPECT_EQ(state.Apply(0, Sighting(2, w - kHour - 1, 2, 199), enricher), Outcome::kLate);
  // Both increments revise the 24h window all the same: each ad's £2 lower bound is in it.
  const Figures f = state.Snapshot();
  EXPECT_EQ(f.Window(0, 1).v[0], 2 * 2 * 100);
}

// The regulated period counts spread spend in (start, end]: a sighting whose whole increment
// sits at one instant counts when start < instant <= end.
TEST(EventTimeTest, RegulatedPeriodEdges) {
  StateOptions o = Options();
  o.regulated_period = Period{kT0, kT0 + 24 * kHour};
  o.max_lead_seconds = 48 * kHour;  // sightings a day apart with no crawl between
  MonitorState state(o);
  PageEnricher enricher;
  const EpochSeconds start = kT0, end = kT0 + 24 * kHour;
  state.Apply(0, Sighting(1, start, 1, 1), enricher);      // at start: outside
  state.Apply(0, Sighting(2, start + 1, 2, 2), enricher);  // just after: inside
  state.Apply(0, Sighting(3, end, 4, 4), enricher);        // at end: inside
  state.Apply(0, Sighting(4, end + 1, 8, 8), enricher);    // just after: outside
  EXPECT_EQ(state.Snapshot().campaign_to_date[0].v[0], (2 + 4) * 100);
  // Spread across the end: (end - 100, end + 100] puts half inside.
  Observation o5 = Sighting(5, end + 100, 16, 16);
  o5.delivery_start = end - 100;
  state.Apply(0, o5, enricher);
  EXPECT_EQ(state.Snapshot().campaign_to_date[0].v[0], (2 + 4 + 8) * 100);
}

// A partition that only ever rejected restores without computing INT64_MIN - longest.
TEST(EventTimeTest, RestoringAPartitionWithOnlyRejects) {
  StateOptions o = Options();
  o.track_changes = true;
  MonitorState state(o);
  state.RecordReject(0, RejectReason::kMalformedJson);
  PartitionDelta delta = state.Partition(0).TakeDelta("ads", 0, 1);
  PartitionSnapshot snapshot;
  snapshot.meta = delta.meta;
  snapshot.meta_parts = delta.meta_parts;
  std::string error;
  auto restored = PartitionState::Restore(&state.options(), snapshot, &error);
  ASSERT_NE(restored, nullptr) << error;
  EXPECT_EQ(restored->watermark(), kNever);
  PageEnricher enricher;
  EXPECT_EQ(restored->Apply(Sighting(1, kT0, 1, 99), enricher), Outcome::kApplied);
  EXPECT_EQ(restored->watermark(), kT0);
}

}  // namespace
}  // namespace adwatch
