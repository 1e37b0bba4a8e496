// A point in time stored in 5 bytes (alignment 1) instead of 8, for per-ad records: 40-bit two's
// complement seconds, ±17,400 years around 1970, which covers every parsed timestamp (years
// 0–9999), and INT64_MIN ("never") as its own value. Reads and writes as EpochSeconds.
// Times outside that range are clamped to it (callers validate stored bytes with Fits).
#pragma once

#include <cstdint>

#include "core/time.h"

namespace adwatch {

class PackedTime {
 public:
  static constexpr EpochSeconds kMin = -(EpochSeconds{1} << 39) + 1;
  static constexpr EpochSeconds kMax = (EpochSeconds{1} << 39) - 1;

  constexpr PackedTime() { Set(INT64_MIN); }
  explicit constexpr PackedTime(EpochSeconds t) { Set(t); }
  constexpr PackedTime& operator=(EpochSeconds t) {
    Set(t);
    return *this;
  }
  constexpr operator EpochSeconds() const {  // NOLINT: reads as the time it stores
    std::uint64_t u = 0;
    for (int i = 4; i >= 0; --i) u = u << 8 | b_[i];
    if (u == kNeverBits) return INT64_MIN;
    // Sign-extend bit 39.
    return static_cast<EpochSeconds>((u ^ kSignBit) - kSignBit);
  }
  /// Whether `t` is stored exactly.
  static constexpr bool Fits(EpochSeconds t) { return t == INT64_MIN || (t >= kMin && t <= kMax); }

 private:
  static constexpr std::uint64_t kSignBit = std::uint64_t{1} << 39;
  static constexpr std::uint64_t kNeverBits = kSignBit;  // -2^39: not a storable time
  constexpr void Set(EpochSeconds t) {
    std::uint64_t u = kNeverBits;
    if (t != INT64_MIN) {
      t = t < kMin ? kMin : t > kMax ? kMax : t;
      u = static_cast<std::uint64_t>(t) & ((std::uint64_t{1} << 40) - 1);
    }
    for (int i = 0; i < 5; ++i, u >>= 8) b_[i] = static_cast<std::uint8_t>(u);
  }
  std::uint8_t b_[5] = {};
};

static_assert(sizeof(PackedTime) == 5 && alignof(PackedTime) == 1);

}  // namespace adwatch
