// The nation split of the state: per-ad latest shares, campaign-to-date and window increments
// split by them, and the property that for every party, bound and window the nations add up
// exactly to the UK figure, over random streams with corrections, changing and missing shares.
#include <gtest/gtest.h>

#include <random>

#include "state/held_messages.h"
#include "state/monitor_state.h"

namespace adwatch {
namespace {

constexpr EpochSeconds kT0 = 1575849600;  // 2019-12-09T00:00:00Z

class PageEnricher : public Enricher {
 public:
  void Enrich(std::string_view, const AdContent& ad, EntityId* entity,
              ThemeMask* themes) const override {
    *entity = ad.page_id == "p0" ? EntityId{0} : ad.page_id == "p1" ? EntityId{1} : kUnattributed;
    *themes = 0;
  }
};

StateOptions Options() {
  StateOptions o;
  o.entity_count = 2;
  o.theme_count = 1;
  o.windows = {{"1h", 3600}, {"24h", 86400}, {"7d", 7 * 86400}};
  o.regulated_period = Period{kT0 - 86400, kT0 + 3 * 86400 + 777};
  return o;
}

NationShares Shares(std::uint16_t e, std::uint16_t s, std::uint16_t w, std::uint16_t ni,
                    std::uint16_t u) {
  NationShares n;
  n.parts = {e, s, w, ni, u};
  return n;
}

Observation Obs(std::string id, EpochSeconds t, Pence lower, Pence upper,
                std::optional<NationShares> nations, std::string page = "p0") {
  Observation o;
  o.registry = "meta";
  o.ad_id = std::move(id);
  o.observed_at = t;
  o.content.page_id = std::move(page);
  o.spend = SpendRange{lower, upper, false};
  o.nations = nations;
  return o;
}

TEST(NationSplitTest, LatestSharesSplitEachIncrementFromItsSightingOn) {
  MonitorState state(Options());
  PageEnricher enricher;
  // £100 all in Scotland, then +£300 after the shares moved to 50/50 England/Wales, then +£200
  // with no region data (the 50/50 shares are kept).
  state.Apply(0, Obs("a", kT0, 10000, 10000, Shares(0, 10000, 0, 0, 0)), enricher);
  state.Apply(0, Obs("a", kT0 + 3600, 40000, 40000, Shares(5000, 0, 5000, 0, 0)), enricher);
  state.Apply(0, Obs("a", kT0 + 7200, 60000, 60000, std::nullopt), enricher);
  // An ad with no region data at all: unknown.
  Observation b = Obs("b", kT0 + 7200, 333, 333, std::nullopt);
  b.delivery_start = kT0 + 3600;  // spread over the last hour
  state.Apply(0, b, enricher);
  // A duplicate with other shares changes nothing.
  state.Apply(0, Obs("a", kT0 + 7200, 60000, 60000, Shares(10000, 0, 0, 0, 0)), enricher);
  const Figures f = state.Snapshot();
  const auto ctd = [&](Nation n) { return f.NationCtd(0, static_cast<std::size_t>(n)).v[0]; };
  EXPECT_EQ(ctd(Nation::kScotland), 10000);
  EXPECT_EQ(ctd(Nation::kEngland), 25000);
  EXPECT_EQ(ctd(Nation::kWales), 25000);
  EXPECT_EQ(ctd(Nation::kNorthernIreland), 0);
  EXPECT_EQ(ctd(Nation::kUnknown), 333);
  EXPECT_EQ(f.campaign_to_date[0].v[0], 60333);
  // 1h window (kT0+3600, kT0+7200]: the +£200 increment, split 50/50.
  EXPECT_EQ(f.NationWindow(0, 0, 0).v[1], 10000);
  EXPECT_EQ(f.NationWindow(0, 2, 0).v[1], 10000);
  EXPECT_EQ(f.NationWindow(0, 4, 0).v[1], 333);
  // A correction (bound down by 3p) splits like the increment it undoes, negated.
  state.Apply(0, Obs("a", kT0 + 9000, 59997, 59997, std::nullopt), enricher);
  const Figures g = state.Snapshot();
  EXPECT_EQ(g.NationCtd(0, 0).v[0] + g.NationCtd(0, 2).v[0], 49997);
  EXPECT_EQ(g.NationCtd(0, 0).v[0], 24998);  // -1.5 each: the remainder tie goes to England
}

TEST(NationSplitTest, HeldSightingsKeepTheirSharesThroughACheckpoint) {
  HeldMessages held;
  held.Hold(Obs("a", kT0, 100, 200, Shares(1, 2, 3, 4, 9990)));
  held.Hold(Obs("b", kT0, 100, 200, std::nullopt));
  ByteWriter out;
  held.Encode(out);
  HeldMessages restored;
  ByteReader in(out.bytes());
  ASSERT_TRUE(restored.Decode(in));
  const std::deque<Message> back = restored.TakeAll();
  ASSERT_EQ(back.size(), 2U);
  EXPECT_EQ(std::get<Observation>(back[0]).nations, Shares(1, 2, 3, 4, 9990));
  EXPECT_EQ(std::get<Observation>(back[1]).nations, std::nullopt);
}

TEST(NationSplitTest, NationsAddUpToTheUkFigureOverRandomStreams) {
  PageEnricher enricher;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    std::mt19937_64 rng(seed);
    MonitorState state(Options());
    std::vector<Pence> lower(25, 0);
    for (int step = 0; step < 600; ++step) {
      const auto ad = static_cast<std::size_t>(rng() % lower.size());
      const EpochSeconds t = kT0 + step * 600 + static_cast<EpochSeconds>(rng() % 600);
      if (rng() % 5 == 0 && lower[ad] > 0) {
        lower[ad] -=
            static_cast<Pence>(rng() % static_cast<std::uint64_t>(lower[ad]));  // correction
      } else {
        lower[ad] += static_cast<Pence>(rng() % 100001);
      }
      std::optional<NationShares> nations;
      if (rng() % 3 == 0) {
        nations.emplace();
        nations->parts = {0, 0, 0, 0, 0};
        std::uint32_t left = NationShares::kWhole;
        for (std::size_t n = 0; n + 1 < kNationCount; ++n) {
          const auto p = rng() % 2 == 0 ? 0U : static_cast<std::uint32_t>(rng() % (left + 1));
          nations->parts[n] = static_cast<std::uint16_t>(p);
          left -= p;
        }
        nations->parts[kNationCount - 1] = static_cast<std::uint16_t>(left);
      }
      Observation o = Obs(std::to_string(ad), t, lower[ad], lower[ad] + 99 + static_cast<Pence>(ad),
                          nations, "p" + std::to_string(ad % 3));
      o.delivery_start = kT0 - 86400;
      state.Apply(0, o, enricher);
    }
    const Figures f = state.Snapshot();
    for (std::size_t e = 0; e < f.entities; ++e) {
      for (int b = 0; b < kBoundCount; ++b) {
        Pence sum = 0;
        for (std::size_t n = 0; n < kNationCount; ++n) sum += f.NationCtd(e, n).v[b];
        EXPECT_EQ(sum, f.campaign_to_date[e].v[b]) << "seed " << seed << " entity " << e;
        for (std::size_t w = 0; w < f.windows; ++w) {
          Pence window_sum = 0;
          for (std::size_t n = 0; n < kNationCount; ++n) window_sum += f.NationWindow(e, n, w).v[b];
          EXPECT_EQ(window_sum, f.Window(e, w).v[b]) << "seed " << seed << " window " << w;
        }
      }
    }
    EXPECT_GT(f.campaign_to_date[0].v[0], 0);
    EXPECT_GT(f.Window(0, 2).v[1], 0);
  }
}

}  // namespace
}  // namespace adwatch
