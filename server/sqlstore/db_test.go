package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	gosync "sync"
	"testing"

	"zsc/server/sqlstore"
	"zsc/server/sqlstore/storetest"
)

// Concurrent writes share commits (group commit) but never each other's
// fate: a failing or panicking transaction leaves the others committed and
// leaves nothing of its own.
func TestGroupedWritesKeepTheirOwnFate(t *testing.T) {
	db, err := sqlstore.Open(storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`CREATE TABLE t (n INTEGER PRIMARY KEY)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	const writers = 200
	boom := errors.New("boom")
	errs := make([]error, writers)
	panics := make([]any, writers)
	var wg gosync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { panics[i] = recover() }()
			errs[i] = db.Write(ctx, func(tx *sql.Tx) error {
				if _, err := tx.Exec(`INSERT INTO t (n) VALUES (?)`, i); err != nil {
					return err
				}
				switch i % 10 {
				case 3:
					return boom
				case 7:
					panic(fmt.Sprint("panic ", i))
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for i := range writers {
		var n int
		if err := db.Reader().QueryRow(`SELECT count(*) FROM t WHERE n = ?`, i).Scan(&n); err != nil {
			t.Fatal(err)
		}
		switch i % 10 {
		case 3:
			if !errors.Is(errs[i], boom) || n != 0 {
				t.Fatalf("writer %d: err %v, %d rows; want boom and none", i, errs[i], n)
			}
		case 7:
			if panics[i] != fmt.Sprint("panic ", i) || n != 0 {
				t.Fatalf("writer %d: panic %v, %d rows; want its panic and none", i, panics[i], n)
			}
		default:
			if errs[i] != nil || n != 1 {
				t.Fatalf("writer %d: err %v, %d rows; want its row", i, errs[i], n)
			}
		}
	}
}
