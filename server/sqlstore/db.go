// Package sqlite is the store of 掌上查 on SQLite (modernc.org/sqlite, no cgo).
// It implements the storage interfaces of sync and of the server's services.
//
// One writer connection serialises every write transaction (SQLite allows one
// writer anyway; queueing in Go avoids SQLITE_BUSY storms), and a pool of
// reader connections serves queries concurrently thanks to WAL mode.
package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	gosync "sync"
	"time"

	"zsc/schema"
	"zsc/server/postgres"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// DB is an open database: a single writer and a pool of readers.
type DB struct {
	// Path is the SQLite file, or the PostgreSQL DSN without its password.
	Path string
	// Postgres is true on PostgreSQL: the few statements the two databases
	// spell differently look at it (dialect.go).
	Postgres bool
	write    *sql.DB
	read     *sql.DB
	// queue feeds the one goroutine that runs write transactions
	// (groupcommit.go), first come first served: database/sql would hand the
	// freed connection to a random waiter, which makes the single writer's
	// queue a lottery (seconds of tail latency under load).
	queue      chan *writeReq
	writerDone chan struct{}
	stats      writeCounters
	// Now is the clock; tests replace it. Never call time.Now in store code.
	Now func() time.Time
	// ckpt is the connection of the background checkpointer (checkpoint.go);
	// nil on PostgreSQL, which checkpoints itself.
	ckpt    *sql.DB
	stop    chan struct{}
	done    chan struct{}
	closing gosync.Once
	// wal fsyncs commits off the writer and answers their callers after it
	// (walsync.go); nil on PostgreSQL and unless SyncFull.
	wal *walSyncer
}

// Synchronous is the durability a database opens with (SQLite's
// synchronous pragma in WAL mode).
type Synchronous string

const (
	// SyncFull: a write acknowledged to a caller survives power loss
	// (DESIGN §8.4). Group commit pays for it (one fsync serves every
	// transaction of a group), and the fsync runs beside the writer, not in
	// its COMMIT (walsync.go): the next group works while the disk syncs.
	// The default.
	SyncFull Synchronous = "FULL"
	// SyncInCommit is SQLite's own synchronous=FULL: the same durability,
	// the fsync inside every COMMIT, on the writer. Only for measuring what
	// the syncer gains (server/bench).
	SyncInCommit Synchronous = "FULL-IN-COMMIT"
	// SyncNormal fsyncs only at checkpoints: a power cut may lose the last
	// commits. Only for measuring what durability costs (server/bench).
	SyncNormal Synchronous = "NORMAL"
)

// pragma is SQLite's synchronous setting for s: SyncFull commits with
// NORMAL (WAL stays consistent) and the syncer adds the fsync.
func (s Synchronous) pragma() string {
	if s == SyncInCommit {
		return "FULL"
	}
	return "NORMAL"
}

// Options are the settings of OpenWith.
type Options struct {
	// Synchronous is SyncFull when empty.
	Synchronous Synchronous
}

// pragmas go in the DSN so that every pooled connection gets them (STYLE 6).
func dsn(path string, readOnly bool, sync Synchronous) string {
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(" + sync.pragma() + ")", "cache_size(-32000)", "temp_store(MEMORY)"} {
		q.Add("_pragma", p)
	}
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
		// The background checkpointer copies the WAL into the database
		// (checkpoint.go), not the commit of whichever write crosses the
		// threshold; journal_size_limit shrinks the WAL file after a reset.
		q.Add("_pragma", "wal_autocheckpoint(0)")
		q.Add("_pragma", "journal_size_limit(67108864)")
	}
	return "file:" + path + "?" + q.Encode()
}

// Open opens the database at path (creating a SQLite file if needed) or at
// a postgres:// URL, and applies every pending migration; commits are
// durable (SyncFull on SQLite; PostgreSQL's own fsync on commit).
func Open(path string) (*DB, error) { return OpenWith(path, Options{}) }

// OpenWith is Open with settings.
func OpenWith(path string, o Options) (*DB, error) {
	if postgres.IsDSN(path) {
		return openPostgres(path)
	}
	sync := o.Synchronous
	switch sync {
	case "":
		sync = SyncFull
	case SyncFull, SyncInCommit, SyncNormal:
	default:
		return nil, fmt.Errorf("open %s: synchronous %q is not one of FULL, FULL-IN-COMMIT or NORMAL", path, sync)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	w, err := sql.Open("sqlite", dsn(path, false, sync))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", dsn(path, true, sync))
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(max(4, runtime.NumCPU()*2))
	c, err := sql.Open("sqlite", dsn(path, false, sync))
	if err != nil {
		w.Close()
		r.Close()
		return nil, err
	}
	c.SetMaxOpenConns(1)
	db := &DB{Path: path, write: w, read: r, ckpt: c, queue: make(chan *writeReq, 256), writerDone: make(chan struct{}),
		Now: func() time.Time { return time.Now().UTC() }, stop: make(chan struct{}), done: make(chan struct{})}
	if sync == SyncFull {
		db.wal = newWALSyncer(path)
	}
	go db.writer()
	go db.checkpointer()
	if err := db.migrate(); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	return db, nil
}

// Close stops the checkpointer, checkpoints what is left and closes the pools.
func (db *DB) Close() error {
	db.closing.Do(func() { close(db.stop) })
	<-db.done
	<-db.writerDone
	if db.ckpt != nil {
		db.ckpt.Close()
	}
	err1 := db.read.Close()
	// The last connection to close checkpoints the whole WAL and removes it.
	err2 := db.write.Close()
	if err1 != nil {
		return err1
	}
	return err2
}

// Write runs fn in one write transaction: all of it commits or none does,
// and Write returns only after the commit. fn may share its SQLite
// transaction with other callers' (group commit, groupcommit.go), never
// their fate: fn sees the writes committed or grouped before it, as it would
// in a transaction of its own that started later.
//
// ctx only decides how long the caller waits (DESIGN §8.4). A caller whose
// ctx ends before the writer reaches fn is dropped unrun; once fn runs, it
// runs to its end and its outcome stands, while Write returns ctx.Err() at
// once: the caller gave up waiting, not the write. So fn must never hand ctx
// to a statement (tx.ExecContext(ctx, ...)): a cancelled context interrupts
// SQLite, and an interrupted write rolls back the whole transaction it
// shares with other callers. tx itself carries a context no caller can
// cancel; use tx.Exec, or context.WithoutCancel(ctx) where a context is due.
func (db *DB) Write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &writeReq{ctx: ctx, fn: fn, done: make(chan struct{})}
	select {
	case db.queue <- r:
	case <-db.stop:
		return errClosed
	}
	select {
	case <-r.done:
	case <-ctx.Done():
		// The writer still runs (or skips) fn and commits the others: a
		// caller that gave up only stops waiting.
		return ctx.Err()
	case <-db.writerDone:
		select {
		case <-r.done:
		default:
			return errClosed
		}
	}
	if r.panicked != nil {
		panic(r.panicked)
	}
	return r.err
}

// Read runs fn in one read-only transaction, a consistent snapshot.
func (db *DB) Read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.Postgres {
		// PostgreSQL's default (READ COMMITTED) takes a snapshot per
		// statement; SQLite's read transaction is one snapshot.
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := db.read.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if db.wal != nil {
		// Not before what the snapshot saw is on disk (walsync.go).
		return db.wal.afterRead(ctx)
	}
	return nil
}

// Reader exposes the reader pool for simple one-statement queries.
func (db *DB) Reader() *sql.DB { return db.read }

// NowText is the current time in the format every TEXT timestamp uses.
func (db *DB) NowText() string { return FormatTime(db.Now()) }

// FormatTime formats t as RFC 3339 with milliseconds in UTC, which sorts as text.
func FormatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

func (db *DB) migrate() error {
	load := schema.Migrations
	if db.Postgres {
		load = schema.PostgresMigrations
	}
	ms, err := load()
	if err != nil {
		return err
	}
	ctx := context.Background()
	// In a write transaction: two instances starting at once on PostgreSQL
	// take turns (the advisory lock) instead of racing to create it.
	if err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`)
		return err
	}); err != nil {
		return err
	}
	// A database a newer zsc has migrated may hold tables and rows this
	// binary does not know: writing to it could lose them. Refuse it.
	var have int
	if err := db.write.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return fmt.Errorf("read the schema version: %w", err)
	}
	if newest := ms[len(ms)-1].Version; have > newest {
		return &SchemaNewerError{Have: have, Newest: newest}
	}
	for _, m := range ms {
		err := db.Write(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRow(`SELECT count(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.Exec(m.SQL); err != nil {
				return fmt.Errorf("%s: %w", m.Name, err)
			}
			_, err := tx.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, m.Version, m.Name, db.NowText())
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// SchemaNewerError: the database was migrated by a newer zsc than this one.
type SchemaNewerError struct{ Have, Newest int }

func (e *SchemaNewerError) Error() string {
	return fmt.Sprintf("the database has schema version %d, newer than this zsc's newest migration %d: run the zsc that last opened it (or a newer one), or restore a backup made with this version", e.Have, e.Newest)
}

func fmtInt(n int64) string { return strconv.FormatInt(n, 10) }
