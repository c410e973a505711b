# The two commands: `make run` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
PRESET ?= release
BUILD := build/$(PRESET)
JOBS ?= $(shell nproc)

.PHONY: run test bootstrap build build-bin build-asan build-fuzz unit integration bench clean

# `make run` needs only the binary; `make test` builds everything.
run: bootstrap build-bin
	./scripts/demo

test: bootstrap build
	./scripts/test-all

bootstrap:
	./scripts/bootstrap

build:
	cmake --preset $(PRESET) >/dev/null
	cmake --build --preset $(PRESET) -j $(JOBS)

build-bin:
	cmake --preset $(PRESET) >/dev/null
	cmake --build --preset $(PRESET) -j $(JOBS) --target floodgate

build-asan:
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)

build-fuzz:
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS)

unit: build
	ctest --test-dir $(BUILD) -L unit --output-on-failure -j $(JOBS)

integration: build
	ctest --test-dir $(BUILD) -L integration --output-on-failure

bench: bootstrap build-bin
	./bench/proxy_vs_peers.sh

clean:
	rm -rf build
