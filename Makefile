# callforge: run `make` or `make help` for the targets.
SHELL := /bin/bash
GO ?= go
PKGS := ./...

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

run: ## run the engine on the built-in example scripts and the embedded store (127.0.0.1:8084)
	$(GO) run ./cmd/callforge serve --log-format console

build: ## build bin/callforge
	$(GO) build -o bin/callforge ./cmd/callforge

setup: ## install what the tests need (FreeSWITCH from ../shared, SIPp, Redis, HAProxy, tsc)
	bash e2e/setup/all.sh

# -count=1: the end-to-end packages build and run the callforge binary, which Go's test
# cache cannot see, so a cached pass could hide a change to the engine.
test: setup ## install what the tests need, then run every test with the race detector
	$(GO) test -race -count=1 -timeout 25m $(PKGS)

realswitch: setup ## the real FreeSWITCH + SIPp suite alone, verbose (e2e/README.md lists its scenarios)
	CI=true $(GO) test -count=1 -v -run 'TestRealSwitch|TestScriptsOnSimulator' ./e2e/realswitch/

test-short: ## unit tests only (no set-up, no real FreeSWITCH)
	$(GO) test -race -short $(PKGS)

lint: ## gofmt, go vet and staticcheck
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet $(PKGS)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 $(PKGS)

bench: ## benchmarks: whole simulated call, ESL frames, script store, kv writes
	$(GO) test -run '^$$' -bench . -benchmem ./jsbridge/ ./voice/... ./jsbridge/script/ ./jsbridge/kv/

fuzz: ## fuzz the ESL frame reader for a minute
	$(GO) test -run '^$$' -fuzz FuzzReadFrame -fuzztime 60s ./voice/internal/esl

load: ## 2,000 simulated calls at concurrency 100 against an engine on 127.0.0.1:8084 (start it with make run)
	$(GO) run ./e2e/load -addr 127.0.0.1:8084 -calls 2000 -concurrency 100

park: ## memory of 19,000 calls parked in ctx.sleep: its own engine on 127.0.0.1:18084 (admin :19090)
	$(GO) build -o bin/callforge ./cmd/callforge
	$(GO) build -o bin/park ./e2e/park
	@data=$$(mktemp -d); bin/callforge serve --listen 127.0.0.1:18084 --admin-listen 127.0.0.1:19090 \
		--api-listen off --scripts e2e/scripts --default-script park --data-dir $$data --log-level warn --watch=false & \
	pid=$$!; sleep 1; bin/park -addr 127.0.0.1:18084 -admin http://127.0.0.1:19090 -engine-pid $$pid -calls 19000; \
	rc=$$?; kill $$pid; wait $$pid; rm -rf $$data; exit $$rc

.PHONY: help run build setup test realswitch test-short lint bench fuzz load park
