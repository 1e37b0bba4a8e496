#include "app/cmd_run.h"

#include "app/monitor.h"

namespace adwatch {

int RunCommand(const Config& config, const MonitorOptions& options, const std::atomic<bool>& stop,
               std::ostream& err) {
  SystemClock clock;
  Monitor monitor(config, clock, options);
  std::string error;
  if (!monitor.Start(&error)) {
    err << "adwatch run: " << error << "\n";
    return 1;
  }
  return monitor.Run(stop) ? 0 : 1;
}

}  // namespace adwatch
