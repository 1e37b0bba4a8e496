// `adwatch run`: the main job (SPEC §1). Consumes until `stop`, serving metrics.
#pragma once

#include <atomic>
#include <ostream>

#include "app/monitor.h"
#include "config/config.h"

namespace adwatch {

/// Exit code: 0 after a graceful stop, 1 on a runtime failure (listener, Kafka client).
int RunCommand(const Config& config, const MonitorOptions& options, const std::atomic<bool>& stop,
               std::ostream& err);

}  // namespace adwatch
