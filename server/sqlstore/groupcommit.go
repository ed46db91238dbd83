package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// A commit carries at most maxGroup write transactions, unless more were
// queued when the group started: then it takes them all, up to
// maxLoadedGroup (the queue's capacity). Why grow: under a burst (64 phones
// pushing at once in server/bench) a fixed 32 left the rest of the queue to
// a second commit that rewrote the same log tails and paid another fsync;
// why bounded: every caller of a group waits for the whole group.
const (
	maxGroup       = 32
	maxLoadedGroup = 256
)

// errClosed answers a write asked of a closed database.
var errClosed = errors.New("store: database is closed")

// writeReq is one caller's write transaction, queued for the writer.
type writeReq struct {
	ctx      context.Context
	fn       func(tx *sql.Tx) error
	err      error
	panicked any
	done     chan struct{}
}

// writer runs every write transaction, first come first served, and commits
// the ones that queued up meanwhile together (group commit).
//
// Why: SQLite has one writer, and under load (64 phones pushing at once in
// server/bench) the commit, not the work, was its bottleneck: each commit
// writes every page it dirtied to the WAL, and consecutive pushes dirty the
// same pages (the tails of the mutation, change and audit logs, the rollups,
// the clients table). Running the queued transactions one after another
// inside one SQLite transaction, each in its own savepoint, writes those
// pages once per group. Each caller still gets its own outcome: an error
// rolls back its savepoint only, and nobody is answered before the commit
// that makes their writes durable, so an acknowledged push is never lost.
func (db *DB) writer() {
	defer close(db.writerDone)
	if db.wal != nil {
		// Runs first: the groups handed to the syncer are answered before
		// writerDone says every write has its outcome.
		defer db.wal.close()
	}
	for {
		var first *writeReq
		select {
		case <-db.stop:
			return
		case first = <-db.queue:
		}
		group := []*writeReq{first}
		limit := maxGroup
		if queued := len(db.queue); queued >= maxGroup {
			limit = min(queued+1, maxLoadedGroup)
		}
	drain:
		for len(group) < limit {
			select {
			case r := <-db.queue:
				group = append(group, r)
			default:
				break drain
			}
		}
		db.commitGroup(group)
	}
}

// WriteStats says how the single writer spent its time since the database
// was opened: for benchmarks and for operators.
type WriteStats struct {
	Transactions int64         // write transactions run
	Commits      int64         // SQLite commits (groups) that carried them
	Busy         time.Duration // the writer inside a group: the work and the commit
	Commit       time.Duration // of which in COMMIT (writing the WAL)
	// Running is how long the group in progress has been running; 0 when
	// the writer is idle. Busy only grows when a group ends, so a writer
	// wedged inside one shows here (the metrics' "writer wedged" alert).
	Running time.Duration
	Queued  int // write transactions waiting for the writer
}

// WriteStats returns the writer's counters.
func (db *DB) WriteStats() WriteStats {
	ws := WriteStats{Transactions: db.stats.txs.Load(), Commits: db.stats.commits.Load(),
		Busy: time.Duration(db.stats.busy.Load()), Commit: time.Duration(db.stats.commit.Load()), Queued: len(db.queue)}
	if at := db.stats.groupStart.Load(); at != 0 {
		ws.Running = time.Since(time.Unix(0, at))
	}
	return ws
}

type writeCounters struct {
	txs, commits, busy, commit atomic.Int64
	groupStart                 atomic.Int64 // UnixNano of the running group's start; 0 when idle
}

func (db *DB) commitGroup(group []*writeReq) {
	start := time.Now()
	db.stats.groupStart.Store(start.UnixNano())
	// Deferred calls run last first: the transaction ends (tx.Rollback below
	// is a no-op after a commit), the counters move, then callers wake, or
	// the syncer wakes them after its fsync (handed).
	handed := false
	defer func() {
		if handed {
			return
		}
		for _, r := range group {
			close(r.done)
		}
	}()
	defer func() {
		db.stats.txs.Add(int64(len(group)))
		db.stats.busy.Add(int64(time.Since(start)))
		db.stats.groupStart.Store(0)
	}()
	failAll := func(err error) {
		for _, r := range group {
			if r.err == nil && r.panicked == nil {
				r.err = err
			}
		}
	}
	tx, err := db.write.BeginTx(context.Background(), nil)
	if err != nil {
		failAll(err)
		return
	}
	defer tx.Rollback()
	if db.Postgres {
		if _, err := tx.Exec(pgWriteLock); err != nil {
			failAll(fmt.Errorf("group commit: take the write lock: %w", err))
			return
		}
	}
	// A lone transaction needs no savepoint: its failure rolls back the whole.
	single := len(group) == 1
	ok := 0
	for _, r := range group {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			continue
		}
		if !single {
			if _, err := tx.Exec(`SAVEPOINT grp`); err != nil {
				failAll(err)
				return
			}
		}
		r.err, r.panicked = runWrite(r.fn, tx)
		if r.err != nil || r.panicked != nil {
			if single {
				return
			}
			// If the failure rolled the whole transaction back (an interrupt
			// does), there is no savepoint left: everyone fails and retries.
			if _, err := tx.Exec(`ROLLBACK TO grp`); err != nil {
				failAll(fmt.Errorf("group commit: %w", err))
				return
			}
		} else {
			ok++
		}
		if !single {
			if _, err := tx.Exec(`RELEASE grp`); err != nil {
				failAll(fmt.Errorf("group commit: %w", err))
				return
			}
		}
	}
	if ok == 0 {
		return
	}
	c0 := time.Now()
	var n uint64
	if db.wal != nil {
		n = db.wal.begin()
	}
	err = tx.Commit()
	db.stats.commit.Add(int64(time.Since(c0)))
	if err != nil {
		failAll(err)
	} else {
		db.stats.commits.Add(1)
	}
	if db.wal != nil {
		// Even a failed commit: the syncer's count must pass n, or readers
		// would wait for it.
		handed = true
		db.wal.hand(n, group)
	}
}

// runWrite runs fn, turning a panic into a value the caller re-raises.
func runWrite(fn func(tx *sql.Tx) error, tx *sql.Tx) (err error, panicked any) {
	defer func() {
		if p := recover(); p != nil {
			panicked = p
		}
	}()
	return fn(tx), nil
}
