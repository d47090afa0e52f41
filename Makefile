# redisdrill — see README.md.
GO        ?= go
OUT       ?= out
# Specs `make test` runs (Ginkgo label filter; empty = every spec).
TEST_LABELS ?=
# Scenarios `make drill` runs (redisdrill label expression; empty = all).
DRILL_LABELS ?=
PKGS_UNIT = $(shell $(GO) list ./... | grep -v /scenarios)

export TESTCONTAINERS_RYUK_DISABLED ?= true
export TESTCONTAINERS_HOST_OVERRIDE ?= 127.0.0.1

.PHONY: all build image test unit specs drill bench prune vet fmt clean

all: build

build:
	$(GO) build -o bin/redisdrill ./cmd/redisdrill

## image: make sure the Redis image exists (built from Debian packages when missing)
image: build
	./bin/redisdrill image

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }

## test: unit tests + the container specs (smoke, faults, recovery scenarios)
test: vet build unit specs

unit:
	$(GO) test -count=1 -timeout 20m $(PKGS_UNIT)

specs:
	@mkdir -p $(OUT)
	$(GO) test -count=1 -timeout 40m ./scenarios/ \
		$(if $(TEST_LABELS),-ginkgo.label-filter='$(TEST_LABELS)') -ginkgo.v \
		-ginkgo.junit-report=$(abspath $(OUT))/ginkgo-junit.xml \
		-ginkgo.json-report=$(abspath $(OUT))/ginkgo-report.json

## drill: run the scenario suite and print a summary (reports in $(OUT)/drill)
drill: build
	./bin/redisdrill drill --out $(OUT)/drill $(if $(DRILL_LABELS),--label '$(DRILL_LABELS)')

## bench: rollback speed of every strategy beside Redis's own mechanisms
bench: build
	./bin/redisdrill bench rollback --out $(OUT)/bench

prune: build
	./bin/redisdrill prune

clean:
	rm -rf bin $(OUT)
