// Copies rejected input messages to a dead-letter topic, unchanged, with headers saying why:
// `adwatch-reason`, `adwatch-detail`, `adwatch-topic`, `adwatch-partition`, `adwatch-offset`.
// Asynchronous and bounded: a full local queue or a failed delivery is logged (rate-limited)
// and never blocks or stops the pipeline. Thread-safety: Send from one thread.
#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/log.h"
#include "source/input_record.h"

namespace adwatch {

class DeadLetterProducer {
 public:
  static std::unique_ptr<DeadLetterProducer> Create(
      const std::string& brokers, const std::string& topic,
      const std::vector<std::pair<std::string, std::string>>& properties, std::string* error);
  ~DeadLetterProducer();
  DeadLetterProducer(const DeadLetterProducer&) = delete;
  DeadLetterProducer& operator=(const DeadLetterProducer&) = delete;

  void Send(const InputRecord& record, std::string_view reason, std::string_view detail);

 private:
  DeadLetterProducer() = default;
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);

  rd_kafka_t* rk_ = nullptr;
  std::string topic_;
  LogRateLimiter failures_{5};
};

}  // namespace adwatch
