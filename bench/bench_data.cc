#include "bench_data.h"

#include <malloc.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <system_error>

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

std::string SyntheticKey(std::size_t i) { return "meta:" + std::to_string(461290581348812ULL + i); }

std::size_t ResidentBytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0, resident = 0;
  const int read = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  return read == 2 ? resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE)) : 0;
}

std::string SyntheticObservation(std::size_t i, bool spend) {
  std::string s = R"({"kind":"observation","registry":"meta","observed_at":"2019-12-09T06:12:00Z",)"
                  R"("crawl_id":"meta-GB-2019-12-09T06","lookup":"listing","status":"present",)"
                  R"("scope":"GB","ad":{"id":")";
  s += std::to_string(461290581348812ULL + i);
  s += R"(","page_id":")";
  s += std::to_string(8807334278ULL + i % 500);
  s += R"(","page_name":"Campaign page )";
  s += std::to_string(i % 500);
  s += R"(","bylines":"Conservative and Unionist Party","ad_creation_time":"2019-11-30",)"
       R"("ad_creative_bodies":["Get Brexit done. Invest in the NHS and schools."],)"
       R"("ad_delivery_start_time":"2019-12-01","currency":"GBP")";
  s += spend ? R"(,"spend":{"lower_bound":"100","upper_bound":"199"}}})" : "}}";
  return s;
}

TempDir::TempDir(const char* prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/" + prefix + "_XXXXXX";
  if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

std::int64_t FileBytes(const std::string& path) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<std::int64_t>(n);
}

}  // namespace adwatch::bench
