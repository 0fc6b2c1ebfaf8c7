#!/usr/bin/env bash
# Runs the kernel-ovs live tests as one CTest test: in one process they share
# one VM (kernel_ovs_adapter_test.cpp), where one CTest test per case would
# boot one VM each. GoogleTest exits 0 when it skips, so a run in which any
# case skipped and none failed exits 77 (CTest "skipped"): without a VM image
# or qemu the tests are reported as skipped, with GoogleTest's reason in the
# output, never as passed. The whole output, timings included, stays in LOG.
#
#   live_tests.sh TEST_BINARY LOG
set -uo pipefail
test_binary=$1 log=$2
"$test_binary" --gtest_filter='KernelOvsLiveTest.*:KernelOvsAdapterSignals.*' 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
if ((rc == 0)) && grep -q '^\[  SKIPPED \]' "$log"; then
  echo "skipped: $(grep -m1 -A1 ': Skipped$' "$log" | tail -1)"
  exit 77
fi
exit "$rc"
