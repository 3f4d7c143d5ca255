# The two commands the README leads with are `make demo` and `make test`.
SHELL := /bin/bash
GO ?= go

.PHONY: demo test unit faults fuzz bench build tools compose-check

## demo: start Temporal, the billing emulator, the worker and the endpoint, post the 3-customer sample
demo:
	scripts/demo.sh

## test: every test, integration tests and the fault matrix on a real Temporal dev server and emulator included, then a short fuzz run
test: tools
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 40m ./...
	$(MAKE) fuzz FUZZTIME=10s

FUZZTIME ?= 5m
## fuzz: fuzz the request decoders, FUZZTIME each (5m unless set)
fuzz:
	for target in FuzzDecodeXML FuzzDecodeJSON FuzzDecodeSOAP FuzzEncodeXML; do \
		$(GO) test ./wire -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 2s || exit 1; \
	done

## faults: the fault matrix alone, with its table of results
faults: tools
	$(GO) test -count=1 -timeout 30m -v -run 'TestFault' ./faults | grep -v '^=== RUN'

## bench: the service against Temporal's ceiling and a direct billing loop (BENCH_CUSTOMERS, BENCH_LATENCY)
bench: tools
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./bench

## unit: tests that need no Temporal binary
unit:
	$(GO) test -race -count=1 $$($(GO) list ./... | grep -v -e /integration -e /faults)

## build: compile the commands into .run/bin
build:
	mkdir -p .run/bin
	$(GO) build -o .run/bin/ ./worker ./starter ./cmd/billing-emulator ./cmd/batchctl

## tools: install the pinned Temporal CLI into .tools/bin
tools:
	scripts/install-temporal.sh
	scripts/install-postgres.sh

## compose-check: validate docker-compose.yml (needs the docker-compose package)
compose-check:
	docker-compose -f docker-compose.yml config -q
