# The two commands (README): `make run` and `make test`. Both install what they need.
BUILD ?= build
FUZZ_BUILD ?= build-fuzz
FUZZ_CXX ?= clang++-14
FUZZ_SECONDS ?= 300
JOBS ?= $(shell nproc)
CONFIG ?= conf/tollgate.yaml
CMAKE_FLAGS ?=

.PHONY: deps test-deps configure build release run test test-fast test-asan fuzz-build test-fuzz fuzz bench bench-quick format clean image test-image

deps:
	scripts/install-deps.sh

test-deps:
	scripts/install-deps.sh --with-test-tools

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# The gateway as it should run in production: compiled with profile-guided optimisation
# (scripts/build-release.sh: two compiles of the gateway and a training run), in
# build-release/. Of the plain build it needs only the mock provider and the load
# generator, which the script builds.
RELEASE_BUILD ?= build-release
release: deps
	CMAKE_FLAGS="$(CMAKE_FLAGS)" JOBS=$(JOBS) TOLLGATE_TOOLS_DIR=$(BUILD) scripts/build-release.sh $(RELEASE_BUILD)

run: build
	$(BUILD)/tollgate --config $(CONFIG)

# Every test: unit and integration on the release build, then again under ASan+UBSan,
# then each fuzz target for a short while (scripts/test-all.sh). The sanitized run and
# the fuzz targets share one clang build (the fuzz build instruments every library with
# ASan+UBSan already), which compiles at idle priority while the release tests run.
test: test-deps build
	FUZZ_CXX=$(FUZZ_CXX) CMAKE_FLAGS="$(CMAKE_FLAGS)" scripts/test-all.sh $(BUILD) $(FUZZ_BUILD) $(JOBS)

test-fast: test-deps build
	cd $(BUILD) && ctest --output-on-failure

# libFuzzer targets (docs/fuzzing.md) and the sanitized unit and integration tests: clang,
# ASan+UBSan, a build directory of their own. The integration tests drive the release
# build's mock provider and load generator (TOLLGATE_TOOLS_DIR).
fuzz-build: test-deps
	cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_COMPILER=$(FUZZ_CXX) -DTOLLGATE_FUZZ=ON -DTOLLGATE_TOOLS_DIR=$(CURDIR)/$(BUILD) $(CMAKE_FLAGS)
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target tollgate unit_tests fuzz_targets

test-asan: build fuzz-build
	cd $(FUZZ_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  TOLLGATE_SANITIZED=1 ctest --output-on-failure -LE 'benchmark|fuzz'

# Each target replays its regressions, then fuzzes for 20 s (TOLLGATE_FUZZ_SECONDS).
test-fuzz: fuzz-build
	cd $(FUZZ_BUILD) && ctest --output-on-failure -L fuzz -j $(JOBS) --timeout 600

# The same, FUZZ_SECONDS each (300 unless given); what they find stays in $(FUZZ_BUILD)/fuzz/.
fuzz: fuzz-build
	cd $(FUZZ_BUILD) && FUZZ_SECONDS=$(FUZZ_SECONDS) ctest --output-on-failure -L fuzz -j $(JOBS) \
	  --timeout $$(( $(FUZZ_SECONDS) * 2 + 300 ))

# The container image (docs/deploy.md): podman, with debian:12 made by debootstrap when
# podman has none. test-image builds it and runs it as a user would (the README's curl,
# HEALTHCHECK, SIGTERM); minutes of work, so `make test` only checks that podman can start
# a container here.
image:
	scripts/build-image.sh

test-image: test-deps
	TOLLGATE_IMAGE_BUILD=1 TOLLGATE_SOURCE_DIR=$(CURDIR) node --test --test-reporter=spec \
	  tests/integration/deploy_image_serves_the_readme_curl.test.mjs

bench:
	loadtest/bench.sh

bench-quick:
	loadtest/bench.sh --quick

# Every source folder, the same files as the `format` ctest.
format:
	scripts/format.sh

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) $(RELEASE_BUILD)
