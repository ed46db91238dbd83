package sqlstore

// An internal test: it needs to hold the single writer and watch its queue
// to build a group deterministically.

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"path/filepath"
	"runtime"
	gosync "sync"
	"testing"

	msqlite "modernc.org/sqlite"

	zsync "zsc/sync"
)

// cancelHook is called by the SQL function zsc_test_cancel(): the test sets
// it to cancel a caller's context while that caller's statement runs.
var cancelHook struct {
	gosync.Mutex
	fn func()
}

func init() {
	// Registered for every connection opened after this: test binaries only.
	msqlite.MustRegisterScalarFunction("zsc_test_cancel", 1, func(_ *msqlite.FunctionContext, _ []driver.Value) (driver.Value, error) {
		cancelHook.Lock()
		fn := cancelHook.fn
		cancelHook.fn = nil
		cancelHook.Unlock()
		if fn != nil {
			fn()
		}
		return int64(1), nil
	})
}

// waitQueued spins until the writer's queue holds n requests: the only way to
// know a Write has been queued behind the one holding the writer.
func waitQueued(db *DB, n int) {
	for len(db.queue) < n {
		runtime.Gosched()
	}
}

// A phone that drops off while its push runs cancels its request's context
// in the middle of a statement. That cancellation must not reach SQLite (an
// interrupted write rolls back the whole shared transaction): the pushes
// grouped with it commit, and the caller that gave up just stops waiting.
func TestACancelledCallerNeverFailsItsGroup(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "zsc.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	store := NewSyncStore(db)
	defer store.Close()
	bg := context.Background()
	if err := db.Write(bg, func(tx *sql.Tx) error {
		_, err := tx.Exec(`CREATE TABLE gc (n INTEGER PRIMARY KEY, who TEXT NOT NULL)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}

	// A holds the writer so that B, C and D queue up and commit as one group.
	holding, release := make(chan struct{}), make(chan struct{})
	aDone := make(chan error, 1)
	go func() {
		aDone <- db.Write(bg, func(tx *sql.Tx) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding

	insert := func(n int, who string) func(tx *sql.Tx) error {
		return func(tx *sql.Tx) error {
			_, err := tx.Exec(`INSERT INTO gc (n, who) VALUES (?, ?)`, n, who)
			return err
		}
	}
	var wg gosync.WaitGroup
	var errB, errC, errD error
	wg.Add(3)
	go func() { defer wg.Done(); errB = db.Write(bg, insert(-1, "B")) }()
	waitQueued(db, 1)

	// C is a sync-store write (a push) whose context is cancelled by its own
	// statement, after a few rows: a phone dropping off mid-statement.
	ctxC, cancelC := context.WithCancel(bg)
	defer cancelC()
	cancelHook.Lock()
	cancelHook.fn = cancelC
	cancelHook.Unlock()
	go func() {
		defer wg.Done()
		errC = store.Write(ctxC, func(tx zsync.Tx) error {
			_, err := tx.(*syncTx).exec(`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000)
				INSERT INTO gc (n, who) SELECT x, 'C' FROM c WHERE zsc_test_cancel(x)`)
			return err
		})
	}()
	waitQueued(db, 2)
	go func() { defer wg.Done(); errD = db.Write(bg, insert(-2, "D")) }()
	waitQueued(db, 3)
	close(release)
	if err := <-aDone; err != nil {
		t.Fatal(err)
	}
	wg.Wait()

	if errB != nil || errD != nil {
		t.Fatalf("the callers grouped with a cancelled one failed: B %v, D %v", errB, errD)
	}
	if errC != nil && !errors.Is(errC, context.Canceled) {
		t.Fatalf("the cancelled caller got %v; want nil or context.Canceled", errC)
	}
	for _, who := range []string{"B", "D"} {
		var n int
		if err := db.Reader().QueryRow(`SELECT count(*) FROM gc WHERE who = ?`, who).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("%s's row: %d; want it committed", who, n)
		}
	}
}

// Under a burst, one commit takes every queued write transaction, past
// maxGroup: 100 writes queued behind a held writer commit together.
func TestALongQueueCommitsAsOneGroup(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "zsc.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	bg := context.Background()
	if err := db.Write(bg, func(tx *sql.Tx) error {
		_, err := tx.Exec(`CREATE TABLE gc (n INTEGER PRIMARY KEY)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	holding, release := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		held <- db.Write(bg, func(tx *sql.Tx) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	const n = 100
	errs := make(chan error, n)
	for i := range n {
		go func() {
			errs <- db.Write(bg, func(tx *sql.Tx) error {
				_, err := tx.Exec(`INSERT INTO gc (n) VALUES (?)`, i)
				return err
			})
		}()
	}
	waitQueued(db, n)
	before := db.WriteStats()
	close(release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	after := db.WriteStats()
	// The held transaction's own commit, then one for the queue.
	if c, tx := after.Commits-before.Commits, after.Transactions-before.Transactions; c != 2 || tx != n+1 {
		t.Fatalf("%d transactions in %d commits, want %d in 2", tx, c, n+1)
	}
}
