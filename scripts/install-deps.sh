#!/usr/bin/env bash
# Installs everything tollgate's build and tests need on Debian 12, and nothing twice:
# Debian packages through apt-get (only when one is missing), the integration tests'
# npm packages through `npm ci`. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build ccache pkg-config git ca-certificates
  libboost1.81-dev libboost-json1.81-dev libssl-dev libsimdjson-dev libyaml-cpp-dev
  zlib1g-dev libbrotli-dev catch2
  curl openssl
)
# Only the test run needs these: the format check.
[ "${1:-}" = "--with-test-tools" ] && packages+=(clang-format)
missing=()
# Node comes with the machine image (Node 20 with its own npm); Debian's only when absent.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ "${1:-}" = "--with-test-tools" ]; then
  lock=tests/integration/package-lock.json
  stamp=tests/integration/node_modules/.install-stamp
  if [ ! -f "$stamp" ] || ! cmp -s "$lock" "$stamp"; then
    npm ci --prefix tests/integration --no-audit --no-fund --loglevel=error
    cp "$lock" "$stamp"
  fi
fi
