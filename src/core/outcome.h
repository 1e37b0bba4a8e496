// What became of one input message: exactly one outcome each (SPEC §2.3).
#pragma once

#include <cstdint>
#include <string_view>

namespace adwatch {

enum class Outcome : std::uint8_t { kApplied, kDuplicate, kStale, kLate, kRejected };
inline constexpr int kOutcomeCount = 5;
inline constexpr std::string_view kOutcomeNames[kOutcomeCount] = {"applied", "duplicate", "stale",
                                                                  "late", "rejected"};
inline std::string_view OutcomeName(Outcome o) { return kOutcomeNames[static_cast<int>(o)]; }

}  // namespace adwatch
