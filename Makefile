# ticd — the two commands a fresh Debian/Ubuntu machine with the Swift toolchain needs:
#   make demo    build, then run the ticd daemon on two small corpora (scripts/demo.sh; a few minutes)
#   make test    install what is missing, build and run the test suite
# Longer suites, each on its own (docs/testing.md, docs/benchmarks.md):
#   make fuzz    the mutation fuzzers of every parser of untrusted input, FUZZ_SECONDS per test method
#   make soak    the daemon killed at random moments for SOAK_SECONDS, compared with an uninterrupted run
#   make bench   throughput against the reference implementations
SHELL := /bin/bash
SWIFT ?= swift
# systemd brings systemd-analyze, systemd-sysusers and systemd-tmpfiles, which the tests check systemd/ with.
# curl: the socket tests and the demo ask the daemon with it; python3: the demo reads its JSON answers.
DEB_PACKAGES := pkg-config libsqlite3-dev libzstd-dev libopenblas-dev libjpeg-dev libpng-dev zlib1g-dev tar systemd curl python3
# Tests run in release: numeric code in a debug build is 10-100x slower.
TEST_FLAGS := -c release -Xswiftc -enable-testing --disable-swift-testing
DEMO_DIR ?= $(CURDIR)/demo-out
# Seconds each fuzz test method runs (`make fuzz`); TICD_FUZZ_SEED=N replays a run.
FUZZ_SECONDS ?= 60

.PHONY: all deps build test fuzz demo bench soak clean

all: build

deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "make deps: all system packages present"; fi

build: deps
	$(SWIFT) build -c release

test: deps
	$(SWIFT) build $(TEST_FLAGS) --build-tests
	$(SWIFT) test $(TEST_FLAGS) --skip-build --skip FuzzTests --skip SoakTests

# The *FuzzTests classes only: time-bounded, so not part of `make test`.
fuzz: deps
	$(SWIFT) build $(TEST_FLAGS) --build-tests
	TICD_FUZZ_SECONDS=$(FUZZ_SECONDS) $(SWIFT) test $(TEST_FLAGS) --skip-build --filter FuzzTests

# The daemon killed at random moments for SOAK_SECONDS, then compared with an uninterrupted run
# (Tests/ticdTests/DaemonSoakTests.swift; TICD_SOAK_SEED=N repeats a schedule).
SOAK_SECONDS ?= 300
soak: deps
	$(SWIFT) build $(TEST_FLAGS) --build-tests
	TICD_SOAK_SECONDS=$(SOAK_SECONDS) $(SWIFT) test $(TEST_FLAGS) --skip-build --filter SoakTests

demo: build
	bash scripts/demo.sh "$(DEMO_DIR)"

bench: build
	.build/release/ticd bench ingest
	.build/release/ticd bench plan
	.build/release/ticd bench train --model clip
	.build/release/ticd bench train --model gpt
	.build/release/ticd bench eval --model clip

clean:
	rm -rf .build demo-out
