#include "core/nation.h"

namespace adwatch {
namespace {
constexpr std::array<std::string_view, kNationCount> kNames{"england", "scotland", "wales",
                                                            "northern_ireland", "unknown"};
}  // namespace

std::string_view NationName(Nation nation) { return kNames[static_cast<int>(nation)]; }

std::optional<Nation> NationFromName(std::string_view name) {
  for (int n = 0; n < kNationCount; ++n) {
    if (kNames[n] == name) return static_cast<Nation>(n);
  }
  return std::nullopt;
}

std::array<Pence, kNationCount> SplitByShares(Pence amount, const NationShares& shares) {
  __extension__ typedef unsigned __int128 Wide;  // NOLINT(modernize-use-using)
  std::array<Pence, kNationCount> parts{};
  if (amount == 0) return parts;
  const bool negative = amount < 0;
  // The magnitude of INT64_MIN does not fit a Pence, but fits the unsigned wide type.
  const Wide magnitude = negative ? Wide(0) - static_cast<Wide>(amount) : static_cast<Wide>(amount);
  std::array<Wide, kNationCount> out{};
  std::array<std::uint32_t, kNationCount> remainder{};
  Wide given = 0;
  // Below 2^50 the products fit 64 bits (10,000 < 2^14): the same arithmetic, without the slow
  // 128-bit division.
  const bool narrow = magnitude < (Wide(1) << 50);
  for (int n = 0; n < kNationCount; ++n) {
    if (shares.parts[n] == 0) continue;
    if (narrow) {
      const std::uint64_t num = static_cast<std::uint64_t>(magnitude) * shares.parts[n];
      out[n] = num / NationShares::kWhole;
      remainder[n] = static_cast<std::uint32_t>(num % NationShares::kWhole);
    } else {
      const Wide num = magnitude * shares.parts[n];
      out[n] = num / NationShares::kWhole;
      remainder[n] = static_cast<std::uint32_t>(num % NationShares::kWhole);
    }
    given += out[n];
  }
  // The units left (fewer than five), one each by largest remainder, ties to the earlier
  // nation, never to a nation with a zero share.
  std::array<bool, kNationCount> got{};
  while (given < magnitude) {
    int best = -1;
    for (int n = 0; n < kNationCount; ++n) {
      if (shares.parts[n] == 0 || got[n]) continue;
      if (best < 0 || remainder[n] > remainder[best]) best = n;
    }
    if (best < 0) break;
    got[best] = true;
    ++out[best];
    ++given;
  }
  for (int n = 0; n < kNationCount; ++n) {
    parts[n] = negative ? static_cast<Pence>(Wide(0) - out[n]) : static_cast<Pence>(out[n]);
  }
  return parts;
}

}  // namespace adwatch
