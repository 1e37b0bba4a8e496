// Structured logs: one logfmt event per line on stderr, e.g.
//   ts=2026-11-27T10:00:00Z level=warn event=rejected reason=bad_amount partition=3 offset=17
// Thread-safe (one write per line). Values are quoted and escaped when needed, so input text
// (already short prefixes only) can never break a line.
#pragma once

#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace adwatch {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

using LogField = std::pair<std::string_view, std::string>;

void Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields = {});

/// At most `per_second` events pass each second; the rest are counted and the count is reported
/// on the next event that passes (`suppressed=N`). Thread-safe.
class LogRateLimiter {
 public:
  explicit LogRateLimiter(int per_second) : per_second_(per_second) {}
  /// True when this event may be logged; `suppressed` gets the count skipped since the last one.
  bool Allow(long long* suppressed);

 private:
  int per_second_;
  long long second_ = 0;
  int used_ = 0;
  long long suppressed_ = 0;
  std::mutex mu_;
};

/// A short, printable prefix of untrusted bytes for logs (non-printable as \xNN, max `n` bytes).
std::string Prefix(std::string_view bytes, std::size_t n = 48);

}  // namespace adwatch
