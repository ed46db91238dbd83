package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"zsc/server/postgres"
	"zsc/server/sqlstore"
	"zsc/server/transfer"
)

// exportDB runs `zsc export --db SRC --out FILE`: every row of the
// database, from one read snapshot, into one portable file (server/transfer).
func exportDB(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	src := fs.String("db", "data/zsc.db", "the database to export: a SQLite file or a postgres:// URL")
	out := fs.String("out", "", "the export file to write (gzip'd JSON lines); it must not exist")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		return errors.New("usage: zsc export --db SRC --out FILE")
	}
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("%s already exists: give another --out", *out)
	}
	if !postgres.IsDSN(*src) {
		// Open would make an empty database where there is none.
		if _, err := os.Stat(*src); err != nil {
			return fmt.Errorf("database %s: %w", *src, err)
		}
	}
	db, err := sqlstore.Open(*src)
	if err != nil {
		return err
	}
	defer db.Close()
	// Written beside --out and renamed when whole: a file named FILE is a
	// complete export.
	tmp, err := os.CreateTemp(filepath.Dir(*out), filepath.Base(*out)+".*.tmp")
	if err != nil {
		return err
	}
	st, err := transfer.Export(ctx, db, tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), *out)
	}
	if err != nil {
		_ = os.Remove(tmp.Name()) // best effort: the error that matters is err
		return fmt.Errorf("export %s: %w", db.Path, err)
	}
	fmt.Fprintf(stdout, "exported %s to %s: schema version %d, %d tables, %d rows\n", db.Path, *out, st.SchemaVersion, st.Tables, st.Rows)
	return nil
}

// importDB runs `zsc import-db --db DST --in FILE`: an export file into a
// new, empty database, in one transaction.
func importDB(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("import-db", flag.ContinueOnError)
	dst := fs.String("db", "", "the new, empty database to load: a SQLite file or a postgres:// URL (migrated first)")
	in := fs.String("in", "", "the export file (zsc export)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dst == "" || *in == "" || fs.NArg() > 0 {
		return errors.New("usage: zsc import-db --db DST --in FILE")
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer f.Close()
	if !postgres.IsDSN(*dst) {
		if err := os.MkdirAll(filepath.Dir(*dst), 0o755); err != nil {
			return err
		}
		// The lock zsc serve holds: no server may be writing the file meanwhile.
		release, err := lockDatabase(*dst)
		if err != nil {
			return fmt.Errorf("import-db: %w", err)
		}
		// The kernel drops the lock when the process ends whatever happens.
		defer func() { _ = release() }()
	}
	// sqlstore.Open, not openDB: the reference data openDB loads would
	// make the database non-empty.
	db, err := sqlstore.Open(*dst)
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := transfer.Import(ctx, db, f)
	if err != nil {
		return fmt.Errorf("import %s into %s: %w", *in, db.Path, err)
	}
	fmt.Fprintf(stdout, "imported %s into %s: schema version %d, %d tables, %d rows\n", *in, db.Path, st.SchemaVersion, st.Tables, st.Rows)
	return nil
}
