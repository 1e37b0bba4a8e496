#include "app/cmd_run.h"

#include <cstdio>
#include <cstdlib>

#include "app/monitor.h"
#include "source/kafka_consumer.h"

namespace adwatch {

int RunCommand(const Config& config, const MonitorOptions& options, const std::atomic<bool>& stop,
               std::ostream& err) {
  SystemClock clock;
  int code = 0;
  {
    Monitor monitor(config, clock, options);
    std::string error;
    if (!monitor.Start(&error)) {
      err << "adwatch run: " << error << "\n";
      return 1;
    }
    code = monitor.Run(stop) ? 0 : 1;
  }
  if (KafkaConsumer::AbandonedHandles() > 0) {
    // A librdkafka handle is still being torn down on its own threads: end here, without the
    // static destructors that those threads could still reach.
    err.flush();
    std::fflush(nullptr);
    std::_Exit(code);
  }
  return code;
}

}  // namespace adwatch
