// Offset gaps (source/offset_continuity.h and KafkaConsumer): a gap is normal unless the low
// watermark shows deleted input the state still expects. Over the embedded cluster: a rebuild of
// a truncated partition (the mock drops a partition's oldest batches beyond ~5 MiB, which moves
// its log start offset like retention does) and a resume below the low watermark are incidents
// that a rebuild cannot cure; a transactional producer's committed and aborted transactions
// raise none.
//
// What the mock (librdkafka 2.0.2) cannot do: it accepts transactions (InitProducerId,
// AddPartitionsToTxn, EndTxn) but writes no control records and reports no aborted
// transactions, so a read_committed consumer sees neither marker gaps nor filtered aborted
// records there; the gap rule itself is tested on MissingInput.
#include "source/offset_continuity.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "source/embedded_kafka.h"
#include "source/kafka_consumer.h"

namespace adwatch {
namespace {

TEST(MissingInput, GapsAboveTheLowWatermarkAreMarkersOrAbortedRecords) {
  // Resuming at 100: the first record at 130, the log starts at or before 100.
  EXPECT_EQ(MissingInput({100, false}, 130, 0), std::nullopt);
  EXPECT_EQ(MissingInput({100, false}, 130, 100), std::nullopt);
  // A rebuild whose first records are markers: the log still starts at 0.
  EXPECT_EQ(MissingInput({0, true}, 2, 0), std::nullopt);
  // No gap at all: nothing to check, whatever the watermark.
  EXPECT_EQ(MissingInput({100, false}, 100, 500), std::nullopt);
  EXPECT_EQ(MissingInput({0, true}, 0, 0), std::nullopt);
}

TEST(MissingInput, ALowWatermarkAboveTheExpectedOffsetIsLostInput) {
  const auto resumed = MissingInput({100, false}, 130, 101);
  ASSERT_TRUE(resumed.has_value());
  EXPECT_NE(resumed->find("offsets 100..100"), std::string::npos) << *resumed;
  EXPECT_NE(resumed->find("cannot recover"), std::string::npos) << *resumed;
  const auto rebuilt = MissingInput({0, true}, 57, 50);
  ASSERT_TRUE(rebuilt.has_value());
  EXPECT_NE(rebuilt->find("truncated"), std::string::npos) << *rebuilt;
  EXPECT_NE(rebuilt->find("offsets 0..49"), std::string::npos) << *rebuilt;
}

constexpr char kTopic[] = "gaps";

std::unique_ptr<EmbeddedKafka> StartCluster() {
  EmbeddedKafka::Options options;
  options.partitions = 1;
  options.topics = {kTopic};
  std::string error;
  auto cluster = EmbeddedKafka::Start(options, &error);
  EXPECT_NE(cluster, nullptr) << error;
  return cluster;
}

rd_kafka_t* Producer(const std::string& bootstrap, const char* transactional_id) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "linger.ms", "0", errstr, sizeof errstr);
  if (transactional_id != nullptr) {
    EXPECT_EQ(rd_kafka_conf_set(conf, "transactional.id", transactional_id, errstr, sizeof errstr),
              RD_KAFKA_CONF_OK);
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  EXPECT_NE(rk, nullptr) << errstr;
  return rk;
}

void Produce(rd_kafka_t* rk, const std::string& value, int count) {
  rd_kafka_topic_t* topic = rd_kafka_topic_new(rk, kTopic, nullptr);
  ASSERT_NE(topic, nullptr);
  for (int i = 0; i < count; ++i) {
    ASSERT_EQ(rd_kafka_produce(topic, 0, RD_KAFKA_MSG_F_COPY, const_cast<char*>(value.data()),
                               value.size(), nullptr, 0, nullptr),
              0)
        << rd_kafka_err2str(rd_kafka_last_error());
    rd_kafka_poll(rk, 0);
  }
  rd_kafka_topic_destroy(topic);
}

void ExpectOk(rd_kafka_error_t* error) {
  EXPECT_EQ(error, nullptr) << rd_kafka_error_string(error);
  if (error != nullptr) rd_kafka_error_destroy(error);
}

struct Incident {
  std::string why;
  bool rebuild_helps = true;
};

// A KafkaConsumer whose partition 0 starts at `start` (RD_KAFKA_OFFSET_BEGINNING: a rebuild),
// polled until `done` or 30 s.
class ConsumerRun {
 public:
  ConsumerRun(const EmbeddedKafka& cluster, std::int64_t start) {
    std::string error;
    static int group = 0;
    consumer_ = KafkaConsumer::Create(
        ConsumerOptions{cluster.bootstrap(), "gaps-" + std::to_string(++group), kTopic, {}},
        &error);
    EXPECT_NE(consumer_, nullptr) << error;
    consumer_->OnAssigned([start](const std::vector<std::int32_t>& parts) {
      return std::vector<std::int64_t>(parts.size(), start);
    });
    consumer_->OnIncident([this](std::int32_t, const std::string& why, bool rebuild_helps) {
      incidents.push_back({why, rebuild_helps});
    });
  }
  template <typename Done>
  void PollUntil(Done done, int seconds = 30) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      consumer_->Poll(100, [this](const InputRecord& r) {
        offsets.push_back(r.offset);
        values.emplace_back(r.value);
      });
    }
  }
  KafkaConsumer& consumer() { return *consumer_; }

  std::vector<std::int64_t> offsets;
  std::vector<std::string> values;
  std::vector<Incident> incidents;

 private:
  std::unique_ptr<KafkaConsumer> consumer_;
};

std::int64_t LowWatermark(const EmbeddedKafka& cluster) {
  rd_kafka_t* rk = Producer(cluster.bootstrap(), nullptr);
  std::int64_t low = -1, high = -1;
  EXPECT_EQ(rd_kafka_query_watermark_offsets(rk, kTopic, 0, &low, &high, 10000),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(rk);
  return low;
}

// ~6 MB in 30 messages: the mock keeps ~5 MiB, so the oldest batches go and the log start
// offset moves past 0, as retention would.
void Truncate(const EmbeddedKafka& cluster) {
  rd_kafka_t* rk = Producer(cluster.bootstrap(), nullptr);
  Produce(rk, std::string(200 * 1000, 'x'), 30);
  ASSERT_EQ(rd_kafka_flush(rk, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(rk);
}

TEST(OffsetGaps, ARebuildOfATruncatedPartitionIsAnIncidentNamingIt) {
  auto cluster = StartCluster();
  ASSERT_NE(cluster, nullptr);
  Truncate(*cluster);
  const std::int64_t low = LowWatermark(*cluster);
  ASSERT_GT(low, 0) << "the mock did not truncate";

  ConsumerRun run(*cluster, RD_KAFKA_OFFSET_BEGINNING);
  run.PollUntil([&] { return !run.incidents.empty(); });
  ASSERT_EQ(run.incidents.size(), 1u);
  EXPECT_NE(run.incidents[0].why.find("truncated"), std::string::npos) << run.incidents[0].why;
  EXPECT_NE(run.incidents[0].why.find(std::to_string(low)), std::string::npos);
  EXPECT_FALSE(run.incidents[0].rebuild_helps);
  // The partition is paused: nothing of it is applied, and no second incident.
  run.PollUntil([] { return false; }, 3);
  EXPECT_TRUE(run.offsets.empty());
  EXPECT_EQ(run.incidents.size(), 1u);
}

TEST(OffsetGaps, ResumingBelowTheLowWatermarkIsOutOfRangeThenLostOnRebuild) {
  auto cluster = StartCluster();
  ASSERT_NE(cluster, nullptr);
  Truncate(*cluster);
  const std::int64_t low = LowWatermark(*cluster);
  ASSERT_GT(low, 1);

  // A stored state that expects offset 1: the broker answers out of range (rebuild may help).
  ConsumerRun run(*cluster, 1);
  run.PollUntil([&] { return !run.incidents.empty(); });
  ASSERT_EQ(run.incidents.size(), 1u);
  EXPECT_NE(run.incidents[0].why.find("out of range"), std::string::npos) << run.incidents[0].why;
  EXPECT_TRUE(run.incidents[0].rebuild_helps);
  // The operator's rebuild starts from the earliest offset: the input is lost, and it says so
  // (no rebuild loop).
  ASSERT_TRUE(run.consumer().RestartFromBeginning(0));
  run.PollUntil([&] { return run.incidents.size() >= 2; });
  ASSERT_EQ(run.incidents.size(), 2u);
  EXPECT_NE(run.incidents[1].why.find("truncated"), std::string::npos) << run.incidents[1].why;
  EXPECT_FALSE(run.incidents[1].rebuild_helps);
  EXPECT_TRUE(run.offsets.empty());
}

TEST(OffsetGaps, TransactionalProducerCommittedAndAbortedTransactionsRaiseNoIncident) {
  auto cluster = StartCluster();
  ASSERT_NE(cluster, nullptr);
  rd_kafka_t* rk = Producer(cluster->bootstrap(), "adwatch-test-txn");
  ASSERT_NE(rk, nullptr);
  ExpectOk(rd_kafka_init_transactions(rk, 30000));
  ExpectOk(rd_kafka_begin_transaction(rk));
  Produce(rk, "committed", 5);
  ExpectOk(rd_kafka_commit_transaction(rk, 30000));
  ExpectOk(rd_kafka_begin_transaction(rk));
  Produce(rk, "aborted", 3);
  ASSERT_EQ(rd_kafka_flush(rk, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);  // on the broker, then abort
  ExpectOk(rd_kafka_abort_transaction(rk, 30000));
  ExpectOk(rd_kafka_begin_transaction(rk));
  Produce(rk, "committed", 2);
  ExpectOk(rd_kafka_commit_transaction(rk, 30000));
  rd_kafka_destroy(rk);

  // read_committed (the default). The mock keeps no markers and does not filter aborted
  // records (see the top of this file), so the aborted 3 arrive too and no offset is skipped;
  // against a real broker the markers and the aborted 3 would be gaps, accepted by the rule
  // MissingInput tests above (the log still holds them: low watermark 0).
  ConsumerRun run(*cluster, RD_KAFKA_OFFSET_BEGINNING);
  run.PollUntil([&] { return run.offsets.size() >= 10 || !run.incidents.empty(); });
  EXPECT_TRUE(run.incidents.empty()) << run.incidents[0].why;
  EXPECT_EQ(std::count(run.values.begin(), run.values.end(), "committed"), 7);
  EXPECT_EQ(std::count(run.values.begin(), run.values.end(), "aborted"), 3)
      << "the mock now filters aborted records: extend this test to real gaps";
  for (std::size_t i = 1; i < run.offsets.size(); ++i) {
    EXPECT_GT(run.offsets[i], run.offsets[i - 1]);
  }
}

}  // namespace
}  // namespace adwatch
