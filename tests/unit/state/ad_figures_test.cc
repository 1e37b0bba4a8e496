// The counted ad figures (state/ad_figures.h) against a brute-force walk of every tracked ad —
// the walk PartitionState::AddTo did before they were counted, kept here as the oracle — over
// random streams: listings and by-id lookups, crawl_ends (missing, unlisted, removed, listed
// again), spend that rises, falls and enters the open-ended bucket, delivery dates that move,
// checkpoints restored from the real store, and snapshot times that move forwards and back.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include "state/monitor_state.h"
#include "store/state_store.h"

namespace adwatch {
namespace {

constexpr EpochSeconds kT0 = 1575849600;  // 2019-12-09T00:00:00Z
constexpr EpochSeconds kDay = 86400;
constexpr std::int32_t kPartitions = 3;

// Entity from the page id, themes from the texts (each text a theme bit).
class TestEnricher : public Enricher {
 public:
  void Enrich(std::string_view, const AdContent& ad, EntityId* entity,
              ThemeMask* themes) const override {
    *entity = ad.page_id == "p0" ? EntityId{0} : ad.page_id == "p1" ? EntityId{1} : kUnattributed;
    *themes = 0;
    for (const std::string& t : ad.texts) *themes |= ThemeMask{1} << (t[0] - '0');
  }
};

StateOptions Options() {
  StateOptions o;
  o.entity_count = 2;
  o.theme_count = 3;
  o.windows = {{"1h", 3600}};
  o.track_changes = true;
  o.max_lead_seconds = 30 * kDay;  // nothing held: the stream's times are all applied
  return o;
}

// The oracle: the walk of every ad AddTo did before the figures were counted.
void WalkAds(const PartitionState& p, const StateOptions& o, EpochSeconds watermark, Figures& f) {
  const std::size_t none_theme = o.theme_count;
  for (const std::string& name : p.registry_names()) f.Registry(name);
  p.ForEachAd([&](const AdRecord& ad) {
    const std::size_t e = ad.entity == kUnattributed ? o.entity_count : Index(ad.entity);
    if (ad.spend_seen_at != kNever && ad.spend.open_ended) ++f.open_ended_ads[e];
    RegistryFigures& r = f.Registry(p.registry_names()[ad.registry]);
    ++r.known[e];
    if (ad.presence.missing()) {
      ++r.missing[e];
      r.unlisted[e] += ad.presence.presence == Presence::kUnlisted;
      r.removed[e] += ad.presence.presence == Presence::kRemoved;
      r.missing_spend[e] += Amounts{{ad.spend.lower, ad.spend.upper, ad.spend.Mid()}};
    } else {
      ++r.shown[e];
      r.shown_upper[e] += ad.spend.upper;
      r.shown_open_ended[e] += ad.spend_seen_at != kNever && ad.spend.open_ended;
    }
    const bool started = ad.delivery_start == kNever || ad.delivery_start <= watermark;
    const bool running = ad.delivery_stop == kNever || watermark < ad.delivery_stop + kDay;
    if (watermark != kNever && started && running && ad.presence.presence != Presence::kRemoved) {
      if (ad.themes == 0) ++f.Active(e, none_theme);
      for (std::size_t th = 0; th < o.theme_count; ++th) {
        if (ad.themes >> th & 1U) ++f.Active(e, th);
      }
    }
  });
}

// What a comparison saw, summed over every slot (so the test can check what it exercised).
struct Seen {
  std::int64_t active = 0, unlisted = 0, removed = 0, missing = 0, open_ended = 0;
  Seen& operator+=(const Seen& o) {
    active += o.active;
    unlisted += o.unlisted;
    removed += o.removed;
    missing += o.missing;
    open_ended += o.open_ended;
    return *this;
  }
};

// Compares the counted figures of every partition at `watermark` with the walk.
Seen ExpectCountedEqualsWalk(MonitorState& state, EpochSeconds watermark) {
  const StateOptions& o = state.options();
  Figures got(o.entity_count + 1, o.theme_count + 1, o.windows.size());
  Figures want(o.entity_count + 1, o.theme_count + 1, o.windows.size());
  state.ForEachPartition([&](std::int32_t, const PartitionState& p) {
    p.AddTo(got, watermark);
    WalkAds(p, o, watermark, want);
  });
  EXPECT_EQ(got.open_ended_ads, want.open_ended_ads);
  EXPECT_EQ(got.ads_active, want.ads_active) << "at " << watermark;
  EXPECT_EQ(got.registries.size(), want.registries.size());
  for (const RegistryFigures& w : want.registries) {
    const RegistryFigures& g = got.Registry(w.registry);
    SCOPED_TRACE(w.registry);
    EXPECT_EQ(g.known, w.known);
    EXPECT_EQ(g.missing, w.missing);
    EXPECT_EQ(g.unlisted, w.unlisted);
    EXPECT_EQ(g.removed, w.removed);
    EXPECT_EQ(g.missing_spend, w.missing_spend);
    EXPECT_EQ(g.shown, w.shown);
    EXPECT_EQ(g.shown_upper, w.shown_upper);
    EXPECT_EQ(g.shown_open_ended, w.shown_open_ended);
  }
  Seen seen;
  for (std::int64_t n : want.ads_active) seen.active += n;
  for (std::int64_t n : want.open_ended_ads) seen.open_ended += n;
  for (const RegistryFigures& w : want.registries) {
    for (std::size_t e = 0; e < want.entities; ++e) {
      seen.unlisted += w.unlisted[e];
      seen.removed += w.removed[e];
      seen.missing += w.missing[e];
    }
  }
  return seen;
}

std::int32_t PartitionOf(const std::string& id) {
  return static_cast<std::int32_t>(std::hash<std::string>{}(id) % kPartitions);
}

// One random stream: rounds of crawls of a registry scope, each ad listed, looked up by id
// (present or not_found) or not seen; spend and delivery dates change now and then.
struct Routed {
  std::int32_t partition;  // -1: every partition (a crawl_end)
  Message message;
};

std::vector<Routed> Stream(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const auto roll = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const std::vector<std::string> registries = {"meta", "google"};
  const std::vector<std::string> scopes = {"GB", "", "US"};
  constexpr int kAds = 80;
  struct Ad {
    Pence lower = 0;
    std::optional<EpochSeconds> start, stop;
  };
  std::vector<Ad> ads(kAds);
  std::vector<Routed> out;
  for (int round = 0; round < 40; ++round) {
    const EpochSeconds at = kT0 + round * 3 * 3600;
    const int reg = roll(2);
    const std::string& scope = scopes[static_cast<std::size_t>(roll(3))];
    const std::string crawl_id = "c" + std::to_string(round);
    for (int i = 0; i < kAds; ++i) {
      if (i % 2 != reg) continue;
      // Each ad belongs to one scope (by index); ad 3k+1 carries none on its sightings.
      const std::string& own_scope = scopes[static_cast<std::size_t>(i % 3)];
      if (own_scope != scope && !(i % 3 == 1 && roll(4) == 0)) continue;
      Ad& ad = ads[static_cast<std::size_t>(i)];
      const int what = roll(10);
      if (what >= 8) continue;  // not seen in this crawl
      Observation o;
      o.registry = registries[static_cast<std::size_t>(reg)];
      o.ad_id = "a" + std::to_string(i);
      o.observed_at = at + roll(1800);
      o.crawl_id = crawl_id;
      o.scope = i % 3 == 1 ? "" : scope;
      if (what >= 6) o.lookup = Lookup::kById;
      if (what == 7 && roll(2) == 0) {
        o.status = AdStatus::kNotFound;
      } else {
        o.content.page_id = "p" + std::to_string(i % 3);
        for (int th = 0; th < 3; ++th) {
          if ((i >> th & 1) && i % 5 != 0) o.content.texts.push_back(std::to_string(th));
        }
        if (roll(3) == 0) ad.lower += 100 * roll(40);
        if (roll(15) == 0) ad.lower /= 2;  // a correction
        if (roll(6) != 0) {
          const bool open = roll(8) == 0;
          o.spend = SpendRange{ad.lower, open ? ad.lower : ad.lower + 9999, open};
        }
        if (roll(5) == 0) {
          ad.start = roll(4) == 0 ? std::nullopt
                                  : std::optional(kT0 + (roll(12) - 4) * kDay / 2 + roll(3600));
        }
        if (roll(5) == 0) {
          ad.stop = roll(2) == 0 ? std::nullopt
                                 : std::optional(kT0 + (roll(12) - 6) * kDay / 2 + roll(3600));
        }
        o.delivery_start = ad.start;
        o.delivery_stop = ad.stop;
      }
      out.push_back({PartitionOf(o.ad_id), o});
      if (roll(10) == 0) out.push_back({PartitionOf(o.ad_id), o});  // duplicate
    }
    out.push_back({-1, CrawlEnd{registries[static_cast<std::size_t>(reg)], crawl_id, scope, at,
                                at + 2400, std::nullopt}});
  }
  return out;
}

class AdFiguresTest : public ::testing::TestWithParam<std::uint64_t> {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("adwatch-adfigures-" + std::to_string(::getpid()) + "-" + std::to_string(GetParam()));
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

// After every few messages, the counted figures equal the walk: at the instance watermark and
// at random times before and after it (the active-ads cursor moves both ways). Now and then
// the state is checkpointed, "crashes" and is restored from the store, and goes on.
TEST_P(AdFiguresTest, CountedFiguresEqualAWalkOfTheAds) {
  const std::vector<Routed> stream = Stream(GetParam());
  std::mt19937_64 rng(GetParam() * 7919);
  TestEnricher enricher;
  std::string error;
  auto store = StateStore::Open(dir_.string(), "t-v1", StateStore::OpenMode::kOpenOrCreate, &error);
  ASSERT_TRUE(store) << error;
  auto state = std::make_unique<MonitorState>(Options());
  std::int64_t next = 0;  // messages applied (the offset every partition resumes at)
  Seen seen;
  int restores = 0;
  for (const Routed& r : stream) {
    for (std::int32_t p = 0; p < kPartitions; ++p) {
      if (r.partition == -1 || r.partition == p) state->Apply(p, r.message, enricher);
    }
    ++next;
    if (rng() % 5 != 0) continue;
    SCOPED_TRACE("after message " + std::to_string(next));
    seen += ExpectCountedEqualsWalk(*state, state->watermark());
    const EpochSeconds around =
        state->watermark() + static_cast<EpochSeconds>(rng() % (6 * kDay)) - 3 * kDay;
    seen += ExpectCountedEqualsWalk(*state, around);
    seen += ExpectCountedEqualsWalk(*state, state->watermark());
    if (rng() % 4 != 0) continue;
    std::vector<PartitionDelta> deltas;
    state->ForEachPartition(
        [&](std::int32_t p, PartitionState& ps) { deltas.push_back(ps.TakeDelta("t", p, next)); });
    ASSERT_TRUE(store->Commit(deltas, &error)) << error;
    if (rng() % 3 != 0) continue;
    // The crash: a fresh state restored from the store, partition by partition.
    store.reset();
    store = StateStore::Open(dir_.string(), "t-v1", StateStore::OpenMode::kOpenOrCreate, &error);
    ASSERT_TRUE(store) << error;
    auto restored = std::make_unique<MonitorState>(Options());
    for (std::int32_t p = 0; p < kPartitions; ++p) {
      const auto snapshot = store->Load("t", p, &error);
      ASSERT_TRUE(snapshot) << error;
      auto ps = PartitionState::Restore(&restored->options(), *snapshot, &error);
      ASSERT_TRUE(ps) << error;
      restored->SetPartition(p, std::move(ps));
    }
    state = std::move(restored);
    ++restores;
    ExpectCountedEqualsWalk(*state, state->watermark());
  }
  // The stream exercised what it is meant to.
  EXPECT_GT(restores, 0);
  EXPECT_GT(seen.active, 0);
  EXPECT_GT(seen.missing, seen.unlisted + seen.removed);
  EXPECT_GT(seen.unlisted, 0);
  EXPECT_GT(seen.removed, 0);
  EXPECT_GT(seen.open_ended, 0);
}

INSTANTIATE_TEST_SUITE_P(Seeds, AdFiguresTest, ::testing::Values(1, 2, 3, 4, 5, 6, 7, 8));

// The active-ads cursor on its own: an ad's interval [start, stop + 1 day), counted at times
// forwards and back, with a change of dates in between.
TEST(ActiveAds, CountsTheIntervalAtTheCursor) {
  ActiveAds active(1, 1);
  AdFacts ad;
  ad.themes = 1;
  ad.delivery_start = kT0;
  ad.delivery_stop = kT0 + kDay;
  active.Change(ad, +1);
  const auto at = [&](EpochSeconds w) {
    if (!active.MoveTo(w)) return std::int64_t{-1};
    Figures f(1, 2, 0);
    active.AddTo(f);
    return f.Active(0, 0);
  };
  EXPECT_EQ(at(kT0 - 1), 0);
  EXPECT_EQ(at(kT0), 1);
  EXPECT_EQ(at(kT0 + 2 * kDay - 1), 1);
  EXPECT_EQ(at(kT0 + 2 * kDay), 0);
  EXPECT_EQ(active.pending(), 0U);  // both transitions passed
  EXPECT_EQ(at(kT0), -1);           // behind the cursor: the caller recounts
  active.Reset(kT0);
  active.Change(ad, +1);
  EXPECT_EQ(at(kT0), 1);
  AdFacts later = ad;
  later.delivery_stop = kT0 + 3 * kDay;
  active.Update(ad, later);
  EXPECT_EQ(at(kT0 + 2 * kDay), 1);
  AdFacts removed = later;
  removed.presence = Presence::kRemoved;
  active.Update(later, removed);
  EXPECT_EQ(at(kT0 + 2 * kDay), 0);
  EXPECT_EQ(active.pending(), 0U);
}

}  // namespace
}  // namespace adwatch
