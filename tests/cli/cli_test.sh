#!/usr/bin/env bash
# End-to-end checks of the ctconform command: exit codes, error messages for
# bad input, reports written, determinism. Usage: cli_test.sh CTCONFORM EXAMPLE_SUT
set -u
ctc="$1"
example_sut="$2"
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

check() {  # check NAME EXPECTED_RC PATTERN -- command...
  local name="$1" want_rc="$2" pattern="$3"
  shift 4
  local out rc
  out="$("$@" 2>&1)"
  rc=$?
  if [ "$rc" -ne "$want_rc" ]; then
    echo "FAIL $name: exit $rc, expected $want_rc"; echo "$out" | head -20; failed=$((failed + 1)); return
  fi
  if [ -n "$pattern" ] && ! grep -qE -- "$pattern" <<<"$out"; then
    echo "FAIL $name: output lacks /$pattern/"; echo "$out" | head -20; failed=$((failed + 1)); return
  fi
  echo "ok   $name"; passed=$((passed + 1))
}

printf 'not a scenario\n' > "$work/bad.scenario"
printf 'ctconform-scenario 1\nname: x\nport 1\nsteps:\n  inject 1 tcp 10.0.0.1:1 > 10.0.0.2:2 S\n' > "$work/good.scenario"
printf 'ctconform-scenario 1\nname: y\nport 1\nsteps:\n  inject 1 pcap 0\n' > "$work/withpcap.scenario"
printf 'garbage' > "$work/withpcap.pcap"

check no-subcommand 2 "" -- "$ctc"
check unknown-option 2 "" -- "$ctc" run --frobnicate
check unknown-adapter 2 "unknown adapter 'nope'" -- "$ctc" run --adapter nope --suite "$work/good.scenario"
check unknown-profile 2 "unknown profile 'bsd'" -- "$ctc" run --profile bsd --suite "$work/good.scenario"
check missing-suite 2 "no such file or directory" -- "$ctc" run --suite "$work/none"
check malformed-scenario 2 "bad.scenario:1: expected 'ctconform-scenario 1'" -- "$ctc" run --adapter reference --suite "$work/bad.scenario"
check malformed-pcap 2 "withpcap.pcap" -- "$ctc" run --adapter reference --suite "$work/withpcap.scenario"
check bad-seed 2 "" -- "$ctc" run --seed minus-one
check external-without-command 2 "needs --external-cmd" -- "$ctc" run --adapter external --suite "$work/good.scenario"
check external-missing-program 3 "not found" -- "$ctc" run --adapter external --external-cmd no-such-program-xyz --suite "$work/good.scenario"
check list-adapters 0 "^builtin" -- "$ctc" list-adapters
check reference-vs-itself 0 "reference \(linux\): 1 scenarios: 1 pass" -- "$ctc" run --adapter reference --suite "$work/good.scenario"

# The whole corpus through the external protocol: the example SUT answers
# with the oracle, so everything passes or is skipped; reports are written.
for profile in linux ovs-userspace; do
  check "external-corpus-$profile" 0 " 0 diverge, .* 0 error" -- "$ctc" run --adapter external \
    --external-cmd "$example_sut" --suite "$root/corpora" --profile "$profile" --seed 3 \
    --junit "$work/$profile.xml" --json "$work/$profile.json" --report "$work/$profile.md"
done
check junit-written 0 "<testsuites name=\"ctconform\"" -- cat "$work/linux.xml"
check json-written 0 "\"format\": \"ctconform-report\"" -- cat "$work/linux.json"
check markdown-written 0 "## Conformance matrix" -- cat "$work/linux.md"

# Deterministic: the same run twice gives the same bytes.
"$ctc" run --adapter external --external-cmd "$example_sut" --suite "$root/corpora" --profile linux \
  --seed 3 --json "$work/again.json" >/dev/null 2>&1
check json-deterministic 0 "" -- cmp "$work/linux.json" "$work/again.json"

# Runs made separately, side by side in one matrix.
check matrix-side-by-side 0 "feature . external .linux. . external .ovs-userspace. " -- \
  "$ctc" matrix "$work/linux.json" "$work/ovs-userspace.json"
check matrix-bad-report 2 "bad JSON report" -- "$ctc" matrix "$work/linux.xml"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
