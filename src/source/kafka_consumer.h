// A consumer-group member reading the observations topic with librdkafka (C API), one message
// at a time (DOMAIN.md: batch consume has known issues), cooperative-sticky assignment.
// Where each assigned partition starts is the application's choice (the offset its persisted
// state reflects, or the beginning), never the group's committed offset; offsets are still
// committed for visibility. `auto.offset.reset` is `error`: an out-of-range offset is an
// incident (the partition is paused and reported), never a silent skip. A gap in offsets is
// normal (transaction markers, aborted records under read_committed) unless the partition's low
// watermark shows that records the state expects were deleted (source/offset_continuity.h): then
// it is an incident that a rebuild cannot cure.
// Messages of a partition whose assignment was lost (session timeout, zombie) are dropped.
// Thread-safety: all calls from one thread; the callbacks run inside Poll.
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/log.h"
#include "source/input_record.h"
#include "source/offset_continuity.h"

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
  /// Returns the offset to start each newly assigned partition at (RD_KAFKA_OFFSET_BEGINNING
  /// for the earliest retained one).
  using AssignCallback = std::function<std::vector<std::int64_t>(const std::vector<std::int32_t>&)>;
  /// (revoked partitions, lost): revoked ones are still owned during the call.
  using RevokeCallback = std::function<void(const std::vector<std::int32_t>&, bool lost)>;
  /// `rebuild_helps`: false when the input itself is lost (replaying cannot recover it).
  using IncidentCallback =
      std::function<void(std::int32_t partition, const std::string& why, bool rebuild_helps)>;

  /// Creates the consumer and subscribes. nullptr and `error` on bad properties.
  static std::unique_ptr<KafkaConsumer> Create(const ConsumerOptions& options, std::string* error);
  ~KafkaConsumer();
  KafkaConsumer(const KafkaConsumer&) = delete;
  KafkaConsumer& operator=(const KafkaConsumer&) = delete;

  /// Called when partitions are assigned / revoked or lost (before they are given up), and
  /// when a partition hits an incident (after it is paused).
  void OnAssigned(AssignCallback cb) { on_assigned_ = std::move(cb); }
  void OnRevoked(RevokeCallback cb) { on_revoked_ = std::move(cb); }
  void OnIncident(IncidentCallback cb) { on_incident_ = std::move(cb); }

  /// Restarts a partition (after an incident) from its earliest retained offset.
  bool RestartFromBeginning(std::int32_t partition);
  /// Commits the given next offsets to the group (informational; resumes use local state).
  void CommitOffsets(const std::map<std::int32_t, std::int64_t>& next_offsets);

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
  /// Close() bounded by `limit`: with the brokers gone, librdkafka's close can retry the
  /// coordinator query forever (librdkafka #3740). Past the limit the close is abandoned and
  /// the handle destroyed without it (RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE), that too bounded
  /// (kDestroyGrace); the group notices the member's departure by its session timeout. True
  /// when the close completed in time. Callers checkpoint first: nothing depends on the close.
  bool CloseWithin(std::chrono::milliseconds limit);
  static constexpr std::chrono::milliseconds kDestroyGrace{1000};
  /// Handles whose destruction is still blocked in librdkafka after kDestroyGrace: the process
  /// should then end with std::_Exit (no static destructors under librdkafka's threads).
  static int AbandonedHandles();

 private:
  KafkaConsumer() = default;
  static void RebalanceTrampoline(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                  rd_kafka_topic_partition_list_t* partitions, void* opaque);
  void Rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);

  rd_kafka_t* rk_ = nullptr;
  std::string topic_;
  std::map<std::int32_t, ExpectedOffset> assigned_;  // partition -> what its state expects
  // The entry of assigned_ Poll looked up last (nullptr: none; reset whenever entries are
  // erased, since map nodes are stable otherwise).
  ExpectedOffset* last_ = nullptr;
  std::int32_t last_partition_ = -1;
  AssignCallback on_assigned_;
  RevokeCallback on_revoked_;
  IncidentCallback on_incident_;
  void Incident(std::int32_t partition, const std::string& why, bool rebuild_helps);
  /// A delivered offset beyond the expected one: true to apply it (only markers or aborted
  /// records in between), false after raising the incident (input lost).
  bool AcceptGap(std::int32_t partition, const ExpectedOffset& expected, std::int64_t offset);
  void DestroyWithoutClose(std::chrono::milliseconds limit);
  bool closed_ = false;
  bool ever_assigned_ = false;
  LogRateLimiter error_log_{5};
  LogRateLimiter gap_log_{5};
};

}  // namespace adwatch
