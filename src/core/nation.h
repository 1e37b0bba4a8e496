// The UK nations of the per-nation figures (UK election law sets spending limits and
// registration thresholds per nation), and the one rule that splits an amount between them.
// Plain values and pure functions: thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/money.h"

namespace adwatch {

enum class Nation : std::uint8_t { kEngland, kScotland, kWales, kNorthernIreland, kUnknown };
inline constexpr int kNationCount = 5;

/// The `nation` label value: england, scotland, wales, northern_ireland, unknown.
std::string_view NationName(Nation nation);
/// The nation of a label value (as NationName prints it); nullopt for anything else.
std::optional<Nation> NationFromName(std::string_view name);

/// An ad's delivery split over the nations, in parts per ten thousand that sum to 10,000.
/// Default: everything `unknown` (no or unusable region data).
struct NationShares {
  static constexpr std::uint16_t kWhole = 10000;
  std::array<std::uint16_t, kNationCount> parts{0, 0, 0, 0, kWhole};

  bool unknown_only() const { return parts[static_cast<int>(Nation::kUnknown)] == kWhole; }
  friend bool operator==(const NationShares&, const NationShares&) = default;
};

/// Splits `amount` between the nations so that the parts sum to `amount` exactly (README "What
/// the figures mean" → Nations): each nation first gets floor(|amount| * part / 10,000); the
/// units left over (fewer than five) go one each to the nations with the largest remainders,
/// ties to the earlier nation in Nation order. A negative amount is split as its magnitude and
/// negated, so a correction and the increment it undoes split alike. Nations with a zero share
/// always get 0.
std::array<Pence, kNationCount> SplitByShares(Pence amount, const NationShares& shares);

}  // namespace adwatch
