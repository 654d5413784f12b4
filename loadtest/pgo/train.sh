#!/usr/bin/env bash
# The training run of the release build (scripts/build-release.sh): an instrumented
# gateway serves the load generator's mixes through the mock provider for ~20 s, then
# stops on SIGTERM, when it writes the counts its optimised build is compiled with.
#   loadtest/pgo/train.sh GATEWAY MOCK_PROVIDER LOADGEN
# (the mock provider and the load generator of the plain build). Loopback only; every
# wait is bounded. tests/integration/release_training_run_works.test.mjs runs it with the
# plain gateway, so a config or load-generator change cannot break `make release` unseen.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
gateway=$1
mock=$2
loadgen=$3

work=$(mktemp -d /tmp/tollgate-pgo.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# A loopback port nothing listens on (a connection to it is refused).
free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  echo "no free port" >&2
  exit 1
}
# wait_for_port PORT PID LOG: until PORT accepts, or PID has exited (its LOG then says why).
wait_for_port() {
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  echo "nothing listens on $1:" >&2
  tail -20 "$3" >&2
  exit 1
}

export PGO_PORT PGO_ADMIN_PORT PGO_MOCK_PORT PGO_STATE="$work"
PGO_MOCK_PORT=$(free_port)
"$mock" --listen "127.0.0.1:$PGO_MOCK_PORT" --threads 1 >/dev/null 2>"$work/mock.stderr" &
pids+=($!)
wait_for_port "$PGO_MOCK_PORT" $! "$work/mock.stderr"
PGO_PORT=$(free_port)
PGO_ADMIN_PORT=$(free_port)
while [[ $PGO_ADMIN_PORT == "$PGO_PORT" || $PGO_ADMIN_PORT == "$PGO_MOCK_PORT" ]]; do
  PGO_ADMIN_PORT=$(free_port)
done
"$gateway" --config "$here/training.yaml" >"$work/stdout" 2>"$work/stderr" &
gateway_pid=$!
pids+=("$gateway_pid")
wait_for_port "$PGO_PORT" "$gateway_pid" "$work/stderr"

load() {
  "$loadgen" --url "http://127.0.0.1:$PGO_PORT/v1/chat/completions" \
    --key tg-train-key-0123456789 --quiet "$@" | grep requests
}
# What the benchmark sends (looked up in the cache, missed, not kept), closed and open
# loop; prompts with personal data (cards are refused: 400s are part of the path); long
# prompts; streams; one prompt repeated (cache hits).
load --concurrency 64 --duration 5s --header "cache-control: no-store"
load --rate 2000 --connections 64 --duration 3s --header "cache-control: no-store"
load --concurrency 32 --duration 3s --mix pii --header "cache-control: no-store" || true
load --concurrency 32 --duration 2s --mix long-chat --header "cache-control: no-store"
load --concurrency 32 --duration 3s --stream --header "cache-control: no-store"
load --concurrency 32 --duration 2s --mix repeat
load --concurrency 32 --duration 2s --mix mixed

# The counts are written when the process exits: a clean exit, or no profile.
kill -TERM "$gateway_pid"
status=0
wait "$gateway_pid" || status=$?
if [[ $status -ne 0 ]]; then
  echo "the instrumented gateway exited with $status:" >&2
  tail -20 "$work/stderr" >&2
  exit 1
fi
