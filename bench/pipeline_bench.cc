// In-process throughput (SPEC §6): the simulated stream through Pipeline::Process (decode →
// attribute → classify → state → windows), decode alone and enrichment alone to show the
// split, and heap bytes per tracked ad.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <memory>
#include <string>
#include <vector>

#include "app/pipeline.h"
#include "bench_data.h"
#include "config/config.h"
#include "decode/decoder.h"
#include "enrich/attributor.h"
#include "enrich/theme_classifier.h"

namespace adwatch::bench {
namespace {

void SetDatasetCounters(benchmark::State& state, const SimDataset& data, std::size_t messages,
                        std::size_t bytes) {
  state.counters["avg_msg_bytes"] =
      static_cast<double>(bytes) / static_cast<double>(messages == 0 ? 1 : messages);
  state.counters["msgs"] = static_cast<double>(messages);
  state.counters["sim_ads"] = data.ads;
}

// One iteration = a fresh Pipeline (built untimed) fed the whole routed stream. Per core: the
// pipeline runs on this thread only, and rates are per CPU second.
void BM_PipelineProcess(benchmark::State& state) {
  const SimDataset& data = Sim();
  const std::vector<Routed> routed = Route(data, static_cast<int>(state.range(0)));
  std::size_t bytes = 0;
  for (const Routed& r : routed) bytes += data.lines[r.line].size();
  FixedClock clock;
  std::size_t applied = 0, rejected = 0, tracked = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto pipeline = std::make_unique<Pipeline>(DefaultConfig(), clock);
    state.ResumeTiming();
    applied = rejected = 0;
    for (const Routed& r : routed) {
      InputRecord record;
      record.topic = "adwatch.observations";
      record.partition = r.partition;
      record.key = data.keys[r.line];
      record.value = data.lines[r.line];
      const Outcome o = pipeline->Process(record);
      applied += o == Outcome::kApplied ? 1 : 0;
      rejected += o == Outcome::kRejected ? 1 : 0;
    }
    tracked = pipeline->ad_count();
    state.PauseTiming();
    pipeline.reset();
    state.ResumeTiming();
  }
  const auto total =
      static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(routed.size());
  state.SetItemsProcessed(total);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(bytes));
  SetDatasetCounters(state, data, routed.size(), bytes);
  state.counters["applied"] = static_cast<double>(applied);
  state.counters["rejected"] = static_cast<double>(rejected);
  state.counters["tracked_ads"] = static_cast<double>(tracked);
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(total), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PipelineProcess)->Arg(8)->Arg(64)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// The JSON decoder alone over the same lines (each line once, no crawl_end fan-out), into one
// reused result as Pipeline::Process does (Decoder::DecodeInto).
void BM_DecodeOnly(benchmark::State& state) {
  const SimDataset& data = Sim();
  FixedClock clock;
  auto decoder =
      MakeJsonDecoder(DecoderOptions{DefaultConfig().limits, DefaultConfig().currency}, clock);
  std::size_t i = 0;
  std::int64_t bytes = 0;
  DecodeResult r;
  for (auto _ : state) {
    const std::string& line = data.lines[i];
    decoder->DecodeInto(line, &r);
    benchmark::DoNotOptimize(r);
    bytes += static_cast<std::int64_t>(line.size());
    if (++i == data.lines.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(bytes);
  SetDatasetCounters(state, data, data.lines.size(), data.bytes);
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DecodeOnly)->MinTime(2.0);

// Attribution + theme classification of one observation. The pipeline does this once per new
// ad, not per message; this shows what it would cost per message.
void BM_EnrichOnly(benchmark::State& state) {
  const SimDataset& data = Sim();
  FixedClock clock;
  auto decoder =
      MakeJsonDecoder(DecoderOptions{DefaultConfig().limits, DefaultConfig().currency}, clock);
  std::vector<Observation> observations;
  for (const std::string& line : data.lines) {
    DecodeResult r = decoder->Decode(line);
    if (auto* m = std::get_if<Message>(&r)) {
      if (auto* o = std::get_if<Observation>(m)) {
        if (o->status == AdStatus::kPresent) observations.push_back(std::move(*o));
      }
    }
    if (observations.size() >= 20000) break;
  }
  if (observations.empty()) {
    state.SkipWithError("no observations decoded");
    return;
  }
  const Attributor attributor(DefaultConfig().entities);
  const ThemeClassifier classifier(DefaultConfig().themes);
  std::size_t i = 0;
  for (auto _ : state) {
    const Observation& o = observations[i];
    benchmark::DoNotOptimize(attributor.Attribute(o.registry, o.content));
    benchmark::DoNotOptimize(classifier.Classify(o.content));
    if (++i == observations.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_EnrichOnly)->MinTime(1.0);

// Heap and resident growth per tracked ad: range(0) distinct ads applied to a fresh pipeline
// over 8 partitions, measured with mallinfo2 and /proc/self/statm around the applies.
// range(1) = 1: every ad carries spend, so it also adds a window increment; 0: the ad alone.
// Lines are built one at a time, so only the state grows.
void BM_MemoryPerAd(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const bool spend = state.range(1) != 0;
  FixedClock clock;
  for (auto _ : state) {
    Pipeline pipeline(DefaultConfig(), clock);
    // Warm every partition's fixed state (one ad each, ids outside the measured range) so
    // that only per-ad growth is measured.
    for (std::int32_t p = 0; p < 8; ++p) {
      const std::string warm = SyntheticObservation(n + static_cast<std::size_t>(p), spend);
      const std::string warm_key = SyntheticKey(n + static_cast<std::size_t>(p));
      InputRecord record;
      record.partition = p;
      record.key = warm_key;
      record.value = warm;
      pipeline.Process(record);
    }
    const std::size_t warm_ads = pipeline.ad_count();
    std::string line, key;
    line.reserve(4096);
    key.reserve(64);
    // Freed pages (earlier benchmarks) go back to the kernel first, so that resident growth
    // is the state's and not the reuse of pages already resident.
    malloc_trim(0);
    const std::size_t before = HeapInUse();
    const std::size_t resident_before = ResidentBytes();
    std::size_t applied = 0;
    for (std::size_t i = 0; i < n; ++i) {
      line = SyntheticObservation(i, spend);
      key = SyntheticKey(i);
      InputRecord record;
      record.partition = static_cast<std::int32_t>(i % 8);
      record.key = key;
      record.value = line;
      applied += pipeline.Process(record) == Outcome::kApplied ? 1 : 0;
    }
    const std::size_t after_apply = HeapInUse();
    const std::size_t resident_after = ResidentBytes();
    std::size_t with_figures = 0;
    {
      Figures figures = pipeline.Snapshot();
      benchmark::DoNotOptimize(figures);
      with_figures = HeapInUse();
    }
    const std::size_t after_snapshot = HeapInUse();
    const double ads = static_cast<double>(pipeline.ad_count() - warm_ads);
    state.counters["ads"] = ads;
    state.counters["applied"] = static_cast<double>(applied);
    state.counters["bytes_per_ad"] = static_cast<double>(after_apply - before) / ads;
    state.counters["resident_per_ad"] =
        (static_cast<double>(resident_after) - static_cast<double>(resident_before)) / ads;
    state.counters["bytes_per_ad_after_snapshot"] =
        static_cast<double>(after_snapshot - before) / ads;
    state.counters["snapshot_figures_bytes"] = static_cast<double>(with_figures - after_snapshot);
  }
}
BENCHMARK(BM_MemoryPerAd)
    ->ArgNames({"ads", "spend"})
    ->Args({100000, 1})
    ->Args({1000000, 1})
    ->Args({100000, 0})
    ->Args({1000000, 0})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace adwatch::bench
