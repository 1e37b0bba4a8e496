#include "app/cmd_run.h"

#include "app/monitor.h"

namespace adwatch {

int RunCommand(const Config& config, const std::atomic<bool>& stop, std::ostream& err) {
  SystemClock clock;
  Monitor monitor(config, clock);
  std::string error;
  if (!monitor.Start(&error)) {
    err << "adwatch run: " << error << "\n";
    return 1;
  }
  monitor.Run(stop);
  return 0;
}

}  // namespace adwatch
