// `adwatch replay`: produces observations from JSON Lines files to Kafka (see source/replay.h).
#pragma once

#include <atomic>
#include <ostream>
#include <string>
#include <vector>

#include "source/replay.h"
#include "source/report_files.h"

namespace adwatch {

/// What the input files are: JSON Lines of messages (default), or a registry's own report file
/// turned into `report` messages (source/report_files.h).
struct ReplayInput {
  std::string format = "jsonl";  // jsonl | google-weekly-spend | meta-report
  ReportFileOptions report;
};

/// Sends every non-blank line of `files` ("-" = stdin) in order, then flushes and prints one
/// summary line (logfmt) to `out`. With a report format every file is parsed first; each row that
/// cannot be read is printed to `err` as `FILE:LINE: why`, counted (`bad_rows=`) and skipped, and
/// the exit code is 1 when there were any. Stops reading when `stop` becomes true (what was sent is
/// still flushed). Returns 0 when everything sent was delivered, 2 on usage errors (no files,
/// no brokers/topic, negative rate), 1 on runtime failures (unreadable file, no metadata,
/// delivery errors, flush timeout). Errors go to `err`, one line each.
int ReplayCommand(const ReplayOptions& options, const std::vector<std::string>& files,
                  std::ostream& out, std::ostream& err, const std::atomic<bool>& stop,
                  const ReplayInput& input = {});

}  // namespace adwatch
