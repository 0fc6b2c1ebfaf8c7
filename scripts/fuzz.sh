#!/usr/bin/env bash
# Coverage-guided fuzzing campaigns (libFuzzer) for ctconform's fuzz targets.
#
#   scripts/fuzz.sh build                     build the targets, `fuzz` preset (clang, ASan+UBSan)
#   scripts/fuzz.sh list                      the targets
#   scripts/fuzz.sh run TARGET [-j N] [-t SECONDS] [-- LIBFUZZER_ARGS...]
#                                             fuzz with N processes (-fork=N) for SECONDS,
#                                             then merge new inputs into the working corpus
#   scripts/fuzz.sh merge TARGET [--seeds]    minimise the working corpus (-merge=1); with
#                                             --seeds also refresh corpora/fuzz/TARGET/
#   scripts/fuzz.sh promote ARTIFACT [TARGET] minimise a crash or divergence and keep it as
#                                             a regression case (see below)
#   scripts/fuzz.sh seeds                     regenerate corpora/fuzz/*/ from corpora/**/*.scenario
#   scripts/fuzz.sh measure [SECONDS] [TARGET...]  run each target (default all) alone from
#                                             its seeds, print exec/s and coverage
#   scripts/fuzz.sh ci [SECONDS]              every target for SECONDS (default 20) from its
#                                             seeds; fails on any crash or divergence (CI)
#
# CTC_FUZZ_PRESET=fuzz-fast uses the build without sanitizers whose coverage
# counters sit on the built-in engine's conntrack only
# (fuzz/differential_coverage.allowlist):
# several times the executions per second of fuzz_differential, for long
# campaigns; the default `fuzz` preset (ASan+UBSan) also catches memory errors.
#
# Working state lives under build/fuzz-out/TARGET/: corpus/ (grows across runs),
# artifacts/ (libFuzzer crash-*, leak-*, timeout-* files) and divergences/
# (fuzz_differential's NAME.scenario + NAME.pcap + NAME.input).
#
# promote: ARTIFACT is a libFuzzer crash file, or a divergence's .input or
# .scenario. TARGET defaults to the build/fuzz-out/TARGET/ the artifact sits
# in, else fuzz_differential. The input is minimised (-minimize_crash=1);
# fuzz_differential cases become corpora/fuzz-found/NAME.scenario (+ .pcap),
# which the runner replays like every corpus scenario; other targets' cases
# go to corpora/fuzz/TARGET/, which CTest replays (fuzz_replay.TARGET).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

preset=${CTC_FUZZ_PRESET:-fuzz}
case $preset in fuzz|fuzz-fast) ;; *) echo "fuzz.sh: CTC_FUZZ_PRESET must be fuzz or fuzz-fast" >&2; exit 2 ;; esac
bin_dir=$root/build/$preset/fuzz
out_root=$root/build/fuzz-out
# Inputs beyond this only slow the fuzzer down: fuzz_differential stops
# decoding at 64 ops (4 + 64*20 bytes); the text and frame parsers get room
# for a jumbo frame or a long program.
declare -A max_len=([fuzz_differential]=1284 [fuzz_packet_parser]=9216 [fuzz_flow_parser]=8192
                    [fuzz_scenario_text]=16384 [fuzz_pcap_loader]=16384)

die() { echo "fuzz.sh: $*" >&2; exit 2; }

targets() {
  for f in "$root"/fuzz/fuzz_*.cpp; do basename "$f" .cpp; done
}

check_target() {
  local t
  for t in $(targets); do [ "$t" = "$1" ] && return 0; done
  die "unknown target '$1' (known: $(targets | tr '\n' ' '))"
}

# Only the fuzz targets and the seed tool: a campaign should not wait for
# (or fail on) the rest of the tree.
build() {
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" --target $(targets) ctc_fuzz_make_seeds
}

ensure_built() {
  [ -x "$bin_dir/$1" ] || build
}

# libFuzzer flags every run of TARGET shares.
common_flags() {
  local t=$1 flags=(-max_len="${max_len[$t]:-4096}" -print_final_stats=1)
  [ -f "$root/fuzz/dict/$t.dict" ] && flags+=(-dict="$root/fuzz/dict/$t.dict")
  echo "${flags[@]}"
}

# A target's working corpus, started from the committed seeds.
working_corpus() {
  local t=$1 dir=$out_root/$1/corpus
  mkdir -p "$dir" "$out_root/$t/artifacts" "$out_root/$t/divergences"
  if [ -d "$root/corpora/fuzz/$t" ] && [ -z "$(ls -A "$dir")" ]; then
    cp "$root/corpora/fuzz/$t"/* "$dir"/
  fi
  echo "$dir"
}

cmd_run() {
  local t=${1:-}; shift || true
  [ -n "$t" ] || die "usage: fuzz.sh run TARGET [-j N] [-t SECONDS] [-- ARGS]"
  check_target "$t"
  local jobs=1 seconds=600 extra=()
  while [ $# -gt 0 ]; do
    case $1 in
      -j) jobs=$2; shift 2 ;;
      -t) seconds=$2; shift 2 ;;
      --) shift; extra=("$@"); break ;;
      *) die "run: unknown option $1" ;;
    esac
  done
  ensure_built "$t"
  local corpus new
  corpus=$(working_corpus "$t")
  new=$out_root/$t/new
  rm -rf "$new" && mkdir -p "$new"
  # New inputs go to $new, so the merge below keeps only what adds coverage.
  local fork=()
  [ "$jobs" -gt 1 ] && fork=(-fork="$jobs")
  set +e
  CTC_FUZZ_ARTIFACT_DIR=$out_root/$t/divergences \
    "$bin_dir/$t" $(common_flags "$t") "${fork[@]}" -max_total_time="$seconds" \
    -artifact_prefix="$out_root/$t/artifacts/" "${extra[@]}" "$new" "$corpus"
  local rc=$?
  set -e
  merge_into "$t" "$corpus" "$new"
  rm -rf "$new"
  report_artifacts "$t"
  return $rc
}

# Minimises DIR... into CORPUS (keeping only inputs that add coverage).
merge_into() {
  local t=$1 corpus=$2; shift 2
  local merged=$out_root/$t/merged
  rm -rf "$merged" && mkdir -p "$merged"
  CTC_FUZZ_ARTIFACT_DIR=$out_root/$t/divergences \
    "$bin_dir/$t" -merge=1 -max_len="${max_len[$t]:-4096}" "$merged" "$corpus" "$@" 2>&1 |
    grep -E "MERGE-OUTER: [0-9]+ new files" || true
  rm -rf "$corpus" && mv "$merged" "$corpus"
}

cmd_merge() {
  local t=${1:-} seeds=${2:-}
  [ -n "$t" ] || die "usage: fuzz.sh merge TARGET [--seeds]"
  check_target "$t"
  ensure_built "$t"
  local corpus
  corpus=$(working_corpus "$t")
  merge_into "$t" "$corpus"
  echo "fuzz.sh: $t corpus: $(ls "$corpus" | wc -l) inputs, $(du -sh "$corpus" | cut -f1)"
  if [ "$seeds" = "--seeds" ]; then
    # Seeds are committed: keep the minimised set, and say how big it is.
    rm -rf "$root/corpora/fuzz/$t" && mkdir -p "$root/corpora/fuzz/$t"
    cp "$corpus"/* "$root/corpora/fuzz/$t"/
    echo "fuzz.sh: corpora/fuzz/$t now $(du -sh "$root/corpora/fuzz/$t" | cut -f1) (keep corpora/fuzz under 2 MB)"
  fi
}

report_artifacts() {
  local t=$1 found
  found=$(find "$out_root/$t/artifacts" "$out_root/$t/divergences" -type f \
          \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name '*.input' \) 2>/dev/null | sort)
  [ -z "$found" ] && return 0
  echo "fuzz.sh: $t left artifacts; keep each as a regression case with:"
  for f in $found; do echo "  scripts/fuzz.sh promote ${f#"$root"/} $t"; done
}

cmd_promote() {
  local artifact=${1:-} t=${2:-}
  [ -n "$artifact" ] && [ -f "$artifact" ] || die "usage: fuzz.sh promote ARTIFACT [TARGET]"
  artifact=$(realpath "$artifact")
  # A divergence's scenario stands for the .input written beside it.
  case $artifact in *.scenario) artifact=${artifact%.scenario}.input ;; esac
  [ -f "$artifact" ] || die "no input beside the scenario: $artifact"
  if [ -z "$t" ]; then
    case $artifact in
      "$out_root"/*) t=${artifact#"$out_root"/}; t=${t%%/*} ;;
      *) t=fuzz_differential ;;
    esac
  fi
  check_target "$t"
  ensure_built "$t"
  local work
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  local minimal=$work/minimal
  echo "fuzz.sh: minimising $artifact with $t" >&2
  set +e
  CTC_FUZZ_ARTIFACT_DIR=$work/scratch "$bin_dir/$t" -minimize_crash=1 -runs=20000 \
    -max_len="${max_len[$t]:-4096}" -exact_artifact_path="$minimal" "$artifact" >"$work/log" 2>&1
  set -e
  if [ ! -s "$minimal" ]; then
    # -minimize_crash needs the input to fail; one that no longer does is kept as it is.
    if CTC_FUZZ_ARTIFACT_DIR=$work/scratch "$bin_dir/$t" -runs=1 "$artifact" >"$work/log2" 2>&1; then
      echo "fuzz.sh: $artifact does not fail any more; keeping it unminimised" >&2
    fi
    cp "$artifact" "$minimal"
  fi
  if [ "$t" = fuzz_differential ]; then
    # The target writes the run as a scenario for any input with CTC_FUZZ_SCENARIO_OUT.
    CTC_FUZZ_SCENARIO_OUT=$work/scenario CTC_FUZZ_ARTIFACT_DIR=$work/scratch \
      "$bin_dir/$t" -runs=1 "$minimal" >"$work/log3" 2>&1 || true
    local scenario
    scenario=$(ls "$work"/scenario/*.scenario 2>/dev/null | head -1)
    [ -n "$scenario" ] || { cat "$work/log3" >&2; die "no scenario written for $minimal"; }
    local name dest=$root/corpora/fuzz-found
    name=$(basename "$scenario" .scenario)
    mkdir -p "$dest"
    cp "$scenario" "$dest/"
    [ -f "$work/scenario/$name.pcap" ] && cp "$work/scenario/$name.pcap" "$dest/"
    echo "fuzz.sh: promoted to corpora/fuzz-found/$name.scenario"
    sed -n '/diverges from the reference/,/^scenario:/p' "$work/log3" | sed '$d'
    local profile
    profile=$(sed -n 's/^profiles: *//p' "$dest/$name.scenario" | cut -d' ' -f1)
    echo "replay: ctconform replay corpora/fuzz-found/$name.scenario --adapter builtin --profile ${profile:-linux}"
  else
    local dest=$root/corpora/fuzz/$t name
    name=$(sha1sum "$minimal" | cut -c1-16)
    mkdir -p "$dest"
    cp "$minimal" "$dest/$name"
    echo "fuzz.sh: promoted to corpora/fuzz/$t/$name (CTest: fuzz_replay.$t)"
  fi
}

cmd_seeds() {
  ensure_built ctc_fuzz_make_seeds
  local tmp
  tmp=$(mktemp -d)
  "$bin_dir/ctc_fuzz_make_seeds" "$root/corpora" "$tmp"
  # Added to what is there: promoted cases (also in corpora/fuzz/TARGET/)
  # stay, and unchanged seeds overwrite themselves (files are named by content).
  for d in "$tmp"/*; do
    mkdir -p "$root/corpora/fuzz/$(basename "$d")"
    cp "$d"/* "$root/corpora/fuzz/$(basename "$d")/"
  done
  rm -rf "$tmp"
  du -sh "$root/corpora/fuzz"
}

# Runs TARGET alone from its seeds for SECONDS on one core; prints one line.
measure_one() {
  local t=$1 seconds=$2 dir log
  # The throwaway corpus lives in memory when the machine has a tmpfs:
  # libFuzzer writes every new input and deletes every reduced one, and on
  # a disk filesystem that churn cost up to 8% of a campaign's time
  # (ext4 inode allocation, perf), so the figure measured the disk rather
  # than the fuzzer.
  dir=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
  measure_dir=$dir  # removed also when interrupted: on tmpfs it holds memory
  trap 'rm -rf "$measure_dir"' EXIT
  log=$dir/log  # beside the corpus, not in it: libFuzzer would read it as an input
  mkdir "$dir/corpus"
  [ -d "$root/corpora/fuzz/$t" ] && cp "$root/corpora/fuzz/$t"/* "$dir/corpus"/ 2>/dev/null
  set +e
  CTC_FUZZ_ARTIFACT_DIR=$out_root/$t/divergences \
    "$bin_dir/$t" $(common_flags "$t") -max_total_time="$seconds" \
    -artifact_prefix="$out_root/$t/artifacts/" "$dir/corpus" >"$log" 2>&1
  local rc=$?
  set -e
  local execs cov ft
  execs=$(grep -oE 'average_exec_per_sec: +[0-9]+' "$log" | grep -oE '[0-9]+$' || echo "?")
  cov=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$log" | tail -1 | grep -oE 'cov: [0-9]+' | cut -d' ' -f2 || echo "?")
  ft=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$log" | tail -1 | grep -oE 'ft: [0-9]+' | cut -d' ' -f2 || echo "?")
  printf '%-20s exec/s %-8s cov %-6s ft %-7s %s\n' "$t" "$execs" "$cov" "$ft" \
    "$([ $rc -eq 0 ] && echo ok || echo "FAILED (rc $rc): see $out_root/$t/")"
  [ $rc -ne 0 ] && { grep -E "ERROR|diverges|SUMMARY" "$log" | head -5; cp "$log" "$out_root/$t/last.log"; }
  rm -rf "$dir"
  return $rc
}

cmd_measure() {
  local seconds=${1:-60} rc=0 chosen
  shift || true
  for t in "$@"; do check_target "$t"; done
  chosen=${*:-$(targets)}
  build >/dev/null
  for t in $chosen; do
    mkdir -p "$out_root/$t/artifacts" "$out_root/$t/divergences"
    measure_one "$t" "$seconds" || rc=1
  done
  return $rc
}

cmd_ci() {
  local seconds=${1:-20} rc=0
  build >/dev/null
  for t in $(targets); do
    mkdir -p "$out_root/$t/artifacts" "$out_root/$t/divergences"
    measure_one "$t" "$seconds" || { rc=1; report_artifacts "$t"; }
  done
  return $rc
}

case ${1:-} in
  build) build ;;
  list) targets ;;
  run) shift; cmd_run "$@" ;;
  merge) shift; cmd_merge "$@" ;;
  promote) shift; cmd_promote "$@" ;;
  seeds) cmd_seeds ;;
  measure) shift; cmd_measure "$@" ;;
  ci) shift; cmd_ci "$@" ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
