package sqlstore_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"zsc/server/sqlstore"
	"zsc/server/sqlstore/storetest"
)

// TestStoreStats: the photo totals follow the blobs table through inserts,
// a repeated insert of a stored photo and deletes; leases count only the
// numbers still leased; and the query reads no table whole.
func TestStoreStats(t *testing.T) {
	db, err := sqlstore.Open(storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	exec := func(q string, args ...any) {
		t.Helper()
		if err := db.Write(ctx, func(tx *sql.Tx) error { _, err := tx.Exec(q, args...); return err }); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	want := func(photos, bytes, leases int64) {
		t.Helper()
		s, err := db.StoreStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if s != (sqlstore.StoreStats{Photos: photos, PhotoBytes: bytes, LeasesOutstanding: leases}) {
			t.Fatalf("stats %+v, want photos %d bytes %d leases %d", s, photos, bytes, leases)
		}
	}
	want(0, 0, 0)
	// The store's own insert (syncstore.go): a stored photo again is no new one.
	ins := `INSERT INTO blobs (sha256, size, created_at) VALUES (?, ?, '2024-06-03T00:00:00Z') ON CONFLICT (sha256) DO NOTHING`
	exec(ins, "a", 1000)
	exec(ins, "b", 250)
	exec(ins, "a", 1000)
	want(2, 1250, 0)
	exec(`DELETE FROM blobs WHERE sha256 = 'a'`)
	want(1, 250, 0)
	for i, state := range []string{"leased", "leased", "used", "voided", "leased"} {
		exec(`INSERT INTO notice_numbers (dept, year, number, client_id, state, leased_at, expires_at) VALUES ('scjg', 2024, ?, 'c', ?, '', '')`, i+1, state)
	}
	want(1, 250, 3)
	exec(`UPDATE notice_numbers SET state = 'used' WHERE number = 1`)
	want(1, 250, 2)

	if db.Postgres {
		return // the plan check reads SQLite's EXPLAIN QUERY PLAN
	}
	rows, err := db.Reader().Query(`EXPLAIN QUERY PLAN ` + sqlstore.StoreStatsQuery)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("plan: %q", plan)
	for _, d := range plan {
		if strings.HasPrefix(d, "SCAN ") && !strings.HasPrefix(d, "SCAN CONSTANT ROW") {
			t.Fatalf("the stats query scans a table: %q", plan)
		}
	}
}

// TestFileSizes: the WAL is there and grows with writes before a checkpoint.
func TestFileSizes(t *testing.T) {
	db, err := sqlstore.Open(storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	main, wal, err := db.FileSizes()
	if err != nil {
		t.Fatal(err)
	}
	if main <= 0 || wal < 0 {
		t.Fatalf("main %d wal %d", main, wal)
	}
}

// TestWriterRunningAndQueued: a writer held inside a transaction reports
// how long it has run and who waits behind it, which a wedged writer's
// alert watches (Busy only grows once the group ends).
func TestWriterRunningAndQueued(t *testing.T) {
	db, err := sqlstore.Open(storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if s := db.WriteStats(); s.Running != 0 || s.Queued != 0 {
		t.Fatalf("an idle writer: %+v", s)
	}
	holding, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 2)
	go func() {
		done <- db.Write(ctx, func(*sql.Tx) error { close(holding); <-release; return nil })
	}()
	<-holding
	go func() { done <- db.Write(ctx, func(*sql.Tx) error { return nil }) }()
	deadline := time.Now().Add(5 * time.Second)
	for db.WriteStats().Queued < 1 {
		if time.Now().After(deadline) {
			t.Fatal("the second write never queued")
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	if s := db.WriteStats(); s.Running < 20*time.Millisecond || s.Queued != 1 {
		t.Fatalf("a held writer: %+v", s)
	}
	close(release)
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if s := db.WriteStats(); s.Running != 0 || s.Queued != 0 {
		t.Fatalf("the writer once idle again: %+v", s)
	}
}
