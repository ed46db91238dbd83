// Package sqlite is the store of 掌上查 on SQLite (modernc.org/sqlite, no cgo).
// It implements the storage interfaces of sync and of the server's services.
//
// One writer connection serialises every write transaction (SQLite allows one
// writer anyway; queueing in Go avoids SQLITE_BUSY storms), and a pool of
// reader connections serves queries concurrently thanks to WAL mode.
package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"zsc/schema"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// DB is an open database: a single writer and a pool of readers.
type DB struct {
	Path  string
	write *sql.DB
	read  *sql.DB
	// gate queues write transactions first come, first served: database/sql
	// hands a freed connection to a random waiter, which makes the single
	// writer's queue a lottery (seconds of tail latency under load).
	gate chan struct{}
	// Now is the clock; tests replace it. Never call time.Now in store code.
	Now func() time.Time
}

// pragmas go in the DSN so that every pooled connection gets them (STYLE 6).
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)", "cache_size(-32000)", "temp_store(MEMORY)"} {
		q.Add("_pragma", p)
	}
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

// Open opens (creating if needed) the database at path and applies every
// pending migration.
func Open(path string) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	w, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(max(4, runtime.NumCPU()*2))
	db := &DB{Path: path, write: w, read: r, gate: make(chan struct{}, 1), Now: func() time.Time { return time.Now().UTC() }}
	if err := db.migrate(); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	return db, nil
}

// Close closes both pools.
func (db *DB) Close() error {
	err1 := db.read.Close()
	err2 := db.write.Close()
	if err1 != nil {
		return err1
	}
	return err2
}

// Write runs fn in one write transaction: all of it commits or none does.
func (db *DB) Write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	select {
	case db.gate <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-db.gate }()
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// Read runs fn in one read-only transaction, a consistent snapshot.
func (db *DB) Read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(tx)
}

// Reader exposes the reader pool for simple one-statement queries.
func (db *DB) Reader() *sql.DB { return db.read }

// NowText is the current time in the format every TEXT timestamp uses.
func (db *DB) NowText() string { return FormatTime(db.Now()) }

// FormatTime formats t as RFC 3339 with milliseconds in UTC, which sorts as text.
func FormatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

func (db *DB) migrate() error {
	ms, err := schema.Migrations()
	if err != nil {
		return err
	}
	ctx := context.Background()
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return err
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

func fmtInt(n int64) string { return strconv.FormatInt(n, 10) }
