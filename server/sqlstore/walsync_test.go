package sqlstore

// An internal test: it holds the syncer's fsync to watch who waits for it.

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// holdFsync replaces db's fsync with one that says when it starts and waits
// for release; it returns the two channels.
func holdFsync(t *testing.T, db *DB) (entered chan struct{}, release chan error) {
	t.Helper()
	if db.wal == nil {
		t.Fatal("the default durability has no WAL syncer")
	}
	entered, release = make(chan struct{}, 16), make(chan error)
	db.wal.mu.Lock()
	db.wal.fsync = func(path string) error {
		if !strings.HasSuffix(path, "zsc.db-wal") {
			t.Errorf("fsync of %s, not the WAL", path)
		}
		entered <- struct{}{}
		return <-release
	}
	db.wal.mu.Unlock()
	return entered, release
}

func returned(ch chan error) bool {
	select {
	case err := <-ch:
		ch <- err
		return true
	default:
		return false
	}
}

// A write is answered only after the fsync that covers its commit, and a
// read that saw it is answered only after that fsync too: nothing anyone
// was told can be taken back by a power cut (DESIGN §8.4).
func TestNobodyIsAnsweredBeforeTheFsync(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "zsc.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`CREATE TABLE t (v INTEGER)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	entered, release := holdFsync(t, db)

	wrote := make(chan error, 1)
	go func() {
		wrote <- db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.Exec(`INSERT INTO t VALUES (1)`)
			return err
		})
	}()
	<-entered // committed; the syncer holds its fsync
	var seen int
	read := make(chan error, 1)
	go func() {
		read <- db.Read(ctx, func(tx *sql.Tx) error { return tx.QueryRow(`SELECT count(*) FROM t`).Scan(&seen) })
	}()
	// Give a wrong implementation the time to answer early.
	time.Sleep(50 * time.Millisecond)
	if returned(wrote) || returned(read) {
		t.Fatal("a write or a read was answered before the fsync of the commit it saw")
	}
	release <- nil
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	if err := <-read; err != nil {
		t.Fatal(err)
	}
	if seen != 1 {
		t.Fatalf("the read saw %d rows, want the committed one", seen)
	}

	// With nothing unsynced, a read waits for no fsync.
	if err := db.Read(ctx, func(tx *sql.Tx) error { return tx.QueryRow(`SELECT count(*) FROM t`).Scan(&seen) }); err != nil {
		t.Fatal(err)
	}
}

// A failed fsync fails the writes it was to cover, and every write after it:
// the kernel may have dropped the pages, so no acknowledgement can be given
// until the server restarts and SQLite recovers from the WAL on disk.
func TestAFailedFsyncAcknowledgesNothingMore(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "zsc.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	entered, release := holdFsync(t, db)
	write := func() error {
		return db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.Exec(`CREATE TABLE IF NOT EXISTS t (v INTEGER); INSERT INTO t VALUES (1)`)
			return err
		})
	}
	wrote := make(chan error, 1)
	go func() { wrote <- write() }()
	<-entered
	release <- errors.New("EIO")
	if err := <-wrote; err == nil || !strings.Contains(err.Error(), "fsync") {
		t.Fatalf("the write whose fsync failed: %v, want an fsync error", err)
	}
	if err := write(); err == nil || !strings.Contains(err.Error(), "no longer durable") {
		t.Fatalf("a later write: %v, want the sticky fsync error", err)
	}
	if err := db.Read(ctx, func(tx *sql.Tx) error { return nil }); err == nil {
		t.Fatal("a read after a failed fsync was answered")
	}
}
