// `adwatch demo`: the embedded default (SPEC §1). An embedded Kafka cluster, the simulated
// UK 2019 campaign streamed into it at `speed` times real time, the real pipeline consuming
// it, the metrics listener, and a live terminal summary.
#pragma once

#include <atomic>
#include <ostream>
#include <string>

namespace adwatch {

struct DemoOptions {
  double duration_seconds = 0;  // 0: until interrupted
  double speed = 20000;         // simulated seconds per wall-clock second
  int ads = 2000;
  std::string listen = "127.0.0.1:9464";
  int partitions = 4;
};

int DemoCommand(const DemoOptions& options, const std::atomic<bool>& stop, std::ostream& out,
                std::ostream& err);

}  // namespace adwatch
