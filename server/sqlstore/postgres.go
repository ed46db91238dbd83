package sqlstore

import (
	"context"
	"fmt"
	"time"

	"zsc/server/postgres"
)

// pgWriteLock is the first statement of every write transaction on
// PostgreSQL: one transaction-scoped advisory lock shared by every instance.
//
// Why serialise writes, when PostgreSQL could run them side by side: every
// rule of the store was written for SQLite's one writer and holds because a
// write transaction sees nothing change under it (sequence checks, notice
// leases, conflict detection, the rollups). The lock gives every instance
// the same guarantee with no rule rewritten for row locks or serialization
// retries, and it makes the change log safe to read by cursor: a change's
// seq is allocated while the lock is held, so a transaction with a higher
// seq can only commit after every lower one has, and a pull that has seen
// seq N can never later find a smaller one appear (DESIGN §8.11). Group
// commit keeps the serial writer fast (one commit, one fsync, per group);
// readers never take the lock and scale with the instances.
const pgWriteLock = `SELECT pg_advisory_xact_lock(7011706)`

// openPostgres opens the store on a PostgreSQL database and migrates it.
func openPostgres(dsn string) (*DB, error) {
	name := postgres.Redact(dsn)
	// The writer goroutine holds one connection at a time; a second lets
	// a migration or a statement outside the writer proceed meanwhile.
	w, err := postgres.OpenDB(dsn, 2)
	if err != nil {
		return nil, err
	}
	r, err := postgres.OpenDB(dsn, 16)
	if err != nil {
		w.Close()
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("connect to %s: %w", name, err)
	}
	db := &DB{Path: name, Postgres: true, write: w, read: r, queue: make(chan *writeReq, 256), writerDone: make(chan struct{}),
		Now: func() time.Time { return time.Now().UTC() }, stop: make(chan struct{}), done: make(chan struct{})}
	go db.writer()
	go db.checkpointer()
	if err := db.migrate(); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate %s: %w", name, err)
	}
	return db, nil
}

// isUnique says whether err is a UNIQUE or PRIMARY KEY violation, on either
// database.
func isUnique(err error) bool {
	return postgres.IsUniqueViolation(err) || isSQLiteUnique(err)
}
