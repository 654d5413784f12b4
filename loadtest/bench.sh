#!/usr/bin/env bash
# The overhead benchmark in one command, from a fresh clone: installs nginx, gnuplot and
# the peer gateway (Portkey, from npm), builds the release binaries, then runs
# loadtest/bench/bench.mjs, which writes loadtest/results/<date>-<commit>.{json,md,png}.
#   loadtest/bench.sh            full run (~17 min on 2 cores)
#   loadtest/bench.sh --quick    ~30 s smoke run (CI), results in a temp dir unless --out
# Other flags go to bench.mjs: --out DIR, --build DIR, --no-peer.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --with-bench-tools
make build >/dev/null
cmake --build build --target loadgen >/dev/null

extra=()
if [[ " $* " == *" --quick "* && " $* " != *" --out "* ]]; then
  extra=(--out "$(mktemp -d /tmp/tollgate-bench-quick.XXXXXX)")
fi
exec node loadtest/bench/bench.mjs "$@" "${extra[@]}"
