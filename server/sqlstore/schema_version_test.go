package sqlstore_test

import (
	"database/sql"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"zsc/schema"
	"zsc/server/sqlstore"
)

// A database migrated by a newer zsc is refused, naming both versions, and
// left as it was.
func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "zsc.db")
	db, err := sqlstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := schema.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	newest := ms[len(ms)-1].Version
	err = db.Write(t.Context(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from_the_future.sql', '2030-01-01T00:00:00.000Z')`, newest+1)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = sqlstore.Open(path)
	var newer *sqlstore.SchemaNewerError
	if !errors.As(err, &newer) || newer.Have != newest+1 || newer.Newest != newest {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{path, "schema version " + strconv.Itoa(newest+1), "newest migration " + strconv.Itoa(newest)} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("%q does not name %q", err, want)
		}
	}
}
