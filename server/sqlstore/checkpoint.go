package sqlstore

import (
	"context"
	"time"
)

// checkpointEvery is how often the checkpointer looks for new commits.
const checkpointEvery = 200 * time.Millisecond

// checkpointer copies committed WAL frames back into the database file in
// the background.
//
// Why not SQLite's automatic checkpoint: it runs inside the commit of the
// write that crosses the threshold, so one push in every few dozen waited
// for a checkpoint of everybody's pages, holding the single writer (in
// server/bench, a third of the writer's commit time and the p99 of a push).
// A PASSIVE checkpoint on its own connection runs beside the writer and the
// readers and never blocks them; the WAL is rewound by the next write after
// a complete checkpoint, so it stays small unless a reader holds an old
// snapshot for long.
func (db *DB) checkpointer() {
	defer close(db.done)
	if db.ckpt == nil {
		<-db.stop
		return
	}
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	var seen int64
	for {
		select {
		case <-db.stop:
			return
		case <-tick.C:
		}
		n := db.stats.commits.Load()
		if n == seen {
			continue
		}
		seen = n
		// An error (a busy database) only means the next tick tries again.
		_, _ = db.ckpt.ExecContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`)
	}
}
