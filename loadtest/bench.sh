#!/usr/bin/env bash
# The overhead benchmark in one command, from a fresh clone: installs nginx, gnuplot and
# the peer gateway (Portkey, from npm), builds the plain and the release (profile-guided)
# binaries, then runs loadtest/bench/bench.mjs, which writes
# loadtest/results/<date>-<commit>.{json,md,png}.
#   loadtest/bench.sh            full run (~21 min on 2 cores, and ~17 for the release build)
#   loadtest/bench.sh --quick    ~30 s smoke run (CI), results in a temp dir unless --out
# Other flags go to bench.mjs: --out DIR, --build DIR, --tollgate BIN, --no-peer.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --with-bench-tools
make build >/dev/null
cmake --build build --target loadgen >/dev/null

extra=()
if [[ " $* " == *" --quick "* ]]; then
  if [[ " $* " != *" --out "* ]]; then
    extra=(--out "$(mktemp -d /tmp/tollgate-bench-quick.XXXXXX)")
  fi
else
  # A full run measures the gateway as it should run in production: the release build,
  # profile-guided (scripts/build-release.sh; the quick run keeps the plain build).
  scripts/build-release.sh build-release
  extra=(--tollgate build-release/tollgate)
fi
exec node loadtest/bench/bench.mjs "$@" "${extra[@]}"
