// End to end over the real Kafka protocol: embedded cluster, a generated stream produced as
// `adwatch replay` does, the real pipeline consuming it, /metrics scraped over HTTP and every
// spend figure compared exactly (in pence) with an oracle recomputed from the input.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "app/monitor.h"
#include "core/rapidjson.h"
#include "figures_check.h"
#include "outage_stream.h"
#include "source/embedded_kafka.h"
#include "source/replay.h"
#include "stream_generator.h"
#include "test_support.h"

namespace adwatch {
namespace {

using testing::HttpGet;
using testing::ParseMetrics;
using testing::Pence;
using testing::SampleKey;
using testing::Samples;

constexpr const char* kTopic = "adwatch.observations";
constexpr const char* kDeadLetterTopic = "adwatch.dead-letter";

// A running embedded cluster and a Monitor consuming it in a background thread.
class EndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    kafka_ = EmbeddedKafka::Start({1, 4, {kTopic, kDeadLetterTopic}}, &error);
    ASSERT_TRUE(kafka_) << error;
    config_ = DefaultConfig();
    config_.kafka.brokers = kafka_->bootstrap();
    config_.kafka.group = "it-" + std::to_string(::getpid());
    config_.listen = "127.0.0.1:0";
    ReplayOptions ro;
    ro.brokers = kafka_->bootstrap();
    ro.topic = kTopic;
    ro.properties = {{"message.max.bytes", "10000000"}};
    replayer_ = Replayer::Create(ro, &error);
    ASSERT_TRUE(replayer_) << error;
  }

  void StartMonitor() {
    monitor_ = std::make_unique<Monitor>(config_, clock_);
    std::string error;
    ASSERT_TRUE(monitor_->Start(&error)) << error;
    thread_ = std::thread([this] { monitor_->Run(stop_); });
  }

  void TearDown() override {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    monitor_.reset();
    replayer_.reset();
    kafka_.reset();
  }

  double Handled() {
    double n = 0;
    for (std::int64_t c : monitor_->pipeline().Published()->outcomes) n += static_cast<double>(c);
    return n;
  }

  // Waits until every produced message has exactly one outcome.
  void WaitHandled(double expected) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (Handled() < expected && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_EQ(Handled(), expected);
  }

  Samples Scrape(std::string* text = nullptr) {
    const auto r = HttpGet(monitor_->port(), "/metrics");
    EXPECT_EQ(r.status, 200);
    if (text) *text = r.body;
    return ParseMetrics(r.body);
  }

  SystemClock clock_;
  Config config_;
  std::unique_ptr<EmbeddedKafka> kafka_;
  std::unique_ptr<Replayer> replayer_;
  std::unique_ptr<Monitor> monitor_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

TEST_F(EndToEnd, EveryFigureEqualsTheOracleInPence) {
  const auto messages = testing::GenerateStream(config_, {});
  const auto expected = testing::ComputeExpected(config_, messages);
  // The stream has unattributed spend both with and without a disclaimer.
  ASSERT_GT(expected.no_disclaimer[0], 0);
  ASSERT_LT(expected.no_disclaimer[0], expected.campaign_to_date.back()[0]);
  // Region data: ads in one to four nations, unknown shares, shares that change between
  // sightings, and sightings without region data.
  std::map<std::string, std::set<std::array<int, 5>>> shares_of;
  std::set<int> nations_in_an_ad;
  bool without = false;
  for (const auto& m : messages) {
    if (m.crawl_end) continue;
    without |= !m.nations;
    if (!m.nations) continue;
    shares_of[m.ad].insert(*m.nations);
    nations_in_an_ad.insert(static_cast<int>(
        std::count_if(m.nations->begin(), m.nations->end() - 1, [](int p) { return p > 0; })));
  }
  ASSERT_TRUE(without);
  ASSERT_EQ(nations_in_an_ad, (std::set<int>{0, 1, 2, 3, 4}));
  ASSERT_TRUE(std::any_of(shares_of.begin(), shares_of.end(),
                          [](const auto& kv) { return kv.second.size() > 1; }));
  for (std::size_t n = 0; n < 5; ++n) {
    long long total = 0;
    for (const auto& per_party : expected.nation_campaign_to_date) total += per_party[n][0];
    ASSERT_GT(total, 0) << "nation " << n;
  }
  StartMonitor();
  double produced = 0;
  for (const auto& m : messages) {
    ASSERT_TRUE(replayer_->Send(m.value));
    produced += m.crawl_end ? replayer_->partitions() : 1;
  }
  ASSERT_TRUE(replayer_->Flush(30000));
  ASSERT_EQ(replayer_->stats().delivery_errors, 0);
  WaitHandled(produced);

  std::string text;
  const Samples s = Scrape(&text);
  EXPECT_EQ(s.at(SampleKey("adwatch_watermark_timestamp_seconds", {})),
            static_cast<double>(expected.watermark));
  EXPECT_EQ(s.at(SampleKey("adwatch_events_total", {{"outcome", "rejected"}})), 0);
  EXPECT_GT(s.at(SampleKey("adwatch_events_total", {{"outcome", "duplicate"}})), 0);
  EXPECT_GT(s.at(SampleKey("adwatch_events_total", {{"outcome", "stale"}})), 0);
  EXPECT_GT(s.at(SampleKey("adwatch_events_total", {{"outcome", "late"}})), 0);

  testing::ExpectFiguresEqualOracle(config_, s, expected);

  std::string promtool_output;
  EXPECT_EQ(testing::PromtoolCheckMetrics(text, &promtool_output), 0) << promtool_output;
  EXPECT_EQ(HttpGet(monitor_->port(), "/healthz").status, 200);
  EXPECT_EQ(testing::WaitReady(monitor_->port(), 10), 200);
}

// A registry outage, crawl by crawl: after every crawl_end the registry figures per party equal
// the oracle's, exactly, and /api/v1/ads lists exactly the ads the oracle says are lost.
TEST_F(EndToEnd, RegistryFiguresAndTheLostAdsListEqualTheOracleAfterEveryCrawl) {
  const testing::OutageStream stream = testing::GenerateOutageStream(config_, 150);
  StartMonitor();
  double produced = 0;
  long long most_missing = 0;
  for (size_t c = 0; c < stream.crawls.size(); ++c) {
    SCOPED_TRACE("after crawl " + std::to_string(c));
    for (const std::string& m : stream.crawls[c].messages) {
      ASSERT_TRUE(replayer_->Send(m));
      produced += m.find("\"crawl_end\"") != std::string::npos ? replayer_->partitions() : 1;
    }
    ASSERT_TRUE(replayer_->Flush(30000));
    WaitHandled(produced);

    const testing::RegistryExpected& ex = stream.expected[c];
    const Samples s = Scrape();
    auto get = [&](const std::string& name, const std::string& party) {
      return s.at(SampleKey(name, {{"registry", "meta"}, {"party", party}}));
    };
    long long missing = 0;
    for (size_t e = 0; e <= config_.entities.size(); ++e) {
      const std::string party =
          e < config_.entities.size() ? config_.entities[e].name : std::string("unattributed");
      EXPECT_EQ(get("adwatch_registry_ads_known", party), ex.known[e]) << party;
      EXPECT_EQ(get("adwatch_registry_ads_missing", party), ex.missing[e]) << party;
      EXPECT_EQ(get("adwatch_registry_ads_unlisted", party), ex.unlisted[e]) << party;
      EXPECT_EQ(get("adwatch_registry_ads_removed", party), ex.removed[e]) << party;
      const char* bounds[] = {"lower", "upper", "mid"};
      for (size_t b = 0; b < 3; ++b) {
        EXPECT_EQ(
            Pence(s.at(SampleKey("adwatch_registry_missing_spend_gbp",
                                 {{"registry", "meta"}, {"party", party}, {"bound", bounds[b]}}))),
            ex.missing_spend[e][b])
            << party << " " << bounds[b];
      }
      missing += ex.missing[e];
    }
    most_missing = std::max(most_missing, missing);
    EXPECT_EQ(
        s.at(SampleKey("adwatch_registry_ads_listed", {{"registry", "meta"}, {"scope", "GB"}})),
        ex.ads_listed);
    EXPECT_EQ(s.at(SampleKey("adwatch_registry_last_crawl_end_timestamp_seconds",
                             {{"registry", "meta"}})),
              ex.completed_at);

    // The API: exactly the lost ads, with party, state, name (unescaped) and spend.
    const auto r = HttpGet(monitor_->port(), "/api/v1/ads?limit=1000");
    ASSERT_EQ(r.status, 200);
    rapidjson::Document d;
    d.Parse(r.body.c_str());
    ASSERT_FALSE(d.HasParseError()) << r.body;
    EXPECT_EQ(d["total"].GetUint64(), ex.lost.size());
    std::vector<testing::LostAd> listed;
    for (const auto& a : d["ads"].GetArray()) {
      listed.push_back({a["ad_id"].GetString(), a["party"].GetString(), a["state"].GetString(),
                        a["page_name"].GetString(), a["spend_lower_pence"].GetInt64()});
    }
    std::sort(listed.begin(), listed.end());
    EXPECT_EQ(listed, ex.lost);
    // Filtered by party and state, the API agrees with the per-party figures.
    std::string party;  // the first entity's name, URL-encoded
    for (char ch : config_.entities[0].name) {
      party += std::isalnum(static_cast<unsigned char>(ch))
                   ? std::string(1, ch)
                   : "%" + std::to_string(ch / 16) + "0123456789ABCDEF"[ch % 16];
    }
    const auto unlisted = HttpGet(monitor_->port(), "/api/v1/ads?state=unlisted&party=" + party);
    ASSERT_EQ(unlisted.status, 200) << unlisted.body;
    d.Parse(unlisted.body.c_str());
    EXPECT_EQ(d["total"].GetUint64(), ex.unlisted[0]) << unlisted.body;
  }
  // The outage really hid ads: at its worst over a third of the known ads were lost.
  EXPECT_GE(most_missing * 3, static_cast<long long>(150));
}

// Every kind of bad input is counted under its reason, nothing crashes, and a good message after
// the bad ones in the same partition is applied.
TEST_F(EndToEnd, BadInputIsCountedAndGoodMessagesAfterItAreApplied) {
  config_.kafka.dead_letter_topic = kDeadLetterTopic;
  StartMonitor();
  const std::string page = config_.entities[0].page_ids.at(0);
  const std::string party = config_.entities[0].name;
  auto obs = [&](const std::string& id, const std::string& at, const std::string& lower,
                 const std::string& extra_ad = "", const std::string& extra = "") {
    return "{\"registry\":\"meta\",\"observed_at\":\"" + at + "\"" + extra + ",\"ad\":{\"id\":\"" +
           id + "\",\"page_id\":\"" + page +
           "\",\"page_name\":\"Page\",\"spend\":{\"lower_bound\":\"" + lower +
           "\",\"upper_bound\":\"4999\"}" + extra_ad + "}}";
  };
  struct Bad {
    std::string value;
    const char* reason;
    const char* key = "meta:x";  // empty: a null key
  };
  const std::vector<Bad> bad = {
      {"{\"kind\":\"observation\",\"registry\":\"me", "malformed_json"},
      {std::string(1000000, '['), "too_deep"},
      {"{\"registry\":\"meta\",\"observed_at\":\"2019-12-09T06:00:00Z\",\"ad\":{\"id\":\"1\","
       "\"page_name\":\"\xff\xfe\"}}",
       "bad_encoding"},
      {obs("2", "2019-12-09T06:00:00Z", "123456789012345678901234567890"), "bad_amount"},
      {obs("3", "2019-12-09T06:00:00Z", "1e5"), "bad_amount"},
      {obs("4", "2019-12-09T06:00:00Z", "-5"), "bad_amount"},
      {"{\"registry\":\"meta\",\"ad\":{\"id\":\"5\"}}", "missing_field"},
      {"{\"registry\":\"meta\",\"observed_at\":20191209,\"ad\":{\"id\":\"6\"}}", "bad_type"},
      {"[1,2,3]", "bad_type"},
      {obs("7", "2019-13-45T00:00:00Z", "100"), "bad_timestamp"},
      {obs("8", "2099-01-01T00:00:00Z", "100"), "future_timestamp"},
      {"{\"registry\":\"tiktok\",\"observed_at\":\"2019-12-09T06:00:00Z\",\"ad\":{\"id\":\"9\"}}",
       "unknown_registry"},
      {obs("10", "2019-12-09T06:00:00Z", "100", ",\"currency\":\"XYZ\""), "unknown_currency"},
      {obs("11", "2019-12-09T06:00:00Z", "100", "", ",\"kind\":\"party\""), "unknown_kind"},
      {obs("12", "2019-12-09T06:00:00Z", "100", "", ",\"lookup\":\"sideways\""), "bad_value"},
      // Ad 100's body under another key, with none, under another registry's key: applied, it
      // would move ad 100 to [4000, 4999] (and, on another partition, count it twice).
      {obs("100", "2019-12-09T06:10:00Z", "4000"), "key_mismatch", "meta:999"},
      {obs("100", "2019-12-09T06:10:00Z", "4000"), "key_mismatch", ""},
      {obs("100", "2019-12-09T06:10:00Z", "4000"), "key_mismatch", "google:100"},
      {obs("100", "2019-12-09T06:10:00Z", "4000"), "key_mismatch", "meta:100 "},
      // A crawl_end goes to every partition unkeyed.
      {"{\"kind\":\"crawl_end\",\"registry\":\"meta\",\"crawl_id\":\"c9\",\"scope\":\"GB\","
       "\"started_at\":\"2019-12-09T05:00:00Z\",\"completed_at\":\"2019-12-09T06:00:00Z\"}",
       "key_mismatch", "meta:c9"},
  };
  std::map<std::string, double> want;
  // Partition 0: a good sighting, every bad message, then a good sighting of the same ad.
  ASSERT_TRUE(replayer_->SendToPartition(obs("100", "2019-12-09T06:00:00Z", "100"), 0, "meta:100"));
  for (const Bad& b : bad) {
    ASSERT_TRUE(replayer_->SendToPartition(b.value, 0, b.key));
    want[b.reason] += 1;
  }
  // Control characters and quotes in an advertiser name are fine: applied, not rejected.
  ASSERT_TRUE(
      replayer_->SendToPartition(obs("101", "2019-12-09T06:30:00Z", "0",
                                     ",\"bylines\":\"Evil \\\"quoted\\\" \\u0001\\n name\""),
                                 0, "meta:101"));
  ASSERT_TRUE(
      replayer_->SendToPartition(obs("100", "2019-12-09T07:00:00Z", "1000"), 0, "meta:100"));
  ASSERT_TRUE(replayer_->Flush(30000));
  WaitHandled(static_cast<double>(bad.size()) + 3);

  // Every rejected message was copied, unchanged, to the dead-letter topic with its reason.
  // (Checked before the 5 MB message: the embedded cluster keeps only ~5 MiB per partition.)
  const auto dead = testing::ConsumeTopic(kafka_->bootstrap(), kDeadLetterTopic,
                                          static_cast<size_t>(bad.size()), 60);
  EXPECT_EQ(dead.size(), static_cast<size_t>(bad.size()));
  std::map<std::string, double> dead_reasons;
  for (const auto& m : dead) dead_reasons[m.headers.at("adwatch-reason")] += 1;
  EXPECT_EQ(dead_reasons, want);  // too_large is not in `want` yet
  // Exactly the rejected messages: bad[i] went to partition 0 at offset i + 1, and its copy
  // carries that source, its reason and its bytes unchanged.
  std::set<std::string> offsets;
  for (const auto& m : dead) {
    EXPECT_EQ(m.headers.at("adwatch-topic"), kTopic);
    EXPECT_EQ(m.headers.at("adwatch-partition"), "0");
    const std::string& offset = m.headers.at("adwatch-offset");
    EXPECT_TRUE(offsets.insert(offset).second) << "offset " << offset << " copied twice";
    const std::size_t i = std::stoul(offset) - 1;
    ASSERT_LT(i, bad.size()) << offset;
    EXPECT_EQ(m.value, bad[i].value) << offset;
    EXPECT_EQ(m.headers.at("adwatch-reason"), bad[i].reason) << offset;
    EXPECT_FALSE(m.headers.at("adwatch-detail").empty()) << offset;
  }

  // Partition 3: a 5 MB message, then a good one.
  std::string big = "{\"registry\":\"meta\",\"observed_at\":\"2019-12-09T06:00:00Z\",\"pad\":\"" +
                    std::string(5 * 1000 * 1000, 'x') + "\"}";
  ASSERT_TRUE(replayer_->SendToPartition(big, 3, "meta:big"));
  want["too_large"] += 1;
  ASSERT_TRUE(replayer_->SendToPartition(obs("200", "2019-12-09T08:00:00Z", "500"), 3, "meta:200"));
  ASSERT_TRUE(replayer_->Flush(30000));
  WaitHandled(static_cast<double>(bad.size()) + 5);

  std::string text;
  const Samples s = Scrape(&text);
  double rejected = 0;
  for (const auto& [reason, n] : want) {
    EXPECT_EQ(s.at(SampleKey("adwatch_rejected_total", {{"reason", reason}})), n) << reason;
    rejected += n;
  }
  EXPECT_EQ(s.at(SampleKey("adwatch_events_total", {{"outcome", "rejected"}})), rejected);
  // Ad 100 ends at [1000, 4999]; ad 101 at [0, 4999]; ad 200 at [500, 4999] (no delivery start:
  // each first sighting counts at its own time, all inside the regulated period).
  EXPECT_EQ(Pence(s.at(SampleKey("adwatch_spend_gbp", {{"party", party}, {"bound", "lower"}}))),
            (1000 + 0 + 500) * 100);
  EXPECT_EQ(Pence(s.at(SampleKey("adwatch_spend_gbp", {{"party", party}, {"bound", "upper"}}))),
            3 * 4999 * 100);
  std::string out;
  EXPECT_EQ(testing::PromtoolCheckMetrics(text, &out), 0) << out;
  EXPECT_EQ(HttpGet(monitor_->port(), "/healthz").status, 200);
}

}  // namespace
}  // namespace adwatch
