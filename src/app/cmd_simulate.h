// `adwatch simulate`: writes a deterministic synthetic observation stream (JSON Lines) to a file.
#pragma once

#include <ostream>
#include <string>

#include "sim/uk2019_simulator.h"

namespace adwatch {

/// Writes the stream of `options` to `out_path` ("-" = stdout), one JSON object per line.
/// Returns 0 on success, 2 on a usage error (unknown scenario, ads out of range), 1 when the
/// file cannot be written. Errors go to `err`, one line each. Not thread-safe with respect to
/// `err`.
int SimulateCommand(const sim::SimOptions& options, const std::string& out_path, std::ostream& err);

}  // namespace adwatch
