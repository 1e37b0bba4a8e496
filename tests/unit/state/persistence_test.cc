// Checkpoint and restore through the real store: a partition restored from its checkpoints and
// fed the rest of the stream ends with exactly the figures of one uninterrupted pass.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <tuple>

#include "state/monitor_state.h"
#include "store/state_store.h"

namespace adwatch {
namespace {

constexpr EpochSeconds kT0 = 1575849600;  // 2019-12-09T00:00:00Z

class PageEnricher : public Enricher {
 public:
  void Enrich(std::string_view, const AdContent& ad, EntityId* entity,
              ThemeMask* themes) const override {
    *entity = ad.page_id == "p0" ? EntityId{0} : ad.page_id == "p1" ? EntityId{1} : kUnattributed;
    *themes = ad.texts.empty() ? 0 : 1;
  }
};

StateOptions Options() {
  StateOptions o;
  o.entity_count = 2;
  o.theme_count = 1;
  o.windows = {{"1h", 3600}, {"24h", 86400}};
  o.grace_seconds = 3600;
  o.regulated_period = Period{kT0 - 86400, kT0 + 2 * 86400};
  o.track_changes = true;
  return o;
}

// A deterministic stream for one partition: sightings with rising (sometimes falling) buckets,
// open-ended tops, not_found answers, crawls closed by crawl_end.
std::vector<Message> Stream(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::mt19937_64 nation_rng(seed + 1);  // region data: its own draws
  std::vector<Message> out;
  std::vector<Pence> bucket(30, 0);
  for (int crawl = 0; crawl < 12; ++crawl) {
    // The crawler is down 30 h before crawl 6: its sightings are held until corroborated.
    const EpochSeconds start = kT0 + crawl * 6 * 3600 + (crawl >= 6 ? 30 * 3600 : 0);
    const std::string crawl_id = "c" + std::to_string(crawl);
    for (int ad = 0; ad < 30; ++ad) {
      if (rng() % 5 == 0) continue;  // not listed this time
      Observation o;
      o.registry = "meta";
      o.ad_id = std::to_string(ad);
      o.observed_at = start + static_cast<EpochSeconds>(rng() % 3000);
      o.crawl_id = crawl_id;
      o.scope = "GB";
      o.content.page_id = "p" + std::to_string(ad % 3);
      o.content.page_name = "Page \"" + std::to_string(ad % 5) + "\"";
      if (ad % 4 == 1) o.content.bylines = "Gardening Club";  // the others: no disclaimer
      if (ad % 2) o.content.texts = {"text"};
      if (rng() % 3 == 0) bucket[static_cast<size_t>(ad)] += 100 * static_cast<Pence>(rng() % 50);
      if (rng() % 40 == 0) bucket[static_cast<size_t>(ad)] /= 2;  // a correction
      const Pence lower = bucket[static_cast<size_t>(ad)];
      o.spend = SpendRange{lower, lower + (ad % 7 == 0 ? 0 : 9999), ad % 7 == 0};
      o.delivery_start = kT0 - 86400 * (ad % 3);
      if (nation_rng() % 3 == 0) {  // shares change now and then; otherwise kept
        o.nations.emplace();
        o.nations->parts = {0, 0, 0, 0, 0};
        std::uint16_t left = NationShares::kWhole;
        for (std::size_t n = 0; n + 1 < kNationCount; ++n) {
          const auto p = static_cast<std::uint16_t>(nation_rng() % (left + 1U));
          o.nations->parts[n] = p;
          left = static_cast<std::uint16_t>(left - p);
        }
        o.nations->parts[kNationCount - 1] = left;
      }
      if (rng() % 30 == 0) {
        o.lookup = Lookup::kById;
        o.status = AdStatus::kNotFound;
      }
      out.emplace_back(o);
      if (rng() % 10 == 0) out.emplace_back(o);  // duplicate
    }
    out.emplace_back(CrawlEnd{"meta", crawl_id, "GB", start, start + 3600, 20});
    if (crawl == 8) {  // a stray re-sighting 20 h ahead: held to the end
      Observation stray = std::get<Observation>(out[out.size() - 2]);
      stray.observed_at = start + 3600 + 20 * 3600;
      out.emplace_back(stray);
    }
  }
  return out;
}

void ExpectSameFigures(const Figures& a, const Figures& b) {
  EXPECT_EQ(a.watermark, b.watermark);
  EXPECT_EQ(a.campaign_to_date, b.campaign_to_date);
  EXPECT_EQ(a.no_disclaimer, b.no_disclaimer);
  EXPECT_EQ(a.window, b.window);
  EXPECT_EQ(a.nation_campaign_to_date, b.nation_campaign_to_date);
  EXPECT_EQ(a.nation_window, b.nation_window);
  EXPECT_EQ(a.theme_window, b.theme_window);
  EXPECT_EQ(a.ads_active, b.ads_active);
  EXPECT_EQ(a.open_ended_ads, b.open_ended_ads);
  EXPECT_EQ(a.corrections, b.corrections);
  EXPECT_EQ(a.outcomes, b.outcomes);
  EXPECT_EQ(a.events_held, b.events_held);
  EXPECT_EQ(a.rejects, b.rejects);
  ASSERT_EQ(a.registries.size(), b.registries.size());
  for (size_t i = 0; i < a.registries.size(); ++i) {
    EXPECT_EQ(a.registries[i].known, b.registries[i].known);
    EXPECT_EQ(a.registries[i].missing, b.registries[i].missing);
    EXPECT_EQ(a.registries[i].unlisted, b.registries[i].unlisted);
    EXPECT_EQ(a.registries[i].removed, b.registries[i].removed);
    EXPECT_EQ(a.registries[i].missing_spend, b.registries[i].missing_spend);
    EXPECT_EQ(a.registries[i].last_crawl_end, b.registries[i].last_crawl_end);
    EXPECT_EQ(a.registries[i].ads_listed, b.registries[i].ads_listed);
  }
}

// Every ad as the API lists it, in key order.
std::vector<AdListing> AllAds(MonitorState& state) {
  AdFilter all;
  all.presence.fill(true);
  std::vector<AdListing> ads = state.ListAds(all, 0, 1000).ads;
  std::sort(ads.begin(), ads.end(),
            [](const AdListing& a, const AdListing& b) { return a.ad_id < b.ad_id; });
  EXPECT_EQ(ads.size(), 30U);
  return ads;
}

// Every advertiser as the API lists it (figures, windows, names), in key order.
std::vector<AdvertiserTotals> AllAdvertisers(MonitorState& state) {
  std::vector<AdvertiserTotals> all = state.ListAdvertisers(AdvertiserQuery{}, 0, 1000).advertisers;
  std::sort(all.begin(), all.end(), [](const AdvertiserTotals& a, const AdvertiserTotals& b) {
    return std::tie(a.page_id, a.entity) < std::tie(b.page_id, b.entity);
  });
  EXPECT_EQ(all.size(), 3U);  // p0, p1 and p2 (each attributed one way)
  Pence in_24h = 0;  // the windows compared are not all empty
  for (const AdvertiserTotals& a : all) in_24h += a.windows.at(1).v[1];
  EXPECT_GT(in_24h, 0);
  return all;
}

class PersistenceTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("adwatch-persist-" + std::to_string(::getpid()) + "-" + std::to_string(GetParam()));
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

// Checkpoints every `GetParam()` messages, "crashes" after a checkpoint at several points,
// restores from the store and finishes the stream.
TEST_P(PersistenceTest, RestoredStateEndsWithTheOnePassFigures) {
  const std::vector<Message> stream = Stream(42);
  PageEnricher enricher;
  MonitorState reference(Options());
  for (const Message& m : stream) reference.Apply(0, m, enricher);
  reference.RecordReject(0, RejectReason::kBadAmount);
  const Figures want = reference.Snapshot();
  ASSERT_GT(want.outcomes[static_cast<int>(Outcome::kHeld)], 1);  // the gap and the stray
  ASSERT_EQ(want.events_held, 1);
  ASSERT_GT(want.no_disclaimer.v[0], 0);
  ASSERT_LT(want.no_disclaimer.v[0], want.campaign_to_date[2].v[0]);

  const size_t every = static_cast<size_t>(GetParam());
  // The last point is a graceful stop: a final checkpoint, then nothing left to replay.
  for (size_t crash_at : {every, stream.size() / 2, stream.size() - 1, stream.size()}) {
    std::filesystem::remove_all(dir_);
    std::string error;
    auto store =
        StateStore::Open(dir_.string(), "test-v1", StateStore::OpenMode::kOpenOrCreate, &error);
    ASSERT_TRUE(store) << error;
    MonitorState first(Options());
    size_t applied = 0;
    for (; applied < crash_at; ++applied) {
      first.Apply(0, stream[applied], enricher);
      if ((applied + 1) % every == 0 || applied + 1 == stream.size()) {
        const auto delta =
            first.Partition(0).TakeDelta("t", 0, static_cast<std::int64_t>(applied + 1));
        ASSERT_TRUE(store->Commit({delta}, &error)) << error;
      }
    }
    store.reset();  // the crash: whatever was not checkpointed is gone

    store = StateStore::Open(dir_.string(), "test-v1", StateStore::OpenMode::kOpenOrCreate, &error);
    ASSERT_TRUE(store) << error;
    const auto snapshot = store->Load("t", 0, &error);
    ASSERT_TRUE(snapshot) << error;
    MonitorState second(Options());
    auto restored = PartitionState::Restore(&second.options(), *snapshot, &error);
    ASSERT_TRUE(restored) << error;
    second.SetPartition(0, std::move(restored));
    for (auto i = static_cast<size_t>(snapshot->next_offset); i < stream.size(); ++i) {
      second.Apply(0, stream[i], enricher);
    }
    second.RecordReject(0, RejectReason::kBadAmount);
    SCOPED_TRACE("crash after message " + std::to_string(crash_at));
    ExpectSameFigures(second.Snapshot(), reference.Snapshot());
    EXPECT_EQ(AllAds(second), AllAds(reference));
    EXPECT_EQ(AllAdvertisers(second), AllAdvertisers(reference));
  }
}

INSTANTIATE_TEST_SUITE_P(CheckpointEvery, PersistenceTest, ::testing::Values(1, 7, 100));

}  // namespace
}  // namespace adwatch
