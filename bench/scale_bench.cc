// State at national scale (issue 15): a Pipeline with its real SQLite store holding 1M (and, with
// ADWATCH_BENCH_SCALE_5M=1, 5M) tracked ads over 8 partitions, synthetic and in-process. Reports
// the figures path (`FiguresCollector::Collect`, which is what `/metrics` runs: Pipeline's
// snapshot plus the families) with and without concurrent ingestion, the ingestion rate with
// and without a client looping on that path, heap and resident bytes per ad, checkpoint and
// restore times. Also the checkpoint of a partition that has seen a year of hourly crawls of
// two registries (BM_CheckpointYearOfCrawls): bytes written and time per checkpoint.
// Written against Pipeline / StateStore only, so it runs unchanged before and after the
// issue-15 branches. Sizes (environment): ADWATCH_BENCH_SCALE_ADS (default 1000000),
// ADWATCH_BENCH_SCALE_5M=1 (adds the 5,000,000-ad run), ADWATCH_BENCH_SCALE_SECONDS (length of
// each timed ingestion phase, default 10). Stores live under $TMPDIR (default /tmp).
// Run: bench/run.sh --benchmark_filter='Scale|YearOfCrawls'
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "app/pipeline.h"
#include "bench_data.h"
#include "config/config.h"
#include "core/time.h"

namespace adwatch::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr int kPartitions = 8;
constexpr EpochSeconds kFirstSighting = 1575871920;  // 2019-12-09T06:12:00Z

double Seconds(SteadyClock::time_point a, SteadyClock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

std::size_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

// Sighting `round` (0, 1, ...) of distinct Meta ad `i`: an hour later each round, with
// cumulative spend growing by £100 a round, so that every sighting changes the ad and adds a
// window increment.
class Sightings {
 public:
  const InputRecord& Get(std::size_t i, std::size_t round) {
    const unsigned long long id = 461290581348812ULL + i;
    key_.assign("meta:").append(std::to_string(id));
    const std::string at =
        FormatTimestamp(kFirstSighting + static_cast<EpochSeconds>(round) * 3600);
    const unsigned long long lower = 100 * (round + 1);
    char buf[1024];
    const int n = std::snprintf(
        buf, sizeof buf,
        R"({"kind":"observation","registry":"meta","observed_at":"%s",)"
        R"("crawl_id":"meta-GB-%zu","lookup":"listing","status":"present","scope":"GB",)"
        R"("ad":{"id":"%llu","page_id":"%llu","page_name":"Campaign page %zu",)"
        R"("bylines":"Conservative and Unionist Party","ad_creation_time":"2019-11-30",)"
        R"("ad_creative_bodies":["Get Brexit done. Invest in the NHS and schools."],)"
        R"("ad_delivery_start_time":"2019-12-01","currency":"GBP",)"
        R"("spend":{"lower_bound":"%llu","upper_bound":"%llu"}}})",
        at.c_str(), round, id, 8807334278ULL + i % 500, i % 500, lower, lower + 99);
    value_.assign(buf, static_cast<std::size_t>(n));
    record_.topic = "adwatch.observations";
    record_.partition = static_cast<std::int32_t>(i % kPartitions);
    record_.offset = offsets_[static_cast<std::size_t>(record_.partition)]++;
    record_.key = key_;
    record_.value = value_;
    return record_;
  }

 private:
  std::string key_, value_;
  InputRecord record_;
  std::int64_t offsets_[kPartitions] = {};
};

struct Timings {
  std::vector<double> ms;
  void Add(double seconds) { ms.push_back(seconds * 1000); }
  double Median() {
    if (ms.empty()) return 0;
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
  }
  double Max() const { return ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end()); }
};

// One scrape of the figures path, as /metrics does it.
double Scrape(const Pipeline& pipeline) {
  const auto start = SteadyClock::now();
  auto families = pipeline.collector()->Collect();
  benchmark::DoNotOptimize(families);
  return Seconds(start, SteadyClock::now());
}

// Feeds sightings (round 1, 2, ... of ads 0..n-1, cycling) for `seconds`, checkpointing and
// publishing the figures scrapes serve as Monitor::Run does (after each poll batch; here every
// 256 messages); returns messages processed. `error` set when a checkpoint fails.
std::size_t Ingest(Pipeline& pipeline, Sightings& gen, std::size_t n, std::size_t* next,
                   double seconds, std::string* error) {
  const auto start = SteadyClock::now();
  std::size_t done = 0;
  while (true) {
    for (int k = 0; k < 256; ++k, ++done, ++*next) {
      pipeline.Process(gen.Get(*next % n, 1 + *next / n));
      if (pipeline.CheckpointDue() && !pipeline.Checkpoint(error)) return done;
    }
    pipeline.PublishIfDue(SteadyClock::now());
    if (Seconds(start, SteadyClock::now()) >= seconds) return done;
  }
}

void BM_Scale(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const double phase_s = static_cast<double>(EnvOr("ADWATCH_BENCH_SCALE_SECONDS", 10));
  FixedClock clock;
  TempDir dir("adwatch_scale_bench");
  std::string error;
  for (auto _ : state) {
    auto pipeline = std::make_unique<Pipeline>(DefaultConfig(), clock);
    if (!pipeline->OpenStore(dir.path(), StateStore::OpenMode::kRecreate, &error)) {
      state.SkipWithError(error.c_str());
      return;
    }
    const std::size_t heap0 = HeapInUse(), rss0 = ResidentBytes();
    const std::int64_t sqlite0 = sqlite3_memory_used();

    // Load: n distinct ads, checkpointing like the Monitor.
    Sightings gen;
    double load_checkpoint_s = 0;
    const auto load_start = SteadyClock::now();
    for (std::size_t i = 0; i < n; ++i) {
      pipeline->Process(gen.Get(i, 0));
      if (pipeline->CheckpointDue()) {
        const auto c = SteadyClock::now();
        if (!pipeline->Checkpoint(&error)) break;
        load_checkpoint_s += Seconds(c, SteadyClock::now());
      }
    }
    const auto c = SteadyClock::now();
    if (error.empty()) pipeline->Checkpoint(&error);
    load_checkpoint_s += Seconds(c, SteadyClock::now());
    const double load_s = Seconds(load_start, SteadyClock::now());
    if (!error.empty() || pipeline->ad_count() != n) {
      error.insert(0, "load failed: ");
      state.SkipWithError(error.c_str());
      return;
    }
    const std::int64_t sqlite_bytes = sqlite3_memory_used() - sqlite0;
    const double heap = static_cast<double>(HeapInUse() - heap0 - sqlite_bytes);
    const double rss = static_cast<double>(ResidentBytes() - rss0);

    // Publications (the consumer thread's snapshot that scrapes serve): 5, timed.
    Timings publish;
    for (int k = 0; k < 5; ++k) {
      const auto p = SteadyClock::now();
      pipeline->Publish();
      publish.Add(Seconds(p, SteadyClock::now()));
    }

    // Scrapes alone: at least 5, for at least 5 s.
    Timings idle;
    const auto idle_start = SteadyClock::now();
    while (idle.ms.size() < 5 || Seconds(idle_start, SteadyClock::now()) < 5) {
      idle.Add(Scrape(*pipeline));
    }

    // Ingestion alone, then ingestion while one client loops on scrapes.
    std::size_t next = 0;
    const std::size_t alone = Ingest(*pipeline, gen, n, &next, phase_s, &error);
    Timings busy;
    std::atomic<bool> stop{false};
    std::thread client([&] {
      while (!stop.load()) busy.Add(Scrape(*pipeline));
    });
    const std::size_t contended = Ingest(*pipeline, gen, n, &next, phase_s, &error);
    stop = true;
    client.join();
    if (!error.empty()) {
      state.SkipWithError(error.c_str());
      return;
    }

    // A Monitor-sized checkpoint: 50,000 changed ads since the previous one.
    pipeline->Checkpoint(&error);
    for (int k = 0; k < 50000; ++k, ++next) pipeline->Process(gen.Get(next % n, 1 + next / n));
    const auto cp = SteadyClock::now();
    pipeline->Checkpoint(&error);
    const double checkpoint_s = Seconds(cp, SteadyClock::now());

    // Restart: open the store (integrity check included) and restore every partition.
    pipeline.reset();
    const auto restore_start = SteadyClock::now();
    auto restored = std::make_unique<Pipeline>(DefaultConfig(), clock);
    bool ok = restored->OpenStore(dir.path(), StateStore::OpenMode::kOpenOrCreate, &error);
    for (std::int32_t p = 0; ok && p < kPartitions; ++p) {
      ok = restored->RestorePartition(p, &error).has_value();
    }
    const double restore_s = Seconds(restore_start, SteadyClock::now());
    if (!ok || restored->ad_count() != n) {
      error.insert(0, "restore failed: ");
      state.SkipWithError(error.c_str());
      return;
    }

    const auto ads = static_cast<double>(n);
    state.counters["load_msgs_per_s"] = ads / load_s;
    state.counters["load_checkpoint_s"] = load_checkpoint_s;
    state.counters["heap_B_per_ad"] = heap / ads;
    state.counters["rss_B_per_ad"] = rss / ads;
    state.counters["sqlite_heap_MB"] = static_cast<double>(sqlite_bytes) / 1e6;
    state.counters["publish_ms_median"] = publish.Median();
    state.counters["scrape_ms_median"] = idle.Median();
    state.counters["scrape_ms_max"] = idle.Max();
    state.counters["scrapes"] = static_cast<double>(idle.ms.size());
    state.counters["ingest_msgs_per_s"] = static_cast<double>(alone) / phase_s;
    state.counters["ingest_scraped_msgs_per_s"] = static_cast<double>(contended) / phase_s;
    state.counters["scrape_busy_ms_median"] = busy.Median();
    state.counters["scrape_busy_ms_max"] = busy.Max();
    state.counters["scrapes_busy"] = static_cast<double>(busy.ms.size());
    state.counters["checkpoint_50k_ms"] = checkpoint_s * 1000;
    state.counters["restore_s"] = restore_s;
    state.SetIterationTime(load_s);
  }
}
[[maybe_unused]] const bool kScaleRegistered = [] {
  std::vector<long> sizes{EnvOr("ADWATCH_BENCH_SCALE_ADS", 1000000)};
  if (EnvOr("ADWATCH_BENCH_SCALE_5M", 0) == 1) sizes.push_back(5000000);
  for (long ads : sizes) {
    benchmark::RegisterBenchmark("BM_Scale", BM_Scale)
        ->Arg(ads)
        ->Iterations(1)
        ->UseManualTime()
        ->Unit(benchmark::kSecond);
  }
  return true;
}();

// The crawl id of `registry`'s crawl of hour `h` of the year, as the crawlers name them
// (e.g. meta-GB-2018-12-09T06).
std::string CrawlId(const char* registry, std::int64_t h) {
  std::string id = registry;
  id.append("-GB-").append(FormatTimestamp(kFirstSighting - 365 * 86400 + h * 3600), 0, 13);
  return id;
}

// A crawl_end line of `registry` for the crawl of hour `h` (one scope, GB).
std::string CrawlEndLine(const char* registry, std::int64_t h) {
  const EpochSeconds start = kFirstSighting - 365 * 86400 + h * 3600;
  // Appended piece by piece: `literal + std::string` draws a false GCC 12 -O2 -Wrestrict.
  std::string s = R"({"kind":"crawl_end","registry":")";
  s.append(registry).append(R"(","crawl_id":")").append(CrawlId(registry, h));
  s.append(R"(","scope":"GB","started_at":")");
  s.append(FormatTimestamp(start)).append(R"(","completed_at":")");
  s.append(FormatTimestamp(start + 600)).append(R"(","ads_listed":1})");
  return s;
}

double GaugeValue(Pipeline& pipeline, const char* name) {
  for (const auto& family : pipeline.metrics().registry()->Collect()) {
    if (family.name == name && !family.metric.empty()) return family.metric[0].gauge.value;
  }
  return -1;
}

// One partition that has applied a year of hourly crawls of two registries (17,520 crawl_ends,
// each after one sighting of the same Meta ad). Each iteration applies one more sighting and
// checkpoints: the bytes that checkpoint wrote (adwatch_checkpoint_size_bytes) and its time.
void BM_CheckpointYearOfCrawls(benchmark::State& state) {
  FixedClock clock;
  TempDir dir("adwatch_year_bench");
  std::string error;
  Pipeline pipeline(DefaultConfig(), clock);
  if (!pipeline.OpenStore(dir.path(), StateStore::OpenMode::kRecreate, &error)) {
    state.SkipWithError(error.c_str());
    return;
  }
  std::int64_t offset = 0;
  const std::string key = "meta:461290581348812";
  auto process = [&](const std::string& key_text, const std::string& line) {
    InputRecord record;
    record.topic = "adwatch.observations";
    record.partition = 0;
    record.offset = offset++;
    record.key = key_text;
    record.value = line;
    pipeline.Process(record);
  };
  auto sighting = [&](EpochSeconds at, const std::string& crawl) {
    std::string s = R"({"kind":"observation","registry":"meta","observed_at":")";
    s.append(FormatTimestamp(at)).append(R"(","crawl_id":")").append(crawl);
    s.append(R"(","lookup":"listing","status":"present","scope":"GB","ad":{"id":"461290581348812",)"
             R"("page_id":"8807334278","page_name":"Campaign page","bylines":"A party",)"
             R"("ad_delivery_start_time":"2018-12-01","currency":"GBP",)"
             R"("spend":{"lower_bound":"100","upper_bound":"199"}}})");
    return s;
  };
  const EpochSeconds year_start = kFirstSighting - 365 * 86400;
  for (std::int64_t h = 0; h < 365 * 24; ++h) {
    process(key, sighting(year_start + h * 3600 + 60, CrawlId("meta", h)));
    process("", CrawlEndLine("meta", h));
    process("", CrawlEndLine("google", h));
    if (pipeline.CheckpointDue() && !pipeline.Checkpoint(&error)) break;
  }
  if (!error.empty() || !pipeline.Checkpoint(&error)) {
    state.SkipWithError(error.c_str());
    return;
  }
  EpochSeconds at = year_start + 365 * 86400 + 60;
  double bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    process(key, sighting(++at, CrawlId("meta", 365 * 24 - 1)));
    state.ResumeTiming();
    if (!pipeline.Checkpoint(&error)) {
      state.SkipWithError(error.c_str());
      return;
    }
    state.PauseTiming();
    bytes = GaugeValue(pipeline, "adwatch_checkpoint_size_bytes");
    state.ResumeTiming();
  }
  state.counters["bytes_per_checkpoint"] = bytes;
}
BENCHMARK(BM_CheckpointYearOfCrawls)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace
}  // namespace adwatch::bench
