package metrics

import (
	"context"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"zsc/server/sqlstore"
)

// storeTimeout bounds the database read of a scrape: a scrape that waits
// on a busy database would pile up behind it; better a gap in the graph
// (zsc_store_stats_up 0) than a stuck scrape.
const storeTimeout = time.Second

// storeCollector reads, at each scrape, the figures that live in the
// database and on disk. None scans a table (sqlstore.StoreStats says why);
// file sizes and disk space are stat calls.
type storeCollector struct {
	db       *sqlstore.DB
	photoDir string
	log      *slog.Logger

	txs, commits, busy, commit, running, queued *prometheus.Desc
	dbBytes, walBytes                           *prometheus.Desc
	photos, photoBytes, leases, up              *prometheus.Desc
	diskFree, diskSize                          *prometheus.Desc
}

func newStoreCollector(db *sqlstore.DB, photoDir string, log *slog.Logger) *storeCollector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, nil)
	}
	return &storeCollector{db: db, photoDir: photoDir, log: log,
		txs:        d("zsc_writer_transactions_total", "Write transactions the single writer ran."),
		commits:    d("zsc_writer_commits_total", "SQLite commits (groups of write transactions)."),
		busy:       d("zsc_writer_busy_seconds_total", "Time the writer spent in finished groups: the work and the commit."),
		commit:     d("zsc_writer_commit_seconds_total", "Of the busy time, the time in COMMIT (writing and syncing the WAL)."),
		running:    d("zsc_writer_running_seconds", "How long the group the writer is in has run; 0 when idle. Stays high when the writer is wedged."),
		queued:     d("zsc_writer_queued", "Write transactions waiting for the writer."),
		dbBytes:    d("zsc_db_bytes", "Size of the database file."),
		walBytes:   d("zsc_db_wal_bytes", "Size of the database's write-ahead log (the -wal file)."),
		photos:     d("zsc_photos_stored", "Photos stored."),
		photoBytes: d("zsc_photos_stored_bytes", "Bytes of the photos stored."),
		leases:     d("zsc_notice_leases_outstanding", "Notice numbers (告知书编号) leased to phones, neither used nor voided."),
		up:         d("zsc_store_stats_up", "1 if the database answered the scrape's read in time (photos and leases are then current), 0 if not."),
		diskFree:   d("zsc_disk_free_bytes", "Free bytes for the server on the file system of a folder (data: the database's, photos: the photo folder's).", "folder"),
		diskSize:   d("zsc_disk_size_bytes", "Size of the file system of a folder.", "folder"),
	}
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.txs, c.commits, c.busy, c.commit, c.running, c.queued,
		c.dbBytes, c.walBytes, c.photos, c.photoBytes, c.leases, c.up, c.diskFree, c.diskSize} {
		ch <- d
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	w := c.db.WriteStats()
	counter(c.txs, float64(w.Transactions))
	counter(c.commits, float64(w.Commits))
	counter(c.busy, w.Busy.Seconds())
	counter(c.commit, w.Commit.Seconds())
	gauge(c.running, w.Running.Seconds())
	gauge(c.queued, float64(w.Queued))

	if main, wal, err := c.db.FileSizes(); err != nil {
		ch <- prometheus.NewInvalidMetric(c.dbBytes, err)
	} else {
		gauge(c.dbBytes, float64(main))
		gauge(c.walBytes, float64(wal))
	}

	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	if s, err := c.db.StoreStats(ctx); err != nil {
		// Left out rather than reported as 0: a graph of photos dropping
		// to nothing whenever the database is slow would mislead.
		c.log.Warn("metrics: reading the store's figures", "err", err)
		gauge(c.up, 0)
	} else {
		gauge(c.up, 1)
		gauge(c.photos, float64(s.Photos))
		gauge(c.photoBytes, float64(s.PhotoBytes))
		gauge(c.leases, float64(s.LeasesOutstanding))
	}

	for _, f := range []struct{ label, dir string }{{"data", dirOf(c.db.Path)}, {"photos", c.photoDir}} {
		// On PostgreSQL the data is the database server's disk, and photos
		// kept in the database have no folder: nothing of this machine's
		// disks to report for them (pg_database_size is zsc_db_bytes).
		if f.dir == "" || (f.label == "data" && c.db.Postgres) {
			continue
		}
		free, size, ok, err := diskSpace(f.dir)
		switch {
		case err != nil:
			ch <- prometheus.NewInvalidMetric(c.diskFree, err)
		case ok:
			gauge(c.diskFree, float64(free), f.label)
			gauge(c.diskSize, float64(size), f.label)
		}
	}
}

// dirOf is the folder of the database file.
func dirOf(path string) string { return filepath.Dir(path) }
