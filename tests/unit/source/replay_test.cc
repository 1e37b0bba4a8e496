#include "source/replay.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "source/embedded_kafka.h"

namespace adwatch {
namespace {

struct Consumed {
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  std::optional<std::string> key;
  std::string value;
};

// A plain librdkafka consumer (manual assignment, no group) reading `expected` messages.
std::vector<Consumed> ConsumeAll(const std::string& bootstrap, const std::string& topic,
                                 int partitions, std::size_t expected) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  EXPECT_EQ(rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), errstr, sizeof(errstr)),
            RD_KAFKA_CONF_OK);
  EXPECT_EQ(rd_kafka_conf_set(conf, "group.id", "replay-test", errstr, sizeof(errstr)),
            RD_KAFKA_CONF_OK);
  EXPECT_EQ(rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof(errstr)),
            RD_KAFKA_CONF_OK);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
  EXPECT_NE(rk, nullptr) << errstr;
  if (rk == nullptr) return {};
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  EXPECT_EQ(rd_kafka_assign(rk, list), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(list);

  std::vector<Consumed> out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (out.size() < expected && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      Consumed c;
      c.partition = m->partition;
      c.offset = m->offset;
      if (m->key != nullptr) c.key = std::string(static_cast<const char*>(m->key), m->key_len);
      c.value.assign(static_cast<const char*>(m->payload), m->len);
      out.push_back(std::move(c));
    }
    rd_kafka_message_destroy(m);
  }
  // Anything beyond `expected` would be a bug: give it a moment to show up.
  for (int i = 0; i < 3; ++i) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ADD_FAILURE() << "unexpected extra message at partition " << m->partition;
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return out;
}

std::unique_ptr<EmbeddedKafka> StartCluster(int partitions, const std::string& topic) {
  EmbeddedKafka::Options options;
  options.partitions = partitions;
  options.topics = {topic};
  std::string error;
  auto kafka = EmbeddedKafka::Start(options, &error);
  EXPECT_NE(kafka, nullptr) << error;
  return kafka;
}

std::string MetaObservation(const std::string& id, const std::string& at) {
  return "{\"kind\":\"observation\",\"registry\":\"meta\",\"observed_at\":\"" + at +
         "\",\"crawl_id\":\"meta-GB-2019-12-09T06\",\"ad\":{\"id\":\"" + id +
         "\",\"page_id\":\"8807334278\",\"spend\":{\"lower_bound\":\"100\",\"upper_bound\":"
         "\"499\"}}}";
}

TEST(EmbeddedKafka, StartsOnLoopbackWithTheRequestedTopics) {
  EmbeddedKafka::Options options;
  options.brokers = 2;
  options.partitions = 3;
  options.topics = {"a.topic", "b.topic"};
  std::string error;
  auto kafka = EmbeddedKafka::Start(options, &error);
  ASSERT_NE(kafka, nullptr) << error;
  EXPECT_EQ(kafka->bootstrap().rfind("127.0.0.1:", 0), 0u) << kafka->bootstrap();
  EXPECT_NE(kafka->bootstrap().find(','), std::string::npos);  // two brokers
  EXPECT_NE(kafka->mock(), nullptr);

  for (const char* topic : {"a.topic", "b.topic"}) {
    ReplayOptions replay;
    replay.brokers = kafka->bootstrap();
    replay.topic = topic;
    auto replayer = Replayer::Create(replay, &error);
    ASSERT_NE(replayer, nullptr) << error;
    EXPECT_EQ(replayer->partitions(), 3);
  }
}

TEST(EmbeddedKafka, RejectsInvalidOptions) {
  std::string error;
  EmbeddedKafka::Options options;
  options.partitions = 0;
  EXPECT_EQ(EmbeddedKafka::Start(options, &error), nullptr);
  EXPECT_NE(error.find("partitions"), std::string::npos);
  options.partitions = 1;
  options.brokers = 0;
  EXPECT_EQ(EmbeddedKafka::Start(options, &error), nullptr);
  EXPECT_NE(error.find("brokers"), std::string::npos);
  options.brokers = 1;
  options.topics = {""};
  EXPECT_EQ(EmbeddedKafka::Start(options, &error), nullptr);
}

TEST(ReplayKeyOf, KeysObservationsByRegistryAndAdId) {
  bool crawl_end = true;
  EXPECT_EQ(Replayer::KeyOf(MetaObservation("461290581348812", "2019-12-09T06:00:00Z"), &crawl_end),
            "meta:461290581348812");
  EXPECT_FALSE(crawl_end);
  // kind defaults to observation; Google rows carry Ad_ID.
  EXPECT_EQ(Replayer::KeyOf(R"({"registry":"google","ad":{"Ad_ID":"CR123","id":"x"}})", &crawl_end),
            "google:CR123");
  // not_found observations carry only ad.id.
  EXPECT_EQ(Replayer::KeyOf(
                R"({"registry":"meta","lookup":"by_id","status":"not_found","ad":{"id":"77"}})",
                &crawl_end),
            "meta:77");
  EXPECT_EQ(Replayer::KeyOf(R"({"kind":"crawl_end","registry":"meta","crawl_id":"c"})", &crawl_end),
            "");
  EXPECT_TRUE(crawl_end);
  // Report rows (a registry's advertiser reports) are keyed by advertiser.
  EXPECT_EQ(
      Replayer::KeyOf(R"({"kind":"report","registry":"google","advertiser_id":"AR1"})", &crawl_end),
      "google:AR1");
  EXPECT_FALSE(crawl_end);
  EXPECT_EQ(Replayer::KeyOf(R"({"kind":"report","registry":"google"})", &crawl_end), "");
  for (const char* bad :
       {"{not json", "[1,2]", "\"str\"", R"({"registry":"meta","ad":{"id":461290581348812}})",
        R"({"registry":"meta","ad":{}})", R"({"ad":{"id":"1"}})",
        R"({"kind":"other","registry":"meta","ad":{"id":"1"}})",
        R"({"kind":5,"registry":"meta","ad":{"id":"1"}})", "{\"registry\":\"m\xff\",\"ad\":{}}",
        ""}) {
    EXPECT_EQ(Replayer::KeyOf(bad, &crawl_end), "") << bad;
    EXPECT_FALSE(crawl_end) << bad;
  }
  // Deep nesting does not crash (iterative parser).
  EXPECT_EQ(Replayer::KeyOf(std::string(200000, '['), &crawl_end), "");
}

TEST(Replayer, RoutesByKeyBroadcastsCrawlEndAndSendsBadLinesUnkeyed) {
  constexpr int kPartitions = 4;
  auto kafka = StartCluster(kPartitions, "adwatch.observations");
  ASSERT_NE(kafka, nullptr);
  ReplayOptions options;
  options.brokers = kafka->bootstrap();
  std::string error;
  auto replayer = Replayer::Create(options, &error);
  ASSERT_NE(replayer, nullptr) << error;
  EXPECT_EQ(replayer->partitions(), kPartitions);

  const std::vector<std::string> ids = {"100000000000001", "100000000000002", "100000000000003",
                                        "100000000000004", "100000000000005", "100000000000006"};
  std::vector<std::string> lines;
  for (int round = 0; round < 3; ++round) {
    for (const auto& id : ids) {
      lines.push_back(MetaObservation(id, "2019-12-09T06:0" + std::to_string(round) + ":00Z"));
    }
  }
  lines.push_back(
      R"({"kind":"observation","registry":"google","observed_at":"2019-12-09T06:05:00Z","ad":{"Ad_ID":"CR42","Advertiser_ID":"AR1"}})");
  lines.push_back(
      R"({"registry":"meta","observed_at":"2019-12-09T06:06:00Z","lookup":"by_id","status":"not_found","ad":{"id":"100000000000001"}})");
  const std::string unparsable = "{\"kind\":\"observation\",\"registry\":\"meta\",\"ad\":";
  const std::string no_id = R"({"kind":"observation","registry":"meta","ad":{"page_id":"1"}})";
  lines.push_back(unparsable);
  lines.push_back(no_id);
  const std::string crawl_end =
      R"({"kind":"crawl_end","registry":"meta","crawl_id":"meta-GB-2019-12-09T06","scope":"GB","started_at":"2019-12-09T06:00:00Z","completed_at":"2019-12-09T06:55:00Z","ads_listed":6})";
  lines.push_back(crawl_end);

  for (const auto& line : lines) EXPECT_TRUE(replayer->Send(line));
  ASSERT_TRUE(replayer->Flush(10000));
  const ReplayStats stats = replayer->stats();
  EXPECT_EQ(stats.observations, 20);  // 18 meta + 1 google + 1 not_found
  EXPECT_EQ(stats.crawl_ends, 1);
  EXPECT_EQ(stats.unkeyed, 2);
  EXPECT_EQ(stats.messages, 20 + 2 + kPartitions);
  EXPECT_EQ(stats.delivered, 20 + 2 + kPartitions);
  EXPECT_EQ(stats.delivery_errors, 0);

  const auto consumed = ConsumeAll(kafka->bootstrap(), "adwatch.observations", kPartitions,
                                   static_cast<std::size_t>(20 + 2 + kPartitions));
  ASSERT_EQ(consumed.size(), static_cast<std::size_t>(20 + 2 + kPartitions));

  std::map<std::string, std::set<std::int32_t>> partitions_of_key;
  std::map<std::string, int> count_of_key;
  std::map<std::int32_t, int> crawl_ends_in;
  std::map<std::int32_t, std::int64_t> crawl_end_offset, last_observation_offset;
  std::vector<std::string> unkeyed_values;
  for (const auto& c : consumed) {
    if (c.value == crawl_end) {
      EXPECT_FALSE(c.key.has_value());
      ++crawl_ends_in[c.partition];
      crawl_end_offset[c.partition] = c.offset;
    } else if (!c.key.has_value()) {
      unkeyed_values.push_back(c.value);
    } else {
      partitions_of_key[*c.key].insert(c.partition);
      ++count_of_key[*c.key];
      last_observation_offset[c.partition] =
          std::max(last_observation_offset[c.partition], c.offset);
    }
  }
  // Same key, same partition; every key as expected.
  EXPECT_EQ(partitions_of_key.size(), ids.size() + 1);
  for (const auto& id : ids) {
    const std::string key = "meta:" + id;
    ASSERT_EQ(partitions_of_key.count(key), 1u) << key;
    EXPECT_EQ(partitions_of_key[key].size(), 1u) << key;
    EXPECT_EQ(count_of_key[key], id == ids[0] ? 4 : 3) << key;
  }
  EXPECT_EQ(count_of_key["google:CR42"], 1);
  // Six keys over four partitions: the keys did spread (murmur2 of these ids).
  std::set<std::int32_t> used;
  for (const auto& [key, parts] : partitions_of_key) used.insert(*parts.begin());
  EXPECT_GE(used.size(), 2u);
  // crawl_end once in every partition, after that partition's observations.
  for (std::int32_t p = 0; p < kPartitions; ++p) {
    EXPECT_EQ(crawl_ends_in[p], 1) << "partition " << p;
    if (last_observation_offset.count(p) != 0) {
      EXPECT_GT(crawl_end_offset[p], last_observation_offset[p]) << "partition " << p;
    }
  }
  std::multiset<std::string> expected_unkeyed = {unparsable, no_id};
  EXPECT_EQ(std::multiset<std::string>(unkeyed_values.begin(), unkeyed_values.end()),
            expected_unkeyed);
}

TEST(Replayer, SendToPartitionWritesExactlyThere) {
  auto kafka = StartCluster(3, "adwatch.observations");
  ASSERT_NE(kafka, nullptr);
  ReplayOptions options;
  options.brokers = kafka->bootstrap();
  std::string error;
  auto replayer = Replayer::Create(options, &error);
  ASSERT_NE(replayer, nullptr) << error;
  EXPECT_TRUE(replayer->SendToPartition("garbage\x01", 2, "meta:1"));
  EXPECT_TRUE(replayer->SendToPartition("{}", 0, ""));
  EXPECT_FALSE(replayer->SendToPartition("x", 3, ""));
  EXPECT_FALSE(replayer->SendToPartition("x", -1, ""));
  ASSERT_TRUE(replayer->Flush(10000));
  const auto consumed = ConsumeAll(kafka->bootstrap(), "adwatch.observations", 3, 2);
  ASSERT_EQ(consumed.size(), 2u);
  for (const auto& c : consumed) {
    if (c.partition == 2) {
      EXPECT_EQ(c.value, "garbage\x01");
      EXPECT_EQ(c.key, std::optional<std::string>("meta:1"));
    } else {
      EXPECT_EQ(c.partition, 0);
      EXPECT_EQ(c.value, "{}");
      EXPECT_FALSE(c.key.has_value());
    }
  }
}

TEST(Replayer, RatePacesMessages) {
  auto kafka = StartCluster(2, "adwatch.observations");
  ASSERT_NE(kafka, nullptr);
  ReplayOptions options;
  options.brokers = kafka->bootstrap();
  options.rate = 100;  // 40 messages: about 0.4 s
  std::string error;
  auto replayer = Replayer::Create(options, &error);
  ASSERT_NE(replayer, nullptr) << error;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(replayer->Send(MetaObservation(std::to_string(1000 + i), "2019-12-09T06:00:00Z")));
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GE(elapsed, 0.3);  // 39 intervals of 10 ms, minus scheduling slack
  EXPECT_LT(elapsed, 10.0);
  ASSERT_TRUE(replayer->Flush(10000));
  EXPECT_EQ(replayer->stats().delivered, 40);
}

TEST(Replayer, StopCutsPacingShort) {
  auto kafka = StartCluster(1, "adwatch.observations");
  ASSERT_NE(kafka, nullptr);
  std::atomic<bool> stop{true};
  ReplayOptions options;
  options.brokers = kafka->bootstrap();
  options.rate = 0.5;  // one message every 2 s, were it not stopped
  options.stop = &stop;
  std::string error;
  auto replayer = Replayer::Create(options, &error);
  ASSERT_NE(replayer, nullptr) << error;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) replayer->Send("{}");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 2.0);
  EXPECT_TRUE(replayer->Flush(10000));
}

TEST(Replayer, CreateFailsWithoutBrokersOrWithABadProperty) {
  std::string error;
  ReplayOptions options;
  EXPECT_EQ(Replayer::Create(options, &error), nullptr);
  EXPECT_NE(error.find("brokers"), std::string::npos);
  options.brokers = "127.0.0.1:1";
  options.properties = {{"no.such.property", "1"}};
  EXPECT_EQ(Replayer::Create(options, &error), nullptr);
  EXPECT_NE(error.find("no.such.property"), std::string::npos);
  options.properties.clear();
  options.rate = -1;
  EXPECT_EQ(Replayer::Create(options, &error), nullptr);
  options.rate = 0;
  options.metadata_timeout_ms = 300;  // nothing listens on port 1
  EXPECT_EQ(Replayer::Create(options, &error), nullptr);
  EXPECT_NE(error.find("metadata"), std::string::npos);
}

}  // namespace
}  // namespace adwatch
