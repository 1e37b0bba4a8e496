#!/usr/bin/env bash
# Builds the dev preset (ASan+UBSan) and runs the whole test suite: unit tests of every module,
# integration tests over the embedded Kafka cluster, promtool checks, end-to-end tests (real
# Prometheus over every dashboard, the live page in headless Chromium), deployment files; then
# builds the fuzz preset (clang, libFuzzer) and runs each fuzz target for 45 s from its seed
# corpus (docs/SECURITY.md); and builds the release binary. Arguments go to the dev ctest run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset dev >/dev/null
cmake --build --preset dev -j"$(nproc)"
ctest --preset dev -j"$(nproc)" "$@"
# The release binary is what the README's first command builds: it must compile too (GCC's
# optimiser reports warnings the debug build never sees).
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target adwatch
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j"$(nproc)"
ctest --preset fuzz -j"$(nproc)"
