// The advertiser ledger: keyed by registry + page id + entity slot, names of the latest first
// sighting in any order, campaign-to-date from the ads' latest bounds, nations split exactly,
// windows on the 5-minute grid; merged over partitions by MonitorState.
#include "state/advertiser_ledger.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "core/spread.h"
#include "state/monitor_state.h"

namespace adwatch {
namespace {

constexpr EpochSeconds kT0 = 1575849600;  // 2019-12-09T00:00:00Z, on the grid

AdvertiserTotals Only(const AdvertiserLedger& ledger, std::vector<EpochSeconds> windows = {},
                      std::optional<EpochSeconds> watermark = std::nullopt) {
  AdvertiserMerge merged;
  ledger.Collect({"meta", "google"}, windows, watermark, &merged);
  EXPECT_EQ(merged.size(), 1U);
  return merged.begin()->second;
}

TEST(AdvertiserLedgerTest, OneAdvertiserPerRegistryPageAndEntity) {
  AdvertiserLedger ledger;
  const auto a = ledger.Intern(0, 0, "p1", "Page", "Paid by A", kT0);
  const auto b = ledger.Intern(0, 0, "p1", "Page", "Paid by A", kT0 + 1);  // same pair
  const auto c = ledger.Intern(0, 0, "p1", "Page", "Paid by B", kT0 + 2);  // same advertiser
  ledger.Intern(1, 0, "p1", "Page", "", kT0);                              // other registry
  ledger.Intern(0, 1, "p1", "Page", "Paid by A", kT0);                     // other entity
  ledger.Intern(0, 0, "p2", "Page", "Paid by A", kT0);                     // other page
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(ledger.advertisers(), 4U);
  EXPECT_EQ(ledger.names(), 5U);
  EXPECT_EQ(ledger.page_name(c), "Page");
  EXPECT_EQ(ledger.bylines(c), "Paid by B");
  EXPECT_EQ(ledger.page_id(c), "p1");
  EXPECT_EQ(ledger.registry(c), 0);
}

TEST(AdvertiserLedgerTest, NamesOfTheLatestFirstSightingWhateverTheOrder) {
  struct Ad {
    const char* name;
    const char* bylines;
    EpochSeconds first_seen;
  };
  std::vector<Ad> ads = {{"Old name", "X", kT0},
                         {"New name", "X", kT0 + 600},
                         {"Also new", "Y", kT0 + 600},
                         {"Older", "Z", kT0 - 600}};
  std::sort(ads.begin(), ads.end(), [](const Ad& x, const Ad& y) {
    return std::string_view(x.name) < std::string_view(y.name);
  });
  do {
    AdvertiserLedger ledger;
    for (const Ad& ad : ads) ledger.Intern(0, 3, "p", ad.name, ad.bylines, ad.first_seen);
    const AdvertiserTotals t = Only(ledger);
    EXPECT_EQ(t.page_name, "New name");  // ties at kT0 + 600: the larger names bytewise
    EXPECT_EQ(t.bylines, "X");
    EXPECT_EQ(t.names_at, kT0 + 600);
    EXPECT_EQ(t.ads, 4);
    EXPECT_EQ(t.entity, 3U);
  } while (std::next_permutation(ads.begin(), ads.end(), [](const Ad& x, const Ad& y) {
    return std::string_view(x.name) < std::string_view(y.name);
  }));
}

TEST(AdvertiserLedgerTest, CampaignToDateFollowsTheLatestBoundsAndNationsSumExactly) {
  AdvertiserLedger ledger;
  const auto a = ledger.Intern(0, 0, "p", "A", "", kT0);
  const auto b = ledger.Intern(0, 0, "p", "B", "", kT0);
  NationShares split;
  split.parts = {3333, 3333, 3334, 0, 0};
  const NationShares unknown;
  ledger.ChangeSpend(a, std::nullopt, unknown, {10000, 19900, false}, unknown);
  ledger.ChangeSpend(b, std::nullopt, split, {101, 201, false}, split);
  ledger.ChangeSpend(a, SpendRange{10000, 19900, false}, unknown, {50000, 50000, true}, split);
  const AdvertiserTotals t = Only(ledger);
  EXPECT_EQ(t.campaign_to_date, (Amounts{{50101, 50201, 50151}}));
  EXPECT_EQ(t.open_ended_ads, 1);
  Amounts sum;
  for (const Amounts& n : t.nations) sum += n;
  EXPECT_EQ(sum, t.campaign_to_date);
  EXPECT_EQ(t.nations[static_cast<int>(Nation::kUnknown)], Amounts{});  // a's shares moved
  // b: 101 split 3333/3333/3334 → 33, 33, 33 with the 2 left to the largest remainders.
  const auto b_parts = SplitByShares(101, split);
  const auto a_parts = SplitByShares(50000, split);
  EXPECT_EQ(t.nations[0].v[0], a_parts[0] + b_parts[0]);
  EXPECT_EQ(t.nations[2].v[0], a_parts[2] + b_parts[2]);
}

// Windows: the grid rule, recomputed cell by cell with ForEachGridShare.
TEST(AdvertiserLedgerTest, WindowsFollowThePartyWindowRule) {
  std::mt19937_64 rng(7);
  AdvertiserLedger ledger;
  const auto name = ledger.Intern(0, 0, "p", "A", "", kT0);
  std::vector<std::tuple<EpochSeconds, EpochSeconds, Amounts>> incs;
  for (int i = 0; i < 200; ++i) {
    const EpochSeconds t = kT0 + static_cast<EpochSeconds>(rng() % 86400);
    const EpochSeconds t0 = t - 1 - static_cast<EpochSeconds>(rng() % 20000);
    const auto lower = static_cast<Pence>(rng() % 100000);
    const Amounts amount{{lower, lower + 9999, lower + 4999}};
    incs.emplace_back(t0, t, amount);
    ledger.AddIncrement(name, t0, t, amount, kT0 - 1000000);
  }
  const EpochSeconds watermark = kT0 + 86400 + 123;  // off any grid: windows end at it
  const std::vector<EpochSeconds> lengths = {3600, 86400};
  const AdvertiserTotals t = Only(ledger, lengths, watermark);
  for (std::size_t w = 0; w < lengths.size(); ++w) {
    Amounts want;
    for (const auto& [t0, t1, amount] : incs) {
      for (int b = 0; b < kBoundCount; ++b) {
        want.v[b] += SpreadWithin(amount.v[b], t0, t1, watermark - lengths[w], watermark);
      }
    }
    EXPECT_EQ(t.windows[w], want) << "window " << w;
    EXPECT_GT(want.v[0], 0);
  }
}

class PageEnricher : public Enricher {
 public:
  void Enrich(std::string_view, const AdContent& ad, EntityId* entity,
              ThemeMask* themes) const override {
    *entity = ad.bylines == "Party" ? EntityId{0} : kUnattributed;
    *themes = 0;
  }
};

Observation Sighting(const std::string& ad, const std::string& page, const std::string& bylines,
                     EpochSeconds at, Pence lower) {
  Observation o;
  o.registry = "meta";
  o.ad_id = ad;
  o.observed_at = at;
  o.content.page_id = page;
  o.content.page_name = "Page " + page;
  o.content.bylines = bylines;
  o.spend = SpendRange{lower, lower + 9900, false};
  return o;
}

// Over partitions: one advertiser's ads in two partitions are summed; the counts per entity and
// the unregistered-over-threshold counts follow the lower bound against each nation's threshold.
TEST(AdvertiserLedgerTest, MonitorStateMergesPartitionsAndCountsThresholds) {
  StateOptions o;
  o.entity_count = 1;
  o.windows = {{"1h", 3600}};
  o.registration_thresholds = {1000, 1000, 1000, 1000, 1000};  // unknown too, for the test
  MonitorState state(o);
  PageEnricher enricher;
  state.Apply(0, Sighting("1", "p", "", kT0, 600), enricher);
  state.Apply(1, Sighting("2", "p", "", kT0, 400), enricher);         // p: 1000, not over
  state.Apply(1, Sighting("3", "q", "", kT0, 1002), enricher);        // q: over
  state.Apply(0, Sighting("4", "r", "Party", kT0, 50000), enricher);  // attributed: not counted
  const Figures f = state.Snapshot();
  EXPECT_EQ(f.advertisers, (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(f.unregistered_over_threshold[static_cast<int>(Nation::kUnknown)], 1);
  EXPECT_EQ(f.unregistered_over_threshold[static_cast<int>(Nation::kEngland)], 0);
  ASSERT_EQ(f.top_advertisers.size(), 3U);
  EXPECT_EQ(f.top_advertisers[0].page_id, "r");
  EXPECT_EQ(f.top_advertisers[1].page_id, "q");
  EXPECT_EQ(f.top_advertisers[2].page_id, "p");
  EXPECT_EQ(f.top_advertisers[2].ads, 2);
  EXPECT_EQ(f.top_advertisers[2].campaign_to_date.v[0], 1000);

  AdvertiserQuery unattributed;
  unattributed.entity = 1;
  const AdvertiserPage page = state.ListAdvertisers(unattributed, 1, 10);
  EXPECT_EQ(page.total, 2U);
  ASSERT_EQ(page.advertisers.size(), 1U);
  EXPECT_EQ(page.advertisers[0].page_id, "p");
}

// The default thresholds: £20,000 in England, £10,000 elsewhere, none for unknown; configured
// ones replace them.
TEST(AdvertiserLedgerTest, DefaultRegistrationThresholds) {
  Config configured;
  configured.registration_thresholds[static_cast<int>(Nation::kWales)] = 123;
  configured.registration_thresholds[static_cast<int>(Nation::kEngland)] = std::nullopt;
  const auto c = RegistrationThresholdsPence(configured);
  EXPECT_EQ(c[static_cast<int>(Nation::kWales)], 123);
  EXPECT_EQ(c[static_cast<int>(Nation::kEngland)], std::numeric_limits<Pence>::max());
  const auto t = RegistrationThresholdsPence(Config{});
  EXPECT_EQ(t[static_cast<int>(Nation::kEngland)], 2000000);
  EXPECT_EQ(t[static_cast<int>(Nation::kScotland)], 1000000);
  EXPECT_EQ(t[static_cast<int>(Nation::kWales)], 1000000);
  EXPECT_EQ(t[static_cast<int>(Nation::kNorthernIreland)], 1000000);
  EXPECT_EQ(t[static_cast<int>(Nation::kUnknown)], std::numeric_limits<Pence>::max());
}

}  // namespace
}  // namespace adwatch
