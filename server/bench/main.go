// Command bench measures the sync engine of zsc on a database holding a
// million item results, in one process and one run, and prints a Markdown
// table for the README:
//
//	go run ./server/bench                         # prepares a temporary database
//	go run ./server/bench -db data/bench-1m.db    # prepares it once, reuses it after
//	make bench                                    # the same, with -db data/bench-1m.db
//	go run ./server/bench -pg postgres://…        # then on PostgreSQL, one and two instances (pg.go)
//
// It measures, in this order:
//
//  1. the raw ceiling: result-shaped rows inserted straight into SQLite
//     (the server's pragmas, one prepared INSERT, 50 rows per transaction;
//     also 1000 per transaction, and 50 into a bare table without the
//     schema's index, foreign keys and rollup triggers);
//  2. push ingestion through the real HTTP endpoint (zsc's Echo server on a
//     real listener, real login and tokens): 64 phones push batches of 50
//     item.set mutations at once, each with the engine's full bookkeeping
//     (sequence check, version check, mutation log, change log, audit);
//     rows/s, its ratio to the raw ceiling (goal ≥ 50%), p50/p99 per batch;
//  3. the bootstrap pull of an inspector's day (10 visits × 30 items with
//     prior results): p50/p99 (goal p99 < 10 ms);
//  4. 1,000 phones each syncing once (pull, push 20 item.set, pull) at
//     seeded random moments within one minute: p99 per sync (goal < 250 ms)
//     and errors (goal none); first phones that synced before (their pull is
//     incremental: the daily case), then new phones (their pull is a
//     bootstrap: the first sync after installing).
//
// The log also says where the single writer's time goes in each phase (the
// engine's store is wrapped and timed: waiting for the writer, work inside
// the transaction, commit), and -cpuprofile writes a CPU profile per phase.
//
// The prepared database is copied before each run (the copy is deleted at
// the end unless -keep), so every run starts from exactly -results results;
// between phases the WAL is checkpointed, so that no phase pays for the
// writes of the one before.
//
// Users are created with a bcrypt cost of 4 (bcrypt.MinCost) instead of the
// product's 10, and sign in through the real POST /api/v1/auth/login: a
// thousand logins at cost 10 would take a minute of CPU and measure bcrypt,
// not sync. Otherwise the server is `zsc serve`'s: zhttp.New with the real
// auth.Service, sync engine and store (timed as above), without the PWA.
package main

import (
	"bufio"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	gosync "sync"
	"time"

	"zsc/server/auth"
	zhttp "zsc/server/http"
	"zsc/server/sqlstore"
	zsync "zsc/sync"
)

type config struct {
	results, phones int
	db              string
	keep            bool
	history         bool
	concurrency     int
	batch           int
	pushRows        int
	pushSync        sqlstore.Synchronous
	rawRows         int
	pulls           int
	pullUsers       int
	window          time.Duration
	syncMutations   int
	seed            uint64
	profileDir      string
	phases          string
	// the soak phase (soak.go)
	soak, sample, hostilePause time.Duration
	hostile                    int
	hostileBytes, nameBytes    int64
	memProfile                 string
	jsonOut                    string // -json: the figures as JSON too (writeJSON), for `make bench`'s one table
}

func (c config) runs(phase string) bool { return slices.Contains(strings.Split(c.phases, ","), phase) }

func main() {
	var c config
	flag.IntVar(&c.results, "results", 1_000_000, "item results in the prepared database")
	flag.IntVar(&c.phones, "phones", 1000, "simulated phones (inspectors with a day of 10 visits × 30 items)")
	flag.StringVar(&c.db, "db", "", "prepared database to reuse (made there when missing); empty: a temporary one")
	flag.BoolVar(&c.keep, "keep", false, "keep the run's copy of the database (<db>-run.db)")
	flag.BoolVar(&c.history, "history", true, "give every prepared result its mutation, change-log entry and audit row")
	flag.IntVar(&c.concurrency, "concurrency", 64, "phones pushing at once in the ingestion phase")
	flag.IntVar(&c.batch, "batch", 50, "mutations per push in the ingestion phase")
	flag.IntVar(&c.pushRows, "push-rows", 96_000, "item.set mutations pushed in the ingestion phase")
	pushSync := flag.String("push-sync", string(sqlstore.SyncFull), "the server's durability in the push, pull and phone phases: FULL (the server's: fsync beside the writer), FULL-IN-COMMIT (SQLite's FULL, for the A/B) or NORMAL (not durable)")
	flag.IntVar(&c.rawRows, "raw-rows", 100_000, "rows per raw-insert measurement")
	flag.IntVar(&c.pulls, "pulls", 1000, "bootstrap pulls measured")
	flag.IntVar(&c.pullUsers, "pull-users", 100, "inspectors the bootstrap pulls rotate over")
	flag.DurationVar(&c.window, "window", time.Minute, "the phones' syncs start within this window")
	flag.IntVar(&c.syncMutations, "sync-mutations", 20, "item.set mutations per phone sync")
	flag.Uint64Var(&c.seed, "seed", 2024, "seed of every random choice")
	flag.StringVar(&c.phases, "phases", "raw,durability,push,pull,phones,phones-bootstrap", "the phases to run")
	flag.DurationVar(&c.soak, "soak", 10*time.Minute, "how long the soak phase runs (-phases soak): the phones sync once per -window, oversized bodies are sent meanwhile")
	flag.DurationVar(&c.sample, "sample", 10*time.Second, "the soak phase reads the process's memory this often")
	flag.IntVar(&c.hostile, "hostile", 4, "senders of oversized bodies during the soak, each one request at a time")
	flag.DurationVar(&c.hostilePause, "hostile-pause", time.Second, "each oversized sender's pause between requests")
	flag.Int64Var(&c.hostileBytes, "hostile-bytes", 256<<20, "size of each oversized body the soak sends (logins, pushes, photos, plan uploads)")
	flag.Int64Var(&c.nameBytes, "name-bytes", 900<<10, "size of the huge usernames the soak's logins carry (just under the JSON cap)")
	flag.StringVar(&c.memProfile, "memprofile", "", "write the heap profile after the soak (after a forced GC) to this file")
	flag.StringVar(&c.jsonOut, "json", "", "also write the figures as JSON to this file (make bench combines it with the phone's figures into one table)")
	flag.StringVar(&c.profileDir, "cpuprofile", "", "write a CPU profile per phase (push.pprof, pull.pprof, phones.pprof) into this directory")
	flag.Parse()
	c.pushSync = sqlstore.Synchronous(*pushSync)
	bench := run
	if pgMode(&c) { // pg.go
		bench = runPG
	}
	if err := bench(context.Background(), c, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// figures are what the run measured.
type figures struct {
	dbBytes                 int64
	visits, inspectors      int
	prep                    time.Duration
	raw50, raw1000, rawBare float64
	rawBook                 float64
	// raw50After is the ceiling again, right after the push (the server
	// idle): the push is compared with the mean of the two, so that load
	// that came or went between the phases moves both sides alike.
	raw50After            float64
	pushRate              float64
	pushBatches           latencies
	pushErrors            int
	pushStatus            map[string]int
	pullFirst, pull       latencies
	pullBytes             int
	pullChanges           int
	daily, first          *syncStats
	durability            *durability
	pushWriter, pullStore string
	soak                  *soakStats
}

func run(ctx context.Context, c config, stdout, log io.Writer) error {
	dir := ""
	if c.db == "" {
		d, err := os.MkdirTemp("", "zsc-bench-")
		if err != nil {
			return err
		}
		defer func() {
			if err := os.RemoveAll(d); err != nil {
				fmt.Fprintf(log, "bench: could not remove %s: %v\n", d, err)
			}
		}()
		dir = d
		c.db = filepath.Join(d, "bench.db")
	}
	if c.profileDir != "" {
		if err := os.MkdirAll(c.profileDir, 0o755); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Dir(c.db), 0o755); err != nil {
		return err
	}
	var f figures
	start := time.Now()
	if err := prepare(ctx, c.db, c.results, c.phones, c.history, log); err != nil {
		return err
	}
	f.prep = time.Since(start)

	// The run works on a copy, so that the prepared file keeps exactly its results.
	work := strings.TrimSuffix(c.db, ".db") + "-run.db"
	if dir != "" {
		work = filepath.Join(dir, "run.db")
	}
	if err := removeDB(work); err != nil {
		return err
	}
	fmt.Fprintf(log, "copying %s to %s…\n", c.db, work)
	if err := copyFile(c.db, work); err != nil {
		return err
	}
	if !c.keep {
		defer func() {
			if err := removeDB(work); err != nil {
				fmt.Fprintf(log, "bench: could not remove %s: %v\n", work, err)
			}
		}()
	}
	if st, err := os.Stat(work); err == nil {
		f.dbBytes = st.Size()
	}

	db, err := sqlstore.Open(work)
	if err != nil {
		return err
	}
	rowsPerUser := (c.pushRows/c.concurrency + c.batch - 1) / c.batch * c.batch
	fmt.Fprintf(log, "setting up the run: %d ingesting inspectors with %d unanswered items each, %d raw rows…\n", c.concurrency, rowsPerUser, 4*c.rawRows)
	rd, err := setupRun(ctx, db, c.concurrency, rowsPerUser, c.rawRows)
	if err == nil {
		err = db.Reader().QueryRowContext(ctx, `SELECT (SELECT count(*) FROM visits), (SELECT count(*) FROM users WHERE role = 'inspector')`).Scan(&f.visits, &f.inspectors)
	}
	db.Close()
	if err != nil {
		return err
	}

	// 1. The raw ceiling, with the server closed (the same file, the same pragmas).
	if err := settle(ctx, work); err != nil {
		return err
	}
	if c.runs("raw") {
		fmt.Fprintf(log, "raw inserts…\n")
		if f.raw50, err = rawInsert(ctx, work, "item_results", rd.rawTrig, 50, rd.partner); err != nil {
			return fmt.Errorf("raw insert: %w", err)
		}
		if f.raw1000, err = rawInsert(ctx, work, "item_results", rd.rawBig, 1000, rd.partner); err != nil {
			return fmt.Errorf("raw insert: %w", err)
		}
		if f.rawBare, err = rawInsert(ctx, work, "bench_raw", rd.rawTrig, 50, rd.partner); err != nil {
			return fmt.Errorf("raw insert: %w", err)
		}
		if f.rawBook, err = rawBookkeeping(ctx, work, rd.rawBook, 50, rd.partner, rd.client); err != nil {
			return fmt.Errorf("raw bookkeeping: %w", err)
		}
		fmt.Fprintf(log, "  %.0f rows/s (50/tx), %.0f rows/s (1000/tx), %.0f rows/s (bare table, 50/tx), %.0f results/s with their bookkeeping rows (50/tx)\n",
			f.raw50, f.raw1000, f.rawBare, f.rawBook)
	}

	// What durable commits cost, NORMAL against FULL, with the server closed.
	if c.runs("durability") {
		fmt.Fprintf(log, "durability (NORMAL vs fsync in COMMIT vs fsync beside the writer)…\n")
		if f.durability, err = durabilityPhase(ctx, c, work, rd, log); err != nil {
			return err
		}
	}

	// The real server on a real listener.
	db, err = sqlstore.OpenWith(work, sqlstore.Options{Synchronous: c.pushSync})
	if err != nil {
		return err
	}
	defer db.Close()
	secret := []byte(newID() + newID())
	srv := zhttp.New(db, auth.New(db, secret), slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelWarn})), nil,
		filepath.Join(filepath.Dir(work), "bench-blobs"))
	// The engine's store, timed: the log says where the single writer's time goes.
	ts := &timedStore{Store: srv.Sync.Store, db: db}
	srv.Sync.Store = ts
	addr, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		return err
	}
	defer func() {
		if err := srv.Shutdown(context.Background()); err != nil {
			fmt.Fprintf(log, "bench: server shutdown: %v\n", err)
		}
	}()
	a := newAPI("http://"+addr, max(c.concurrency, 256))

	for _, ph := range []struct {
		name string
		run  func() error
	}{
		{"push", func() error {
			if err := pushPhase(ctx, c, a, ts, rd, &f, log); err != nil || !c.runs("raw") {
				return err
			}
			var err error
			if f.raw50After, err = rawInsert(ctx, work, "item_results", rd.rawAfter, 50, rd.partner); err != nil {
				return fmt.Errorf("raw insert after the push: %w", err)
			}
			fmt.Fprintf(log, "  raw ceiling again, right after the push: %.0f rows/s (50/tx); before: %.0f\n", f.raw50After, f.raw50)
			return nil
		}},
		{"pull", func() error { return pullPhase(ctx, c, a, ts, &f, log) }},
		{"phones", func() (err error) { f.daily, err = phonesPhase(ctx, c, a, ts, false, log); return err }},
		{"phones-bootstrap", func() (err error) { f.first, err = phonesPhase(ctx, c, a, ts, true, log); return err }},
		{"soak", func() (err error) { f.soak, err = soakPhase(ctx, c, a, ts, log); return err }},
	} {
		if c.runs(ph.name) {
			if err := settle(ctx, work); err != nil {
				return err
			}
			if err := ph.run(); err != nil {
				return err
			}
		}
	}
	report(stdout, c, &f)
	if c.jsonOut != "" {
		return writeJSON(c.jsonOut, c, &f)
	}
	return nil
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err == nil {
		err = dst.Sync() // not left for the kernel to write back during the measurements
	}
	if err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

// settle checkpoints the WAL into the database file and syncs it, so that a
// phase does not pay for the writes of the one before.
func settle(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", serverDSN(path))
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

// profile starts a CPU profile of one phase when -cpuprofile is set.
func profile(c config, name string) func() {
	if c.profileDir == "" {
		return func() {}
	}
	f, err := os.Create(filepath.Join(c.profileDir, name+".pprof"))
	if err != nil {
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

// pushPhase: c.concurrency phones push their batches of item.set at once.
func pushPhase(ctx context.Context, c config, a *api, ts *timedStore, rd *runData, f *figures, log io.Writer) error {
	names := make([]string, len(rd.ingest))
	for i, u := range rd.ingest {
		names[i] = u.username
	}
	phones, err := a.signIn(ctx, names, 8)
	if err != nil {
		return err
	}
	// Each phone first pulls its visits, as a phone does before it can
	// record a result on them; not timed.
	err = parallel(len(phones), 8, func(i int) error {
		_, err := pullAll(ctx, a, phones[i], &phoneState{results: map[string]zsync.ItemResult{}})
		return err
	})
	if err != nil {
		return fmt.Errorf("push ingestion: the phones' first pull: %w", err)
	}
	// Bodies are made before the clock starts: the server is measured.
	rng := rand.New(rand.NewPCG(c.seed, 1))
	at := time.Now().Format(time.RFC3339)
	bodies := make([][][]byte, len(phones))
	total := 0
	for i, p := range phones {
		items := rd.ingest[i].items
		for from := 0; from < len(items) && total < c.pushRows; from += c.batch {
			req := zsync.PushRequest{ClientID: p.client, SchemaVersion: zsync.SchemaVersion}
			for k := from; k < min(from+c.batch, len(items)); k++ {
				args, _ := json.Marshal(map[string]any{"visit_id": items[k].visit, "item_id": items[k].item, "value": values[rng.IntN(len(values))],
					"note": "", "photos": []string{}, "base_version": 0})
				req.Mutations = append(req.Mutations, zsync.Mutation{Seq: int64(k + 1), ID: newID(), Name: "item.set", At: at, Args: args})
				total++
			}
			b, _ := json.Marshal(req)
			bodies[i] = append(bodies[i], b)
		}
	}
	fmt.Fprintf(log, "push ingestion: %d item.set in batches of %d from %d phones at once…\n", total, c.batch, len(phones))
	stop := profile(c, "push")
	ts.reset()
	var mu gosync.Mutex
	f.pushStatus = map[string]int{}
	var wg gosync.WaitGroup
	start := time.Now()
	for i, p := range phones {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat latencies
			status := map[string]int{}
			errs := 0
			for _, body := range bodies[i] {
				b, d, err := a.do(ctx, "POST", "/api/v1/sync/push", p.token, body)
				lat = append(lat, d)
				var resp zsync.PushResponse
				if err == nil {
					err = json.Unmarshal(b, &resp)
				}
				if err != nil {
					errs++
					if errs == 1 {
						fmt.Fprintf(log, "  push error: %v\n", err)
					}
					continue
				}
				for _, r := range resp.Results {
					status[r.Status]++
				}
			}
			mu.Lock()
			f.pushBatches = append(f.pushBatches, lat...)
			f.pushErrors += errs
			for k, v := range status {
				f.pushStatus[k] += v
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	stop()
	f.pushRate = float64(f.pushStatus[zsync.StatusApplied]) / elapsed.Seconds()
	f.pushWriter = ts.summary()
	fmt.Fprintf(log, "  %.0f rows/s in %s (%v), batch p50 %s p99 %s\n", f.pushRate, elapsed.Round(time.Millisecond), f.pushStatus,
		ms(f.pushBatches.p(0.5)), ms(f.pushBatches.p(0.99)))
	fmt.Fprintf(log, "  store: %s\n", f.pushWriter)
	if f.pushStatus[zsync.StatusApplied] != total {
		return fmt.Errorf("push ingestion: %d of %d mutations applied (%v, %d failed pushes)", f.pushStatus[zsync.StatusApplied], total, f.pushStatus, f.pushErrors)
	}
	return nil
}

// day counts what a bootstrap pull carried.
func day(b []byte) (visits, results int, resp *zsync.PullResponse, err error) {
	resp = &zsync.PullResponse{}
	if err := json.Unmarshal(b, resp); err != nil {
		return 0, 0, nil, err
	}
	for _, ch := range resp.Changes {
		switch ch.Kind {
		case zsync.ChangeVisit:
			visits++
		case zsync.ChangeItemResult:
			results++
		}
	}
	return visits, results, resp, nil
}

// pullPhase: bootstrap pulls of an inspector's day, one at a time.
func pullPhase(ctx context.Context, c config, a *api, ts *timedStore, f *figures, log io.Writer) error {
	n := min(c.pullUsers, c.phones)
	names := make([]string, n)
	for i := range names {
		names[i] = phoneName(i)
	}
	phones, err := a.signIn(ctx, names, 8)
	if err != nil {
		return err
	}
	check := func(p *phone, b []byte) error {
		v, r, resp, err := day(b)
		if err != nil {
			return err
		}
		if v != visitsPerPhone || r != visitsPerPhone*itemsPerVisit {
			return fmt.Errorf("%s: bootstrap of %d visits and %d results, want %d and %d", p.username, v, r, visitsPerPhone, visitsPerPhone*itemsPerVisit)
		}
		f.pullBytes, f.pullChanges = len(b), len(resp.Changes)
		return nil
	}
	fmt.Fprintf(log, "bootstrap pulls: %d inspectors' first pulls (lease top-up), then %d pulls…\n", n, c.pulls)
	for _, p := range phones {
		b, d, err := a.do(ctx, "GET", "/api/v1/sync/pull?client_id="+p.client+"&cursor=0", p.token, nil)
		if err == nil {
			err = check(p, b)
		}
		if err != nil {
			return err
		}
		f.pullFirst = append(f.pullFirst, d)
	}
	stop := profile(c, "pull")
	ts.reset()
	for i := 0; i < c.pulls; i++ {
		p := phones[i%n]
		b, d, err := a.do(ctx, "GET", "/api/v1/sync/pull?client_id="+p.client+"&cursor=0", p.token, nil)
		if err == nil {
			err = check(p, b)
		}
		if err != nil {
			stop()
			return err
		}
		f.pull = append(f.pull, d)
	}
	stop()
	fmt.Fprintf(log, "  first pull p50 %s p99 %s; bootstrap p50 %s p99 %s (%d changes, %d bytes inflated)\n",
		ms(f.pullFirst.p(0.5)), ms(f.pullFirst.p(0.99)), ms(f.pull.p(0.5)), ms(f.pull.p(0.99)), f.pullChanges, f.pullBytes)
	f.pullStore = ts.summary()
	fmt.Fprintf(log, "  store: %s\n", f.pullStore)
	return nil
}

// syncStats are the figures of one phones phase.
type syncStats struct {
	bootstrap          bool
	signIn             time.Duration
	syncs              latencies // the three requests' times, summed
	pull0, push, pull2 latencies
	at                 []timedSync
	errors             []string
	span               time.Duration // when the last sync ended
	store              string
}

// timedSync is one phone's sync: when it started in the window and its
// three requests' times.
type timedSync struct {
	at time.Duration
	d  [3]time.Duration
}

// phoneState is what a phone holds: its cursor and the results it pulled.
type phoneState struct {
	cursor  int64
	results map[string]zsync.ItemResult
	seq     int64 // the last mutation sequence number the phone pushed (a phone syncs more than once in the soak)
}

// phonesPhase: every phone syncs once (pull, push, pull) at a seeded random
// moment of the window. With bootstrap, each phone is new and its first pull
// is a bootstrap; otherwise each phone bootstrapped before the window (not
// timed) and its pull is incremental, the daily case.
func phonesPhase(ctx context.Context, c config, a *api, ts *timedStore, bootstrap bool, log io.Writer) (*syncStats, error) {
	st := &syncStats{bootstrap: bootstrap}
	names := make([]string, c.phones)
	for i := range names {
		names[i] = phoneName(i)
	}
	kind := "phones that synced before (incremental pull)"
	if bootstrap {
		kind = "new phones (bootstrap pull)"
	}
	fmt.Fprintf(log, "%s: signing %d inspectors in…\n", kind, c.phones)
	start := time.Now()
	phones, err := a.signIn(ctx, names, 8)
	if err != nil {
		return nil, err
	}
	st.signIn = time.Since(start)
	states := make([]*phoneState, len(phones))
	for i := range states {
		states[i] = &phoneState{results: map[string]zsync.ItemResult{}}
	}
	if !bootstrap {
		err := parallel(len(phones), 4, func(i int) error {
			_, err := pullAll(ctx, a, phones[i], states[i])
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	rng := rand.New(rand.NewPCG(c.seed, 2))
	offsets := make([]time.Duration, len(phones))
	seeds := make([]uint64, len(phones))
	for i := range offsets {
		offsets[i] = time.Duration(rng.Int64N(int64(c.window)))
		seeds[i] = rng.Uint64()
	}
	fmt.Fprintf(log, "%s: %d syncs (pull, push %d, pull) within %s…\n", kind, len(phones), c.syncMutations, c.window)
	name := "phones"
	if bootstrap {
		name = "phones-bootstrap"
	}
	stop := profile(c, name)
	ts.reset()
	var mu gosync.Mutex
	var wg gosync.WaitGroup
	start = time.Now()
	for i, p := range phones {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTimer(time.Until(start.Add(offsets[i])))
			defer t.Stop()
			select {
			case <-t.C:
			case <-ctx.Done():
				return
			}
			began := time.Now()
			d, err := syncOnce(ctx, a, p, states[i], c.syncMutations, rand.New(rand.NewPCG(seeds[i], 3)))
			end := time.Since(start)
			mu.Lock()
			defer mu.Unlock()
			st.span = max(st.span, end)
			if err != nil {
				st.errors = append(st.errors, fmt.Sprintf("%s: %v", p.username, err))
				return
			}
			st.syncs = append(st.syncs, d[0]+d[1]+d[2])
			st.at = append(st.at, timedSync{at: began.Sub(start), d: d})
			st.pull0, st.push, st.pull2 = append(st.pull0, d[0]), append(st.push, d[1]), append(st.pull2, d[2])
		}()
	}
	wg.Wait()
	stop()
	st.store = ts.summary()
	fmt.Fprintf(log, "  store: %s\n", st.store)
	fmt.Fprintf(log, "  sync p50 %s p99 %s max %s, %d errors, last sync ended at %s\n", ms(st.syncs.p(0.5)), ms(st.syncs.p(0.99)), ms(st.syncs.max()),
		len(st.errors), st.span.Round(time.Millisecond))
	for i, e := range st.errors {
		if i == 5 {
			break
		}
		fmt.Fprintf(log, "  error: %s\n", e)
	}
	// When the slow syncs happened: per second of the window, the syncs
	// started and the slowest.
	type second struct {
		n     int
		worst time.Duration
	}
	secs := map[int]*second{}
	for _, s := range st.at {
		k := int(s.at / time.Second)
		if secs[k] == nil {
			secs[k] = &second{}
		}
		secs[k].n++
		secs[k].worst = max(secs[k].worst, s.d[0]+s.d[1]+s.d[2])
	}
	keys := make([]int, 0, len(secs))
	for k := range secs {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b int) int { return cmp.Compare(secs[b].worst, secs[a].worst) })
	for _, k := range keys[:min(3, len(keys))] {
		fmt.Fprintf(log, "  second %d: %d syncs started, the slowest took %s\n", k, secs[k].n, ms(secs[k].worst))
	}
	return st, nil
}

// pullAll pulls from the phone's cursor until has_more is false, keeping
// the results it carries; it returns the time the requests took.
func pullAll(ctx context.Context, a *api, p *phone, st *phoneState) (time.Duration, error) {
	var total time.Duration
	for {
		b, t, err := a.do(ctx, "GET", fmt.Sprintf("/api/v1/sync/pull?client_id=%s&cursor=%d", p.client, st.cursor), p.token, nil)
		total += t
		if err != nil {
			return total, err
		}
		var resp zsync.PullResponse
		if err := json.Unmarshal(b, &resp); err != nil {
			return total, err
		}
		for _, ch := range resp.Changes {
			if ch.Kind == zsync.ChangeItemResult && ch.Op == zsync.OpPut {
				var r zsync.ItemResult
				if err := json.Unmarshal(ch.Data, &r); err != nil {
					return total, err
				}
				st.results[r.ItemID] = r
			}
		}
		st.cursor = resp.Cursor
		if !resp.HasMore {
			return total, nil
		}
	}
}

// syncOnce is one phone's sync: a pull (a bootstrap for a new phone), a
// push of n edits of results it holds (based on their versions, so none
// conflicts), and the pull that brings its own changes back. It returns
// each step's time.
func syncOnce(ctx context.Context, a *api, p *phone, st *phoneState, n int, rng *rand.Rand) ([3]time.Duration, error) {
	var d [3]time.Duration
	var err error
	if d[0], err = pullAll(ctx, a, p, st); err != nil {
		return d, err
	}
	if len(st.results) < n {
		return d, fmt.Errorf("the phone holds %d results", len(st.results))
	}
	ids := make([]string, 0, len(st.results))
	for id := range st.results {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	push := zsync.PushRequest{ClientID: p.client, SchemaVersion: zsync.SchemaVersion}
	at := time.Now().Format(time.RFC3339)
	for k, id := range ids[:n] {
		r := st.results[id]
		v := r.Value
		for v == r.Value {
			v = values[rng.IntN(len(values))]
		}
		args, _ := json.Marshal(map[string]any{"visit_id": r.VisitID, "item_id": r.ItemID, "value": v, "note": "复查", "photos": []string{},
			"base_version": r.Version})
		push.Mutations = append(push.Mutations, zsync.Mutation{Seq: st.seq + int64(k+1), ID: newID(), Name: "item.set", At: at, Args: args})
	}
	body, _ := json.Marshal(push)
	b, t, err := a.do(ctx, "POST", "/api/v1/sync/push", p.token, body)
	d[1] = t
	if err != nil {
		return d, err
	}
	var pr zsync.PushResponse
	if err := json.Unmarshal(b, &pr); err != nil {
		return d, err
	}
	want := st.seq + int64(n)
	st.seq = max(st.seq, pr.LastSeq)
	for _, r := range pr.Results {
		if r.Status != zsync.StatusApplied {
			return d, fmt.Errorf("mutation %d: %s %s", r.Seq, r.Status, r.Reason)
		}
	}
	if pr.LastSeq != want {
		return d, fmt.Errorf("push answered last_seq %d, want %d", pr.LastSeq, want)
	}
	before := map[string]int64{}
	for _, id := range ids[:n] {
		before[id] = st.results[id].Version
	}
	if d[2], err = pullAll(ctx, a, p, st); err != nil {
		return d, err
	}
	for id, v := range before {
		if st.results[id].Version != v+1 {
			return d, fmt.Errorf("the pull after the push brought item %s at version %d, want %d", id, st.results[id].Version, v+1)
		}
	}
	return d, nil
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func thousands(x float64) string {
	s := fmt.Sprintf("%.0f", x)
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

func verdict(ok bool) string {
	if ok {
		return "✅"
	}
	return "❌"
}

// ceiling is the raw ceiling the push is compared with: the mean of the
// measurements before and after it when both were made.
func (f *figures) ceiling() float64 {
	if f.raw50After > 0 {
		return (f.raw50 + f.raw50After) / 2
	}
	return f.raw50
}

// report prints the Markdown table.
func report(w io.Writer, c config, f *figures) {
	ratio := f.pushRate / f.ceiling()
	pullOK := f.pull.p(0.99) < 10*time.Millisecond
	machine := fmt.Sprintf("%d CPUs (GOMAXPROCS %d), %s/%s, %s", runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, runtime.Version())
	if m := cpuModel(); m != "" {
		machine = m + ", " + machine
	}
	hist := "results only"
	if c.history {
		hist = "with every result's journal row: its change-log entry, mutation record and audit entry"
	}
	fmt.Fprintf(w, "\n### Sync benchmark (`go run ./server/bench`)\n\n")
	fmt.Fprintf(w, "Machine: %s. Database: %s item results, %s visits, %s inspectors, %.1f GB (%s); SQLite WAL, the server's durability %s (every acknowledged commit fsynced unless NORMAL); load generator and server in one process.\n\n",
		machine, thousands(float64(c.results)), thousands(float64(f.visits)), thousands(float64(f.inspectors)), float64(f.dbBytes)/1e9, hist, c.pushSync)
	fmt.Fprintf(w, "| Measure | Figure | Goal |\n|---|---|---|\n")
	if c.runs("raw") {
		fmt.Fprintf(w, "| Raw ceiling: INSERT into item_results, 50 rows per transaction, synchronous=FULL (an fsync per commit, the push's durability) | %s rows/s | |\n", thousands(f.raw50))
		if f.raw50After > 0 {
			fmt.Fprintf(w, "| Raw ceiling again, right after the push (the push is compared with the mean, %s rows/s) | %s rows/s | |\n", thousands(f.ceiling()), thousands(f.raw50After))
		}
		fmt.Fprintf(w, "| Raw: the same, 1,000 rows per transaction | %s rows/s | |\n", thousands(f.raw1000))
		fmt.Fprintf(w, "| Raw: bare table (same columns and key, no index, FKs or rollup triggers), 50 rows per transaction | %s rows/s | |\n", thousands(f.rawBare))
		fmt.Fprintf(w, "| Raw: each result with the rows a push writes for it (the result and its journal row: change, mutation record and audit entry in one), 50 results per transaction, one multi-row INSERT per table as the engine writes them: the bound of any engine writing these rows | %s results/s = %.0f%% of the raw ceiling | |\n",
			thousands(f.rawBook), 100*f.rawBook/f.raw50)
	}
	if d := f.durability; d != nil {
		fmt.Fprintf(w, "| Durable commits: write transactions of 50 rows via the single writer, 1 writer: not durable (NORMAL) / fsync in COMMIT (SQLite's FULL) / fsync beside the writer (the server's FULL) | %s / %s / %s tx/s (FULL = %.0f%% of NORMAL) | |\n",
			thousands(d.normal1), thousands(d.inCommit1), thousands(d.full1), 100*d.full1/d.normal1)
		fmt.Fprintf(w, "| Durable commits: the same, %d writers at once (group commit, %.1f transactions per FULL commit) | %s / %s / %s tx/s (FULL = %.0f%% of NORMAL) | |\n",
			c.concurrency, d.groupN, thousands(d.normalN), thousands(d.inCommitN), thousands(d.fullN), 100*d.fullN/d.normalN)
	}
	if c.runs("push") {
		if c.runs("raw") {
			fmt.Fprintf(w, "| Push ingestion over HTTP: %d phones at once, batches of %d `item.set`, full bookkeeping | %s rows/s = %.0f%% of the raw ceiling (%.0f%% of its rows' bound) | ≥ 50%% %s |\n",
				c.concurrency, c.batch, thousands(f.pushRate), 100*ratio, 100*f.pushRate/f.rawBook, verdict(ratio >= 0.5))
		} else {
			fmt.Fprintf(w, "| Push ingestion over HTTP: %d phones at once, batches of %d `item.set`, full bookkeeping | %s rows/s | |\n",
				c.concurrency, c.batch, thousands(f.pushRate))
		}
		fmt.Fprintf(w, "| Push batch latency p50 / p99 (%d batches) | %s / %s | |\n", len(f.pushBatches), ms(f.pushBatches.p(0.5)), ms(f.pushBatches.p(0.99)))
	}
	if c.runs("pull") {
		fmt.Fprintf(w, "| Bootstrap pull of an inspector's day (10 visits × 30 results, %d changes, %s KB before gzip) p50 / p99 (%d pulls) | %s / %s | p99 < 10 ms %s |\n",
			f.pullChanges, thousands(float64(f.pullBytes)/1024), len(f.pull), ms(f.pull.p(0.5)), ms(f.pull.p(0.99)), verdict(pullOK))
		fmt.Fprintf(w, "| First pull of a new phone (the same, plus leasing 20 notice numbers) p50 / p99 | %s / %s | |\n", ms(f.pullFirst.p(0.5)), ms(f.pullFirst.p(0.99)))
	}
	for _, st := range []*syncStats{f.daily, f.first} {
		if st == nil {
			continue
		}
		what, first := "phones that synced before: incremental pull", "incremental pull"
		if st.bootstrap {
			what, first = "new phones: bootstrap pull", "bootstrap pull"
		}
		ok := st.syncs.p(0.99) < 250*time.Millisecond && len(st.errors) == 0
		fmt.Fprintf(w, "| %s phones syncing within %s (%s, push %d `item.set`, pull): per sync p50 / p99 / max, errors | %s / %s / %s, %d errors | p99 < 250 ms, none %s |\n",
			thousands(float64(c.phones)), c.window, what, c.syncMutations, ms(st.syncs.p(0.5)), ms(st.syncs.p(0.99)), ms(st.syncs.max()), len(st.errors), verdict(ok))
		fmt.Fprintf(w, "| — of which %s / push / pull, p99 | %s / %s / %s | |\n", first, ms(st.pull0.p(0.99)), ms(st.push.p(0.99)), ms(st.pull2.p(0.99)))
	}
	fmt.Fprintf(w, "\nWhere the time goes (the engine's store, timed):\n\n")
	if c.runs("push") {
		fmt.Fprintf(w, "- push ingestion: %s\n", f.pushWriter)
	}
	if c.runs("pull") {
		fmt.Fprintf(w, "- bootstrap pulls: %s\n", f.pullStore)
	}
	for _, st := range []*syncStats{f.daily, f.first} {
		if st != nil {
			fmt.Fprintf(w, "- phones (bootstrap %v): %s\n", st.bootstrap, st.store)
		}
	}
	if f.soak != nil {
		reportSoak(w, c, f.soak)
	}
	fmt.Fprintf(w, "\nCommand: `go run ./server/bench %s`\n", strings.Join(os.Args[1:], " "))
}

// msOf is a duration in milliseconds, for the JSON figures.
func msOf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// writeJSON writes what report prints as JSON, so that `make bench`
// (pwa/scripts/bench-table.mjs) can put these figures and the phone's into
// one table without parsing Markdown. A phase that did not run is absent.
func writeJSON(path string, c config, f *figures) error {
	type latencyJSON struct {
		N     int     `json:"n"`
		P50ms float64 `json:"p50_ms"`
		P99ms float64 `json:"p99_ms"`
		MaxMs float64 `json:"max_ms"`
	}
	lat := func(l latencies) latencyJSON {
		return latencyJSON{N: len(l), P50ms: msOf(l.p(0.5)), P99ms: msOf(l.p(0.99)), MaxMs: msOf(l.max())}
	}
	type syncJSON struct {
		Phones        int         `json:"phones"`
		WindowS       float64     `json:"window_s"`
		Mutations     int         `json:"mutations"`
		Bootstrap     bool        `json:"bootstrap"`
		Syncs         latencyJSON `json:"syncs"`
		FirstPullP99  float64     `json:"first_pull_p99_ms"`
		PushP99       float64     `json:"push_p99_ms"`
		SecondPullP99 float64     `json:"second_pull_p99_ms"`
		Errors        int         `json:"errors"`
		FirstErrors   []string    `json:"first_errors,omitempty"`
		Store         string      `json:"store"`
	}
	syncOf := func(st *syncStats) *syncJSON {
		if st == nil {
			return nil
		}
		return &syncJSON{Phones: c.phones, WindowS: c.window.Seconds(), Mutations: c.syncMutations, Bootstrap: st.bootstrap,
			Syncs: lat(st.syncs), FirstPullP99: msOf(st.pull0.p(0.99)), PushP99: msOf(st.push.p(0.99)), SecondPullP99: msOf(st.pull2.p(0.99)),
			Errors: len(st.errors), FirstErrors: st.errors[:min(5, len(st.errors))], Store: st.store}
	}
	out := map[string]any{
		"command":  "go run ./server/bench " + strings.Join(os.Args[1:], " "),
		"machine":  map[string]any{"cpu": cpuModel(), "cpus": runtime.NumCPU(), "gomaxprocs": runtime.GOMAXPROCS(0), "go": runtime.Version()},
		"database": map[string]any{"results": c.results, "visits": f.visits, "inspectors": f.inspectors, "bytes": f.dbBytes, "history": c.history, "synchronous": string(c.pushSync)},
		"phases":   strings.Split(c.phases, ","),
	}
	if c.runs("raw") {
		out["raw"] = map[string]any{"rows_per_s_50": f.raw50, "rows_per_s_50_after_push": f.raw50After, "ceiling": f.ceiling(),
			"rows_per_s_1000": f.raw1000, "bare_rows_per_s_50": f.rawBare, "bookkeeping_results_per_s_50": f.rawBook, "rows": c.rawRows}
	}
	if d := f.durability; d != nil {
		out["durability"] = map[string]any{"normal_tx_per_s_1": d.normal1, "in_commit_tx_per_s_1": d.inCommit1, "full_tx_per_s_1": d.full1,
			"normal_tx_per_s_n": d.normalN, "in_commit_tx_per_s_n": d.inCommitN, "full_tx_per_s_n": d.fullN, "writers_n": c.concurrency,
			"full_tx_per_commit_n": d.groupN}
	}
	if c.runs("push") {
		push := map[string]any{"phones": c.concurrency, "batch": c.batch, "rows_per_s": f.pushRate, "batches": lat(f.pushBatches),
			"errors": f.pushErrors, "status": f.pushStatus, "store": f.pushWriter}
		if c.runs("raw") && f.raw50 > 0 {
			push["ratio_to_raw"] = f.pushRate / f.ceiling()
		}
		if c.runs("raw") && f.rawBook > 0 {
			push["ratio_to_bookkeeping"] = f.pushRate / f.rawBook
		}
		out["push"] = push
	}
	if c.runs("pull") {
		out["pull"] = map[string]any{"bootstrap": lat(f.pull), "first": lat(f.pullFirst), "changes": f.pullChanges, "bytes": f.pullBytes, "store": f.pullStore}
	}
	if s := syncOf(f.daily); s != nil {
		out["phones"] = s
	}
	if s := syncOf(f.first); s != nil {
		out["phones_bootstrap"] = s
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
