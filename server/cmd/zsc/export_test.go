package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zsc/server/sqlstore"
	"zsc/server/sqlstore/storetest"
)

// zsc export and zsc import-db move a database (to PostgreSQL when
// ZSC_TEST_PG is set): the moved copy has the source's users, and neither
// command overwrites anything.
func TestExportAndImportDB(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "zsc.db")
	if err := Main(ctx, []string{"user", "add", "--db", src, "--username", "zhang", "--password", "long-enough-pw", "--role", "inspector", "--dept", "scjg", "--region", "621002"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "zsc.export.gz")
	var out strings.Builder
	if err := Main(ctx, []string{"export", "--db", src, "--out", file}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "exported "+src+" to "+file) {
		t.Errorf("export said %q", out.String())
	}
	if err := Main(ctx, []string{"export", "--db", src, "--out", file}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("export over an existing file: %v", err)
	}
	if err := Main(ctx, []string{"export", "--db", filepath.Join(dir, "none.db"), "--out", filepath.Join(dir, "x.gz")}, io.Discard, io.Discard); err == nil {
		t.Error("export of a missing database succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "none.db")); err == nil {
		t.Error("export of a missing database made one")
	}

	dst := storetest.DSN(t)
	out.Reset()
	if err := Main(ctx, []string{"import-db", "--db", dst, "--in", file}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "imported "+file) {
		t.Errorf("import-db said %q", out.String())
	}
	db, err := sqlstore.Open(dst)
	if err != nil {
		t.Fatal(err)
	}
	var username string
	if err := db.Reader().QueryRowContext(ctx, `SELECT username FROM users`).Scan(&username); err != nil || username != "zhang" {
		t.Fatalf("the moved database's user: %q, %v", username, err)
	}
	db.Close()

	if err := Main(ctx, []string{"import-db", "--db", src, "--in", file}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("import-db into the source: %v", err)
	}
	if err := Main(ctx, []string{"import-db", "--db", dst}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Errorf("import-db without --in: %v", err)
	}
}
