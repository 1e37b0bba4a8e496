#!/usr/bin/env bash
# Builds adwatch_bench in Release and runs it. Extra arguments go to the benchmark binary, e.g.
#   bench/run.sh --benchmark_filter=Pipeline
#   bench/run.sh --benchmark_format=json --benchmark_out=bench.json
# Sizes (environment): ADWATCH_BENCH_LINES (simulated lines, default 200000),
# ADWATCH_BENCH_ADS (simulated ads, default 5000), ADWATCH_BENCH_PARTITION_KIB (per-partition
# budget for the embedded cluster, default 4096; the mock keeps only ~5 MiB per partition),
# ADWATCH_BENCH_DISK_ADS (distinct ads for disk bytes per ad, default 100000),
# ADWATCH_BENCH_RESTART_ADS (ads in the restart store, default 1000000; needs ~150 MB in $TMPDIR).
# Durability only: bench/run.sh --benchmark_filter='Durable|NewAds|DiskBytes|Restart|Rebuild|Store'
# Scale (issue 15): bench/run.sh --benchmark_filter='Scale|YearOfCrawls'; ADWATCH_BENCH_SCALE_ADS
# (default 1000000), ADWATCH_BENCH_SCALE_5M=1 adds the 5M-ad run (~3 GB RAM, minutes),
# ADWATCH_BENCH_SCALE_SECONDS (each timed ingestion phase, default 10).
# Whole process vs kcat (issue 15): bench/run.sh --benchmark_filter=BM_Process; it runs the adwatch
# binary built beside the benchmark, or ADWATCH_BENCH_BINARY (e.g. an older build, to compare).

set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${ADWATCH_BENCH_BUILD_DIR:-$root/build/bench}"
jobs="${ADWATCH_BENCH_JOBS:-2}"

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DADWATCH_BUILD_TESTS=OFF \
  -DADWATCH_BUILD_BENCH=ON >/dev/null
cmake --build "$build" --target adwatch_bench adwatch -j"$jobs"
command -v kcat >/dev/null || echo "warning: kcat not found; BM_KafkaKcat will be skipped" >&2

exec "$build/bench/adwatch_bench" --benchmark_counters_tabular=true "$@"
