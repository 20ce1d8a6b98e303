# Tenantry: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
export PATH := $(CURDIR)/tools/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

.PHONY: run test tools lint unit-test e2e build-debug wasm-size bench soak load clean-e2e

## Installs what is missing, builds a release and serves Tenantry on SQLite at http://127.0.0.1:3000.
run: tools
	cargo leptos build --release --split
	LEPTOS_SITE_ROOT=target/site ./target/release/tenantry serve

## Runs the whole test suite: formatting, lints, unit and integration tests on SQLite and
## PostgreSQL, the browser tests in Chromium, and the release WebAssembly's size check.
test: tools
	scripts/install-tools.sh --test
	$(MAKE) lint
	$(MAKE) unit-test
	$(MAKE) e2e
	$(MAKE) wasm-size

tools:
	scripts/install-tools.sh

lint:
	cargo fmt --all -- --check
	cargo clippy -p app -p server -p migration --features app/ssr --all-targets -- -D warnings
	cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

unit-test:
	TENANTRY_TEST_POSTGRES_URL=$$(scripts/postgres.sh) cargo test -p app -p server -p migration --features app/ssr --lib --test integration

build-debug:
	cargo leptos build --split

e2e: build-debug
	cd end2end && rm -rf test-results && npx playwright test

## Builds the release front end and fails when a lazily loaded chunk passes 100 KB brotli or the
## first download grows (scripts/wasm-size.sh --check); the texts come from the debug server.
wasm-size: tools
	[ -x target/debug/tenantry ] || cargo build -p server
	cargo leptos build --release --split --frontend-only
	TENANTRY_BIN=target/debug/tenantry scripts/wasm-size.sh --check

## Prints sign-in throughput over HTTP against the raw argon2id rate of this machine, the Users
## page's server time on an organisation of 100,000 users on SQLite and PostgreSQL, the Activity
## view's on 1,000,000 audit entries (every combination of its filters), the time
## to invite 10,000 people from a CSV file, the release server's pages per second (Users
## page against the sign-in page) and memory, how long those two pages take to become interactive
## in headless Chromium with nothing cached, its memory while it streams the CSV exports of
## 100,000 people and 1,000,000 entries, the WebAssembly's sizes; then one table of every
## figure against its budget.
bench: tools
	scripts/install-tools.sh --test
	cargo leptos build --release --split
	set -o pipefail; { \
	  cargo run --release -p server --example sign_in_throughput && \
	  TENANTRY_TEST_POSTGRES_URL=$$(scripts/postgres.sh) cargo run --release -p server --example user_list_latency && \
	  TENANTRY_TEST_POSTGRES_URL=$$(scripts/postgres.sh) cargo run --release -p server --example csv_import && \
	  TENANTRY_TEST_POSTGRES_URL=$$(scripts/postgres.sh) cargo run --release -p server --example activity_latency && \
	  cargo run --release -p server --example page_throughput && \
	  cargo run --release -p server --example export_memory && \
	  scripts/wasm-size.sh; \
	} | tee target/bench.log
	@echo; echo "| metric | figure | budget | |"; echo "| --- | --- | --- | --- |"
	@grep '^BENCH |' target/bench.log | sed 's/^BENCH //'

## Renders console pages of a 100,000-person organisation for minutes (SOAK_MINUTES, default 10)
## against the release server, printing its resident memory throughout and the growth after
## warm-up.
soak: tools
	cargo leptos build --release --split
	cargo run --release -p server --example soak -- $${SOAK_MINUTES:-10}

## Two release processes on one PostgreSQL database, an organisation of 100,000 people, a mixed
## workload from wrk for LOAD_MINUTES (default 10): sign-ins, Users pages, person pages, edits,
## invitations. Prints requests, p50 and p99 per kind and process, and each process's memory
## throughout; fails on any error or on trouble in the processes' logs.
load: tools
	command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	cargo leptos build --release --split
	TENANTRY_TEST_POSTGRES_URL=$$(scripts/postgres.sh) cargo run --release -p server --example load -- $${LOAD_MINUTES:-10}
