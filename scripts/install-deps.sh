#!/usr/bin/env bash
# Installs everything tollgate's build, tests and benchmark need on Debian 12, and nothing
# twice: Debian packages through apt-get (only when one is missing), npm packages through
# `npm ci` from committed lock files. Safe to run again.
#   scripts/install-deps.sh                    build and run
#   scripts/install-deps.sh --with-test-tools  + what the tests need (the benchmark's too:
#                                              CI runs its quick mode; clang for fuzzing)
#   scripts/install-deps.sh --with-bench-tools + nginx, gnuplot and the peer gateway
#   scripts/install-deps.sh --no-node          the gateway alone, without its tests
#                                              (deploy/Dockerfile's build stage)
set -euo pipefail
cd "$(dirname "$0")/.."

test_tools=0
bench_tools=0
node=1
for arg in "$@"; do
  case "$arg" in
    --with-test-tools) test_tools=1 bench_tools=1 ;;
    --with-bench-tools) bench_tools=1 ;;
    --no-node) node=0 ;;
    *) echo "install-deps: unknown option $arg" >&2; exit 2 ;;
  esac
done

packages=(
  build-essential cmake ninja-build ccache pkg-config git ca-certificates
  libboost1.81-dev libboost-json1.81-dev libssl-dev libsimdjson-dev libyaml-cpp-dev
  zlib1g-dev libbrotli-dev catch2 libhiredis-dev libsqlite3-dev prometheus-cpp-dev
  curl openssl
  libutf8proc-dev
  libvectorscan-dev
  libhnswlib-dev
  libmaxminddb-dev
  libsystemd-dev
  libjemalloc-dev
)
((test_tools)) && packages+=(clang-format iproute2 redis-server sqlite3 prometheus)
# The geo tests write their own MaxMind database at test time (MaxMind::DB::Writer).
((test_tools)) && packages+=(libmaxmind-db-writer-perl)
# The fuzz targets (make test-fuzz, docs/fuzzing.md): clang 14 and its runtimes, libFuzzer
# and the sanitizers (libclang-rt-14-dev holds libclang_rt.fuzzer).
((test_tools)) && packages+=(clang-14 libclang-rt-14-dev)
# The deploy tests (tests/integration/deploy_*.test.mjs): python3 listens on the
# NOTIFY_SOCKET (node has no unix datagram sockets), kubectl renders deploy/k8s with its
# built-in kustomize (Debian's kubernetes-client, unless a kubectl is already there: both
# own /usr/bin/kubectl), systemd-analyze verifies the unit.
((test_tools)) && packages+=(python3)
((test_tools)) && ! command -v kubectl >/dev/null && packages+=(kubernetes-client)
((test_tools)) && ! command -v systemd-analyze >/dev/null && packages+=(systemd)
# The container tests (docs/deploy.md): podman, and runc for hosts where podman's default
# runtime cannot start a container; busybox-static makes the one-file image that probes
# it (unless a busybox is there: the two conflict); podman-compose reads compose.yaml;
# debootstrap makes debian:12 for `make test-image` without a registry.
((test_tools)) && packages+=(podman runc podman-compose debootstrap)
((test_tools)) && [ ! -e /bin/busybox ] && packages+=(busybox-static)
((bench_tools)) && packages+=(nginx-light gnuplot-nox procps util-linux redis-server libmaxmind-db-writer-perl)
# Node comes with the machine image (Node 20 with its own npm); Debian's only when absent.
((node)) && ! command -v node >/dev/null && packages+=(nodejs)
((node)) && ! command -v npm >/dev/null && packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  # Packages such as nginx start their service on install (listening on every address);
  # the benchmark starts its own on loopback, so keep services from starting meanwhile.
  policy=/usr/sbin/policy-rc.d
  made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod +x "$policy"
    made_policy=1
  fi
  trap '((made_policy)) && $SUDO rm -f "$policy"' EXIT
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages from a committed lock file, once per change of that file.
npm_ci() {
  local dir=$1 stamp=$1/node_modules/.install-stamp
  # A linked node_modules (a git worktree sharing another checkout's) belongs to that
  # checkout: `npm ci` would empty it under whoever else is using it.
  if [ -L "$dir/node_modules" ]; then
    echo "install-deps: $dir/node_modules is a link; leaving it to the checkout it points to"
    return 0
  fi
  if [ ! -f "$stamp" ] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
    cp "$dir/package-lock.json" "$stamp"
  fi
}
((test_tools)) && npm_ci tests/integration
((bench_tools)) && npm_ci loadtest/bench
exit 0
