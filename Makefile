# 掌上查 (zsc). Two commands on a fresh machine: `make run` and `make test`.
GO      ?= go
DB      ?= data/zsc.db
ADDR    ?= :8080
SEEDS   ?= 5000

.PHONY: run build pwa test test-go test-pg test-long test-pwa test-e2e test-week bench fuzz vet clean

run: build
	./bin/zsc serve --demo --db $(DB) --addr $(ADDR)

build: pwa
	$(GO) build -o bin/zsc ./server/cmd/zsc

pwa/node_modules/.package-lock.json: pwa/package-lock.json
	cd pwa && npm ci --no-audit --no-fund
	@touch $@

# The PWA is built into pwa/dist and embedded into the zsc binary.
pwa: pwa/node_modules/.package-lock.json
	cd pwa && npm run build

vet:
	$(GO) vet ./...
	$(GO) tool errcheck -exclude .errcheck-excludes ./...
	@test -z "$$(gofmt -l schema sync server testdata)" || (gofmt -l schema sync server testdata; exit 1)

test: pwa vet test-go test-pg test-pwa test-e2e

test-go:
	$(GO) test -count=1 ./...

# The Go suite again with every store on PostgreSQL: ZSC_TEST_PG names a
# database the tests may create schemas in (.ci/run starts one). Without it
# there is nothing to run on, and `make test` says so and goes on.
test-pg:
	@if [ -z "$$ZSC_TEST_PG" ]; then echo "test-pg: skipped (set ZSC_TEST_PG=postgres://… to run the Go suite on PostgreSQL; .ci/run does)"; \
	else $(GO) test -count=1 -p 2 ./...; fi

# The convergence property test for many more seeds (CI runs 250).
test-long:
	$(GO) test -count=1 -run Convergence ./server/sqlstore/ -sync.seeds=$(SEEDS) -timeout 2h

test-pwa: pwa/node_modules/.package-lock.json
	cd pwa && npm test

test-e2e: build
	cd pwa && npm run e2e

# The week-offline run (issue 15): 500 changes, 30 visits, 50 photos, offline
# reloads, a throttled sync; 5–8 minutes, prints the figures for the README.
test-week: build
	cd pwa && E2E_WEEK=1 npx playwright test e2e/week-offline.spec.ts --workers=1

# The Go benchmarks once each, then the sync benchmark (server/bench): a
# database of a million item results is prepared once into data/bench-1m.db
# (about 2.7 GB, 2 minutes) and reused; each run works on a copy and prints
# a Markdown table for the README. BENCHFLAGS adds flags (go run ./server/bench -h).
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1x ./...
	$(GO) run ./server/bench -db data/bench-1m.db $(BENCHFLAGS)

# Minimizing each new input is capped: left at its default (60 s) it takes the whole run, a few dozen inputs tried.
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzRead$$' -fuzztime 30s -fuzzminimizetime 100x ./server/tablefile/
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 30s -fuzzminimizetime 100x ./server/planimport/
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 30s -fuzzminimizetime 100x ./server/checklists/

clean:
	rm -rf bin pwa/dist data
