#!/usr/bin/env bash
# `make test` after the release build: the release tests, then the sanitized unit and
# integration tests with each fuzz target running for a short while beside them. Stops at
# the first failure.
#
# The sanitized build (clang, ASan+UBSan, the fuzz targets) compiles in the background
# while the release tests run: those spend most of their time waiting on sockets and
# timers, and the build takes that time. It runs in a session of its own (setsid below),
# which on a kernel with autogroup scheduling (this machine's) is a group of its own
# too: while the tests want the CPU it gets about half of it, not nothing, whatever its
# idle class (which only orders it within its group). The tests allow for a loaded
# machine (their waits are bounded, not tight). Starting it beside the release build
# instead was tried: both builds want every core, so they would have finished together
# ~21 minutes in and left the tests' waiting time unused (stopped there: ~31 minutes in
# all, projected, against 25.5).
#   scripts/test-all.sh BUILD FUZZ_BUILD JOBS
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
fuzz_build=${2:-build-fuzz}
jobs=${3:-$(nproc)}
fuzz_cxx=${FUZZ_CXX:-clang++-14}

cmake -S . -B "$fuzz_build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER="$fuzz_cxx" -DTOLLGATE_FUZZ=ON -DTOLLGATE_TOOLS_DIR="$PWD/$build" \
  ${CMAKE_FLAGS:-} >/dev/null

log="$fuzz_build/background-build.log"
idle=(chrt --idle 0)
"${idle[@]}" true 2>/dev/null || idle=(nice -n 19)
# Each background job leads a process group of its own (setsid: a job of this script is
# not a group leader, so setsid needs no fork and $! is the leader): when a foreground
# phase fails, the trap stops the whole job, compilers or fuzzers included.
stop_background() { kill -- "-$background" 2>/dev/null || true; }
setsid "${idle[@]}" cmake --build "$fuzz_build" -j "$jobs" --target tollgate unit_tests fuzz_targets \
  >"$log" 2>&1 &
background=$!
trap stop_background EXIT

started=$SECONDS
(cd "$build" && ctest --output-on-failure)
echo "test-all: release tests took $((SECONDS - started)) s"

started=$SECONDS
if ! wait "$background"; then
  cat "$log"
  echo "test-all: the sanitized build failed" >&2
  exit 1
fi
trap - EXIT
echo "test-all: the sanitized build finished $((SECONDS - started)) s after the release tests"

# The fuzz targets run beside the sanitized tests, in a session of their own too: they
# have no timing of their own to keep (each fuzzes for a fixed time and fails only on a
# finding).
fuzz_log="$fuzz_build/fuzz-targets.log"
(cd "$fuzz_build" && exec setsid "${idle[@]}" ctest --output-on-failure -L fuzz -j "$jobs" \
  --timeout 600) >"$fuzz_log" 2>&1 &
background=$!
trap stop_background EXIT

started=$SECONDS
(cd "$fuzz_build" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 TOLLGATE_SANITIZED=1 \
  ctest --output-on-failure -LE 'benchmark|fuzz')
echo "test-all: sanitized tests took $((SECONDS - started)) s"

started=$SECONDS
if ! wait "$background"; then
  cat "$fuzz_log"
  echo "test-all: a fuzz target failed" >&2
  exit 1
fi
trap - EXIT
tail -n 4 "$fuzz_log"
echo "test-all: the fuzz targets finished $((SECONDS - started)) s after the sanitized tests"
