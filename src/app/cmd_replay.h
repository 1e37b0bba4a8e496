// `adwatch replay`: produces observations from JSON Lines files to Kafka (see source/replay.h).
#pragma once

#include <atomic>
#include <ostream>
#include <string>
#include <vector>

#include "source/replay.h"

namespace adwatch {

/// Sends every non-blank line of `files` ("-" = stdin) in order, then flushes and prints one
/// summary line (logfmt) to `out`. Stops reading when `stop` becomes true (what was sent is
/// still flushed). Returns 0 when everything sent was delivered, 2 on usage errors (no files,
/// no brokers/topic, negative rate), 1 on runtime failures (unreadable file, no metadata,
/// delivery errors, flush timeout). Errors go to `err`, one line each.
int ReplayCommand(const ReplayOptions& options, const std::vector<std::string>& files,
                  std::ostream& out, std::ostream& err, const std::atomic<bool>& stop);

}  // namespace adwatch
