#!/usr/bin/env bash
# Runs the regression corpus against one adapter and profile through the
# real command line; passes when ctconform exits 0 (every scenario passes,
# is skipped with a reason, or is a listed known divergence). Exits 77 (CTest
# "skipped") with the reason when the adapter cannot run on this machine, so a
# missing system is never counted as a pass.
set -euo pipefail
ctconform=$1 adapter=$2 profile=$3 suite=$4
line=$("$ctconform" list-adapters | awk -v id="$adapter" '$1 == id')
if [[ "$line" != *$'\tavailable'* ]]; then
  echo "skipped: adapter $adapter is not available here: $line"
  exit 77
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$ctconform" run --adapter "$adapter" --profile "$profile" --suite "$suite" --seed 1 \
  --junit "$out/junit.xml" --json "$out/report.json" --report "$out/report.md"
