package main

// The PostgreSQL mode of the bench (-pg postgres://…, or -db postgres://…):
//
//	go run ./server/bench -pg 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' -results 300000
//
// It first runs the SQLite bench as usual (unless -pg-sqlite=false), on the
// prepared SQLite database of -db (a temporary one when -db is empty), then
// the same measurements on PostgreSQL, in the same process:
//
//  1. the prepared SQLite database is copied, the run's users, visits and
//     items are added to the copy (setupRun, twice: one set of ingesting
//     inspectors per push phase), and the copy is moved into a fresh schema
//     of the PostgreSQL database with the transfer package (Export piped into
//     Import, what `zsc export` + `zsc import-db` do), then VACUUM ANALYZE of
//     the schema's tables (a moved database is analysed by autovacuum soon
//     after; doing it here keeps autovacuum out of the measurements);
//  2. the raw ceiling: the same result-shaped rows inserted straight into
//     PostgreSQL through the store's connection (50 and 1000 rows per
//     transaction, the bare table, the bookkeeping rows), with PostgreSQL's
//     own settings (fsync and synchronous_commit as the server has them);
//  3. push ingestion, bootstrap pulls and the 1,000 phones against one zsc
//     server (one store: one instance);
//  4. push ingestion and the 1,000 phones against two zsc servers on the
//     same database (two stores: two instances, their writes serialised by
//     the store's advisory lock), each phone talking to one of them.
//
// Between phases the database is CHECKPOINTed, as the SQLite bench
// checkpoints its WAL. The schema is dropped at the end unless -keep.

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"zsc/server/auth"
	zhttp "zsc/server/http"
	"zsc/server/postgres"
	"zsc/server/sqlstore"
	"zsc/server/transfer"
)

var (
	pgURL    = flag.String("pg", "", "run the bench on this PostgreSQL database too (a postgres:// URL; the bench makes and drops its own schema there)")
	pgSQLite = flag.Bool("pg-sqlite", true, "with -pg, run the SQLite bench first in the same run, for the side-by-side")
)

// pgMode says whether the run is on PostgreSQL; -db naming a postgres://
// URL is the same as -pg with a temporary SQLite source.
func pgMode(c *config) bool {
	if postgres.IsDSN(c.db) {
		*pgURL, c.db = c.db, ""
	}
	return *pgURL != ""
}

// pgFigures are what the PostgreSQL part measured.
type pgFigures struct {
	version, fsync, syncCommit string
	schema                     string
	dbBytes                    int64
	visits, inspectors         int
	move                       time.Duration
	moved                      *transfer.Stats
	raw50, raw1000, rawBare    float64
	rawBook                    float64
	one, two                   figures // one and two instances
	split                      [2]int64
	store2                     []string // the second instance's writer, per two-instance phase
}

func runPG(ctx context.Context, c config, stdout, log io.Writer) error {
	if c.db == "" {
		d, err := os.MkdirTemp("", "zsc-bench-pg-")
		if err != nil {
			return err
		}
		defer func() {
			if err := os.RemoveAll(d); err != nil {
				fmt.Fprintf(log, "bench: could not remove %s: %v\n", d, err)
			}
		}()
		c.db = filepath.Join(d, "bench.db")
	}
	if err := os.MkdirAll(filepath.Dir(c.db), 0o755); err != nil {
		return err
	}
	if err := prepare(ctx, c.db, c.results, c.phones, c.history, log); err != nil {
		return err
	}
	if *pgSQLite {
		fmt.Fprintf(log, "== SQLite ==\n")
		if err := run(ctx, c, stdout, log); err != nil {
			return fmt.Errorf("the SQLite run: %w", err)
		}
	}
	fmt.Fprintf(log, "== PostgreSQL ==\n")
	var f pgFigures
	base := *pgURL
	admin, err := postgres.OpenDB(base, 1)
	if err != nil {
		return err
	}
	defer admin.Close()
	if err := admin.QueryRowContext(ctx, `SELECT current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit')`).
		Scan(&f.version, &f.fsync, &f.syncCommit); err != nil {
		return fmt.Errorf("connect to %s: %w", postgres.Redact(base), err)
	}
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	f.schema = "zsc_bench_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+f.schema); err != nil {
		return err
	}
	if !c.keep {
		defer func() {
			// A cancelled run still drops its schema.
			if _, err := admin.ExecContext(context.WithoutCancel(ctx), `DROP SCHEMA `+f.schema+` CASCADE`); err != nil {
				fmt.Fprintf(log, "bench: could not drop the schema %s: %v\n", f.schema, err)
			}
		}()
	}
	dsn, err := withSearchPath(base, f.schema)
	if err != nil {
		return err
	}

	rd1, rd2, err := pgMove(ctx, c, dsn, &f, log)
	if err != nil {
		return err
	}
	settle := func() error {
		_, err := admin.ExecContext(ctx, `CHECKPOINT`)
		return err
	}

	if c.runs("raw") {
		if err := settle(); err != nil {
			return err
		}
		fmt.Fprintf(log, "raw inserts (PostgreSQL)…\n")
		if f.raw50, err = pgRawInsert(ctx, dsn, "item_results", rd1.rawTrig, 50, rd1.partner); err != nil {
			return fmt.Errorf("raw insert: %w", err)
		}
		if f.raw1000, err = pgRawInsert(ctx, dsn, "item_results", rd1.rawBig, 1000, rd1.partner); err != nil {
			return fmt.Errorf("raw insert: %w", err)
		}
		if f.rawBare, err = pgRawInsert(ctx, dsn, "bench_raw", rd1.rawTrig, 50, rd1.partner); err != nil {
			return fmt.Errorf("raw insert: %w", err)
		}
		if f.rawBook, err = pgRawBookkeeping(ctx, dsn, rd1.rawBook, 50, rd1.partner, rd1.client); err != nil {
			return fmt.Errorf("raw bookkeeping: %w", err)
		}
		fmt.Fprintf(log, "  %.0f rows/s (50/tx), %.0f rows/s (1000/tx), %.0f rows/s (bare table, 50/tx), %.0f results/s with their bookkeeping rows (50/tx)\n",
			f.raw50, f.raw1000, f.rawBare, f.rawBook)
	}

	secret := []byte(newID() + newID())
	blobs := strings.TrimSuffix(c.db, ".db") + "-pg-blobs"
	defer func() {
		if err := os.RemoveAll(blobs); err != nil {
			fmt.Fprintf(log, "bench: could not remove %s: %v\n", blobs, err)
		}
	}()
	one, err := startInstance(dsn, secret, blobs, log)
	if err != nil {
		return err
	}
	defer one.stop(log)
	a := newAPI("http://"+one.addr, max(c.concurrency, 256))
	for _, ph := range []struct {
		name string
		run  func() error
	}{
		{"push", func() error { return pushPhase(ctx, c, a, one.ts, rd1, &f.one, log) }},
		{"pull", func() error { return pullPhase(ctx, c, a, one.ts, &f.one, log) }},
		{"phones", func() (err error) { f.one.daily, err = phonesPhase(ctx, c, a, one.ts, false, log); return err }},
		{"phones-bootstrap", func() (err error) { f.one.first, err = phonesPhase(ctx, c, a, one.ts, true, log); return err }},
	} {
		if c.runs(ph.name) {
			if err := settle(); err != nil {
				return err
			}
			fmt.Fprintf(log, "[one instance] ")
			if err := ph.run(); err != nil {
				return err
			}
		}
	}

	two, err := startInstance(dsn, secret, blobs, log)
	if err != nil {
		return err
	}
	defer two.stop(log)
	sa, counts := splitAPI([]string{one.addr, two.addr}, max(c.concurrency, 256))
	for _, ph := range []struct {
		name string
		run  func() error
	}{
		{"push", func() error { return pushPhase(ctx, c, sa, one.ts, rd2, &f.two, log) }},
		{"phones", func() (err error) { f.two.daily, err = phonesPhase(ctx, c, sa, one.ts, false, log); return err }},
		{"phones-bootstrap", func() (err error) { f.two.first, err = phonesPhase(ctx, c, sa, one.ts, true, log); return err }},
	} {
		if c.runs(ph.name) {
			if err := settle(); err != nil {
				return err
			}
			fmt.Fprintf(log, "[two instances] ")
			s0 := two.db.WriteStats()
			if err := ph.run(); err != nil {
				return err
			}
			s1 := two.db.WriteStats()
			w := fmt.Sprintf("%s: %d write transactions in %d commits", ph.name, s1.Transactions-s0.Transactions, s1.Commits-s0.Commits)
			f.store2 = append(f.store2, w)
			fmt.Fprintf(log, "  the second instance's writer (the store line above is the first's): %s\n", w)
		}
	}
	f.split = [2]int64{counts[0].Load(), counts[1].Load()}
	fmt.Fprintf(log, "  two instances: %d and %d requests\n", f.split[0], f.split[1])
	if err := admin.QueryRowContext(ctx, `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = ? AND c.relkind = 'r'`, f.schema).Scan(&f.dbBytes); err != nil {
		return err
	}
	pgReport(stdout, c, &f)
	return nil
}

// withSearchPath returns base with its search_path set to schema.
func withSearchPath(base, schema string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("-pg: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// pgMove copies the prepared SQLite database, adds the run's rows to the
// copy (two sets of ingesting inspectors, one per push phase; the raw
// ceiling's items with the first), and moves the copy into the schema.
func pgMove(ctx context.Context, c config, dsn string, f *pgFigures, log io.Writer) (rd1, rd2 *runData, err error) {
	work := strings.TrimSuffix(c.db, ".db") + "-pg.db"
	if err := removeDB(work); err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(log, "copying %s to %s…\n", c.db, work)
	if err := copyFile(c.db, work); err != nil {
		return nil, nil, err
	}
	defer func() {
		if e := removeDB(work); e != nil {
			fmt.Fprintf(log, "bench: could not remove %s: %v\n", work, e)
		}
	}()
	src, err := sqlstore.Open(work)
	if err != nil {
		return nil, nil, err
	}
	defer src.Close()
	rowsPerUser := (c.pushRows/c.concurrency + c.batch - 1) / c.batch * c.batch
	fmt.Fprintf(log, "setting up the run: twice %d ingesting inspectors with %d unanswered items each, %d raw rows…\n", c.concurrency, rowsPerUser, 3*c.rawRows)
	if rd1, err = setupRun(ctx, src, c.concurrency, rowsPerUser, c.rawRows); err != nil {
		return nil, nil, err
	}
	if rd2, err = setupRun(ctx, src, c.concurrency, rowsPerUser, 0); err != nil {
		return nil, nil, err
	}
	// The bench's own tables are not the store's: the move would refuse them.
	err = src.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`DROP TABLE bench_raw; DROP TABLE bench_meta`)
		return err
	})
	if err == nil {
		err = src.Reader().QueryRowContext(ctx, `SELECT (SELECT count(*) FROM visits), (SELECT count(*) FROM users WHERE role = 'inspector')`).Scan(&f.visits, &f.inspectors)
	}
	if err != nil {
		return nil, nil, err
	}

	dst, err := sqlstore.Open(dsn)
	if err != nil {
		return nil, nil, err
	}
	defer dst.Close()
	fmt.Fprintf(log, "moving %s into PostgreSQL (schema %s)…\n", work, f.schema)
	start := time.Now()
	pr, pw := io.Pipe()
	exported := make(chan error, 1)
	go func() {
		_, err := transfer.Export(ctx, src, pw)
		pw.CloseWithError(err)
		exported <- err
	}()
	f.moved, err = transfer.Import(ctx, dst, pr)
	// An import that stopped early leaves the export blocked on the pipe.
	pr.CloseWithError(errors.New("the import stopped"))
	if e := <-exported; err == nil {
		err = e
	}
	if err != nil {
		return nil, nil, fmt.Errorf("move into PostgreSQL: %w", err)
	}
	fmt.Fprintf(log, "  %d rows in %d tables in %s\n", f.moved.Rows, f.moved.Tables, time.Since(start).Round(time.Second))
	err = dst.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`CREATE TABLE bench_raw (item_id TEXT PRIMARY KEY, visit_id TEXT NOT NULL, dept TEXT NOT NULL, value TEXT NOT NULL,
			note TEXT NOT NULL DEFAULT '', photos TEXT NOT NULL DEFAULT '[]', version INTEGER NOT NULL, user_id TEXT NOT NULL,
			client_id TEXT NOT NULL, channel TEXT NOT NULL, mutation_id TEXT NOT NULL, updated_at TEXT NOT NULL)`)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	// VACUUM runs outside a transaction, table by table: a bare VACUUM
	// would go through every schema of the database.
	var tables []string
	rows, err := dst.Reader().QueryContext(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return nil, nil, err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	for _, t := range tables {
		if _, err := dst.Reader().ExecContext(ctx, `VACUUM (ANALYZE) "`+t+`"`); err != nil {
			return nil, nil, fmt.Errorf("vacuum %s: %w", t, err)
		}
	}
	f.move = time.Since(start)
	fmt.Fprintf(log, "  moved and vacuumed in %s\n", f.move.Round(time.Second))
	return rd1, rd2, nil
}

// instance is one zsc server on its own store, as `zsc serve` runs it.
type instance struct {
	db   *sqlstore.DB
	srv  *zhttp.Server
	ts   *timedStore
	addr string
}

func startInstance(dsn string, secret []byte, blobs string, log io.Writer) (*instance, error) {
	db, err := sqlstore.Open(dsn)
	if err != nil {
		return nil, err
	}
	srv := zhttp.New(db, auth.New(db, secret), slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelWarn})), nil, blobs)
	ts := &timedStore{Store: srv.Sync.Store, db: db}
	srv.Sync.Store = ts
	addr, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		db.Close()
		return nil, err
	}
	return &instance{db: db, srv: srv, ts: ts, addr: addr}, nil
}

func (in *instance) stop(log io.Writer) {
	if err := in.srv.Shutdown(context.Background()); err != nil {
		fmt.Fprintf(log, "bench: server shutdown: %v\n", err)
	}
	if err := in.db.Close(); err != nil {
		fmt.Fprintf(log, "bench: close the store: %v\n", err)
	}
}

// splitAPI talks to several servers: each phone to one of them, chosen by
// its token (a login, which has none yet, goes to the next in turn); it
// counts the requests each server had.
func splitAPI(addrs []string, conns int) (*api, []atomic.Int64) {
	tr := &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, IdleConnTimeout: 5 * time.Minute}
	st := &splitTransport{addrs: addrs, next: tr, counts: make([]atomic.Int64, len(addrs))}
	return &api{base: "http://" + addrs[0], hc: &http.Client{Transport: st, Timeout: 2 * time.Minute}}, st.counts
}

type splitTransport struct {
	addrs  []string
	next   http.RoundTripper
	turn   atomic.Uint64
	counts []atomic.Int64
}

func (t *splitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var i int
	if tok := req.Header.Get("Authorization"); tok != "" {
		h := fnv.New32a()
		h.Write([]byte(tok)) // a hash.Hash's Write never fails
		i = int(h.Sum32() % uint32(len(t.addrs)))
	} else {
		i = int(t.turn.Add(1) % uint64(len(t.addrs)))
	}
	t.counts[i].Add(1)
	r := req.Clone(req.Context())
	r.URL.Host, r.Host = t.addrs[i], t.addrs[i]
	return t.next.RoundTrip(r)
}

// pgRawInsert is rawInsert on PostgreSQL, through the store's connection.
func pgRawInsert(ctx context.Context, dsn, table string, items []itemRef, batch int, user string) (float64, error) {
	db, err := postgres.OpenDB(dsn, 1)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	st, err := db.PrepareContext(ctx, `INSERT INTO `+table+` (item_id, visit_id, dept, value, note, photos, version, user_id, client_id, channel, mutation_id, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	client := newID()
	mids := make([]string, len(items))
	for i := range mids {
		mids[i] = newID()
	}
	at := sqlstore.FormatTime(time.Now())
	start := time.Now()
	for from := 0; from < len(items); from += batch {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return 0, err
		}
		s := tx.StmtContext(ctx, st)
		for i := from; i < min(from+batch, len(items)); i++ {
			it := items[i]
			if _, err := s.ExecContext(ctx, it.item, it.visit, benchDept, values[i%len(values)], "", "[]", 1, user, client, "mobile", mids[i], at); err != nil {
				return 0, errors.Join(err, tx.Rollback())
			}
		}
		if err := tx.Commit(); err != nil {
			return 0, err
		}
	}
	return float64(len(items)) / time.Since(start).Seconds(), nil
}

// pgRawBookkeeping is rawBookkeeping on PostgreSQL.
func pgRawBookkeeping(ctx context.Context, dsn string, items []itemRef, batch int, user, client string) (float64, error) {
	db, err := postgres.OpenDB(dsn, 1)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	return insertBookkeeping(ctx, db, items, batch, user, client)
}

// pgReport prints the PostgreSQL table: one instance and two side by side.
func pgReport(w io.Writer, c config, f *pgFigures) {
	machine := fmt.Sprintf("%d CPUs (GOMAXPROCS %d), %s/%s, %s", runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, runtime.Version())
	if m := cpuModel(); m != "" {
		machine = m + ", " + machine
	}
	fmt.Fprintf(w, "\n### Sync benchmark on PostgreSQL (`go run ./server/bench -pg …`)\n\n")
	fmt.Fprintf(w, "Machine: %s. PostgreSQL %s on the same machine (fsync %s, synchronous_commit %s). Database: %s item results, %s visits, %s inspectors, %.2f GB in PostgreSQL; moved from the prepared SQLite database with the transfer package (%s rows) and vacuumed in %s. Load generator and servers in one process; two instances are two stores and two HTTP servers on one database.\n\n",
		machine, f.version, f.fsync, f.syncCommit, thousands(float64(c.results)), thousands(float64(f.visits)), thousands(float64(f.inspectors)),
		float64(f.dbBytes)/1e9, thousands(float64(f.moved.Rows)), f.move.Round(time.Second))
	fmt.Fprintf(w, "| Measure | One instance | Two instances | Goal |\n|---|---|---|---|\n")
	if c.runs("raw") {
		fmt.Fprintf(w, "| Raw ceiling: INSERT into item_results, 50 rows per transaction | %s rows/s | | |\n", thousands(f.raw50))
		fmt.Fprintf(w, "| Raw: the same, 1,000 rows per transaction | %s rows/s | | |\n", thousands(f.raw1000))
		fmt.Fprintf(w, "| Raw: bare table (same columns and key, no index, FKs or rollup triggers), 50 rows per transaction | %s rows/s | | |\n", thousands(f.rawBare))
		fmt.Fprintf(w, "| Raw: each result with the rows a push writes for it (the result and its journal row: change, mutation record and audit entry in one), 50 results per transaction, one multi-row INSERT per table as the engine writes them | %s results/s | | |\n", thousands(f.rawBook))
	}
	if c.runs("push") {
		push := func(g *figures) string {
			s := thousands(g.pushRate) + " rows/s"
			if c.runs("raw") && f.raw50 > 0 {
				s += fmt.Sprintf(" = %.0f%% of the raw ceiling", 100*g.pushRate/f.raw50)
			}
			return s
		}
		ok := c.runs("raw") && f.one.pushRate/f.raw50 >= 0.5
		fmt.Fprintf(w, "| Push ingestion over HTTP: %d phones at once, batches of %d `item.set`, full bookkeeping | %s | %s | ≥ 50%% %s |\n",
			c.concurrency, c.batch, push(&f.one), push(&f.two), verdict(ok))
		fmt.Fprintf(w, "| Push batch latency p50 / p99 | %s / %s | %s / %s | |\n", ms(f.one.pushBatches.p(0.5)), ms(f.one.pushBatches.p(0.99)),
			ms(f.two.pushBatches.p(0.5)), ms(f.two.pushBatches.p(0.99)))
	}
	if c.runs("pull") {
		fmt.Fprintf(w, "| Bootstrap pull of an inspector's day (%d changes) p50 / p99 (%d pulls, one at a time) | %s / %s | | p99 < 10 ms %s |\n",
			f.one.pullChanges, len(f.one.pull), ms(f.one.pull.p(0.5)), ms(f.one.pull.p(0.99)), verdict(f.one.pull.p(0.99) < 10*time.Millisecond))
	}
	phones := func(st *syncStats) (string, string, bool) {
		if st == nil {
			return "", "", true
		}
		return fmt.Sprintf("%s / %s / %s, %d errors", ms(st.syncs.p(0.5)), ms(st.syncs.p(0.99)), ms(st.syncs.max()), len(st.errors)),
			fmt.Sprintf("%s / %s / %s", ms(st.pull0.p(0.99)), ms(st.push.p(0.99)), ms(st.pull2.p(0.99))),
			st.syncs.p(0.99) < 250*time.Millisecond && len(st.errors) == 0
	}
	for _, k := range []struct {
		what, first string
		one, two    *syncStats
	}{
		{"phones that synced before: incremental pull", "incremental pull", f.one.daily, f.two.daily},
		{"new phones: bootstrap pull", "bootstrap pull", f.one.first, f.two.first},
	} {
		if k.one == nil && k.two == nil {
			continue
		}
		s1, d1, ok1 := phones(k.one)
		s2, d2, ok2 := phones(k.two)
		fmt.Fprintf(w, "| %s phones syncing within %s (%s, push %d `item.set`, pull): per sync p50 / p99 / max, errors | %s | %s | p99 < 250 ms, none %s |\n",
			thousands(float64(c.phones)), c.window, k.what, c.syncMutations, s1, s2, verdict(ok1 && ok2))
		fmt.Fprintf(w, "| — of which %s / push / pull, p99 | %s | %s | |\n", k.first, d1, d2)
	}
	fmt.Fprintf(w, "\nWhere the time goes (the first instance's store, timed):\n\n")
	for _, g := range []struct {
		name string
		f    *figures
	}{{"one instance", &f.one}, {"two instances", &f.two}} {
		if c.runs("push") {
			fmt.Fprintf(w, "- %s, push ingestion: %s\n", g.name, g.f.pushWriter)
		}
		for _, st := range []*syncStats{g.f.daily, g.f.first} {
			if st != nil {
				fmt.Fprintf(w, "- %s, phones (bootstrap %v): %s\n", g.name, st.bootstrap, st.store)
			}
		}
	}
	if len(f.store2) > 0 {
		fmt.Fprintf(w, "- the second instance's writer: %s; requests split %d / %d\n", strings.Join(f.store2, "; "), f.split[0], f.split[1])
	}
	fmt.Fprintf(w, "\nCommand: `go run ./server/bench %s`\n", strings.Join(redactArgs(os.Args[1:]), " "))
}

// redactArgs leaves passwords out of the printed command.
func redactArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if k, v, ok := strings.Cut(a, "="); ok && postgres.IsDSN(v) {
			out[i] = k + "=" + postgres.Redact(v)
		} else if postgres.IsDSN(a) {
			out[i] = postgres.Redact(a)
		}
	}
	return out
}
