#include "app/cmd_kafka.h"

#include <chrono>
#include <string>
#include <thread>

namespace adwatch {

int KafkaCommand(const EmbeddedKafka::Options& options, std::ostream& out, std::ostream& err,
                 const std::atomic<bool>& stop) {
  if (options.brokers < 1 || options.partitions < 1 || options.topics.empty()) {
    err << "adwatch kafka: --brokers and --partitions must be >= 1 and at least one topic "
           "given\n";
    return 2;
  }
  std::string error;
  auto kafka = EmbeddedKafka::Start(options, &error);
  if (!kafka) {
    err << "adwatch kafka: " << error << "\n";
    return 1;
  }
  out << kafka->bootstrap() << std::endl;  // first line, flushed: scripts read it
  err << "level=info msg=\"embedded kafka running\" bootstrap=" << kafka->bootstrap()
      << " brokers=" << options.brokers << " partitions=" << options.partitions << " topics=";
  for (std::size_t i = 0; i < options.topics.size(); ++i) {
    err << (i == 0 ? "" : ",") << options.topics[i];
  }
  err << std::endl;
  while (!stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  err << "level=info msg=\"embedded kafka stopping\"" << std::endl;
  return 0;
}

}  // namespace adwatch
