#!/usr/bin/env bash
# Sets up, builds the test configuration (ASan + UBSan, warnings as errors)
# and runs every test. This is the command README.md and .ci/run give.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$(nproc)"
ctest --preset asan "$@"
