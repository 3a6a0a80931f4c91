# Sprig — build, run and test. `make run` and `make test` are the two
# commands a newcomer needs; both install their Debian packages first.
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= Config/sprig.dev
BOARD ?= aarch64
SMOKE_BOARDS ?= aarch64
OUT := out

.PHONY: all deps deps-host build run test unit embedded-check board boards qemu-smoke fuzz bench clean

all: build

deps-host:
	@Tests/tools/deps.sh

deps:
	@Tests/tools/deps.sh --all

build: deps-host
	$(SWIFT) build -c release

# Runs sprigd in the foreground on 127.0.0.1:5353 with the development config.
run: build
	.build/release/sprigd -c $(CONFIG)

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	@echo "== all test stages passed"

clean:
	rm -rf .build .build-* $(OUT)
