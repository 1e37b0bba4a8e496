// Scrape cost against tracked ads (issue 15): a Pipeline holding N synthetic ads in 8
// partitions (ADWATCH_BENCH_SCRAPE_ADS, default 200000; each ad also holds one window
// increment), built untimed.
//   BM_ScrapeMetrics      what a /metrics scrape costs: the figures collector's families, as
//                         HttpServer renders them (the published copy since issue 15; before,
//                         a snapshot walking every ad under the ingestion lock).
//   BM_PublishSnapshot    what the consumer pays per publication (Pipeline::Snapshot under the
//                         ingestion lock; its window loop is still per increment until the
//                         windows move to grid cells).
//   BM_IngestWhileScraped repeat sightings through Pipeline::Process while another thread loops
//                         on scrapes: ingestion rate and the scrapes' latency (median/max).
// The same source builds against the code before issue 15 (no Published/PublishIfDue there).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "app/pipeline.h"
#include "bench_data.h"
#include "config/config.h"

namespace adwatch::bench {
namespace {

constexpr std::int32_t kPartitions = 8;

std::size_t ScrapeAds() {
  return static_cast<std::size_t>(EnvOr("ADWATCH_BENCH_SCRAPE_ADS", 200000));
}

// The consumer's publication step, where the pipeline has one.
template <typename P>
void MaybePublish(P& pipeline, std::chrono::steady_clock::time_point now) {
  if constexpr (requires { pipeline.PublishIfDue(now); }) pipeline.PublishIfDue(now);
}
template <typename P>
void PublishNow(P& pipeline) {
  if constexpr (requires { pipeline.Publish(); }) pipeline.Publish();
}

// Sighting of ad `i` at minute `minute` after 2019-12-09T06:12:00Z (same spend: the common
// repeat sighting).
std::string SightingAt(std::size_t i, int minute) {
  std::string s = SyntheticObservation(i);
  const std::string from = "2019-12-09T06:12:00Z";
  char at[32];
  std::snprintf(at, sizeof at, "2019-12-09T%02d:%02d:00Z", 6 + (12 + minute) / 60,
                (12 + minute) % 60);
  s.replace(s.find(from), from.size(), at);
  return s;
}

// A pipeline with `n` ads, published.
std::unique_ptr<Pipeline> Loaded(const Clock& clock, std::size_t n) {
  auto pipeline = std::make_unique<Pipeline>(DefaultConfig(), clock);
  InputRecord record;
  record.topic = "adwatch.observations";
  std::vector<std::int64_t> offsets(kPartitions, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const std::string key = SyntheticKey(i), value = SyntheticObservation(i);
    record.partition = static_cast<std::int32_t>(i % kPartitions);
    record.offset = offsets[static_cast<std::size_t>(record.partition)]++;
    record.key = key;
    record.value = value;
    pipeline->Process(record);
  }
  PublishNow(*pipeline);
  return pipeline;
}

struct Loaded200k {
  FixedClock clock;
  std::unique_ptr<Pipeline> pipeline;
};
Loaded200k& Shared() {
  static Loaded200k* loaded = [] {
    auto* l = new Loaded200k;
    l->pipeline = Loaded(l->clock, ScrapeAds());
    return l;
  }();
  return *loaded;
}

void BM_ScrapeMetrics(benchmark::State& state) {
  Loaded200k& l = Shared();
  std::size_t families = 0;
  for (auto _ : state) {
    auto f = l.pipeline->collector()->Collect();
    families = f.size();
    benchmark::DoNotOptimize(f);
  }
  state.counters["ads"] = static_cast<double>(l.pipeline->ad_count());
  state.counters["families"] = static_cast<double>(families);
}
BENCHMARK(BM_ScrapeMetrics)->Unit(benchmark::kMillisecond)->MinTime(1.0);

void BM_PublishSnapshot(benchmark::State& state) {
  Loaded200k& l = Shared();
  for (auto _ : state) {
    Figures f = l.pipeline->Snapshot();
    benchmark::DoNotOptimize(f);
  }
  state.counters["ads"] = static_cast<double>(l.pipeline->ad_count());
}
BENCHMARK(BM_PublishSnapshot)->Unit(benchmark::kMillisecond)->MinTime(1.0);

// One iteration: kRounds repeat sightings of every ad, with a scraper thread looping on
// Collect() throughout; the consumer publishes as the monitor's loop does.
void BM_IngestWhileScraped(benchmark::State& state) {
  const bool scraping = state.range(0) != 0;
  Loaded200k& l = Shared();
  const std::size_t n = ScrapeAds();
  constexpr int kRounds = 2;
  static int minute = 0;  // sightings must be newer than the last applied ones
  std::vector<double> latencies;
  double messages = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<std::string> lines;
    lines.reserve(n * kRounds);
    for (int r = 0; r < kRounds; ++r) {
      ++minute;
      for (std::size_t i = 0; i < n; ++i) lines.push_back(SightingAt(i, minute));
    }
    std::vector<std::string> keys(n);
    for (std::size_t i = 0; i < n; ++i) keys[i] = SyntheticKey(i);
    std::atomic<bool> done{false};
    std::thread scraper;
    if (scraping) {
      scraper = std::thread([&] {
        while (!done.load(std::memory_order_relaxed)) {
          const auto t0 = std::chrono::steady_clock::now();
          auto f = l.pipeline->collector()->Collect();
          benchmark::DoNotOptimize(f);
          latencies.push_back(
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        }
      });
    }
    state.ResumeTiming();
    InputRecord record;
    record.topic = "adwatch.observations";
    for (std::size_t j = 0; j < lines.size(); ++j) {
      record.partition = static_cast<std::int32_t>(j % n % kPartitions);
      record.key = keys[j % n];
      record.value = lines[j];
      l.pipeline->Process(record);
      MaybePublish(*l.pipeline, std::chrono::steady_clock::now());
    }
    state.PauseTiming();
    done = true;
    if (scraper.joinable()) scraper.join();
    messages += static_cast<double>(lines.size());
    state.ResumeTiming();
  }
  state.counters["msgs_per_s"] = benchmark::Counter(messages, benchmark::Counter::kIsRate);
  state.counters["ads"] = static_cast<double>(l.pipeline->ad_count());
  if (!latencies.empty()) {
    std::sort(latencies.begin(), latencies.end());
    state.counters["scrapes"] = static_cast<double>(latencies.size());
    state.counters["scrape_median_ms"] = latencies[latencies.size() / 2] * 1e3;
    state.counters["scrape_max_ms"] = latencies.back() * 1e3;
  }
}
BENCHMARK(BM_IngestWhileScraped)
    ->Arg(0)
    ->Arg(1)
    ->Iterations(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace adwatch::bench
