# 掌上查 (zsc). Two commands on a fresh machine: `make run` and `make test`.
GO      ?= go
DB      ?= data/zsc.db
ADDR    ?= :8080
SEEDS   ?= 5000

.PHONY: run build pwa test test-go test-pg test-long test-pwa test-e2e test-e2e-pg test-week bench fuzz vet clean

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

test: pwa vet test-go test-pg test-pwa test-e2e test-e2e-pg

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

# The specs are type-checked first: Playwright only strips their types.
test-e2e: build
	cd pwa && npx tsc --noEmit -p e2e && npm run e2e

# The end-to-end suite again with every server on PostgreSQL: each in a schema
# of its own in ZSC_TEST_PG's database (pwa/e2e/server.ts); the restore spec
# backs up with pg_dump and restores with pg_restore + zsc new-epoch.
test-e2e-pg: build
	@if [ -z "$$ZSC_TEST_PG" ]; then echo "test-e2e-pg: skipped (set ZSC_TEST_PG=postgres://… to run the browser suite on PostgreSQL; .ci/run does)"; \
	else cd pwa && ZSC_E2E_PG="$$ZSC_TEST_PG" npm run e2e; fi

# The week-offline run (issue 15): 500 changes, 30 visits, 50 photos, offline
# reloads, a throttled sync; 5–8 minutes, prints the figures for the README.
test-week: build
	cd pwa && E2E_WEEK=1 npx playwright test e2e/week-offline.spec.ts --workers=1

# make bench (issue 15): every performance figure in ONE Markdown table, printed
# at the end and saved to data/bench-table.md. On one build, in order:
#   go      the Go benchmarks once each (go test -bench);
#   server  the sync benchmark (server/bench) on a database of a million item
#           results, prepared once into data/bench-1m.db (about 2.7 GB,
#           2 minutes) and reused, each run working on a copy;
#   phone   scripts/measure.mjs: cold start, the day's sync, Lighthouse;
#   week    the week offline (e2e/week-offline.spec.ts, 5–8 minutes).
# Each writes its figures into data/bench-* (removed first: the table holds
# this run's figures or says there are none); pwa/scripts/bench-table.mjs
# makes the table. A failing part does not stop the next: its row says so,
# and make exits non-zero at the end.
#   BENCHFLAGS=…     more flags for go run ./server/bench (go run ./server/bench -h)
#   BENCH_QUICK=1    tiny sizes, to check the plumbing (its own data/bench-quick.db,
#                    20,000 visits for the report benchmarks instead of 1,000,000;
#                    the week run has one size: BENCH_SKIP=week to leave it out)
#   BENCH_SKIP=a,b   leave parts out (go, server, phone, week)
#   BENCH_BUILD=     measure the bin/zsc (and pwa/dist) already built
#   BENCH_DB=…       another prepared database: two runs at once must not share
#                    one (each works on its copy <db>-run.db)
BENCH_OUT    ?= data
BENCH_SKIP   ?=
BENCH_BUILD  ?= build
BENCH_GOTIME ?= 1x
ifeq ($(BENCH_QUICK),1)
BENCH_MODE   ?= quick mode: tiny sizes, figures only prove the plumbing
BENCH_DB     ?= data/bench-quick.db
BENCH_GOENV  ?= ZSC_BENCH_VISITS=20000
BENCH_SERVER ?= -results 12000 -phones 20 -concurrency 8 -push-rows 800 -raw-rows 2000 -pulls 50 -pull-users 20 -window 5s
BENCH_PHONE  ?= --runs 1 --skip d
else
BENCH_MODE   ?=
BENCH_GOENV  ?=
BENCH_DB     ?= data/bench-1m.db
BENCH_SERVER ?=
BENCH_PHONE  ?= --runs 3
endif
BENCH_WEEK   ?= E2E_WEEK=1 npx playwright test e2e/week-offline.spec.ts --workers=1
bench_comma  := ,
bench_empty  :=
bench_space  := $(bench_empty) $(bench_empty)
bench_parts  := $(filter-out $(subst $(bench_comma),$(bench_space),$(BENCH_SKIP)),go server phone week)
bench_out    := $(abspath $(BENCH_OUT))

bench: $(BENCH_BUILD)
	@mkdir -p $(bench_out)
	@rm -f $(addprefix $(bench_out)/bench-,go.txt server.json phone.json week.log week.rc table.md commit.txt)
	@git describe --always --dirty > $(bench_out)/bench-commit.txt 2>/dev/null || true
ifneq (,$(filter go,$(bench_parts)))
	$(BENCH_GOENV) $(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCH_GOTIME) ./... 2>&1 | tee $(bench_out)/bench-go.txt
endif
ifneq (,$(filter server,$(bench_parts)))
	-$(GO) run ./server/bench -db $(BENCH_DB) $(BENCH_SERVER) $(BENCHFLAGS) -json $(bench_out)/bench-server.json
endif
ifneq (,$(filter phone,$(bench_parts)))
	-cd pwa && node scripts/measure.mjs $(BENCH_PHONE) --json $(bench_out)/bench-phone.json
endif
ifneq (,$(filter week,$(bench_parts)))
	cd pwa && { $(BENCH_WEEK) --output=$(bench_out)/bench-week-results 2>&1; echo $$? > $(bench_out)/bench-week.rc; } | tee $(bench_out)/bench-week.log
endif
	@cd pwa && node scripts/bench-table.mjs --parts '$(subst $(bench_space),$(bench_comma),$(strip $(bench_parts)))' --mode '$(BENCH_MODE)' \
		--go $(bench_out)/bench-go.txt --go-benchtime $(BENCH_GOTIME) --go-env '$(BENCH_GOENV)' --server $(bench_out)/bench-server.json --phone $(bench_out)/bench-phone.json \
		--week $(bench_out)/bench-week.log --week-rc $(bench_out)/bench-week.rc --week-cmd 'cd pwa && $(BENCH_WEEK)' --commit-file $(bench_out)/bench-commit.txt --out $(bench_out)/bench-table.md

# Minimizing each new input is capped: left at its default (60 s) it takes the whole run, a few dozen inputs tried.
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzRead$$' -fuzztime 30s -fuzzminimizetime 100x ./server/tablefile/
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 30s -fuzzminimizetime 100x ./server/planimport/
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 30s -fuzzminimizetime 100x ./server/checklists/

clean:
	rm -rf bin pwa/dist data
