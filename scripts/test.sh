#!/usr/bin/env bash
# Builds the dev preset (ASan+UBSan) and runs the whole test suite: unit tests of every module,
# integration tests over the embedded Kafka cluster, promtool checks, end-to-end tests (real
# Prometheus over every dashboard, the live page in headless Chromium), deployment files.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset dev >/dev/null
cmake --build --preset dev -j"$(nproc)"
ctest --preset dev -j"$(nproc)" "$@"
