// A scrape never waits on the ingestion lock, by design: `/metrics`, `/api/v1/summary` and
// `/api/v1/history` serve the figures the consumer last published. The test holds the
// pipeline's ingestion lock itself — the consumer thread stalls inside its next message, with
// more produced behind it — and every scrape still answers, with the published figures.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "app/monitor.h"
#include "core/rapidjson.h"
#include "source/embedded_kafka.h"
#include "source/replay.h"
#include "stream_generator.h"
#include "test_support.h"

namespace adwatch {
namespace {

using testing::HttpGet;
using testing::ParseMetrics;
using testing::SampleKey;

constexpr const char* kTopic = "adwatch.observations";

double EventsOf(const Figures& f) {
  double n = 0;
  for (std::int64_t c : f.outcomes) n += static_cast<double>(c);
  return n;
}

double EventsOf(const testing::Samples& s) {
  double n = 0;
  for (const auto& [key, value] : s) {
    if (key.starts_with("adwatch_events_total{")) n += value;
  }
  return n;
}

TEST(ScrapeLock, ScrapesAnswerWhileTheIngestionLockIsHeld) {
  std::string error;
  auto kafka = EmbeddedKafka::Start({1, 2, {kTopic}}, &error);
  ASSERT_TRUE(kafka) << error;
  Config config = DefaultConfig();
  config.kafka.brokers = kafka->bootstrap();
  config.kafka.group = "scrape-lock-" + std::to_string(::getpid());
  config.listen = "127.0.0.1:0";
  ReplayOptions ro;
  ro.brokers = kafka->bootstrap();
  ro.topic = kTopic;
  auto replayer = Replayer::Create(ro, &error);
  ASSERT_TRUE(replayer) << error;
  const auto produce = [&](const std::vector<testing::GeneratedMessage>& messages) {
    double n = 0;
    for (const auto& m : messages) {
      EXPECT_TRUE(replayer->Send(m.value));
      n += m.crawl_end ? replayer->partitions() : 1;
    }
    EXPECT_TRUE(replayer->Flush(30000));
    return n;
  };

  SystemClock clock;
  Monitor monitor(config, clock);
  ASSERT_TRUE(monitor.Start(&error)) << error;
  std::atomic<bool> stop{false};
  std::thread run([&] { monitor.Run(stop); });
  // Stops and joins the consumer on every way out (after the lock below is released).
  struct Joiner {
    std::atomic<bool>& stop;
    std::thread& thread;
    ~Joiner() {
      stop = true;
      thread.join();
    }
  } joiner{stop, run};
  const int port = monitor.port();
  const auto published_events = [&] { return EventsOf(*monitor.pipeline().Published()); };
  const auto wait_published = [&](double want) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (published_events() < want && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return published_events();
  };

  testing::StreamOptions first_options;
  first_options.crawls = 8;
  const double first = produce(testing::GenerateStream(config, first_options));
  ASSERT_EQ(wait_published(first), first);

  // The ingestion lock, held by the test: the consumer stalls at its next message.
  auto lock = monitor.pipeline().LockStateForTest();
  testing::StreamOptions second_options;
  second_options.seed = 11;
  second_options.start = first_options.start + 8 * 6 * 3600;
  const double second = produce(testing::GenerateStream(config, second_options));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the consumer reaches the lock

  // Each scrape runs on its own thread; one that waited on the lock would not come back while
  // the test holds it (the deadline only bounds a failure, it is not a timing assertion).
  const auto get = [&](const std::string& path) {
    auto reply = std::async(std::launch::async, [port, path] { return HttpGet(port, path); });
    if (reply.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
      if (lock.owns_lock()) lock.unlock();  // let the waiting scrape (and the test) finish
      ADD_FAILURE() << path << " waited on the ingestion lock";
    }
    return reply.get();
  };
  for (int i = 0; i < 3; ++i) {
    const auto metrics = get("/metrics");
    ASSERT_EQ(metrics.status, 200);
    const testing::Samples s = ParseMetrics(metrics.body);
    EXPECT_EQ(EventsOf(s), first);  // the published figures: the second batch is not applied
    EXPECT_GT(s.at(SampleKey("adwatch_ads_tracked", {})), 0);
    const auto summary = get("/api/v1/summary");
    ASSERT_EQ(summary.status, 200);
    rapidjson::Document d;
    d.Parse(summary.body.c_str());
    EXPECT_FALSE(d.HasParseError()) << summary.body.substr(0, 200);
    EXPECT_EQ(get("/api/v1/history").status, 200);
  }
  ASSERT_TRUE(lock.owns_lock());
  EXPECT_EQ(published_events(), first);  // ingestion really was stalled
  lock.unlock();

  EXPECT_EQ(wait_published(first + second), first + second);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  double scraped = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    scraped = EventsOf(ParseMetrics(HttpGet(port, "/metrics").body));
    if (scraped == first + second) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(scraped, first + second);
}

}  // namespace
}  // namespace adwatch
