// An embedded Kafka-protocol cluster on loopback: librdkafka's mock cluster, hosted by a private
// producer handle. It speaks the real protocol over TCP (produce, fetch, consumer groups,
// idempotent producer) on 127.0.0.1 with ephemeral ports, for `adwatch kafka`, the demo and
// tests. Limits of the mock (DOMAIN.md): each partition keeps only its newest ~5 MiB, no
// retention/compaction, no SASL/SSL, read_committed not emulated.
//
// Thread-safety: Start() and the accessors may be called from any thread; the mock handle is
// thread-safe per librdkafka (fault injection from test threads is fine). The destructor tears
// the cluster down; clients still connected see their connections close.
#pragma once

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <memory>
#include <string>
#include <vector>

namespace adwatch {

class EmbeddedKafka {
 public:
  struct Options {
    int brokers = 1;
    int partitions = 4;
    std::vector<std::string> topics = {"adwatch.observations"};
  };

  /// Starts the cluster and creates `topics` with `partitions` partitions each (replication
  /// min(brokers, 3)). Returns null and sets `*error` when brokers or partitions are not in
  /// [1, 1000], a topic name is empty, or librdkafka fails.
  static std::unique_ptr<EmbeddedKafka> Start(const Options& options, std::string* error);

  ~EmbeddedKafka();
  EmbeddedKafka(const EmbeddedKafka&) = delete;
  EmbeddedKafka& operator=(const EmbeddedKafka&) = delete;

  /// Comma-separated `127.0.0.1:port` list for `bootstrap.servers`.
  const std::string& bootstrap() const { return bootstrap_; }

  /// The mock cluster, for fault injection (rd_kafka_mock_broker_set_down, …). Owned.
  rd_kafka_mock_cluster_t* mock() const { return mock_; }

  const Options& options() const { return options_; }

 private:
  EmbeddedKafka() = default;

  Options options_;
  rd_kafka_t* host_ = nullptr;
  rd_kafka_mock_cluster_t* mock_ = nullptr;
  std::string bootstrap_;
};

}  // namespace adwatch
