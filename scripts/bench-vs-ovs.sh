#!/usr/bin/env bash
# OVS's userspace conntrack against the built-in engine on the same workload:
# `ovstest test-conntrack benchmark 1 N 32` (one thread, N packets in batches
# of 32: one UDP connection committed in zone 0 over and over; see
# bench/ovs_compare_bench.cpp for what it does exactly) and
# BM_BuiltinOvsBenchmarkWorkload, which repeats that with FastConntrack.
# Prints both as ns per packet and million packets per second.
#
#   scripts/bench-vs-ovs.sh [BUILD_DIR] [N_PACKETS] [RUNS]
# BUILD_DIR defaults to build/default (release with debug info); the bench
# target is built there when missing. ovstest is built by
# scripts/build-ovstest.sh when missing. Machine load skews both figures:
# each is the best of RUNS runs (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build/default}"
n_packets="${2:-10000000}"
runs="${3:-5}"

ovstest="${CTC_OVSTEST:-}"
if [ -z "$ovstest" ]; then
  ovstest="$(scripts/build-ovstest.sh)"
fi
bench="$build/bench/ovs_compare_bench"
if [ ! -x "$bench" ]; then
  cmake --build "$build" --target ovs_compare_bench
fi

# test_benchmark prints "conntrack:  <ms> ms" (milliseconds of time_msec()).
best_ms=""
for _ in $(seq "$runs"); do
  ms="$("$ovstest" test-conntrack benchmark 1 "$n_packets" 32 | awk '/^conntrack:/ {print $2}')"
  if [ -z "$best_ms" ] || [ "$ms" -lt "$best_ms" ]; then best_ms="$ms"; fi
done

builtin_ns="$("$bench" --benchmark_filter='^BM_BuiltinOvsBenchmarkWorkload/' \
  --benchmark_repetitions="$runs" --benchmark_format=json 2>/dev/null |
  python3 -c '
import json, sys
runs = [b for b in json.load(sys.stdin)["benchmarks"] if b.get("run_type") == "iteration"]
print(min(1e9 / b["items_per_second"] for b in runs))')"

awk -v ms="$best_ms" -v n="$n_packets" -v bns="$builtin_ns" 'BEGIN {
  ovs_ns = ms * 1e6 / n
  printf "workload: one UDP connection, commit in zone 0, batches of 32 (test-conntrack benchmark)\n"
  printf "OVS conntrack (ovstest, %d packets): %8.1f ns/packet  %6.2f Mpps  (%d ms)\n", n, ovs_ns, 1e3 / ovs_ns, ms
  printf "built-in FastConntrack:              %8.1f ns/packet  %6.2f Mpps\n", bns, 1e3 / bns
  printf "built-in / OVS speed:                %8.2fx\n", ovs_ns / bns
}'
