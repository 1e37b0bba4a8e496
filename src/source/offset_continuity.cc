#include "source/offset_continuity.h"

namespace adwatch {

std::optional<std::string> MissingInput(const ExpectedOffset& expected,
                                        std::int64_t first_delivered, std::int64_t low_watermark) {
  if (first_delivered <= expected.next || low_watermark <= expected.next) return std::nullopt;
  const std::string range =
      "offsets " + std::to_string(expected.next) + ".." + std::to_string(low_watermark - 1);
  if (expected.rebuild) {
    return "the topic was truncated: its earliest retained offset is " +
           std::to_string(low_watermark) + ", so a rebuild from it would miss " + range +
           " (retention must keep the whole campaign; a rebuild cannot recover them)";
  }
  return "input lost: the stored state expects offset " + std::to_string(expected.next) +
         " but the earliest retained offset is " + std::to_string(low_watermark) + "; " + range +
         " were deleted before they were applied (a rebuild cannot recover them)";
}

}  // namespace adwatch
