#include "core/nation.h"

#include <algorithm>

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
  const bool negative = amount < 0;
  // The magnitude of INT64_MIN does not fit a Pence, but fits the unsigned wide type.
  const Wide magnitude = negative ? Wide(0) - static_cast<Wide>(amount) : static_cast<Wide>(amount);
  std::array<Wide, kNationCount> out{};
  std::array<std::uint32_t, kNationCount> remainder{};
  Wide given = 0;
  for (int n = 0; n < kNationCount; ++n) {
    const Wide num = magnitude * shares.parts[n];
    out[n] = num / NationShares::kWhole;
    remainder[n] = static_cast<std::uint32_t>(num % NationShares::kWhole);
    given += out[n];
  }
  // Largest remainders first; a stable order keeps ties in Nation order.
  std::array<int, kNationCount> order{0, 1, 2, 3, 4};
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return remainder[a] > remainder[b]; });
  for (int i = 0; given < magnitude && i < kNationCount; ++i) {
    if (shares.parts[order[i]] == 0) continue;
    ++out[order[i]];
    ++given;
  }
  std::array<Pence, kNationCount> parts{};
  for (int n = 0; n < kNationCount; ++n) {
    parts[n] = negative ? static_cast<Pence>(Wide(0) - out[n]) : static_cast<Pence>(out[n]);
  }
  return parts;
}

}  // namespace adwatch
