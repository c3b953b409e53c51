# Spindle's build. `make test` is what CI runs.
GO      ?= go
BIN     := bin/spindle
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
FUZZTIME ?= 5s
BENCHTIME ?= 1s

.PHONY: build test bench fuzz proto proto-check lint clean chaos dev

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/spindle

# A cluster on this machine (an RM, two NodeManagers, Kafka) running the
# retail example with a retail day's traffic; Ctrl-C stops it all.
# DEVFLAGS adds flags, e.g. DEVFLAGS="--rate 500 --random-ports".
dev: build
	$(BIN) dev --demo $(DEVFLAGS)

# The race detector needs cgo (a C compiler); without one, tests run without it.
RACE ?= $(if $(shell command -v gcc 2>/dev/null),-race,)

# Every test, with the race detector (the daemons are all goroutines).
# internal/clustertest runs real clusters one after another, on test hosts
# too (faults of 30 s, a chaos run of 2 minutes): it needs the time.
test: build
	$(GO) test $(RACE) -count=1 -timeout 45m ./...

# Benchmarks print the figures docs/performance.md tables, each at the
# shipped defaults or printing what it changed (see that page). They take
# about half an hour; `make bench > bench.txt` keeps them.
BENCHPKGS_OWN := /resourcemanager/scheduler$$|/nodemanager$$|/executor$$|/internal/clustertest$$|/internal/sls$$|/membership$$
bench:
	uptime
	$(GO) test -run '^$$' -bench . -benchtime 3s ./resourcemanager/scheduler
	$(GO) test -run '^$$' -bench BenchmarkContainerLaunch -benchtime 200x ./nodemanager
	$(GO) test -run '^$$' -bench 'BenchmarkPluginBoundary|BenchmarkInProcessJob' -benchtime 3s ./executor
	$(GO) test -run '^$$' -bench BenchmarkTaskPipeline -benchtime 5x ./executor
	$(GO) test -run '^$$' -bench BenchmarkSubmitToExecutorsRegistered -benchtime 10x ./internal/clustertest
	$(GO) test -run '^$$' -bench BenchmarkExecutorKillToBatchCommitted -benchtime 10x ./internal/clustertest
	$(GO) test -run '^$$' -bench BenchmarkStreaming -benchtime 1x -timeout 90m ./internal/clustertest
	$(GO) test -run '^$$' -bench BenchmarkSLS -benchtime 1x -timeout 30m ./internal/sls
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 10m ./membership
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) $$($(GO) list ./... | grep -v -E '$(BENCHPKGS_OWN)')
	uptime

# A 30-minute chaos run: the retail example on a local cluster while an
# executor, the AM, a NodeManager or the ResourceManager is SIGKILLed about
# every 20 s; fails on any record lost or duplicated. Report, summary and
# timeline.svg in chaos-out/. CHAOSFLAGS adds flags, e.g. as root
# CHAOSFLAGS="--hosts 5 --overlap" for partitions, host crashes, slow links
# and Kafka and HDFS outages on five test hosts.
chaos: build
	$(BIN) chaos --duration 30m --out chaos-out $(CHAOSFLAGS)

# Each fuzz target for FUZZTIME.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "fuzz $$pkg $$t"; \
			$(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

# Regenerate the gRPC code from api/spindlepb/*.proto (needs protoc: apt-get install protobuf-compiler).
proto:
	$(GO) generate ./api/... ./internal/minihdfs/hadooppb

# Fail when the committed generated code differs from what the .proto files give.
proto-check: proto
	@git diff --exit-code --stat -- api/ internal/minihdfs/hadooppb/ || (echo "generated code is stale: run make proto and commit" && exit 1)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go') | grep -v '\.pb\.go$$' || true); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin
