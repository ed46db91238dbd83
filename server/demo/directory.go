package demo

import (
	"context"

	"zsc/schema"
	"zsc/server/sqlite"
)

// loadDirectory is filled in by the draw work: synthetic directory, pools, drawn tasks.
func loadDirectory(ctx context.Context, db *sqlite.DB, opt Options, admin *schema.User, hash string) error {
	return nil
}
