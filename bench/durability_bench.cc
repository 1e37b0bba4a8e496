// Durability (issue 3): the pipeline with its state store on, checkpointing exactly as
// Monitor::Run does (after every message `if (CheckpointDue()) Checkpoint()`, due every 50,000
// messages or 1 s, and once more at the end as on a graceful stop), beside the same loop without
// a store; bytes on disk per tracked ad; restart time (open with integrity check + restore of
// every partition) of a store holding 1,000,000 ads over 8 partitions; and rebuild time of one
// partition of the embedded cluster from its earliest offset.
// Stores live in fresh directories under $TMPDIR (default /tmp), removed afterwards.
// Sizes (environment): ADWATCH_BENCH_DISK_ADS (distinct ads for bytes per ad, default 100000),
// ADWATCH_BENCH_RESTART_ADS (ads in the restart store, default 1000000).
#include <benchmark/benchmark.h>
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "app/pipeline.h"
#include "bench_data.h"
#include "config/config.h"
#include "kafka_bench.h"
#include "source/kafka_consumer.h"

namespace adwatch::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

// CPU seconds of this thread: on a shared machine, the work done regardless of waits.
double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double Seconds(SteadyClock::time_point a, SteadyClock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

constexpr char kDbFile[] = "/adwatch-state.db";

// What Monitor::Run does after each message, with the time spent in checkpoints added up.
struct Checkpointer {
  int checkpoints = 0;
  double seconds = 0;
  std::string error;

  bool MaybeCheckpoint(Pipeline& pipeline) {
    if (!pipeline.CheckpointDue()) return true;
    return Now(pipeline);
  }
  bool Now(Pipeline& pipeline) {
    const auto start = SteadyClock::now();
    const bool ok = pipeline.Checkpoint(&error);
    seconds += Seconds(start, SteadyClock::now());
    ++checkpoints;
    return ok;
  }
};

// Feeds distinct synthetic ads [first, first + n) round-robin over `partitions`, with offsets
// continuing from `next_offsets`, checkpointing like the Monitor.
bool FeedSynthetic(Pipeline& pipeline, std::size_t first, std::size_t n, int partitions,
                   std::vector<std::int64_t>* next_offsets, Checkpointer* cp) {
  for (std::size_t i = first; i < first + n; ++i) {
    const std::string line = SyntheticObservation(i);
    const std::string key = SyntheticKey(i);
    InputRecord record;
    record.topic = "adwatch.observations";
    record.partition = static_cast<std::int32_t>(i % static_cast<std::size_t>(partitions));
    record.offset = (*next_offsets)[static_cast<std::size_t>(record.partition)]++;
    record.key = key;
    record.value = line;
    pipeline.Process(record);
    if (!cp->MaybeCheckpoint(pipeline)) return false;
  }
  return true;
}

// (a) The simulated stream through a fresh pipeline, checkpointing like the Monitor, with the
// store on (range(1) = 1) or off (0; the Monitor without --state: Checkpoint only resets the
// counters). The final checkpoint is timed. Wall-clock rate (fsync waits are not CPU time).
void BM_PipelineDurable(benchmark::State& state) {
  const SimDataset& data = Sim();
  const int partitions = static_cast<int>(state.range(0));
  const bool durable = state.range(1) != 0;
  const std::vector<Routed> routed = Route(data, partitions);
  FixedClock clock;
  Checkpointer total;
  std::size_t tracked = 0;
  std::int64_t disk_bytes = 0, db_bytes = 0, wal_bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    TempDir dir("adwatch_durable_bench");
    auto pipeline = std::make_unique<Pipeline>(DefaultConfig(), clock);
    std::string error;
    if (durable && !pipeline->OpenStore(dir.path(), StateStore::OpenMode::kRecreate, &error)) {
      state.SkipWithError(error.c_str());
      return;
    }
    std::vector<std::int64_t> offsets(static_cast<std::size_t>(partitions), 0);
    Checkpointer cp;
    state.ResumeTiming();
    for (const Routed& r : routed) {
      InputRecord record;
      record.topic = "adwatch.observations";
      record.partition = r.partition;
      record.offset = offsets[static_cast<std::size_t>(r.partition)]++;
      record.key = data.keys[r.line];
      record.value = data.lines[r.line];
      pipeline->Process(record);
      if (!cp.MaybeCheckpoint(*pipeline)) break;
    }
    if (cp.error.empty()) cp.Now(*pipeline);  // the graceful stop
    state.PauseTiming();
    if (!cp.error.empty()) {
      state.SkipWithError(cp.error.c_str());
      return;
    }
    total.checkpoints += cp.checkpoints;
    total.seconds += cp.seconds;
    tracked = pipeline->ad_count();
    if (durable) {
      db_bytes = FileBytes(dir.path() + kDbFile);
      wal_bytes = FileBytes(dir.path() + kDbFile + "-wal");
      disk_bytes = db_bytes + wal_bytes;
    }
    pipeline.reset();
    state.ResumeTiming();
  }
  const auto iters = static_cast<double>(state.iterations());
  const auto total_msgs =
      static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(routed.size());
  state.SetItemsProcessed(total_msgs);
  state.counters["msgs"] = static_cast<double>(routed.size());
  state.counters["tracked_ads"] = static_cast<double>(tracked);
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(total_msgs), benchmark::Counter::kIsRate);
  state.counters["checkpoints"] = total.checkpoints / iters;
  state.counters["checkpoint_s"] = total.seconds / iters;
  if (durable) {
    state.counters["disk_bytes"] = static_cast<double>(disk_bytes);
    state.counters["wal_bytes"] = static_cast<double>(wal_bytes);
    state.counters["disk_bytes_per_ad"] =
        static_cast<double>(disk_bytes) / static_cast<double>(tracked);
  }
}
BENCHMARK(BM_PipelineDurable)
    ->ArgsProduct({{8, 64}, {0, 1}})
    ->ArgNames({"partitions", "durable"})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(3.0)
    ->UseRealTime();

// (a') The worst case for checkpoints: every message a new ad with spend (a new ad row and a
// new increment row each), 200,000 distinct synthetic ads over 8 partitions, store on (1) or
// off (0), checkpointed like the Monitor, final checkpoint timed.
void BM_PipelineNewAds(benchmark::State& state) {
  const bool durable = state.range(0) != 0;
  constexpr std::size_t kAds = 200000;
  FixedClock clock;
  Checkpointer total;
  for (auto _ : state) {
    state.PauseTiming();
    TempDir dir("adwatch_newads_bench");
    auto pipeline = std::make_unique<Pipeline>(DefaultConfig(), clock);
    std::string error;
    if (durable && !pipeline->OpenStore(dir.path(), StateStore::OpenMode::kRecreate, &error)) {
      state.SkipWithError(error.c_str());
      return;
    }
    std::vector<std::int64_t> offsets(8, 0);
    Checkpointer cp;
    state.ResumeTiming();
    if (!FeedSynthetic(*pipeline, 0, kAds, 8, &offsets, &cp) || !cp.Now(*pipeline)) {
      state.SkipWithError(cp.error.c_str());
      return;
    }
    state.PauseTiming();
    total.checkpoints += cp.checkpoints;
    total.seconds += cp.seconds;
    pipeline.reset();
    state.ResumeTiming();
  }
  const auto iters = static_cast<double>(state.iterations());
  const auto msgs = static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(kAds);
  state.SetItemsProcessed(msgs);
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(msgs), benchmark::Counter::kIsRate);
  state.counters["checkpoints"] = total.checkpoints / iters;
  state.counters["checkpoint_s"] = total.seconds / iters;
}
BENCHMARK(BM_PipelineNewAds)
    ->Arg(0)
    ->Arg(1)
    ->ArgName("durable")
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// (b) Bytes on disk per tracked ad: ADWATCH_BENCH_DISK_ADS distinct ads with spend over 8
// partitions, checkpointed like the Monitor plus a final checkpoint. Measured as DiskBytes (main
// file + WAL) / ads with the store open, then the main file alone / ads after the store is
// closed (closing checkpoints the WAL into the main file and deletes it).
void BM_DiskBytesPerAd(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(EnvOr("ADWATCH_BENCH_DISK_ADS", 100000));
  FixedClock clock;
  for (auto _ : state) {
    TempDir dir("adwatch_disk_bench");
    std::string error;
    auto pipeline = std::make_unique<Pipeline>(DefaultConfig(), clock);
    if (!pipeline->OpenStore(dir.path(), StateStore::OpenMode::kRecreate, &error)) {
      state.SkipWithError(error.c_str());
      return;
    }
    std::vector<std::int64_t> offsets(8, 0);
    Checkpointer cp;
    const auto start = SteadyClock::now();
    if (!FeedSynthetic(*pipeline, 0, n, 8, &offsets, &cp) || !cp.Now(*pipeline)) {
      state.SkipWithError(cp.error.c_str());
      return;
    }
    const double seconds = Seconds(start, SteadyClock::now());
    const auto ads = static_cast<double>(pipeline->ad_count());
    const std::string db = dir.path() + kDbFile;
    const std::int64_t open_db = FileBytes(db), open_wal = FileBytes(db + "-wal");
    pipeline.reset();  // closes the store: WAL checkpointed and removed
    const std::int64_t closed_db = FileBytes(db), closed_wal = FileBytes(db + "-wal");
    state.counters["ads"] = ads;
    state.counters["feed_s"] = seconds;
    state.counters["checkpoints"] = cp.checkpoints;
    state.counters["open_db_bytes"] = static_cast<double>(open_db);
    state.counters["open_wal_bytes"] = static_cast<double>(open_wal);
    state.counters["bytes_per_ad_open"] = static_cast<double>(open_db + open_wal) / ads;
    state.counters["closed_wal_bytes"] = static_cast<double>(closed_wal);
    state.counters["bytes_per_ad_closed"] = static_cast<double>(closed_db + closed_wal) / ads;
  }
}
BENCHMARK(BM_DiskBytesPerAd)->Iterations(1)->Unit(benchmark::kMillisecond);

// (c) Restart with ADWATCH_BENCH_RESTART_ADS (default 1,000,000) tracked ads over 8
// partitions. The store is built once through the pipeline (synthetic ads, checkpointed like
// the Monitor, then closed). Each iteration times a fresh pipeline's OpenStore (integrity check
// and partition-row verification included) and RestorePartition of all 8 partitions. The OS
// page cache is warm (the store was just written or read): a cold start adds the disk read.
struct RestartStore {
  std::unique_ptr<TempDir> dir;
  std::size_t ads = 0;
  double build_s = 0;
  int checkpoints = 0;
  double checkpoint_s = 0;
  std::int64_t db_bytes = 0;
  std::string error;
};

const RestartStore& BuiltRestartStore() {
  static const RestartStore store = [] {
    RestartStore s;
    s.dir = std::make_unique<TempDir>("adwatch_restart_bench");
    const auto n = static_cast<std::size_t>(EnvOr("ADWATCH_BENCH_RESTART_ADS", 1000000));
    FixedClock clock;
    Pipeline pipeline(DefaultConfig(), clock);
    if (!pipeline.OpenStore(s.dir->path(), StateStore::OpenMode::kRecreate, &s.error)) return s;
    std::vector<std::int64_t> offsets(8, 0);
    Checkpointer cp;
    const auto start = SteadyClock::now();
    if (!FeedSynthetic(pipeline, 0, n, 8, &offsets, &cp) || !cp.Now(pipeline)) {
      s.error = cp.error;
      return s;
    }
    s.build_s = Seconds(start, SteadyClock::now());
    s.checkpoints = cp.checkpoints;
    s.checkpoint_s = cp.seconds;
    s.ads = pipeline.ad_count();
    return s;
  }();
  return store;
}

void BM_RestartAds(benchmark::State& state) {
  const RestartStore& built = BuiltRestartStore();
  if (!built.error.empty()) {
    state.SkipWithError(built.error.c_str());
    return;
  }
  FixedClock clock;
  double open_s = 0, restore_s = 0, open_cpu_s = 0, restore_cpu_s = 0;
  for (auto _ : state) {
    auto pipeline = std::make_unique<Pipeline>(DefaultConfig(), clock);
    std::string error;
    const double c0 = ThreadCpuSeconds();
    const auto t0 = SteadyClock::now();
    if (!pipeline->OpenStore(built.dir->path(), StateStore::OpenMode::kOpenOrCreate, &error)) {
      state.SkipWithError(error.c_str());
      return;
    }
    const auto t1 = SteadyClock::now();
    const double c1 = ThreadCpuSeconds();
    for (std::int32_t p = 0; p < 8; ++p) {
      if (!pipeline->RestorePartition(p, &error)) {
        state.SkipWithError(("partition " + std::to_string(p) + ": " + error).c_str());
        return;
      }
    }
    const auto t2 = SteadyClock::now();
    const double c2 = ThreadCpuSeconds();
    if (pipeline->ad_count() != built.ads) {
      state.SkipWithError(("restored " + std::to_string(pipeline->ad_count()) + " ads of " +
                           std::to_string(built.ads))
                              .c_str());
      return;
    }
    state.SetIterationTime(Seconds(t0, t2));
    open_s += Seconds(t0, t1);
    restore_s += Seconds(t1, t2);
    open_cpu_s += c1 - c0;
    restore_cpu_s += c2 - c1;
    state.PauseTiming();
    pipeline.reset();
    state.ResumeTiming();
  }
  const auto iters = static_cast<double>(state.iterations());
  state.counters["ads"] = static_cast<double>(built.ads);
  state.counters["open_s"] = open_s / iters;
  state.counters["restore_s"] = restore_s / iters;
  state.counters["open_cpu_s"] = open_cpu_s / iters;
  state.counters["restore_cpu_s"] = restore_cpu_s / iters;
  state.counters["db_bytes"] = static_cast<double>(FileBytes(built.dir->path() + kDbFile));
  state.counters["build_s"] = built.build_s;
  state.counters["build_checkpoints"] = built.checkpoints;
  state.counters["build_checkpoint_s"] = built.checkpoint_s;
}
BENCHMARK(BM_RestartAds)->Iterations(3)->UseManualTime()->Unit(benchmark::kMillisecond);

// (d) Rebuild of one partition from its earliest offset: the fullest partition of the embedded
// cluster's topic (see kafka_bench.cc; each holds at most ~4 MiB). A fresh consumer group
// member is assigned the whole topic; the chosen partition starts at the beginning, the others
// at their end (as if restored). A fresh pipeline, with the store on (range(0) = 1) or off,
// consumes until it has applied up to the high watermark, checkpointing like the Monitor
// (including committing offsets), then checkpoints once more. Timing runs from the first
// message to caught up (final checkpoint included); from_assign_s runs from the assignment
// callback, total_s from creating the consumer (group join included).
void BM_RebuildPartition(benchmark::State& state) {
  KafkaFixture& f = Kafka();
  if (!f.error.empty()) {
    state.SkipWithError(f.error.c_str());
    return;
  }
  // The fullest partition by watermarks.
  std::int32_t target = -1;
  std::int64_t target_high = 0;
  {
    char errstr[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", f.cluster->bootstrap().c_str(), errstr,
                      sizeof errstr);
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (rk == nullptr) {
      state.SkipWithError(errstr);
      return;
    }
    for (std::int32_t p = 0; p < f.partitions; ++p) {
      std::int64_t low = 0, high = 0;
      if (rd_kafka_query_watermark_offsets(rk, f.topic.c_str(), p, &low, &high, 10000) ==
              RD_KAFKA_RESP_ERR_NO_ERROR &&
          low == 0 && high > target_high) {
        target = p;
        target_high = high;
      }
    }
    rd_kafka_destroy(rk);
  }
  if (target < 0) {
    state.SkipWithError("no partition with messages from offset 0");
    return;
  }
  const bool durable = state.range(0) != 0;
  static int group_counter = 0;
  for (auto _ : state) {
    TempDir dir("adwatch_rebuild_bench");
    FixedClock clock;
    Pipeline pipeline(DefaultConfig(), clock);
    std::string error;
    if (durable && !pipeline.OpenStore(dir.path(), StateStore::OpenMode::kRecreate, &error)) {
      state.SkipWithError(error.c_str());
      return;
    }
    const auto start = SteadyClock::now();
    auto consumer =
        KafkaConsumer::Create(ConsumerOptions{f.cluster->bootstrap(),
                                              "bench-rebuild-" + std::to_string(getpid()) + "-" +
                                                  std::to_string(++group_counter),
                                              f.topic,
                                              {}},
                              &error);
    if (!consumer) {
      state.SkipWithError(error.c_str());
      return;
    }
    SteadyClock::time_point assigned{};
    consumer->OnAssigned([&](const std::vector<std::int32_t>& parts) {
      assigned = SteadyClock::now();
      std::vector<std::int64_t> offsets;
      for (std::int32_t p : parts) {
        offsets.push_back(p == target ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END);
      }
      return offsets;
    });
    Checkpointer cp;
    std::int64_t count = 0;
    SteadyClock::time_point first{}, last = SteadyClock::now();
    const KafkaConsumer::Handler handler = [&](const InputRecord& record) {
      pipeline.Process(record);
    };
    while (pipeline.next_offset(target) < target_high && Seconds(last, SteadyClock::now()) < 30) {
      const bool got = consumer->Poll(100, handler);
      if (pipeline.CheckpointDue()) {
        if (!cp.Now(pipeline)) break;
        consumer->CommitOffsets({{target, pipeline.persisted_offset(target)}});
      }
      if (!got) continue;
      if (count == 0) first = SteadyClock::now();
      ++count;
      last = SteadyClock::now();
    }
    if (cp.error.empty()) cp.Now(pipeline);
    const auto end = SteadyClock::now();
    consumer->Close();
    if (!cp.error.empty()) {
      state.SkipWithError(cp.error.c_str());
      return;
    }
    if (pipeline.next_offset(target) != target_high || count != target_high) {
      state.SkipWithError(("applied " + std::to_string(count) + " messages up to offset " +
                           std::to_string(pipeline.next_offset(target)) + " of " +
                           std::to_string(target_high))
                              .c_str());
      return;
    }
    state.SetIterationTime(Seconds(first, end));
    state.SetItemsProcessed(count);
    state.counters["partition"] = target;
    state.counters["msgs"] = static_cast<double>(count);
    state.counters["msgs_per_s"] =
        benchmark::Counter(static_cast<double>(count), benchmark::Counter::kIsRate);
    state.counters["total_s"] = Seconds(start, end);
    state.counters["from_assign_s"] = Seconds(assigned, end);
    state.counters["checkpoints"] = cp.checkpoints;
    state.counters["checkpoint_s"] = cp.seconds;
    state.counters["tracked_ads"] = static_cast<double>(pipeline.ad_count());
  }
}
BENCHMARK(BM_RebuildPartition)
    ->Arg(0)
    ->Arg(1)
    ->ArgName("durable")
    ->Iterations(1)
    ->Repetitions(3)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace adwatch::bench
