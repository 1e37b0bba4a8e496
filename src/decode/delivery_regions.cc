#include "decode/delivery_regions.h"

#include <array>

namespace adwatch {
namespace {

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
constexpr std::array<std::uint64_t, 19> kPow10 = [] {
  std::array<std::uint64_t, 19> p{};
  p[0] = 1;
  for (std::size_t i = 1; i < p.size(); ++i) p[i] = p[i - 1] * 10;
  return p;
}();
constexpr std::array<std::string_view, 4> kUkSpelling{"England", "Scotland", "Wales",
                                                      "Northern Ireland"};

}  // namespace

std::optional<Nation> UkNationOfRegion(std::string_view name) {
  // Meta's own spelling first: a plain comparison.
  for (std::size_t n = 0; n < kUkSpelling.size(); ++n) {
    if (name == kUkSpelling[n]) return static_cast<Nation>(n);
  }
  name = Trim(name);
  for (std::size_t n = 0; n < kUkNames.size(); ++n) {
    if (SameName(name, kUkNames[n])) return static_cast<Nation>(n);
  }
  return std::nullopt;
}

std::optional<std::uint64_t> ParseFraction(std::string_view text) {
  text = Trim(text);
  std::size_t i = 0;
  std::uint64_t int_part = 0;
  for (; i < text.size() && text[i] != '.'; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return std::nullopt;
    int_part = int_part * 10 + static_cast<std::uint64_t>(c - '0');
    if (int_part > 1) return std::nullopt;
  }
  if (i == 0) return std::nullopt;  // no whole part
  std::uint64_t frac = 0;
  int digits = 0;  // significant decimals kept, at most 18
  if (i < text.size()) {
    if (++i == text.size()) return std::nullopt;  // "5."
    for (; i < text.size(); ++i) {
      const char c = text[i];
      if (c < '0' || c > '9') return std::nullopt;
      if (digits == 18) {
        if (c != '0') return std::nullopt;  // only zeros past the 18th decimal
        continue;
      }
      frac = frac * 10 + static_cast<std::uint64_t>(c - '0');
      ++digits;
    }
  }
  frac *= kPow10[18 - digits];
  if (int_part == 1) {
    if (frac != 0) return std::nullopt;
    return kFractionOne;
  }
  return frac;
}

void RegionShares::Add(const RegionEntry& e) {
  any_ = true;
  if (unusable_) return;
  const auto fraction = e.usable ? ParseFraction(e.percentage) : std::nullopt;
  if (!fraction) {
    unusable_ = true;
    return;
  }
  const auto uk = UkNationOfRegion(e.region);
  const int n = static_cast<int>(uk.value_or(Nation::kUnknown));
  if (uk) {
    if (seen_[n]) {
      unusable_ = true;
      return;
    }
    seen_[n] = true;
  }
  value_[n] += *fraction;
  total_ += *fraction;
}

NationShares RegionShares::Finish() const {
  const NationShares unusable{};
  if (!any_ || unusable_) return unusable;
  std::array<Wide, kNationCount> value = value_;
  Wide total = total_;
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
    if (total == kFractionOne) {  // the usual case, in 64 bits: v / 10^14
      constexpr std::uint64_t kPart = kFractionOne / NationShares::kWhole;
      const auto v = static_cast<std::uint64_t>(value[n]);
      shares.parts[n] = static_cast<std::uint16_t>(v / kPart);
      remainder[n] = v % kPart;
    } else {
      const Wide scaled = value[n] * NationShares::kWhole;
      shares.parts[n] = static_cast<std::uint16_t>(scaled / total);
      remainder[n] = scaled % total;
    }
    given += shares.parts[n];
  }
  // The remainders sum to (10,000 - given) * total, each below total: at least that many
  // nations have a non-zero remainder, so a nation with a zero fraction never gets a part.
  // One part each by largest remainder, ties to the earlier nation.
  std::array<bool, kNationCount> got{};
  for (; given < NationShares::kWhole; ++given) {
    int best = 0;
    while (got[best]) ++best;
    for (int n = best + 1; n < kNationCount; ++n) {
      if (!got[n] && remainder[n] > remainder[best]) best = n;
    }
    got[best] = true;
    ++shares.parts[best];
  }
  return shares;
}

NationShares SharesFromRegions(std::span<const RegionEntry> entries) {
  RegionShares shares;
  for (const RegionEntry& e : entries) shares.Add(e);
  return shares.Finish();
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
