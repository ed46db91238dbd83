package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	gosync "sync"
	"time"

	"zsc/server/sqlstore"
)

// durability is what durability (DESIGN §8.4: an acknowledged write
// survives power loss) costs the single writer, measured in one run against
// NORMAL on the same file, both ways of paying it: SQLite's own
// synchronous=FULL (the fsync inside COMMIT, sqlstore.SyncInCommit) and the
// server's (the fsync beside the writer, sqlstore.SyncFull). Writers commit
// write transactions of 50 result-shaped rows each through
// sqlstore.DB.Write, first one writer alone (every transaction its own
// commit, its own fsync), then c.concurrency at once (group commit: one
// fsync per group).
type durability struct {
	normal1, inCommit1, full1 float64 // transactions/s, one writer
	normalN, inCommitN, fullN float64 // transactions/s, c.concurrency writers
	groupN                    float64 // transactions per commit with FULL, c.concurrency writers
}

// durabilityTxs is how many transactions each measurement commits: enough
// for a few seconds of fsyncs on a slow disk.
const durabilityTxs = 2000

func durabilityPhase(ctx context.Context, c config, path string, rd *runData, log io.Writer) (*durability, error) {
	var d durability
	for _, m := range []struct {
		sync    sqlstore.Synchronous
		writers int
		rate    *float64
	}{
		{sqlstore.SyncNormal, 1, &d.normal1}, {sqlstore.SyncInCommit, 1, &d.inCommit1}, {sqlstore.SyncFull, 1, &d.full1},
		{sqlstore.SyncNormal, c.concurrency, &d.normalN}, {sqlstore.SyncInCommit, c.concurrency, &d.inCommitN},
		{sqlstore.SyncFull, c.concurrency, &d.fullN},
	} {
		if err := settle(ctx, path); err != nil {
			return nil, err
		}
		rate, perCommit, err := durabilityRun(ctx, path, m.sync, m.writers, rd)
		if err != nil {
			return nil, fmt.Errorf("durability %s × %d: %w", m.sync, m.writers, err)
		}
		*m.rate = rate
		if m.sync == sqlstore.SyncFull && m.writers > 1 {
			d.groupN = perCommit
		}
		fmt.Fprintf(log, "  synchronous=%s, %d writers: %.0f transactions/s (%.1f per commit)\n", m.sync, m.writers, rate, perCommit)
	}
	return &d, nil
}

// durabilityRun opens path with sync and commits durabilityTxs transactions
// of 50 rows into the bare table from writers goroutines; it returns
// transactions per second and per commit.
func durabilityRun(ctx context.Context, path string, sync sqlstore.Synchronous, writers int, rd *runData) (rate, perCommit float64, err error) {
	db, err := sqlstore.OpenWith(path, sqlstore.Options{Synchronous: sync})
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	if err := db.Write(ctx, func(tx *sql.Tx) error { _, err := tx.Exec(`DELETE FROM bench_raw`); return err }); err != nil {
		return 0, 0, err
	}
	items := rd.rawTrig
	if len(items) < 50 {
		return 0, 0, fmt.Errorf("%d raw rows; need 50", len(items))
	}
	before := db.WriteStats()
	var next int64
	var mu gosync.Mutex
	take := func() (int64, bool) {
		mu.Lock()
		defer mu.Unlock()
		if next >= durabilityTxs {
			return 0, false
		}
		next++
		return next - 1, true
	}
	errs := make(chan error, writers)
	start := time.Now()
	var wg gosync.WaitGroup
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k, ok := take()
				if !ok {
					return
				}
				err := db.Write(ctx, func(tx *sql.Tx) error {
					for i := range 50 {
						it := items[(int(k)*50+i)%len(items)]
						_, err := tx.Exec(`INSERT OR REPLACE INTO bench_raw (item_id, visit_id, dept, value, version, user_id, client_id, channel, mutation_id, updated_at)
							VALUES (?, ?, 'bench', '符合', ?, 'u', 'c', 'mobile', ?, '2024-06-03T10:00:00Z')`, it.item, it.visit, k, fmt.Sprint(k, ":", i))
						if err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return 0, 0, err
	}
	after := db.WriteStats()
	commits := after.Commits - before.Commits
	return durabilityTxs / elapsed.Seconds(), float64(after.Transactions-before.Transactions) / float64(max(commits, 1)), nil
}
