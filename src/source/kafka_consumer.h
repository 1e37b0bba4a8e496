// A consumer-group member reading the observations topic with librdkafka (C API), one message
// at a time (DOMAIN.md: batch consume has known issues). Offsets are stored only after the
// pipeline has handled a message and committed in the background (at-least-once; the state's
// idempotence makes redelivery harmless). Never `auto.offset.reset=latest`.
// Thread-safety: all calls from one thread; the rebalance callbacks run inside Poll.
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/log.h"
#include "source/input_record.h"

namespace adwatch {

struct ConsumerOptions {
  std::string brokers;
  std::string group;
  std::string topic;
  /// librdkafka properties passed through; they override the defaults set here.
  std::vector<std::pair<std::string, std::string>> properties;
};

class KafkaConsumer {
 public:
  using Handler = std::function<void(const InputRecord&)>;
  using PartitionsCallback = std::function<void(const std::vector<std::int32_t>&)>;

  /// Creates the consumer and subscribes. nullptr and `error` on bad properties.
  static std::unique_ptr<KafkaConsumer> Create(const ConsumerOptions& options, std::string* error);
  ~KafkaConsumer();
  KafkaConsumer(const KafkaConsumer&) = delete;
  KafkaConsumer& operator=(const KafkaConsumer&) = delete;

  /// Called when partitions are assigned / revoked or lost (before they are given up).
  void OnAssigned(PartitionsCallback cb) { on_assigned_ = std::move(cb); }
  void OnRevoked(PartitionsCallback cb) { on_revoked_ = std::move(cb); }

  /// Waits up to `timeout_ms` for one message and hands it to `handler`, then stores its
  /// offset. Broker and partition errors are logged, never thrown. True if a message was
  /// handled.
  bool Poll(int timeout_ms, const Handler& handler);

  /// Lag per assigned partition: high watermark minus the next offset to consume (cached
  /// watermarks; -1 when unknown yet).
  std::map<std::int32_t, std::int64_t> Lags() const;

  std::size_t assigned_count() const { return assigned_.size(); }
  const std::string& topic() const { return topic_; }

  /// Commits stored offsets and leaves the group.
  void Close();

 private:
  KafkaConsumer() = default;
  static void RebalanceTrampoline(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                  rd_kafka_topic_partition_list_t* partitions, void* opaque);
  void Rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);

  rd_kafka_t* rk_ = nullptr;
  std::string topic_;
  std::map<std::int32_t, std::int64_t> assigned_;  // partition -> next offset (-1 unknown)
  PartitionsCallback on_assigned_, on_revoked_;
  bool closed_ = false;
  LogRateLimiter error_log_{5};
};

}  // namespace adwatch
