// Ad ids that a compact key could confuse (leading zeros, numbers past 64 bits, text, the same
// number in two registries) stay distinct ads through apply, listing, checkpoint and restore,
// and come back byte for byte.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "state/monitor_state.h"
#include "store/state_store.h"

namespace adwatch {
namespace {

constexpr EpochSeconds kT0 = 1575849600;  // 2019-12-09T00:00:00Z

class NoEnricher : public Enricher {
 public:
  void Enrich(std::string_view, const AdContent&, EntityId* entity,
              ThemeMask* themes) const override {
    *entity = kUnattributed;
    *themes = 0;
  }
};

StateOptions Options() {
  StateOptions o;
  o.windows = {{"24h", 86400}};
  o.track_changes = true;
  return o;
}

using Key = std::pair<std::string, std::string>;  // registry, id

std::vector<Key> HostileKeys() {
  std::vector<Key> keys;
  for (const char* registry : {"meta", "google"}) {
    for (const std::string& id :
         {std::string("123"), std::string("0123"), std::string("00123"), std::string("0"),
          std::string("00"), std::string("CR0123"), std::string("CR123"), std::string(""),
          std::string("36028797018963967"), std::string("36028797018963968"),
          std::string("18446744073709551616"), std::string("461290581348812"),
          std::string(300, '9'), std::string("a:b"), std::string("\xc3\xa9")}) {
      keys.emplace_back(registry, id);
    }
  }
  return keys;
}

// Every ad with the same lower bound, so that the listing order is the key order alone.
Observation Sighting(const Key& key, EpochSeconds at, Pence upper) {
  Observation o;
  o.registry = key.first;
  o.ad_id = key.second;
  o.observed_at = at;
  o.crawl_id = "c1";
  o.scope = "GB";
  o.spend = SpendRange{100, upper, false};
  return o;
}

std::vector<AdListing> All(const MonitorState& state) {
  AdFilter all;
  all.presence.fill(true);
  return state.ListAds(all, 0, 1000).ads;
}

void ExpectExactly(const std::vector<AdListing>& listed, const std::map<Key, Pence>& want) {
  ASSERT_EQ(listed.size(), want.size());
  // The API's order: lower bound descending (all equal here), then "registry:id" text.
  std::vector<std::string> order;
  for (const auto& [key, upper] : want) order.push_back(key.first + ":" + key.second);
  std::sort(order.begin(), order.end());
  for (std::size_t i = 0; i < listed.size(); ++i) {
    const AdListing& ad = listed[i];
    EXPECT_EQ(ad.registry + ":" + ad.ad_id, order[i]) << i;
    const auto it = want.find(Key{ad.registry, ad.ad_id});
    ASSERT_NE(it, want.end()) << ad.registry << ":" << ad.ad_id;
    ASSERT_TRUE(ad.spend);
    EXPECT_EQ(ad.spend->upper, it->second) << "each id keeps its own record";
  }
}

TEST(HostileAdIdsTest, DistinctAndExactThroughCheckpointAndRestore) {
  const std::vector<Key> keys = HostileKeys();
  NoEnricher enricher;
  MonitorState state(Options());
  std::map<Key, Pence> want;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const Pence upper = 1000 + 100 * static_cast<Pence>(i);
    ASSERT_EQ(
        state.Apply(0, Sighting(keys[i], kT0 + static_cast<EpochSeconds>(i), upper), enricher),
        Outcome::kApplied);
    want[keys[i]] = upper;
  }
  ASSERT_EQ(want.size(), keys.size()) << "the test's keys are distinct";
  EXPECT_EQ(state.ad_count(), keys.size());
  // A repeat of each is found again (a duplicate), not tracked as a new ad.
  for (std::size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(state.Apply(0, Sighting(keys[i], kT0 + static_cast<EpochSeconds>(i), 1), enricher),
              Outcome::kDuplicate);
  }
  EXPECT_EQ(state.ad_count(), keys.size());
  ExpectExactly(All(state), want);

  const auto dir = std::filesystem::temp_directory_path() /
                   ("adwatch-hostile-ids-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::string error;
  auto store =
      StateStore::Open(dir.string(), "test-v1", StateStore::OpenMode::kOpenOrCreate, &error);
  ASSERT_TRUE(store) << error;
  ASSERT_TRUE(store->Commit({state.Partition(0).TakeDelta("t", 0, 1)}, &error)) << error;
  const auto snapshot = store->Load("t", 0, &error);
  ASSERT_TRUE(snapshot) << error;
  // The store holds the keys as "registry:id" text, as before the compact table.
  std::vector<std::string> stored;
  for (const auto& [key, bytes] : snapshot->ads) stored.push_back(key);
  std::sort(stored.begin(), stored.end());
  std::vector<std::string> expected_keys;
  for (const auto& [key, upper] : want) expected_keys.push_back(key.first + ":" + key.second);
  std::sort(expected_keys.begin(), expected_keys.end());
  EXPECT_EQ(stored, expected_keys);

  MonitorState restored(Options());
  auto partition = PartitionState::Restore(&restored.options(), *snapshot, &error);
  ASSERT_TRUE(partition) << error;
  restored.SetPartition(0, std::move(partition));
  ExpectExactly(All(restored), want);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(restored.Apply(0, Sighting(keys[i], kT0 + static_cast<EpochSeconds>(i), 1), enricher),
              Outcome::kDuplicate)
        << keys[i].first << ":" << keys[i].second;
  }
  EXPECT_EQ(restored.ad_count(), keys.size());
  store.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace adwatch
