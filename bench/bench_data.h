// Shared inputs of the benchmarks: a simulated Meta-shaped stream (Uk2019Simulator) held in
// memory, routed to partitions the way the replayer routes it (observations by key, a crawl_end
// to every partition), and a fixed clock just after the scenario ends.
// Not thread-safe: the benchmarks run on one thread. Sizes come from the environment
// (ADWATCH_BENCH_LINES, default 200000; ADWATCH_BENCH_ADS, default 5000).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"

namespace adwatch::bench {

/// 2019-12-14T00:00:00Z: after every simulated observation, so none is "in the future".
class FixedClock final : public Clock {
 public:
  EpochSeconds Now() const override { return 1576281600; }
};

struct SimDataset {
  std::vector<std::string> lines;  // JSON lines, no newline
  std::vector<std::string> keys;   // replayer routing key; empty for crawl_end
  std::vector<bool> crawl_end;     // the line is a crawl_end
  std::size_t bytes = 0;           // sum of line sizes
  std::size_t crawl_ends = 0;
  int ads = 0;
};

/// The first ADWATCH_BENCH_LINES lines of the uk2019 stream with ADWATCH_BENCH_ADS ads (seed
/// 2019), generated once.
const SimDataset& Sim();

/// One message as a partitioned source would deliver it.
struct Routed {
  std::int32_t partition;
  std::uint32_t line;  // index into SimDataset::lines
};

/// Observations to hash(key) % partitions, each crawl_end to every partition, in stream order.
std::vector<Routed> Route(const SimDataset& data, int partitions);

/// Integer from the environment, or `fallback` when unset or malformed.
long EnvOr(const char* name, long fallback);

/// Bytes allocated from the heap (glibc mallinfo2: arena in use + mmapped blocks).
std::size_t HeapInUse();
/// Resident bytes of this process (/proc/self/statm), 0 when unreadable.
std::size_t ResidentBytes();

/// A Meta listing sighting of distinct ad `i` (id 461290581348812 + i, one of 500 pages), by
/// default with spend, so every new ad also adds a window increment.
std::string SyntheticObservation(std::size_t i, bool spend = true);
/// Its Kafka key (`meta:<id>`), which the pipeline checks against the body.
std::string SyntheticKey(std::size_t i);

/// A fresh directory under $TMPDIR (default /tmp), removed with everything in it on
/// destruction. path() is empty when it could not be created.
class TempDir {
 public:
  explicit TempDir(const char* prefix = "adwatch_bench");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// Size of a file in bytes, 0 when it does not exist.
std::int64_t FileBytes(const std::string& path);

}  // namespace adwatch::bench
