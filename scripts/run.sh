#!/usr/bin/env bash
# The main job: set up, build (release), and run the conformance corpus against
# the built-in engine under both profiles. Reports land in out/report/.
# Exit code: 0 all pass, 1 divergence, 2 usage/input error, 3 SUT/harness error.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)" --target ctconform
out=out/report
mkdir -p "$out"
rc=0
for profile in linux ovs-userspace; do
  build/default/cli/ctconform run --adapter "${CTC_ADAPTER:-builtin}" --suite corpora \
    --profile "$profile" --seed 1 \
    --junit "$out/$profile.junit.xml" --json "$out/$profile.json" \
    --report "$out/$profile.md" --artifacts "$out/$profile-divergences" || {
      status=$?
      # The worst outcome wins: 3 (harness error) > 2 (input error) > 1 (divergence).
      if [ "$status" -gt "$rc" ]; then rc=$status; fi
    }
done
# Both profiles side by side in one matrix.
build/default/cli/ctconform matrix "$out/linux.json" "$out/ovs-userspace.json" -o "$out/matrix.md"
echo "reports: $out/ (matrix.md: both profiles side by side)"
exit "$rc"
