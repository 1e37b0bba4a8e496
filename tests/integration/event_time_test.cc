// Issue 11 over the embedded cluster: hostile messages (a re-sighting 20 h ahead, a google
// crawl_end a year ahead, a leap second) leave every exported figure as the clean stream gives
// it, and are only counted where they went; a real 20 h gap still advances the windows; an ad's
// scope is the scope of the crawl it was listed in.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "app/monitor.h"
#include "core/time.h"
#include "figures_check.h"
#include "source/embedded_kafka.h"
#include "source/replay.h"
#include "stream_generator.h"
#include "test_support.h"

namespace adwatch {
namespace {

using testing::GeneratedMessage;
using testing::HttpGet;
using testing::ParseMetrics;
using testing::SampleKey;
using testing::Samples;

constexpr const char* kTopic = "adwatch.observations";

class EventTimeCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    kafka_ = EmbeddedKafka::Start({1, 4, {kTopic}}, &error);
    ASSERT_TRUE(kafka_) << error;
    config_ = DefaultConfig();
    config_.kafka.brokers = kafka_->bootstrap();
    config_.kafka.group = "et-" + std::to_string(::getpid());
    config_.listen = "127.0.0.1:0";
    ReplayOptions ro;
    ro.brokers = kafka_->bootstrap();
    ro.topic = kTopic;
    replayer_ = Replayer::Create(ro, &error);
    ASSERT_TRUE(replayer_) << error;
  }

  void TearDown() override {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    monitor_.reset();
    replayer_.reset();
    kafka_.reset();
  }

  // Produces `messages` as `adwatch replay` does, runs the monitor until each has one outcome,
  // and scrapes /metrics.
  Samples Run(const std::vector<GeneratedMessage>& messages) {
    monitor_ = std::make_unique<Monitor>(config_, clock_);
    std::string error;
    EXPECT_TRUE(monitor_->Start(&error)) << error;
    thread_ = std::thread([this] { monitor_->Run(stop_); });
    double produced = 0;
    for (const auto& m : messages) {
      EXPECT_TRUE(replayer_->Send(m.value));
      produced += m.crawl_end ? replayer_->partitions() : 1;
    }
    EXPECT_TRUE(replayer_->Flush(30000));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    auto handled = [&] {
      double n = 0;
      for (std::int64_t c : monitor_->pipeline().Published()->outcomes) n += static_cast<double>(c);
      return n;
    };
    while (handled() < produced && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(handled(), produced);
    const auto r = HttpGet(monitor_->port(), "/metrics");
    EXPECT_EQ(r.status, 200);
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

GeneratedMessage CrawlEndMessage(const std::string& registry, const std::string& crawl,
                                 long long started, long long completed) {
  GeneratedMessage m;
  m.crawl_end = true;
  m.observed_at = completed;
  m.crawl = registry + "/GB/" + crawl;
  m.value = "{\"kind\":\"crawl_end\",\"registry\":\"" + registry + "\",\"crawl_id\":\"" + crawl +
            "\",\"scope\":\"GB\",\"started_at\":\"" + FormatTimestamp(started) +
            "\",\"completed_at\":\"" + FormatTimestamp(completed) + "\",\"ads_listed\":1}";
  return m;
}

TEST_F(EventTimeCluster, HostileMessagesChangeNoFigureAndAreCountedWhereTheyWent) {
  const auto clean = testing::GenerateStream(config_, {});
  const auto want = testing::ComputeExpected(config_, clean);
  std::vector<GeneratedMessage> hostile = clean;
  // A re-sighting of an ad dated 20 h after the whole stream, with unchanged spend.
  const GeneratedMessage* last = nullptr;
  for (const auto& m : clean) {
    if (!m.crawl_end && (last == nullptr || m.observed_at > last->observed_at)) last = &m;
  }
  ASSERT_NE(last, nullptr);
  GeneratedMessage resighting = *last;
  const std::string old_at = "\"observed_at\":\"" + FormatTimestamp(last->observed_at) + "\"";
  const std::string new_at =
      "\"observed_at\":\"" + FormatTimestamp(want.watermark + 20 * 3600) + "\"";
  ASSERT_NE(resighting.value.find(old_at), std::string::npos);
  resighting.value.replace(resighting.value.find(old_at), old_at.size(), new_at);
  resighting.observed_at = want.watermark + 20 * 3600;
  hostile.push_back(resighting);
  // A google crawl_end a year ahead (reaches every partition).
  hostile.push_back(CrawlEndMessage("google", "g-2020", want.watermark + 365 * 86400,
                                    want.watermark + 366 * 86400));
  // A sighting stamped with a leap second: not a timestamp.
  GeneratedMessage leap = *last;
  leap.value.replace(leap.value.find(old_at), old_at.size(),
                     "\"observed_at\":\"2019-12-31T23:59:60Z\"");
  leap.rejected = true;
  hostile.push_back(leap);
  // Then the real stream goes on with one more sighting of that ad, 6 h on: applied, not stale.
  GeneratedMessage next = *last;
  next.value.replace(next.value.find(old_at), old_at.size(),
                     "\"observed_at\":\"" + FormatTimestamp(want.watermark + 6 * 3600) + "\"");
  next.observed_at = want.watermark + 6 * 3600;
  std::vector<GeneratedMessage> clean_next = clean;
  clean_next.push_back(next);
  hostile.push_back(next);
  const auto expected = testing::ComputeExpected(config_, clean_next);
  // The oracle's own event-time rules agree: the hostile messages change nothing.
  const auto expected_hostile = testing::ComputeExpected(config_, hostile);
  EXPECT_EQ(expected_hostile.window, expected.window);
  EXPECT_EQ(expected_hostile.watermark, expected.watermark);

  const Samples s = Run(hostile);
  EXPECT_EQ(s.at(SampleKey("adwatch_watermark_timestamp_seconds", {})),
            static_cast<double>(expected.watermark));
  testing::ExpectFiguresEqualOracle(config_, s, expected);
  // Counted where they went: the re-sighting held in its partition, the crawl_end held in
  // each of the 4, the leap second rejected by the decoder; the next real sighting applied.
  // (A partition that held none of the first crawl's ads also held that crawl's end for a
  // moment: the counter may be higher; the gauge counts what is held now.)
  EXPECT_GE(s.at(SampleKey("adwatch_events_total", {{"outcome", "held"}})), 1 + 4);
  EXPECT_EQ(s.at(SampleKey("adwatch_events_held", {})), 1 + 4);
  EXPECT_EQ(s.at(SampleKey("adwatch_rejected_total", {{"reason", "bad_timestamp"}})), 1);
  EXPECT_EQ(s.count(SampleKey("adwatch_registry_last_crawl_end_timestamp_seconds",
                              {{"registry", "google"}})),
            0U);
  // No 1h window was emptied: the last crawl's spend is still in it for someone.
  double one_hour = 0;
  for (const auto& [key, v] : s) {
    if (key.rfind("adwatch_spend_window_gbp{", 0) == 0 &&
        key.find("window=\"1h\"") != std::string::npos)
      one_hour += v;
  }
  EXPECT_GT(one_hour, 0);
}

TEST_F(EventTimeCluster, ARealTwentyHourGapStillAdvancesTheWindows) {
  testing::StreamOptions o;
  o.gap_after = 9;
  o.gap = 20 * 3600;
  const auto messages = testing::GenerateStream(config_, o);
  const auto expected = testing::ComputeExpected(config_, messages);
  ASSERT_EQ(expected.watermark, o.start + 19 * 21600LL + o.gap + 3600);  // the last crawl's end
  const Samples s = Run(messages);
  EXPECT_EQ(s.at(SampleKey("adwatch_watermark_timestamp_seconds", {})),
            static_cast<double>(expected.watermark));
  testing::ExpectFiguresEqualOracle(config_, s, expected);
  EXPECT_GT(s.at(SampleKey("adwatch_events_total", {{"outcome", "held"}})), 0);  // the gap
  EXPECT_EQ(s.at(SampleKey("adwatch_events_held", {})), 0);  // every one applied since
  EXPECT_EQ(s.at(SampleKey("adwatch_events_total", {{"outcome", "rejected"}})), 0);
}

// Ad 111 is listed in crawl GB-06 and ad 222 in IE-06, neither sighting naming a scope; the IE
// crawl ends first. Neither ad is missing, in any round, and listed counts are per scope.
TEST_F(EventTimeCluster, AnAdsScopeIsTheScopeOfTheCrawlItWasListedIn) {
  std::vector<GeneratedMessage> messages;
  const long long start = 1575849600;
  for (int round = 0; round < 3; ++round) {
    const long long t = start + round * 21600LL;
    for (const char* id : {"111", "222"}) {
      const std::string crawl = std::string(id) == "111" ? "GB-" : "IE-";
      GeneratedMessage m;
      m.ad = std::string("meta:") + id;
      m.value = "{\"kind\":\"observation\",\"registry\":\"meta\",\"observed_at\":\"" +
                FormatTimestamp(t + 60) + "\",\"crawl_id\":\"" + crawl + std::to_string(round) +
                "\",\"lookup\":\"listing\",\"status\":\"present\",\"ad\":{\"id\":\"" + id +
                "\",\"page_id\":\"1\",\"page_name\":\"A page\",\"bylines\":\"Someone\","
                "\"ad_creative_bodies\":[\"Vote\"],\"currency\":\"GBP\","
                "\"spend\":{\"lower_bound\":\"100\",\"upper_bound\":\"199\"}}}";
      messages.push_back(m);
    }
    GeneratedMessage ie = CrawlEndMessage("meta", "IE-" + std::to_string(round), t, t + 1800);
    ie.value.replace(ie.value.find("\"GB\""), 4, "\"IE\"");
    messages.push_back(ie);
    messages.push_back(CrawlEndMessage("meta", "GB-" + std::to_string(round), t, t + 2400));
  }
  const Samples s = Run(messages);
  double missing = 0;
  for (const auto& [key, v] : s) {
    if (key.rfind("adwatch_registry_ads_missing{", 0) == 0) missing += v;
  }
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(s.at(SampleKey("adwatch_registry_ads_listed", {{"registry", "meta"}, {"scope", "GB"}})),
            1);
  EXPECT_EQ(s.at(SampleKey("adwatch_registry_ads_listed", {{"registry", "meta"}, {"scope", "IE"}})),
            1);
  const auto r = HttpGet(monitor_->port(), "/api/v1/ads?limit=100");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body.find("\"111\""), std::string::npos) << r.body;  // never listed as lost
}

}  // namespace
}  // namespace adwatch
