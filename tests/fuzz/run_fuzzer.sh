#!/usr/bin/env bash
# Runs one fuzz target: first every input in tests/fuzz/regressions/<name>/ (each once),
# then libFuzzer for a bounded time from the seed corpus tests/fuzz/corpus/<name>/ and
# the inputs earlier runs kept in <workdir>/corpus. Fails, printing the reproducer's
# path, when an input crashes, leaks, hangs or runs out of memory.
#   run_fuzzer.sh BINARY NAME SECONDS WORKDIR [libFuzzer flags...]
# FUZZ_SECONDS in the environment overrides SECONDS (`make fuzz` runs longer).
set -uo pipefail
binary=$1 name=$2 seconds=${FUZZ_SECONDS:-$3} workdir=$4
shift 4
here=$(cd "$(dirname "$0")" && pwd)
seeds=$here/corpus/$name
regressions=$here/regressions/$name
dict=$here/$name.dict
artifacts=$workdir/artifacts
mkdir -p "$workdir/corpus" "$artifacts"
log=$workdir/last-run.log

# The extra flags (-max_len) are for fuzzing only: libFuzzer cuts a replayed file to
# -max_len, and a regression input may be longer.
flags=(-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$artifacts/")
fuzz_flags=("$@")
[ -f "$dict" ] && fuzz_flags+=(-dict="$dict")
export ASAN_OPTIONS=${ASAN_OPTIONS:-}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Prints why the run failed and the input that makes it fail, then exits 1.
#   report_failure WHAT [INPUT]   (without INPUT: the newest input libFuzzer saved)
report_failure() {
  local what=$1 input=${2:-}
  echo "fuzz-$name: FAILED ($what); the end of $log:"
  tail -n 60 "$log"
  [ -n "$input" ] || input=$(ls -t "$artifacts"/{crash,leak,timeout,oom}-* 2>/dev/null | head -n 1)
  if [ -n "$input" ]; then
    echo "fuzz-$name: reproducer: $input"
    echo "fuzz-$name: replay it:  $binary $input"
    [[ $input == "$regressions"/* ]] ||
      echo "fuzz-$name: once fixed, keep it: cp $input $regressions/<what-it-is>"
  fi
  exit 1
}

# A safety net over libFuzzer's own -max_total_time (it stops between inputs only).
limit=$((seconds * 2 + 120))

shopt -s nullglob
replay=("$regressions"/*)
if ((${#replay[@]})); then
  if ! timeout -k 10 "$limit" "$binary" "${flags[@]}" "${replay[@]}" >"$log" 2>&1; then
    # Files given as arguments are run once each, in order; the log names the last one.
    failing=$(grep -E "^Running: " "$log" | tail -n 1 | sed 's/^Running: //')
    report_failure "a regression input fails again" "$failing"
  fi
  echo "fuzz-$name: ${#replay[@]} regression input(s) pass"
fi

timeout -k 10 "$limit" "$binary" "${flags[@]}" "${fuzz_flags[@]}" -max_total_time="$seconds" \
  -print_final_stats=1 \
  "$workdir/corpus" "$seeds" >"$log" 2>&1
status=$?
if ((status != 0)); then
  report_failure "exit status $status"
fi
runs=$(grep -E "^stat::number_of_executed_units:" "$log" | awk '{print $2}')
cov=$(grep -E "#[0-9]+[[:space:]]+(DONE|NEW|REDUCE|pulse|INITED)" "$log" | tail -n 1 | grep -oE "cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*")
echo "fuzz-$name: ${runs:-?} inputs in ${seconds}s, no failure (${cov:-no coverage line})"
