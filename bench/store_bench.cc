// The durable state store (src/store): commit throughput of batches of ad upserts, and the
// restart path (Open with its integrity check, then Load) of one partition of 100k / 1M ads.
// Stores live under $TMPDIR (default /tmp); ads are ~100-byte records, keys like Meta ad ids.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "bench_data.h"
#include "store/state_store.h"

namespace adwatch {
namespace {

using bench::TempDir;

std::string AdKey(std::int64_t i) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%015lld", static_cast<long long>(400000000000000 + i * 7919));
  return buf;
}

std::string AdRecord(std::int64_t i) {
  std::string r(100, 'r');
  const std::string n = std::to_string(i);
  r.replace(0, n.size(), n);
  return r;
}

PartitionDelta Batch(std::int64_t first, std::int64_t count, std::int64_t key_space) {
  PartitionDelta d;
  d.topic = "adwatch.observations";
  d.partition = 0;
  d.next_offset = first + count;
  d.meta = std::string(64, 'm');
  d.ads.reserve(static_cast<std::size_t>(count));
  for (std::int64_t i = first; i < first + count; ++i)
    d.ads.emplace_back(AdKey(i % key_space), AdRecord(i));
  // In hash order, as the state module's maps would hand them over.
  std::mt19937_64 rng(static_cast<std::uint64_t>(first));
  std::shuffle(d.ads.begin(), d.ads.end(), rng);
  return d;
}

// Commits batches of range(0) upserts into one partition whose ads cycle over 200k keys (inserts
// first, then updates of existing ads), as a long-running monitor does.
void BM_StoreCommitAds(benchmark::State& state) {
  TempDir dir("adwatch_store_bench");
  std::string error;
  auto store = StateStore::Open(dir.path(), "bench", StateStore::OpenMode::kRecreate, &error);
  if (store == nullptr) {
    state.SkipWithError(error.c_str());
    return;
  }
  const std::int64_t batch = state.range(0);
  std::int64_t next = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<PartitionDelta> deltas{Batch(next, batch, 200000)};
    next += batch;
    state.ResumeTiming();
    if (!store->Commit(deltas, &error)) {
      state.SkipWithError(error.c_str());
      return;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * batch);
  state.counters["disk_bytes_per_ad"] =
      benchmark::Counter(static_cast<double>(store->DiskBytes()) /
                         static_cast<double>(std::min<std::int64_t>(next, 200000)));
}
BENCHMARK(BM_StoreCommitAds)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Restart: Open (integrity check included) + Load of one partition holding range(0) ads.
void BM_StoreOpenAndLoad(benchmark::State& state) {
  TempDir dir("adwatch_store_bench");
  const std::int64_t ads = state.range(0);
  std::string error;
  {
    auto store = StateStore::Open(dir.path(), "bench", StateStore::OpenMode::kRecreate, &error);
    if (store == nullptr) {
      state.SkipWithError(error.c_str());
      return;
    }
    for (std::int64_t first = 0; first < ads; first += 100000) {
      if (!store->Commit({Batch(first, std::min<std::int64_t>(100000, ads - first), ads)},
                         &error)) {
        state.SkipWithError(error.c_str());
        return;
      }
    }
    state.counters["disk_bytes_per_ad"] =
        static_cast<double>(store->DiskBytes()) / static_cast<double>(ads);
  }
  for (auto _ : state) {
    auto store = StateStore::Open(dir.path(), "bench", StateStore::OpenMode::kOpenOrCreate, &error);
    auto snap = store != nullptr ? store->Load("adwatch.observations", 0, &error) : std::nullopt;
    if (!snap || static_cast<std::int64_t>(snap->ads.size()) != ads) {
      state.SkipWithError(("load failed: " + error).c_str());
      return;
    }
    benchmark::DoNotOptimize(snap);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * ads);
}
BENCHMARK(BM_StoreOpenAndLoad)
    ->Arg(100000)
    ->Arg(1000000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();

}  // namespace
}  // namespace adwatch
