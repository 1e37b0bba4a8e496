// `adwatch kafka`: a standalone embedded Kafka-protocol cluster on loopback.
#pragma once

#include <atomic>
#include <ostream>

#include "source/embedded_kafka.h"

namespace adwatch {

/// Starts the cluster, prints its bootstrap address as the first line of `out` (flushed), then
/// a logfmt line to `err`, and runs until `stop` becomes true (polled every 100 ms). Returns 0
/// after a clean stop, 2 on invalid options, 1 when the cluster cannot start.
int KafkaCommand(const EmbeddedKafka::Options& options, std::ostream& out, std::ostream& err,
                 const std::atomic<bool>& stop);

}  // namespace adwatch
