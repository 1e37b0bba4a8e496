#include "source/kafka_consumer.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cstring>
#include <future>
#include <memory>
#include <thread>

#include "core/log.h"
#include "source/kafka_conf.h"

namespace adwatch {
namespace {

constexpr int kWatermarkTimeoutMs = 5000;

std::vector<std::int32_t> Partitions(const rd_kafka_topic_partition_list_t* list) {
  std::vector<std::int32_t> out;
  for (int i = 0; i < list->cnt; ++i) out.push_back(list->elems[i].partition);
  return out;
}

}  // namespace

std::unique_ptr<KafkaConsumer> KafkaConsumer::Create(const ConsumerOptions& options,
                                                     std::string* error) {
  std::unique_ptr<KafkaConsumer> c(new KafkaConsumer());
  c->topic_ = options.topic;
  KafkaProperties props = {
      {"bootstrap.servers", options.brokers},
      {"group.id", options.group},
      {"client.id", "adwatch"},
      {"enable.auto.offset.store", "false"},
      {"enable.auto.commit", "false"},
      {"auto.offset.reset", "error"},
      {"partition.assignment.strategy", "cooperative-sticky"},
      {"enable.partition.eof", "false"},
      // DOMAIN.md (librdkafka #3662): small prefetch queues stall consumers near 100-200k msg/s.
      {"queued.min.messages", "200000"},
      {"queued.max.messages.kbytes", "262144"},
      {"fetch.wait.max.ms", "100"},
      {"session.timeout.ms", "10000"},
      // A rebalance waits this long for members that stopped polling (a dead or stopped one).
      {"max.poll.interval.ms", "30000"},
      {"heartbeat.interval.ms", "1000"},
  };
  props.insert(props.end(), options.properties.begin(), options.properties.end());
  for (const auto& [key, value] : props) {
    if (key == "auto.offset.reset" && (value == "latest" || value == "largest" || value == "end")) {
      *error = "auto.offset.reset=" + value + " would silently skip data; not allowed";
      return nullptr;
    }
  }
  rd_kafka_conf_t* conf = MakeKafkaConf(props, "consumer", error);
  if (conf == nullptr) return nullptr;
  rd_kafka_conf_set_opaque(conf, c.get());
  rd_kafka_conf_set_rebalance_cb(conf, &KafkaConsumer::RebalanceTrampoline);
  c->rk_ = NewKafkaClient(RD_KAFKA_CONSUMER, conf, "consumer", error);
  if (c->rk_ == nullptr) return nullptr;
  rd_kafka_poll_set_consumer(c->rk_);
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, options.topic.c_str(), RD_KAFKA_PARTITION_UA);
  const rd_kafka_resp_err_t err = rd_kafka_subscribe(c->rk_, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    *error = std::string("cannot subscribe to ") + options.topic + ": " + rd_kafka_err2str(err);
    return nullptr;
  }
  return c;
}

KafkaConsumer::~KafkaConsumer() {
  // librdkafka 2.0.2 asserts when a cooperative-sticky consumer that never got an assignment is
  // destroyed (librdkafka #4312, fixed in 2.3.0). Such a handle holds no partitions and no state:
  // leave it to process exit.
  if (!ever_assigned_) return;
  Close();
  if (rk_ != nullptr) rd_kafka_destroy(rk_);
}

void KafkaConsumer::RebalanceTrampoline(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                        rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  (void)rk;
  static_cast<KafkaConsumer*>(opaque)->Rebalance(err, partitions);
}

void KafkaConsumer::Rebalance(rd_kafka_resp_err_t err,
                              rd_kafka_topic_partition_list_t* partitions) {
  const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk_), "COOPERATIVE") == 0;
  const std::vector<std::int32_t> parts = Partitions(partitions);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    ever_assigned_ = true;
    const std::vector<std::int64_t> offsets =
        on_assigned_ ? on_assigned_(parts)
                     : std::vector<std::int64_t>(parts.size(), RD_KAFKA_OFFSET_BEGINNING);
    for (int i = 0; i < partitions->cnt; ++i) {
      const auto n = static_cast<std::size_t>(i);
      partitions->elems[i].offset = offsets[n];
      // A stored offset, or (RD_KAFKA_OFFSET_BEGINNING) a rebuild, which expects offset 0.
      assigned_[parts[n]] =
          offsets[n] >= 0 ? ExpectedOffset{offsets[n], false} : ExpectedOffset{0, true};
    }
    Log(LogLevel::kInfo, "partitions_assigned",
        {{"count", std::to_string(parts.size())}, {"total", std::to_string(assigned_.size())}});
    if (cooperative) {
      rd_kafka_error_t* e = rd_kafka_incremental_assign(rk_, partitions);
      if (e != nullptr) {
        Log(LogLevel::kError, "assign_failed", {{"error", rd_kafka_error_string(e)}});
        rd_kafka_error_destroy(e);
      }
    } else {
      rd_kafka_assign(rk_, partitions);
    }
    return;
  }
  const bool lost = rd_kafka_assignment_lost(rk_) != 0;
  Log(LogLevel::kInfo, lost ? "partitions_lost" : "partitions_revoked",
      {{"count", std::to_string(parts.size())}});
  if (on_revoked_) on_revoked_(parts, lost);
  for (std::int32_t p : parts) assigned_.erase(p);
  last_ = nullptr;  // may point into an erased entry
  if (cooperative) {
    rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk_, partitions);
    if (e != nullptr) rd_kafka_error_destroy(e);
  } else {
    rd_kafka_assign(rk_, nullptr);
  }
}

void KafkaConsumer::Incident(std::int32_t partition, const std::string& why, bool rebuild_helps) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic_.c_str(), partition);
  rd_kafka_pause_partitions(rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
  Log(LogLevel::kError, "partition_incident",
      {{"topic", topic_},
       {"partition", std::to_string(partition)},
       {"why", why},
       {"rebuild_helps", rebuild_helps ? "true" : "false"}});
  if (on_incident_) on_incident_(partition, why, rebuild_helps);
}

bool KafkaConsumer::AcceptGap(std::int32_t partition, const ExpectedOffset& expected,
                              std::int64_t offset) {
  // The low watermark librdkafka cached from the fetch response that delivered this message
  // (Fetch v5+ carries the log start offset), so at least as new as the message; asked of the
  // broker only when unknown. Under read_committed an exactly-once producer leaves a gap per
  // transaction, so the common case must not cost a round trip.
  std::int64_t low = -1;
  std::int64_t high = -1;
  rd_kafka_resp_err_t err =
      rd_kafka_get_watermark_offsets(rk_, topic_.c_str(), partition, &low, &high);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR || low < 0) {
    err = rd_kafka_query_watermark_offsets(rk_, topic_.c_str(), partition, &low, &high,
                                           kWatermarkTimeoutMs);
  }
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR || low < 0) {
    Incident(partition,
             "offsets " + std::to_string(expected.next) + ".." + std::to_string(offset - 1) +
                 " skipped and the low watermark is unknown (" + rd_kafka_err2str(err) +
                 "): cannot tell markers from lost input",
             false);
    return false;
  }
  if (auto lost = MissingInput(expected, offset, low)) {
    Incident(partition, *lost, false);
    return false;
  }
  long long suppressed = 0;
  if (gap_log_.Allow(&suppressed)) {
    Log(LogLevel::kInfo, "offset_gap",
        {{"partition", std::to_string(partition)},
         {"expected", std::to_string(expected.next)},
         {"got", std::to_string(offset)},
         {"low_watermark", std::to_string(low)},
         {"why", "transaction markers or aborted records"},
         {"suppressed", std::to_string(suppressed)}});
  }
  return true;
}

bool KafkaConsumer::RestartFromBeginning(std::int32_t partition) {
  // A partition stopped by an offset error does not take a seek reliably (librdkafka 2.0.2):
  // take it out of the assignment and assign it again at the earliest offset.
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic_.c_str(), partition)->offset =
      RD_KAFKA_OFFSET_BEGINNING;
  std::string failure;
  if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk_, list)) {
    failure = rd_kafka_error_string(e);
    rd_kafka_error_destroy(e);
  } else if (rd_kafka_error_t* e2 = rd_kafka_incremental_assign(rk_, list)) {
    failure = rd_kafka_error_string(e2);
    rd_kafka_error_destroy(e2);
  } else {
    rd_kafka_resume_partitions(rk_, list);
  }
  rd_kafka_topic_partition_list_destroy(list);
  if (!failure.empty()) {
    Log(LogLevel::kError, "restart_failed",
        {{"partition", std::to_string(partition)}, {"error", failure}});
    return false;
  }
  assigned_[partition] = ExpectedOffset{0, true};
  return true;
}

void KafkaConsumer::CommitOffsets(const std::map<std::int32_t, std::int64_t>& next_offsets) {
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(next_offsets.size()));
  for (const auto& [partition, offset] : next_offsets) {
    if (assigned_.count(partition) && offset >= 0) {
      rd_kafka_topic_partition_list_add(list, topic_.c_str(), partition)->offset = offset;
    }
  }
  if (list->cnt > 0) rd_kafka_commit(rk_, list, 1);  // async, best effort
  rd_kafka_topic_partition_list_destroy(list);
}

bool KafkaConsumer::Poll(int timeout_ms, const Handler& handler) {
  rd_kafka_message_t* msg = rd_kafka_consumer_poll(rk_, timeout_ms);
  if (msg == nullptr) return false;
  const std::int32_t partition = msg->partition;
  if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    const bool out_of_range = msg->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET ||
                              msg->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE;
    if (out_of_range && msg->rkt != nullptr && assigned_.count(partition)) {
      Incident(partition, std::string("offset out of range: ") + rd_kafka_message_errstr(msg),
               true);
    } else {
      long long suppressed = 0;
      if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF && error_log_.Allow(&suppressed)) {
        Log(LogLevel::kWarn, "kafka_error",
            {{"error", rd_kafka_message_errstr(msg)},
             {"code", rd_kafka_err2name(msg->err)},
             {"partition", std::to_string(partition)},
             {"suppressed", std::to_string(suppressed)}});
      }
    }
    rd_kafka_message_destroy(msg);
    return false;
  }
  // Messages come in runs of one partition: the last entry looked up is usually the one.
  if (last_ == nullptr || last_partition_ != partition) {
    const auto it = assigned_.find(partition);
    last_ = it == assigned_.end() ? nullptr : &it->second;
    last_partition_ = partition;
  }
  ExpectedOffset* const expected = last_;
  // A partition no longer ours (revoked, or the whole assignment lost while this process was
  // stopped): its prefetched messages belong to the new owner.
  if (expected == nullptr || rd_kafka_assignment_lost(rk_) != 0) {
    rd_kafka_message_destroy(msg);
    return false;
  }
  if (msg->offset < expected->next) {  // already applied (a re-fetch): never apply twice
    rd_kafka_message_destroy(msg);
    return false;
  }
  if (msg->offset > expected->next && !AcceptGap(partition, *expected, msg->offset)) {
    rd_kafka_message_destroy(msg);
    return false;
  }
  InputRecord record;
  record.topic = topic_;
  record.partition = partition;
  record.offset = msg->offset;
  if (msg->key != nullptr) record.key = {static_cast<const char*>(msg->key), msg->key_len};
  if (msg->payload != nullptr) record.value = {static_cast<const char*>(msg->payload), msg->len};
  handler(record);
  *expected = ExpectedOffset{msg->offset + 1, false};
  rd_kafka_message_destroy(msg);
  return true;
}

std::map<std::int32_t, std::int64_t> KafkaConsumer::Lags() const {
  std::map<std::int32_t, std::int64_t> out;
  for (const auto& [partition, expected] : assigned_) {
    int64_t low = 0, high = 0;
    if (rd_kafka_get_watermark_offsets(rk_, topic_.c_str(), partition, &low, &high) !=
            RD_KAFKA_RESP_ERR_NO_ERROR ||
        high < 0) {
      out[partition] = -1;
      continue;
    }
    out[partition] = std::max<std::int64_t>(0, high - std::max(expected.next, low));
  }
  return out;
}

void KafkaConsumer::Close() {
  if (closed_ || rk_ == nullptr || !ever_assigned_) return;  // see the destructor
  closed_ = true;
  rd_kafka_consumer_close(rk_);  // revokes (the callback persists) and leaves the group
}

// The bounded close: rd_kafka_consumer_close_queue() runs the same close in the background and
// forwards its events (the revoke) to a queue served here until the close completes or the
// limit passes.
bool KafkaConsumer::CloseWithin(std::chrono::milliseconds limit) {
  if (closed_ || rk_ == nullptr || !ever_assigned_) return true;  // see the destructor
  closed_ = true;
  const auto start = std::chrono::steady_clock::now();
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk_);
  rd_kafka_error_t* error = rd_kafka_consumer_close_queue(rk_, queue);
  bool done = error == nullptr;
  if (error != nullptr) {
    Log(LogLevel::kWarn, "consumer_close_failed", {{"error", rd_kafka_error_string(error)}});
    rd_kafka_error_destroy(error);
  }
  while (done && rd_kafka_consumer_closed(rk_) == 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        start + limit - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      done = false;
      break;
    }
    // The close forwards the group's queue here: the revoke comes as an event (handled as the
    // rebalance callback would), prefetched messages too (dropped: the state is checkpointed
    // and resumes before them). rd_kafka_queue_poll_callback() would assert on the messages.
    rd_kafka_event_t* event =
        rd_kafka_queue_poll(queue, static_cast<int>(std::min<long long>(left.count(), 100)));
    if (event == nullptr) continue;
    if (rd_kafka_event_type(event) == RD_KAFKA_EVENT_REBALANCE) {
      Rebalance(rd_kafka_event_error(event), rd_kafka_event_topic_partition_list(event));
    }
    rd_kafka_event_destroy(event);
  }
  rd_kafka_queue_destroy(queue);
  if (done) return true;
  Log(LogLevel::kWarn, "consumer_close_abandoned",
      {{"close_timeout_ms", std::to_string(limit.count())},
       {"why",
        "the group coordinator did not answer in time; the state is checkpointed and the group "
        "frees the partitions after its session timeout"}});
  DestroyWithoutClose(kDestroyGrace);
  return false;
}

namespace {
// Handles whose destruction did not finish in time (their threads still run): the process
// must end without running static destructors under them (KafkaConsumer::AbandonedHandles).
std::atomic<int> abandoned_handles{0};
}  // namespace

int KafkaConsumer::AbandonedHandles() { return abandoned_handles.load(); }

// Even without the close, rd_kafka_destroy() waits for the group's termination, which can wait
// on the same coordinator: it runs on its own thread, given `limit`, then left behind.
void KafkaConsumer::DestroyWithoutClose(std::chrono::milliseconds limit) {
  rd_kafka_t* rk = rk_;
  rk_ = nullptr;
  auto destroyed = std::make_shared<std::promise<void>>();
  std::future<void> finished = destroyed->get_future();
  std::thread([rk, destroyed] {
    rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    destroyed->set_value();
  }).detach();
  if (finished.wait_for(limit) == std::future_status::ready) return;
  abandoned_handles.fetch_add(1);
  Log(LogLevel::kWarn, "consumer_destroy_abandoned",
      {{"waited_ms", std::to_string(limit.count())}});
}

}  // namespace adwatch
