# redisdrill — see README.md.
GO        ?= go
OUT       ?= out
# Specs `make test` runs (Ginkgo label filter; empty = every spec).
TEST_LABELS ?=
# Scenarios `make drill` runs (redisdrill label expression; empty = all).
DRILL_LABELS ?=
# Tests `make unit` leaves out (go test -skip): the opt-in throughput
# benchmark, which needs REDISDRILL_BENCH=1 and a quiet machine.
UNIT_SKIP ?= ^TestStreamingThroughput$$
# Servers the `server matrix` specs of `make test` run the matrix scenarios
# on (the default server, redis-7.0, runs every spec anyway).
MATRIX ?= redis-8.0,valkey-8.0,valkey-8.1,valkey-9
# With CI=true every skip reason must contain this (see `make skips`).
SKIP_ALLOW ?= kernel lacks

MODULE    := $(shell $(GO) list -m)
# Every test package except the Ginkgo suite in ./scenarios/ (`make specs`).
PKGS_UNIT  = $(filter-out $(MODULE)/scenarios,$(shell $(GO) list ./...))
# The recovery engine's packages run under the race detector (issue 9).
PKGS_RACE  = $(filter $(MODULE)/recovery $(MODULE)/recovery/%,$(PKGS_UNIT))
TESTREPORT = bin/testreport
IS_CI      = $(filter 1 t T true TRUE True,$(CI))

# Pipelines fail when go test does, not only when their last command does.
SHELL       := /bin/bash
.SHELLFLAGS := -o pipefail -ec

export TESTCONTAINERS_RYUK_DISABLED ?= true
export TESTCONTAINERS_HOST_OVERRIDE ?= 127.0.0.1

.PHONY: all build image images test unit specs skips drill matrix bench prune vet fmt clean

all: build

build:
	$(GO) build -buildvcs=auto -o bin/redisdrill ./cmd/redisdrill

$(TESTREPORT): .ci/testreport/main.go
	$(GO) build -o $@ ./.ci/testreport

## image: make sure the Redis image exists (built from Debian packages when missing)
image: build
	./bin/redisdrill image

## images: build every server's image that is missing, two at a time
images: build
	./bin/redisdrill image --build all

vet:
	$(GO) vet ./... ./.ci/testreport
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }

## test: every package's tests + the container specs, then the skipped tests.
## unit and specs both run even when one fails; the status is the worst.
test: vet build images $(TESTREPORT)
	@st=0; \
	$(MAKE) --no-print-directory unit || st=1; \
	$(MAKE) --no-print-directory specs || st=1; \
	$(MAKE) --no-print-directory skips || st=1; \
	exit $$st

## unit: go test of every package but ./scenarios/ (plan and bench included);
## recovery packages under -race; raw events in $(OUT)/unit.json and
## $(OUT)/race.json, full text in $(OUT)/unit.log and $(OUT)/race.log
unit: $(TESTREPORT)
	@mkdir -p $(OUT)
	@st=0; \
	$(GO) test -count=1 -timeout 20m -json $(if $(UNIT_SKIP),-skip '$(UNIT_SKIP)') $(filter-out $(PKGS_RACE),$(PKGS_UNIT)) \
		| $(TESTREPORT) stream -json $(OUT)/unit.json -log $(OUT)/unit.log || st=1; \
	$(GO) test -race -count=1 -timeout 20m -json $(if $(UNIT_SKIP),-skip '$(UNIT_SKIP)') $(PKGS_RACE) \
		| $(TESTREPORT) stream -json $(OUT)/race.json -log $(OUT)/race.log || st=1; \
	exit $$st

## specs: the Ginkgo container suite (junit and json reports in $(OUT))
specs:
	@mkdir -p $(OUT)
	REDISDRILL_MATRIX='$(MATRIX)' $(GO) test -count=1 -timeout 50m ./scenarios/ \
		$(if $(TEST_LABELS),-ginkgo.label-filter='$(TEST_LABELS)') -ginkgo.v \
		-ginkgo.junit-report=$(abspath $(OUT))/ginkgo-junit.xml \
		-ginkgo.json-report=$(abspath $(OUT))/ginkgo-report.json

## skips: list every skipped test and spec; with CI=true fail unless each
## reason contains "$(SKIP_ALLOW)" (only a missing kernel feature may skip)
skips: $(TESTREPORT)
	$(TESTREPORT) skips $(if $(IS_CI),-allow '$(SKIP_ALLOW)') $(OUT)/unit.json $(OUT)/race.json $(OUT)/ginkgo-report.json

## drill: run the scenario suite and print a summary (reports in $(OUT)/drill)
drill: build
	./bin/redisdrill drill --out $(OUT)/drill $(if $(DRILL_LABELS),--label '$(DRILL_LABELS)')

## matrix: every scenario on every server, one after another (reports with
## the scenario x server grid in $(OUT)/matrix)
matrix: images
	./bin/redisdrill drill --matrix all --out $(OUT)/matrix $(if $(DRILL_LABELS),--label '$(DRILL_LABELS)')

## bench: rollback speed of every strategy beside Redis's own mechanisms
bench: build
	./bin/redisdrill bench rollback --out $(OUT)/bench

prune: build
	./bin/redisdrill prune

clean:
	rm -rf bin $(OUT)
