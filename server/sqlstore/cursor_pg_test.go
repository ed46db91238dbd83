package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"zsc/server/sqlstore"
	"zsc/server/sqlstore/storetest"
)

// TestChangeCursorConcurrent: writers append changes concurrently while
// readers page the log by cursor (seq > cursor ORDER BY seq, the pull's
// read); every reader must see every seq that exists at the end. A seq
// that committed after a larger one was already visible would lie behind
// the reader's cursor and be skipped for good.
//
// On SQLite the one writer makes sequence order commit order. On
// PostgreSQL an identity value is taken at INSERT time, not at commit, so
// two transactions could commit out of order; they do not here because
// every write transaction first takes the one advisory lock
// (pgWriteLock), under which the seq is allocated and the commit happens.
// There the test opens two stores on one database, two instances, so the
// lock is what orders them.
func TestChangeCursorConcurrent(t *testing.T) {
	dsn := storetest.DSN(t)
	instances := 1
	if storetest.PG() != "" {
		instances = 2
	}
	var stores []*sqlstore.DB
	for range instances {
		db, err := sqlstore.Open(dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		stores = append(stores, db)
	}
	ctx := context.Background()
	var start int64
	if err := stores[0].Reader().QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM changes`).Scan(&start); err != nil {
		t.Fatal(err)
	}

	const writers, perWriter, readers = 6, 40, 4
	var writing atomic.Int32
	writing.Store(writers)
	var wg gosync.WaitGroup
	errs := make(chan error, writers+readers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer writing.Add(-1)
			db := stores[w%len(stores)]
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for i := range perWriter {
				err := db.Write(ctx, func(tx *sql.Tx) error {
					if _, err := sqlstore.AppendChange(tx, db.NowText(), sqlstore.Change{Kind: "cursor_test", Op: "put",
						EntityID: fmt.Sprintf("w%d-%d", w, i)}); err != nil {
						return err
					}
					// Hold the transaction open a moment after the seq is
					// taken: without the ordering, another writer's larger
					// seq would commit first.
					time.Sleep(time.Duration(rng.IntN(1500)) * time.Microsecond)
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	seen := make([]map[int64]bool, readers)
	for r := range readers {
		seen[r] = map[int64]bool{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			db := stores[r%len(stores)]
			cursor := start
			for {
				// Read whether the writers are done before reading, so that
				// the last pass sees every commit.
				last := writing.Load() == 0
				rows, err := db.Reader().QueryContext(ctx, `SELECT seq FROM changes WHERE seq > ? ORDER BY seq`, cursor)
				if err != nil {
					errs <- err
					return
				}
				for rows.Next() {
					var seq int64
					if err := rows.Scan(&seq); err != nil {
						errs <- err
						return
					}
					seen[r][seq] = true
					cursor = seq
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					errs <- err
					return
				}
				if last {
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	rows, err := stores[0].Reader().QueryContext(ctx, `SELECT seq FROM changes WHERE seq > ? ORDER BY seq`, start)
	if err != nil {
		t.Fatal(err)
	}
	var all []int64
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			t.Fatal(err)
		}
		all = append(all, seq)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(all) != writers*perWriter {
		t.Fatalf("%d changes in the log, %d written", len(all), writers*perWriter)
	}
	for r := range readers {
		var missed []int64
		for _, seq := range all {
			if !seen[r][seq] {
				missed = append(missed, seq)
			}
		}
		if len(missed) > 0 {
			t.Errorf("reader %d skipped %d of %d changes, first %v", r, len(missed), len(all), missed[:min(len(missed), 10)])
		}
	}
	t.Logf("%d stores, %d writers, %d changes, %d readers each saw them all", len(stores), writers, len(all), readers)
}
