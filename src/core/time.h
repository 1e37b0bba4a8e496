// Event time: seconds since the Unix epoch (UTC), parsing of registry timestamps, and an
// injectable clock. Parsers are pure and thread-safe; they never throw.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace adwatch {

using EpochSeconds = std::int64_t;

/// RFC 3339 date-time with a `Z` or `±hh:mm` offset; fractional seconds are truncated.
/// Also accepts the Ad Library's older `2019-05-13T15:30:13+0000`. Rejects anything else,
/// including out-of-range fields (month 13, 25:00, Feb 30) and leap seconds (`23:59:60`):
/// registries stamp POSIX time, which has none, and a :60 has no epoch second of its own.
std::optional<EpochSeconds> ParseTimestamp(std::string_view text);

/// `YYYY-MM-DD` (midnight UTC) or any form ParseTimestamp accepts.
std::optional<EpochSeconds> ParseDateOrTimestamp(std::string_view text);

/// `YYYY-MM-DDThh:mm:ssZ`.
std::string FormatTimestamp(EpochSeconds t);

/// Days since epoch for a civil date (proleptic Gregorian); exposed for tests and the simulator.
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d);

/// Wall clock, injected wherever the present moment matters (future-timestamp checks, event
/// delay). Implementations must be thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual EpochSeconds Now() const = 0;
};

/// The real clock.
class SystemClock final : public Clock {
 public:
  EpochSeconds Now() const override;
};

/// A clock that only moves when told; for tests. Not thread-safe to Set while read.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(EpochSeconds now) : now_(now) {}
  EpochSeconds Now() const override { return now_; }
  void Set(EpochSeconds now) { now_ = now; }

 private:
  EpochSeconds now_;
};

}  // namespace adwatch
