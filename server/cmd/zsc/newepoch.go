package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"zsc/server/sqlstore"
)

// newEpoch gives the change log a new epoch (DESIGN §8.5) on a database
// restored by other means than `zsc restore`: a PostgreSQL database back
// from pg_dump or a base backup. Its sequence numbers after the backup's head
// will be handed out again, so every phone that pulled past them must
// re-bootstrap and report its notice numbers; the epoch tells it to.
func newEpoch(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("new-epoch", flag.ContinueOnError)
	dbPath := fs.String("db", "", "the restored database: postgres:// URL (or a SQLite file restored by hand)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dbPath == "" {
		return errors.New("new-epoch: --db is required")
	}
	db, err := sqlstore.Open(*dbPath)
	if err != nil {
		return err
	}
	epoch, err := db.StampNewEpoch(ctx)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("new-epoch: %w", err)
	}
	fmt.Fprintf(stdout, "new change-log epoch %s on %s: phones will re-bootstrap at their next sync\n", epoch, db.Path)
	return nil
}
