#!/usr/bin/env bash
# Sets up, builds the test configuration (ASan + UBSan, warnings as errors)
# and runs every test. This is the command README.md and .ci/run give.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$(nproc)"
# The kernel-ovs adapter's VM image, cached (seconds when current, under a
# minute to build). Bounded; without it the kernel-ovs tests report skipped
# with the reason, and the run goes on.
timeout 600 scripts/kernel-ovs-image.sh >/dev/null ||
  echo "test.sh: no kernel-ovs VM image (above); the kernel-ovs tests will be skipped" >&2
ctest --preset asan "$@"
# Each libFuzzer target for a bounded time from its seeds (the `fuzz` preset,
# ASan+UBSan): a crash or a divergence fails the run. Only on a full run:
# arguments select tests (`scripts/test.sh -R NAME`), and then this is skipped.
if [ $# -eq 0 ]; then
  scripts/fuzz.sh ci 20
fi
