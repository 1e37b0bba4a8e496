#include "decode/delivery_regions.h"

#include <algorithm>
#include <array>

namespace adwatch {
namespace {

__extension__ using Wide = unsigned __int128;  // sums and products of 10^18-scaled fractions

bool Space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && Space(s.front())) s.remove_prefix(1);
  while (!s.empty() && Space(s.back())) s.remove_suffix(1);
  return s;
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// `name` equals the lower-case `want` ignoring ASCII case, with every run of whitespace inside
// `name` read as one space.
bool SameName(std::string_view name, std::string_view want) {
  std::size_t i = 0;
  for (std::size_t j = 0; j < name.size(); ++j) {
    char c = name[j];
    if (Space(c)) {
      while (j + 1 < name.size() && Space(name[j + 1])) ++j;
      c = ' ';
    }
    if (i >= want.size() || Lower(c) != want[i]) return false;
    ++i;
  }
  return i == want.size();
}

constexpr std::array<std::string_view, 4> kUkNames{"england", "scotland", "wales",
                                                   "northern ireland"};

}  // namespace

std::optional<Nation> UkNationOfRegion(std::string_view name) {
  name = Trim(name);
  for (std::size_t n = 0; n < kUkNames.size(); ++n) {
    if (SameName(name, kUkNames[n])) return static_cast<Nation>(n);
  }
  return std::nullopt;
}

std::optional<std::uint64_t> ParseFraction(std::string_view text) {
  text = Trim(text);
  const std::size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view frac =
      dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (whole.empty() || (dot != std::string_view::npos && frac.empty())) return std::nullopt;
  std::uint64_t int_part = 0;
  for (const char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    if (c != '0' || int_part != 0) int_part = int_part * 10 + static_cast<std::uint64_t>(c - '0');
    if (int_part > 1) return std::nullopt;
  }
  std::uint64_t value = 0;
  std::uint64_t scale = kFractionOne;
  for (const char c : frac) {
    if (c < '0' || c > '9') return std::nullopt;
    scale /= 10;  // 0 past the 18th decimal: only zeros are allowed there
    if (scale == 0 && c != '0') return std::nullopt;
    value += scale * static_cast<std::uint64_t>(c - '0');
  }
  if (int_part == 1) {
    if (value != 0) return std::nullopt;
    return kFractionOne;
  }
  return value;
}

NationShares SharesFromRegions(std::span<const RegionEntry> entries) {
  const NationShares unusable{};
  if (entries.empty()) return unusable;
  std::array<Wide, kNationCount> value{};
  std::array<bool, kNationCount> seen{};
  Wide total = 0;
  for (const RegionEntry& e : entries) {
    if (!e.usable) return unusable;
    const auto fraction = ParseFraction(e.percentage);
    if (!fraction) return unusable;
    const auto uk = UkNationOfRegion(e.region);
    const int n = static_cast<int>(uk.value_or(Nation::kUnknown));
    if (uk) {
      if (seen[n]) return unusable;
      seen[n] = true;
    }
    value[n] += *fraction;
    total += *fraction;
  }
  // Rounded fractions may sum a little above 1: up to 1.01 they are scaled down. Below 1,
  // what the list does not place is `unknown`.
  constexpr Wide kTolerance = kFractionOne / 100;
  if (total > kFractionOne + kTolerance) return unusable;
  if (total < kFractionOne) {
    value[static_cast<int>(Nation::kUnknown)] += kFractionOne - total;
    total = kFractionOne;
  }
  NationShares shares;
  std::array<Wide, kNationCount> remainder{};
  unsigned given = 0;
  for (int n = 0; n < kNationCount; ++n) {
    const Wide scaled = value[n] * NationShares::kWhole;
    shares.parts[n] = static_cast<std::uint16_t>(scaled / total);
    remainder[n] = scaled % total;
    given += shares.parts[n];
  }
  std::array<int, kNationCount> order{0, 1, 2, 3, 4};
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return remainder[a] > remainder[b]; });
  // The remainders sum to (10,000 - given) * total, each below total: at least that many
  // nations have a non-zero remainder, so a nation with a zero fraction never gets a part.
  for (int i = 0; given < NationShares::kWhole; ++i, ++given) ++shares.parts[order[i]];
  return shares;
}

NationShares SharesFromGeoTargeting(std::string_view included, std::string_view excluded) {
  NationShares shares;  // all unknown
  if (!Trim(excluded).empty()) return shares;
  std::optional<Nation> only;
  std::size_t pos = 0;
  while (pos <= included.size()) {
    std::size_t comma = included.find(',', pos);
    if (comma == std::string_view::npos) comma = included.size();
    const std::string_view item = Trim(included.substr(pos, comma - pos));
    pos = comma + 1;
    if (item.empty() || SameName(item, "united kingdom")) continue;
    const auto uk = UkNationOfRegion(item);
    if (!uk || (only && *only != *uk)) return shares;
    only = uk;
  }
  if (!only) return shares;
  shares.parts = {};
  shares.parts[static_cast<int>(*only)] = NationShares::kWhole;
  return shares;
}

}  // namespace adwatch
