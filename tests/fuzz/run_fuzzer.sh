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

flags=(-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$artifacts/" "$@")
[ -f "$dict" ] && flags+=(-dict="$dict")
export ASAN_OPTIONS=${ASAN_OPTIONS:-}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# What libFuzzer left behind when it failed: the input to replay.
report_failure() {
  local what=$1
  echo "fuzz-$name: FAILED ($what); the end of $log:"
  tail -n 60 "$log"
  local input
  input=$(ls -t "$artifacts"/{crash,leak,timeout,oom}-* 2>/dev/null | head -n 1)
  if [ -n "$input" ]; then
    echo "fuzz-$name: reproducer: $input"
    echo "fuzz-$name: replay it:  $binary $input"
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
    # Files given as arguments are run once each; the failing one is named in the log.
    echo "fuzz-$name: a regression input fails again:"
    grep -E "^Running: " "$log" | tail -n 1
    report_failure "regression"
  fi
  echo "fuzz-$name: ${#replay[@]} regression input(s) pass"
fi

timeout -k 10 "$limit" "$binary" "${flags[@]}" -max_total_time="$seconds" -print_final_stats=1 \
  "$workdir/corpus" "$seeds" >"$log" 2>&1
status=$?
if ((status != 0)); then
  report_failure "exit status $status"
fi
runs=$(grep -E "^stat::number_of_executed_units:" "$log" | awk '{print $2}')
cov=$(grep -E "#[0-9]+ +(DONE|NEW|REDUCE|pulse|INITED)" "$log" | tail -n 1 | grep -oE "cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*")
echo "fuzz-$name: ${runs:-?} inputs in ${seconds}s, no failure (${cov:-no coverage line})"
