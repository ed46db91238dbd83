package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// StoreStats are the figures an operator watches that live in the
// database (server/metrics reads them at every scrape). Each is one row or
// a short index range, never a scan of a table that grows with the years.
type StoreStats struct {
	// Photos and PhotoBytes are the photos stored: blob_totals, which
	// triggers keep in step with the blobs table (migration 0017).
	Photos, PhotoBytes int64
	// LeasesOutstanding are the notice numbers leased to phones and
	// neither used nor voided yet: the notice_numbers_state index's
	// 'leased' range, about lease size × phones.
	LeasesOutstanding int64
}

// storeStatsQuery is StoreStats' one query; stats_test.go checks its plan.
const storeStatsQuery = `SELECT
	(SELECT count FROM blob_totals WHERE id = 1),
	(SELECT bytes FROM blob_totals WHERE id = 1),
	(SELECT count(*) FROM notice_numbers WHERE state = 'leased')`

// StoreStats reads the figures on a reader connection; ctx bounds it (a
// scrape must not wait on a busy database).
func (db *DB) StoreStats(ctx context.Context) (StoreStats, error) {
	var s StoreStats
	if err := db.read.QueryRowContext(ctx, storeStatsQuery).Scan(&s.Photos, &s.PhotoBytes, &s.LeasesOutstanding); err != nil {
		return StoreStats{}, fmt.Errorf("store stats of %s: %w", db.Path, err)
	}
	return s, nil
}

// FileSizes are the sizes in bytes of the database file and of its WAL
// (the -wal file beside it). A missing WAL is 0: SQLite removes it when
// the last connection closes. Two stat calls, no query. On PostgreSQL main
// is the database's size (pg_database_size) and wal 0: the server's WAL is
// its administrator's to watch.
func (db *DB) FileSizes() (main, wal int64, err error) {
	if db.Postgres {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := db.read.QueryRowContext(ctx, `SELECT pg_database_size(current_database())`).Scan(&main); err != nil {
			return 0, 0, fmt.Errorf("database size: %w", err)
		}
		return main, 0, nil
	}
	st, err := os.Stat(db.Path)
	if err != nil {
		return 0, 0, fmt.Errorf("database file size: %w", err)
	}
	main = st.Size()
	switch st, err := os.Stat(db.Path + "-wal"); {
	case err == nil:
		wal = st.Size()
	case !errors.Is(err, fs.ErrNotExist):
		return 0, 0, fmt.Errorf("WAL file size: %w", err)
	}
	return main, wal, nil
}
