# The two commands: `make run` and `make test`. Everything else is a convenience.
SHELL := /bin/bash
CARGO ?= cargo
TEST_THREADS ?= 8

.PHONY: run release test check fmt clippy schema deps test-deps seed-scale

## Build and start Rapport at http://127.0.0.1:8080 (private PostgreSQL + demo data
## when DATABASE_URL is unset).
run: deps
	$(CARGO) run --locked --bin rapport -- serve

## The same, with an optimised build (slower to build, faster to run; use for benchmarks).
release: deps
	$(CARGO) run --locked --release --bin rapport -- serve

## Every test: unit, integration (real PostgreSQL), browser (headless Chromium).
test: test-deps
	$(CARGO) test --locked --all-targets -- --test-threads=$(TEST_THREADS)

## Formatting and lints, as CI checks them.
check: fmt clippy

fmt:
	$(CARGO) fmt --all -- --check

clippy: deps
	$(CARGO) clippy --locked --all-targets -- -D warnings

## Regenerate src/db/schema.rs after adding a migration (uses the local cluster).
schema: test-deps
	$(CARGO) run --quiet --locked --bin rapport -- print-schema > target/schema.rs.new
	mv target/schema.rs.new src/db/schema.rs

## A large synthetic tenant for benchmarks (100k companies … 5M activities).
seed-scale: deps
	$(CARGO) run --locked --release --bin rapport -- seed --scale large

deps:
	@scripts/ensure-deps.sh run

test-deps:
	@scripts/ensure-deps.sh test
