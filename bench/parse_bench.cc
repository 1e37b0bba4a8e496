// RapidJSON's SAX reader alone over the simulated lines, recursive (what the decoder uses, with
// limits.max_depth <= 256) and iterative, with a handler that does nothing: the floor under the
// JSON decoder (issue 15: the pipeline's target is 80% of BM_RapidjsonSaxRecursive). Like the
// decoder, each line is first copied into a reused buffer and parsed in place.
#include <benchmark/benchmark.h>

#include <string>

#include "bench_data.h"
#include "core/rapidjson.h"

namespace adwatch::bench {
namespace {

template <unsigned kFlags>
void BM_RapidjsonSax(benchmark::State& state) {
  const SimDataset& data = Sim();
  std::string buffer;
  rapidjson::Reader reader;
  rapidjson::BaseReaderHandler<> handler;
  std::size_t i = 0;
  std::int64_t bytes = 0;
  for (auto _ : state) {
    const std::string& line = data.lines[i];
    buffer.assign(line);
    rapidjson::InsituStringStream stream(buffer.data());
    benchmark::DoNotOptimize(reader.Parse<kFlags>(stream, handler));
    bytes += static_cast<std::int64_t>(line.size());
    if (++i == data.lines.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_RapidjsonSax<rapidjson::kParseIterativeFlag | rapidjson::kParseInsituFlag>)
    ->Name("BM_RapidjsonSaxIterative")
    ->MinTime(1.0);
BENCHMARK(BM_RapidjsonSax<rapidjson::kParseInsituFlag>)
    ->Name("BM_RapidjsonSaxRecursive")
    ->MinTime(1.0);

}  // namespace
}  // namespace adwatch::bench
