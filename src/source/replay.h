// A Kafka producer of observation JSON lines (SPEC §2): `adwatch replay` and the demo feed.
//
// Routing: an observation is keyed `<registry>:<ad id>` (Meta `ad.id`, Google `ad.Ad_ID`; a
// not_found observation carries `ad.id`) so that all sightings of one ad land in one partition; a
// `report` line is keyed `<registry>:<advertiser_id>`
// (Java-compatible murmur2 partitioner unless overridden). A `crawl_end` line is produced, with
// a null key, to EVERY partition of the topic (counted at Create() from metadata). A line that
// does not parse, is not an object, or has no usable key is still produced, with a null key, so
// the consumer counts it as a reject. The producer is idempotent (enable.idempotence=true),
// lingers 5 ms, and counts delivery failures from its delivery reports.
//
// Thread-safety: one thread calls Send/SendToPartition/Flush; stats() may be read from any
// thread. Send never throws; on a full local queue it waits (serving delivery reports) until
// there is room.
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace adwatch {

struct ReplayOptions {
  std::string brokers;
  std::string topic = "adwatch.observations";
  /// Messages per second (a crawl_end counts once per partition); 0 = unlimited.
  double rate = 0;
  /// librdkafka properties applied after adwatch's defaults (so they override them).
  std::vector<std::pair<std::string, std::string>> properties;
  /// How long Create() waits for the topic's metadata.
  int metadata_timeout_ms = 10000;
  /// Optional: when set to true, rate pacing stops waiting (Send returns promptly).
  const std::atomic<bool>* stop = nullptr;
};

struct ReplayStats {
  std::int64_t observations = 0;     // observation lines produced with a key
  std::int64_t crawl_ends = 0;       // crawl_end lines (each produced to every partition)
  std::int64_t unkeyed = 0;          // lines produced with a null key (unparsable, no key, …)
  std::int64_t messages = 0;         // Kafka messages enqueued (incl. SendToPartition)
  std::int64_t delivered = 0;        // delivery reports without error
  std::int64_t delivery_errors = 0;  // failed deliveries and messages that could not be enqueued
};

class Replayer {
 public:
  /// Connects, fetches the topic's partition count, and returns null with `*error` set when the
  /// options are invalid (empty brokers/topic, negative rate, bad property) or the topic's
  /// metadata cannot be had within metadata_timeout_ms.
  static std::unique_ptr<Replayer> Create(const ReplayOptions& options, std::string* error);

  /// Flushes for up to 2 s, then closes the producer (unflushed messages are lost: call Flush).
  ~Replayer();
  Replayer(const Replayer&) = delete;
  Replayer& operator=(const Replayer&) = delete;

  /// Produces one line (no trailing newline), routed as described above. False only when a
  /// message could not be enqueued (counted in delivery_errors).
  bool Send(std::string_view json_line);

  /// Produces `value` to `partition` with `key` (empty = null key) as is; for tests that craft
  /// bad input per partition. False when the partition is out of range or enqueueing fails.
  bool SendToPartition(std::string_view value, std::int32_t partition, std::string_view key);

  /// Waits until every enqueued message is delivered or failed; false on timeout.
  bool Flush(int timeout_ms);

  ReplayStats stats() const;
  std::int32_t partitions() const { return partitions_; }
  /// The first delivery error seen, empty if none.
  std::string first_error() const;

  /// The routing key of an observation line, or empty when it has none (or is not an
  /// observation). Exposed for tests.
  static std::string KeyOf(std::string_view json_line, bool* is_crawl_end);

 private:
  Replayer() = default;
  bool Produce(std::string_view value, std::int32_t partition, std::string_view key);
  void Pace();
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);

  ReplayOptions options_;
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_topic_t* rkt_ = nullptr;
  std::int32_t partitions_ = 0;
  std::chrono::steady_clock::time_point pace_start_;
  std::int64_t paced_ = 0;

  std::atomic<std::int64_t> observations_{0}, crawl_ends_{0}, unkeyed_{0}, messages_{0},
      delivered_{0}, delivery_errors_{0};
  mutable std::mutex error_mu_;
  std::string first_error_;
};

}  // namespace adwatch
