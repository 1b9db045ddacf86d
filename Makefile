# The two commands of the README, and the steps they are made of.
# `make up`   installs what is missing, builds, and runs the local stack.
# `make test` installs what is missing, builds, and runs every test.

SHELL := /bin/bash
JOBS  ?= $(shell nproc)
FUZZ_SECONDS ?= 60
CTEST_ARGS ?=

.PHONY: up test deps policy-tools build release fuzz fuzz-run unit integration test-terraform test-faults monitor format format-check bench clean

up: deps release
	@scripts/up.sh

test: deps policy-tools build release fuzz
	ctest --preset dev -j $(JOBS) $(CTEST_ARGS)
	@$(MAKE) --no-print-directory fuzz-run

deps:
	@scripts/deps/install.sh

# Test-only npm tools, pinned by tests/policy/package-lock.json (never linked or shipped): the IAM
# evaluator of the deploy role's policy and the workflow schema validator. npm ci again only when
# the lock file changed.
policy-tools:
	@[ tests/policy/node_modules/.package-lock.json -nt tests/policy/package-lock.json ] || \
		npm ci --prefix tests/policy --no-audit --no-fund

build:
	cmake --preset dev >/dev/null
	cmake --build --preset dev -j $(JOBS)

release:
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

fuzz:
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS)

fuzz-run: fuzz
	@scripts/fuzz.sh $(FUZZ_SECONDS)

unit: build
	ctest --preset dev -L unit -j $(JOBS)

integration: build
	ctest --preset dev -L integration $(CTEST_ARGS)

# The Terraform checks alone: fmt, validate, policy tests, and the apply against moto.
test-terraform: policy-tools
	cmake --preset dev >/dev/null
	ctest --preset dev -L terraform $(CTEST_ARGS)

# Every cell of the fault-injection suites (tests/integration/vm_faults_test.py, ~8 min, and
# ecs_faults_test.py, ~1.5 min; `make test` runs their fast subsets). SEED=N replays another vm
# cell order; the table goes to build/faults.jsonl.
test-faults: build
	rm -f build/faults.jsonl
	cd tests/integration && SLIPWAY_FAULT_SWEEP=full SLIPWAY_FAULT_SEED=$${SEED:-13} \
		SLIPWAY_FAULT_REPORT=$(CURDIR)/build/faults.jsonl SLIPWAY_BUILD_DIR=$(CURDIR)/build/dev \
		SLIPWAY_SOURCE_DIR=$(CURDIR) python3 vm_faults_test.py -v
	cd tests/integration && SLIPWAY_FAULT_SWEEP=full \
		SLIPWAY_FAULT_REPORT=$(CURDIR)/build/faults.jsonl SLIPWAY_BUILD_DIR=$(CURDIR)/build/dev \
		SLIPWAY_SOURCE_DIR=$(CURDIR) python3 ecs_faults_test.py -v

# Prometheus (from Debian) scraping the local stack, with the alert rules of ops/prometheus.
monitor: deps
	@scripts/monitor.sh

format:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

format-check:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror

bench: deps release
	bench/http/run.sh

clean:
	rm -rf build
