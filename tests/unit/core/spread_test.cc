#include "core/spread.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace adwatch {
namespace {

constexpr EpochSeconds kG = kWindowGridSeconds;

TEST(SpreadTest, GridFloorFloorsNegativeTimesToo) {
  EXPECT_EQ(GridFloor(0), 0);
  EXPECT_EQ(GridFloor(kG - 1), 0);
  EXPECT_EQ(GridFloor(kG), kG);
  EXPECT_EQ(GridFloor(-1), -kG);
  EXPECT_EQ(GridFloor(-kG), -kG);
}

TEST(SpreadTest, AnInstantIncrementSitsInTheCellHoldingIt) {
  std::map<EpochSeconds, Pence> cells;
  ForEachGridShare(700, 10 * kG, 10 * kG, 0, [&](EpochSeconds e, Pence s) { cells[e] += s; });
  EXPECT_EQ(cells, (std::map<EpochSeconds, Pence>{{10 * kG, 700}}));  // (9G, 10G] holds 10G
  cells.clear();
  ForEachGridShare(700, 10 * kG + 1, 10 * kG + 1, 0,
                   [&](EpochSeconds e, Pence s) { cells[e] += s; });
  EXPECT_EQ(cells, (std::map<EpochSeconds, Pence>{{11 * kG, 700}}));
  cells.clear();
  ForEachGridShare(700, 10 * kG, 10 * kG, 10 * kG, [&](EpochSeconds e, Pence s) { cells[e] += s; });
  EXPECT_TRUE(cells.empty());  // the cell ends at `after`: not after it
}

// Against the definition: each cell's share is SpreadWithin over the cell, cells before
// `after` are skipped, and over all cells the shares add up to the amount.
TEST(SpreadTest, GridSharesMatchSpreadWithinAndAddUp) {
  std::mt19937_64 rng(300);
  for (int i = 0; i < 5000; ++i) {
    const EpochSeconds t0 = static_cast<EpochSeconds>(rng() % 100000) - 50000;
    const EpochSeconds t = t0 + static_cast<EpochSeconds>(rng() % 20000);
    const Pence amount = static_cast<Pence>(rng() % 2000000) - 1000000;
    const EpochSeconds after = t0 - 5000 + static_cast<EpochSeconds>(rng() % 30000);
    Pence total = 0, after_total = 0;
    EpochSeconds previous = INT64_MIN;
    ForEachGridShare(amount, t0, t, INT64_MIN / 2, [&](EpochSeconds e, Pence s) {
      ASSERT_EQ(e % kG, 0);
      ASSERT_GT(e, previous);
      previous = e;
      if (t > t0) {
        ASSERT_EQ(s, SpreadWithin(amount, t0, t, e - kG, e));
      }
      total += s;
      if (e > after) after_total += s;
    });
    ASSERT_EQ(total, amount);
    Pence seen = 0;
    ForEachGridShare(amount, t0, t, after, [&](EpochSeconds e, Pence s) {
      ASSERT_GT(e, after);
      seen += s;
    });
    ASSERT_EQ(seen, after_total);
  }
}

}  // namespace
}  // namespace adwatch
