#!/usr/bin/env bash
# The release build: the gateway compiled with profile-guided optimisation (`make
# release`; docs/performance.md, "Profile-guided optimisation"). Three steps in one build
# directory: an instrumented gateway, a ~20 s training run against the mock provider
# (loadtest/pgo/train.sh), the gateway compiled again with what it counted. About twice a
# plain build's time; the binary is DIR/tollgate (build-release unless given).
#   scripts/build-release.sh [DIR]
# The mock provider and the load generator come from the plain build (TOLLGATE_TOOLS_DIR,
# default build/, built here if missing). CMAKE_FLAGS are passed to both configures.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-release}
tools=${TOLLGATE_TOOLS_DIR:-build}
jobs=${JOBS:-$(nproc)}
read -r -a flags <<<"${CMAKE_FLAGS:-}"

if [[ ! -f "$tools/build.ninja" ]]; then
  cmake -S . -B "$tools" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${flags[@]}" >/dev/null
fi
cmake --build "$tools" -j "$jobs" --target mock-provider loadgen >/dev/null

configure() {
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTOLLGATE_TESTS=OFF \
    -DTOLLGATE_PGO="$1" "${flags[@]}" >/dev/null
}

echo "[release] 1/3 instrumented build in $dir" >&2
configure generate
profile_dir=$(sed -n 's/^TOLLGATE_PGO_DIR:PATH=//p' "$dir/CMakeCache.txt")
rm -rf "$profile_dir"
cmake --build "$dir" -j "$jobs" --target tollgate

echo "[release] 2/3 training run" >&2
loadtest/pgo/train.sh "$dir/tollgate" "$tools/mock-provider" "$tools/loadgen"
counted=$(find "$profile_dir" -name '*.gcda' | wc -l)
if [[ $counted -lt 50 ]]; then
  echo "[release] the training run left $counted profiles in $profile_dir: too few" >&2
  exit 1
fi

echo "[release] 3/3 optimised build ($counted profiles)" >&2
configure use
cmake --build "$dir" -j "$jobs" --target tollgate
echo "[release] $dir/tollgate" >&2
