// The `run` job wired together: a Kafka consumer feeding the Pipeline, checkpoints of state and
// offsets, partition restore / rebuild / incidents, and the metrics listener. `demo` runs the
// same Monitor on the embedded cluster.
//
// Partition lifecycle: on assignment a partition is restored from the store and resumes at the
// offset its state reflects; without stored state it is replayed from the earliest retained
// offset (`/readyz` false until caught up). On revoke its state is checkpointed, then dropped;
// on loss (session timeout) it is dropped without applying anything more. An out-of-range
// offset or a gap stops the partition (incident) until the operator restarts with
// `--on-out-of-range=rebuild`, which replays it from the earliest offset. The listener also
// serves the lost-ads API (export/ads_api.h) and the live page (export/live_page.h).
// Thread-safety: Start and Run from one thread; pipeline(), NotReadyReason() and port() from any.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "app/pipeline.h"
#include "config/config.h"
#include "export/http_server.h"
#include "export/live_page.h"
#include "source/dead_letter.h"
#include "source/kafka_consumer.h"

namespace adwatch {

struct MonitorOptions {
  bool rebuild_state = false;         // discard the state store and rebuild everything
  bool rebuild_out_of_range = false;  // incident partitions are rebuilt, not stopped
};

class Monitor {
 public:
  Monitor(const Config& config, const Clock& clock, MonitorOptions options = {});
  ~Monitor();

  /// Opens the state store, starts the listener and joins the consumer group. False with
  /// `error` on failure (corrupted state, listener, Kafka client).
  bool Start(std::string* error);

  /// Consumes until `stop` is set, then checkpoints, commits and leaves the group. Returns false
  /// (with the reason logged) on a fatal error such as a failed checkpoint or corrupted state.
  bool Run(const std::atomic<bool>& stop);

  Pipeline& pipeline() { return pipeline_; }
  /// The listener's bound port (useful with port 0).
  int port() const { return server_ ? server_->port() : 0; }
  /// Why the monitor is not ready, or nullopt.
  std::optional<std::string> NotReadyReason() const;
  /// Every active operational incident (fatal error, partitions stopped or being rebuilt).
  std::vector<std::string> Incidents() const;

 private:
  std::vector<std::int64_t> OnAssigned(const std::vector<std::int32_t>& partitions);
  void OnRevoked(const std::vector<std::int32_t>& partitions, bool lost);
  void OnIncident(std::int32_t partition, const std::string& why);
  void UpdateLag();
  bool CheckpointNow();
  void Fail(const std::string& why);

  Config config_;
  MonitorOptions options_;
  Pipeline pipeline_;
  std::unique_ptr<KafkaConsumer> consumer_;
  std::unique_ptr<DeadLetterProducer> dead_letter_;
  std::unique_ptr<LivePage> live_page_;  // `/` and its JSON; stopped after the server
  std::unique_ptr<HttpServer> server_;
  std::atomic<bool> started_{false};
  std::atomic<bool> failed_{false};

  mutable std::mutex status_mu_;  // guards the three below (read by /readyz)
  std::set<std::int32_t> assigned_;
  std::set<std::int32_t> catching_up_;  // rebuilt from the earliest offset, not caught up yet
  std::map<std::int32_t, std::string> incidents_;
  std::string fatal_;
};

}  // namespace adwatch
