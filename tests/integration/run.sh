#!/bin/sh
# The integration suite, as ctest runs it: two files at a time, then the few that load the
# machine or measure CPU on their own.
#
# Each file starts its own gateway, mock provider and servers on free loopback ports, and
# spends most of its time waiting on them, so two at once take about half the time (the
# sanitized run: 196 s against 378). The files below run alone after the others: they
# drive the load generator for seconds, assert how much CPU an idle or polling gateway
# uses, or hold Redis leases of 200 ms that must be renewed in time (under ASan with a
# neighbour, one renewal came late), and a neighbour would make both sides flaky.
#   tests/integration/run.sh [CONCURRENCY]   (TOLLGATE_TEST_CONCURRENCY, 2 unless given)
# NODE: the node binary (ctest passes the one CMake found; `node` on the PATH otherwise).
cd "$(dirname "$0")" || exit 1
concurrency=${1:-${TOLLGATE_TEST_CONCURRENCY:-2}}
node=${NODE:-node}
alone="idle_polling_trades_cpu_for_wakeups.test.mjs
redis_leases_never_pass_a_limit.test.mjs
release_training_run_works.test.mjs
reload_under_load_loses_nothing.test.mjs"

together=$(ls ./*.test.mjs | sed 's#^\./##' | grep -v -x -F "$alone")
status=0
# shellcheck disable=SC2086 # one word per file name (none has a space)
"$node" --test --test-concurrency="$concurrency" --test-reporter=spec $together || status=1
# shellcheck disable=SC2086
"$node" --test --test-concurrency=1 --test-reporter=spec $alone || status=1
exit $status
