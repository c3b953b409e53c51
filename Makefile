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

# Benchmarks print the figures the docs quote: scheduler allocations/s at
# 1,000 and 10,000 nodes, container launch latency p50/p99 over 200 launches,
# and submit → AM registered → 4 executors running on 2 NMs.
bench:
	$(GO) test -run '^$$' -bench . -benchtime 3s ./resourcemanager/scheduler
	$(GO) test -run '^$$' -bench BenchmarkContainerLaunch -benchtime 200x ./nodemanager
	$(GO) test -run '^$$' -bench BenchmarkSubmitToExecutorsRunning -benchtime 5x ./internal/clustertest
	$(GO) test -run '^$$' -bench BenchmarkStreaming -benchtime 1x ./internal/clustertest
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) $$($(GO) list ./... | grep -v -e '/resourcemanager/scheduler$$' -e '/nodemanager$$' -e '/internal/clustertest$$')

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
