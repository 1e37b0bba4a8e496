#include "bench_data.h"

#include <malloc.h>

#include <cstdlib>
#include <functional>

#include "sim/uk2019_simulator.h"
#include "source/replay.h"

namespace adwatch::bench {

long EnvOr(const char* name, long fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char* end = nullptr;
  const long n = std::strtol(v, &end, 10);
  return (end != nullptr && *end == '\0' && n > 0) ? n : fallback;
}

const SimDataset& Sim() {
  static const SimDataset data = [] {
    SimDataset d;
    const long max_lines = EnvOr("ADWATCH_BENCH_LINES", 200000);
    d.ads = static_cast<int>(EnvOr("ADWATCH_BENCH_ADS", 5000));
    sim::Uk2019Simulator simulator(sim::SimOptions{"uk2019", 2019, d.ads});
    std::string line;
    d.lines.reserve(static_cast<std::size_t>(max_lines));
    while (static_cast<long>(d.lines.size()) < max_lines && simulator.Next(&line)) {
      bool crawl_end = false;
      d.keys.push_back(Replayer::KeyOf(line, &crawl_end));
      d.crawl_end.push_back(crawl_end);
      d.crawl_ends += crawl_end ? 1 : 0;
      d.bytes += line.size();
      d.lines.push_back(line);
    }
    return d;
  }();
  return data;
}

std::vector<Routed> Route(const SimDataset& data, int partitions) {
  std::vector<Routed> out;
  out.reserve(data.lines.size() + data.crawl_ends * static_cast<std::size_t>(partitions));
  const auto n = static_cast<std::size_t>(partitions);
  for (std::size_t i = 0; i < data.lines.size(); ++i) {
    const auto line = static_cast<std::uint32_t>(i);
    if (data.crawl_end[i]) {
      for (std::int32_t p = 0; p < partitions; ++p) out.push_back({p, line});
    } else {
      const std::size_t h = std::hash<std::string_view>{}(data.keys[i]);
      out.push_back({static_cast<std::int32_t>(h % n), line});
    }
  }
  return out;
}

std::size_t HeapInUse() {
  const struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

}  // namespace adwatch::bench
