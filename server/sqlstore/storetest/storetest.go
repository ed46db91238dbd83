// Package storetest opens a fresh, migrated store for a test: SQLite in the
// test's temporary folder, or, when ZSC_TEST_PG names a PostgreSQL database,
// a schema of its own in that database. `make test` runs the Go suite once
// on each (the PostgreSQL pass only where ZSC_TEST_PG is set, as .ci/run
// does), so every test written against this package runs on both stores.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"zsc/server/postgres"
	"zsc/server/sqlstore"
)

// EnvPG is the variable naming the PostgreSQL database tests may use.
const EnvPG = "ZSC_TEST_PG"

// PG is the PostgreSQL DSN of the test run, "" on SQLite.
func PG() string { return os.Getenv(EnvPG) }

// Open opens a fresh store; it is closed (and its schema dropped) when the
// test ends.
func Open(tb testing.TB) *sqlstore.DB {
	tb.Helper()
	db, err := sqlstore.Open(DSN(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// DSN returns where a fresh store may be opened (a file path, or a
// PostgreSQL URL whose search_path is a new empty schema), for tests that
// open it themselves (a zsc process, two instances on one database).
func DSN(tb testing.TB) string {
	tb.Helper()
	base := PG()
	if base == "" {
		return filepath.Join(tb.TempDir(), "zsc.db")
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatal(err)
	}
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := postgres.OpenDB(base, 1)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(context.Background(), `CREATE SCHEMA `+schema); err != nil {
		tb.Fatalf("create the test schema on %s: %v", postgres.Redact(base), err)
	}
	tb.Cleanup(func() { drop(tb, base, schema) })
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func drop(tb testing.TB, base, schema string) {
	admin, err := postgres.OpenDB(base, 1)
	if err != nil {
		tb.Error(err)
		return
	}
	defer admin.Close()
	if _, err := admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil && err != sql.ErrConnDone {
		tb.Errorf("drop the test schema %s: %v", schema, err)
	}
}
