#include "core/nation.h"

#include <gtest/gtest.h>

#include <limits>
#include <numeric>
#include <random>

namespace adwatch {
namespace {

__extension__ typedef __int128 Wide;  // NOLINT(modernize-use-using)

Pence Sum(const std::array<Pence, kNationCount>& parts) {
  return std::accumulate(parts.begin(), parts.end(), Pence{0});
}

TEST(NationTest, NamesRoundTrip) {
  for (int n = 0; n < kNationCount; ++n) {
    EXPECT_EQ(NationFromName(NationName(static_cast<Nation>(n))), static_cast<Nation>(n));
  }
  EXPECT_EQ(NationName(Nation::kNorthernIreland), "northern_ireland");
  EXPECT_FALSE(NationFromName("England"));
  EXPECT_FALSE(NationFromName(""));
}

TEST(NationTest, DefaultSharesPutEverythingInUnknown) {
  const NationShares unknown;
  EXPECT_TRUE(unknown.unknown_only());
  EXPECT_EQ(SplitByShares(12345, unknown), (std::array<Pence, 5>{0, 0, 0, 0, 12345}));
}

TEST(NationTest, LargestRemaindersTakeTheLeftOverPence) {
  // Thirds: 100 = 33.33 + 33.33 + 33.34 (parts 3333, 3333, 3334): floors 33, 33, 33; the one
  // penny left goes to the largest remainder (wales, 0.34 of a penny).
  const NationShares thirds{{3333, 3333, 3334, 0, 0}};
  EXPECT_EQ(SplitByShares(100, thirds), (std::array<Pence, 5>{33, 33, 34, 0, 0}));
  // Equal remainders: ties go to the earlier nation.
  const NationShares halves{{5000, 5000, 0, 0, 0}};
  EXPECT_EQ(SplitByShares(1, halves), (std::array<Pence, 5>{1, 0, 0, 0, 0}));
  EXPECT_EQ(SplitByShares(-1, halves), (std::array<Pence, 5>{-1, 0, 0, 0, 0}));
}

TEST(NationTest, PartsAlwaysSumToTheAmountAndMirrorUnderNegation) {
  std::mt19937_64 rng(15);
  for (int i = 0; i < 20000; ++i) {
    NationShares s{{0, 0, 0, 0, 0}};
    int left = NationShares::kWhole;
    for (int n = 0; n < kNationCount - 1; ++n) {
      const int p = static_cast<int>(rng() % (left + 1));
      s.parts[n] = static_cast<std::uint16_t>(p);
      left -= p;
    }
    s.parts[kNationCount - 1] = static_cast<std::uint16_t>(left);
    const Pence amount = static_cast<Pence>(rng() % 10'000'000'000ULL);
    const auto parts = SplitByShares(amount, s);
    ASSERT_EQ(Sum(parts), amount);
    const auto negated = SplitByShares(-amount, s);
    for (int n = 0; n < kNationCount; ++n) {
      ASSERT_EQ(negated[n], -parts[n]);
      if (s.parts[n] == 0) {
        ASSERT_EQ(parts[n], 0);
      }
      // Each part is within a penny of the exact share.
      const Wide exact = static_cast<Wide>(amount) * s.parts[n];
      ASSERT_LE(static_cast<Wide>(parts[n]) * NationShares::kWhole - exact,
                static_cast<Wide>(NationShares::kWhole));
    }
  }
}

TEST(NationTest, ExtremeAmountsDoNotOverflow) {
  const NationShares s{{2500, 2500, 2500, 2500, 0}};
  for (Pence a : {std::numeric_limits<Pence>::max(), std::numeric_limits<Pence>::min()}) {
    const auto parts = SplitByShares(a, s);
    Wide sum = 0;
    for (Pence p : parts) sum += p;
    EXPECT_EQ(sum, static_cast<Wide>(a));
  }
}

}  // namespace
}  // namespace adwatch
