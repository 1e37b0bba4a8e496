#include "core/observation.h"

#include <algorithm>

namespace adwatch {

bool RanWithoutDisclaimer(std::string_view registry, const AdContent& ad) {
  if (registry == "google") return false;
  std::string_view b = ad.bylines;
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!b.empty() && space(b.front())) b.remove_prefix(1);
  while (!b.empty() && space(b.back())) b.remove_suffix(1);
  constexpr std::string_view kPlaceholder = "these ads ran without a disclaimer";
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  return b.empty() || std::equal(b.begin(), b.end(), kPlaceholder.begin(), kPlaceholder.end(),
                                 [&](char x, char y) { return lower(x) == y; });
}

}  // namespace adwatch
