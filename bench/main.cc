// The benchmark runner: Google Benchmark's main, plus tearing the embedded cluster down before
// exit (not during static destruction, while librdkafka threads may still run).
#include <benchmark/benchmark.h>

#include "kafka_bench.h"

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  adwatch::bench::ShutdownKafka();
  benchmark::Shutdown();
  return 0;
}
