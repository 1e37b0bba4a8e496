// Money in integer minor units (pence for GBP). Nothing in adwatch sums money as a double.
#pragma once

#include <cstdint>

namespace adwatch {

/// An amount in minor units of the reporting currency (pence). Signed so that registry
/// corrections (a bound going down) can be represented; never a double.
using Pence = std::int64_t;

inline constexpr Pence kPencePerPound = 100;

/// A registry's lifetime-cumulative spend bucket for one ad, in pence.
/// `open_ended` is true for the top bucket (no upper bound): `upper` then equals `lower`.
struct SpendRange {
  Pence lower = 0;
  Pence upper = 0;
  bool open_ended = false;

  /// (lower + upper) / 2; exact, because bounds are whole pounds (even numbers of pence).
  /// Rounds toward negative infinity if ever given odd pence.
  [[nodiscard]] Pence Mid() const {
    const Pence sum = lower + upper;
    return sum >= 0 ? sum / 2 : -((-sum + 1) / 2);
  }
  friend bool operator==(const SpendRange&, const SpendRange&) = default;
};

/// The three bounds exported for every spend figure (`bound` label).
enum class Bound : std::uint8_t { kLower = 0, kUpper = 1, kMid = 2 };
inline constexpr int kBoundCount = 3;
inline constexpr const char* kBoundNames[kBoundCount] = {"lower", "upper", "mid"};

/// A figure in all three bounds.
struct Amounts {
  Pence v[kBoundCount] = {0, 0, 0};
  Amounts& operator+=(const Amounts& o) {
    for (int i = 0; i < kBoundCount; ++i) v[i] += o.v[i];
    return *this;
  }
  friend bool operator==(const Amounts&, const Amounts&) = default;
};

}  // namespace adwatch
