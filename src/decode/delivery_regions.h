// The rules that turn a registry's region data into an ad's NationShares (README "What the
// figures mean" → Nations): Meta's `delivery_by_region` (fractions of 1 as decimal strings,
// converted exactly, no floating point) and Google's geo targeting columns. Hostile data never
// fails the message: what cannot be used becomes the `unknown` share.
// Pure functions: thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "core/nation.h"

namespace adwatch {

/// One `{region, percentage}` element as the wire gave it. `usable` is false when the element
/// was not an object, repeated a key, or a member was not a string.
struct RegionEntry {
  std::string_view region;
  std::string_view percentage;
  bool usable = true;
};

/// The UK nation a region name denotes: England, Scotland, Wales, Northern Ireland, compared
/// ASCII case-insensitively after trimming whitespace and collapsing inner runs of whitespace
/// to one space. nullopt for every other name.
std::optional<Nation> UkNationOfRegion(std::string_view name);

/// The scale of an exactly parsed fraction: 1 is kFractionOne.
inline constexpr std::uint64_t kFractionOne = 1'000'000'000'000'000'000ULL;  // 10^18

/// A decimal string `D+` or `D+.D+` (ASCII digits, surrounding whitespace ignored) with a value
/// in [0, 1], in units of 10^-18, exactly. Digits past the 18th decimal must be zeros. nullopt
/// for anything else (signs, exponents, NaN, text, values above 1).
std::optional<std::uint64_t> ParseFraction(std::string_view text);

/// Meta's delivery_by_region as parts per 10,000. The data is unusable — and the result all
/// `unknown` — when the list is empty, any element is unusable or has an unparsable
/// percentage, a UK nation appears twice, or the percentages sum to more than 1.01.
/// Otherwise non-UK regions count toward `unknown`, and so does what a sum below 1 leaves
/// unplaced; with sum S = max(sum, 1), each nation's fraction v is converted by the
/// largest-remainder rule: floor(10,000 * v / S) each, the parts still missing (fewer than
/// five) one each to the largest remainders, ties to the earlier nation in Nation order. The
/// parts always sum to 10,000, and a nation with a zero fraction gets 0.
NationShares SharesFromRegions(std::span<const RegionEntry> entries);

/// SharesFromRegions one element at a time, without collecting them (the decoder's path).
class RegionShares {
 public:
  void Add(const RegionEntry& entry);
  NationShares Finish() const;

 private:
  __extension__ using Wide = unsigned __int128;
  std::array<Wide, kNationCount> value_{};
  Wide total_ = 0;
  std::array<bool, kNationCount> seen_{};
  bool any_ = false;
  bool unusable_ = false;
};

/// Google's geo targeting (`Geo_Targeting_Included`, `Geo_Targeting_Excluded`). Targeting is
/// not delivery, so only one case is definite: the included locations (comma-separated,
/// "United Kingdom" ignored) all name the same UK nation and nothing is excluded → all of it
/// to that nation. Any other targeting → all `unknown`.
NationShares SharesFromGeoTargeting(std::string_view included, std::string_view excluded);

}  // namespace adwatch
