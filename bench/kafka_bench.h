// The embedded cluster shared by the Kafka benchmarks, with the simulated stream produced to
// it once. Not thread-safe (benchmarks run on one thread).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "source/embedded_kafka.h"

namespace adwatch::bench {

struct KafkaFixture {
  std::unique_ptr<EmbeddedKafka> cluster;
  std::string topic = "bench.observations";
  int partitions = 64;
  std::size_t lines = 0;         // simulated lines produced (a crawl_end counts once)
  std::int64_t messages = 0;     // messages on the topic: sum of (high - low) watermarks
  std::int64_t trimmed = 0;      // sum of low watermarks: messages the mock dropped (want 0)
  std::int64_t value_bytes = 0;  // sum of produced value sizes
  std::int64_t max_partition_bytes = 0;  // estimated bytes (key + value) of the fullest one
  double produce_seconds = 0;
  std::string error;  // set when the fixture could not be built
};

/// Starts the cluster and produces the stream on first use.
KafkaFixture& Kafka();
/// Tears the cluster down (call before exit).
void ShutdownKafka();

}  // namespace adwatch::bench
