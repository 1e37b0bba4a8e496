// The `run` job wired together: a Kafka consumer feeding the Pipeline, and the metrics listener
// serving its figures. `demo` runs the same Monitor on the embedded cluster.
// Thread-safety: Start and Run from one thread; pipeline(), ready() and port() from any.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "app/pipeline.h"
#include "config/config.h"
#include "export/http_server.h"
#include "source/dead_letter.h"
#include "source/kafka_consumer.h"

namespace adwatch {

class Monitor {
 public:
  Monitor(const Config& config, const Clock& clock);
  ~Monitor();

  /// Starts the listener and joins the consumer group. False with `error` on failure.
  bool Start(std::string* error);

  /// Consumes until `stop` is set, then finishes the message in hand, commits the offsets of
  /// what was applied and leaves the group.
  void Run(const std::atomic<bool>& stop);

  Pipeline& pipeline() { return pipeline_; }
  /// The listener's bound port (useful with port 0).
  int port() const { return server_ ? server_->port() : 0; }
  /// Why the monitor is not ready, or nullopt.
  std::optional<std::string> NotReadyReason() const;

 private:
  void UpdateLag();

  Config config_;
  Pipeline pipeline_;
  std::unique_ptr<KafkaConsumer> consumer_;
  std::unique_ptr<DeadLetterProducer> dead_letter_;
  std::unique_ptr<HttpServer> server_;
  std::atomic<int> assigned_{0};
  std::atomic<bool> started_{false};
};

}  // namespace adwatch
