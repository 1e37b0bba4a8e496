#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 machine and starts the demo: installs the packages,
# builds the release preset and runs `adwatch demo` (extra arguments are passed on).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target adwatch
exec build/release/adwatch demo "$@"
