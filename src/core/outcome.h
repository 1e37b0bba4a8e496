// What became of one input message: exactly one outcome each (SPEC §2.3).
#pragma once

#include <cstdint>
#include <string_view>

namespace adwatch {

// kHeld: dated too far ahead of its partition's event time; kept aside and applied once the
// stream corroborates that time (README "What the figures mean"). Its one outcome is `held`.
enum class Outcome : std::uint8_t { kApplied, kDuplicate, kStale, kLate, kRejected, kHeld };
inline constexpr int kOutcomeCount = 6;
inline constexpr std::string_view kOutcomeNames[kOutcomeCount] = {"applied", "duplicate", "stale",
                                                                  "late",    "rejected",  "held"};
inline std::string_view OutcomeName(Outcome o) { return kOutcomeNames[static_cast<int>(o)]; }

}  // namespace adwatch
