package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"zsc/pwa"
	"zsc/schema"
	"zsc/server/auth"
	"zsc/server/config"
	"zsc/server/demo"
	zhttp "zsc/server/http"
	"zsc/server/metrics"
	"zsc/server/photos"
	"zsc/server/postgres"
	"zsc/server/report"
	"zsc/server/sqlstore"
	zsync "zsc/sync"
)

const usage = `zsc: 掌上查 — offline-first 双随机、一公开 joint inspections

usage:
  zsc serve [--data DIR] [--db data/zsc.db] [--addr :8080] [--demo] ...   every setting: zsc serve --help
  zsc import-plan FILE --year 2024 [--db data/zsc.db]
  zsc import-checklists FILE [--db data/zsc.db]       checklist templates (检查表), TSV, CSV or XLSX
  zsc import-entities FILE.csv [--db data/zsc.db]     (also import-inspectors, import-conflicts)
  zsc gen [--entities 20000] [--seed 2024] [--pool 4] [--out DIR]   synthetic directory CSVs
  zsc user add --username U --password P --role inspector|lead|office|admin --dept CODE --region CODE [--name N] [--cert NO]
  zsc draw TASK_ID --as USERNAME [--seed HEX] [--db data/zsc.db]   a task's draw; a --seed is recorded as supplied
  zsc verify DRAW_ID [--db data/zsc.db]                re-run a draw and say how its seed was made
  zsc migrate [--db data/zsc.db]                       apply pending migrations (SQLite file or postgres:// URL)
  zsc new-epoch --db postgres://…                     after restoring PostgreSQL with its own tools: phones re-bootstrap
  zsc backup DIR [--db data/zsc.db] [--photos DIR] [--key-file FILE]
                                                     a consistent copy: database, photos, key file, manifest.json
  zsc restore DIR --db PATH [--photos DIR] [--key-file FILE]
                                                     check a backup, put it in place, stamp a new epoch (server stopped)
  zsc export --db SRC --out FILE                     every row into one portable file (SQLite or postgres:// URL)
  zsc import-db --db DST --in FILE                   an export into a new, empty database (SQLite ⇄ PostgreSQL)
`

// Main runs one zsc command; tests call it directly with a temporary database.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, rest, stdout, stderr)
	case "import-plan":
		return importPlan(ctx, rest, stdout)
	case "import-checklists":
		return importChecklists(ctx, rest, stdout, stderr)
	case "import-entities", "import-inspectors", "import-conflicts":
		return importDirectory(ctx, strings.TrimPrefix(cmd, "import-"), rest, stdout)
	case "gen":
		return gen(ctx, rest, stdout)
	case "draw":
		return drawTask(ctx, rest, stdout)
	case "verify":
		return verifyDraw(ctx, rest, stdout)
	case "backup":
		return backup(ctx, rest, stdout)
	case "restore":
		return restore(ctx, rest, stdout)
	case "export":
		return exportDB(ctx, rest, stdout)
	case "import-db":
		return importDB(ctx, rest, stdout)
	case "user":
		if len(rest) == 0 || rest[0] != "add" {
			return errors.New("usage: zsc user add --username U --password P --role R --dept D --region R")
		}
		return userAdd(ctx, rest[1:], stdout)
	case "migrate":
		fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
		dbPath := fs.String("db", "data/zsc.db", "SQLite database file or postgres:// URL")
		if err := fs.Parse(rest); err != nil {
			return err
		}
		db, err := openDB(ctx, *dbPath)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, "migrated", db.Path)
		return db.Close()
	case "new-epoch":
		return newEpoch(ctx, rest, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// parseArgs lets a positional FILE come before or after the flags.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) > 0 {
			pos = append(pos, args[0])
			args = args[1:]
		}
	}
	return pos, nil
}

// redactDB is --db as a log may show it: a PostgreSQL URL without its password.
func redactDB(db string) string {
	if postgres.IsDSN(db) {
		return postgres.Redact(db)
	}
	return db
}

func openDB(ctx context.Context, path string) (*sqlstore.DB, error) {
	db, err := sqlstore.Open(path)
	if err != nil {
		return nil, err
	}
	if err := demo.LoadReference(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// jwtSecret comes from ZSC_JWT_SECRET, or from the key file (by default
// jwt.key in the data folder) made on first start (mode 0600), so no
// secret lives in the repo and restarts keep sessions valid.
func jwtSecret(keyFile string) ([]byte, error) {
	if s := os.Getenv("ZSC_JWT_SECRET"); s != "" {
		if len(s) < 32 {
			return nil, errors.New("ZSC_JWT_SECRET must have at least 32 characters")
		}
		return []byte(s), nil
	}
	if b, err := os.ReadFile(keyFile); err == nil && len(b) >= 64 {
		return []byte(strings.TrimSpace(string(b))), nil
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("key file %s: %w", keyFile, err)
	}
	if err := os.MkdirAll(filepath.Dir(keyFile), 0o700); err != nil {
		return nil, fmt.Errorf("key file %s: %w", keyFile, err)
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	key := hex.EncodeToString(raw)
	if err := os.WriteFile(keyFile, []byte(key+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("key file %s: %w", keyFile, err)
	}
	return []byte(key), nil
}

const serveUsage = `usage: zsc serve [flags]

Every flag can also be set by the environment variable in brackets; a flag
given on the command line wins over its variable. ZSC_JWT_SECRET (at least 32
characters), when set, signs sessions instead of the key file.

`

// serveConfig is every setting of zsc serve; each is a flag and a ZSC_*
// variable (server/config), the flag winning. README "Configuration"
// lists them.
type serveConfig struct {
	Data, DB, Photos, KeyFile, Addr string
	Login                           auth.LimiterConfig
	LeaseSize                       int
	LeaseTTL                        time.Duration
	PhotoQuotaMB                    int64
	PhotoTTL                        time.Duration
	TrustedProxies                  config.CIDRs
	MetricsAddr                     string
	LogFormat, LogLevel             string
	Demo                            bool
	DemoEntities                    int
}

// parseServe reads serve's flags and variables and fills in the paths
// that default to the data folder.
func parseServe(args []string, getenv func(string) string, stdout io.Writer) (*serveConfig, error) {
	c := &serveConfig{Login: auth.DefaultLimiterConfig}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), serveUsage)
		fs.PrintDefaults()
	}
	fs.StringVar(&c.Data, "data", "", `data folder: the database, photos and key file by default (default "data", or the folder of --db when only --db is given)`)
	fs.StringVar(&c.DB, "db", "", "SQLite database file (default DATA/zsc.db) or postgres:// URL (several instances may share one)")
	fs.StringVar(&c.Photos, "photos", "", `photo folder, or "db" to keep the photos in the database, which several instances share (default DATA/blobs; "db" when --db is a postgres:// URL)`)
	fs.StringVar(&c.KeyFile, "key-file", "", "session signing key file, made on first start (default DATA/jwt.key; ZSC_JWT_SECRET, if set, is used instead)")
	fs.StringVar(&c.Addr, "addr", ":8080", "listen address")
	fs.IntVar(&c.Login.AccountFailures, "login-account-failures", c.Login.AccountFailures, "failed sign-ins on one account before it is locked")
	fs.IntVar(&c.Login.AddressFailures, "login-address-failures", c.Login.AddressFailures, "failed sign-ins from one client address before it is locked")
	fs.DurationVar(&c.Login.Window, "login-window", c.Login.Window, "failures further apart than this do not add up")
	fs.DurationVar(&c.Login.Lockout, "login-lockout", c.Login.Lockout, "first lock; it doubles with each further failure")
	fs.DurationVar(&c.Login.MaxLockout, "login-lockout-max", c.Login.MaxLockout, "longest lock")
	fs.IntVar(&c.Login.MaxEntries, "login-max-entries", c.Login.MaxEntries, "most failure counters kept in memory (least recent dropped first)")
	fs.IntVar(&c.LeaseSize, "lease-size", zsync.DefaultLeaseSize, "notice numbers (告知书编号) each phone holds for offline use")
	fs.DurationVar(&c.LeaseTTL, "lease-ttl", zsync.DefaultLeaseTTL, "how long a silent phone keeps its leased notice numbers")
	fs.Int64Var(&c.PhotoQuotaMB, "photo-quota-mb", zsync.DefaultBlobQuota>>20, "MB of photos (and partial uploads) a user may hold that no visit names yet")
	fs.DurationVar(&c.PhotoTTL, "photo-ttl", zsync.DefaultBlobTTL, "how long a photo no visit names, or a partial upload, is kept before the sweeper deletes it")
	fs.Var(&c.TrustedProxies, "trusted-proxy", "`CIDR` of a reverse proxy whose X-Forwarded-For and X-Forwarded-Proto are believed; repeatable (the variable takes a comma-separated list); none by default")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", "", "`address` of the Prometheus /metrics listener, apart from --addr so the proxy never publishes it, e.g. 127.0.0.1:9464; off when empty (README \"Monitoring\")")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.BoolVar(&c.Demo, "demo", false, "load the demo data into an empty database and print the demo accounts")
	fs.IntVar(&c.DemoEntities, "demo-entities", 20000, "size of the demo entity directory")
	if err := config.Parse(fs, args, getenv); err != nil {
		return nil, err
	}
	if c.Data == "" {
		c.Data = "data"
		// Beside a SQLite file; a PostgreSQL URL is no folder (the key file
		// then goes to ./data unless ZSC_JWT_SECRET or --key-file says).
		if c.DB != "" && !postgres.IsDSN(c.DB) {
			c.Data = filepath.Dir(c.DB)
		}
	}
	if c.DB == "" {
		c.DB = filepath.Join(c.Data, "zsc.db")
	}
	if c.Photos == "" {
		c.Photos = filepath.Join(c.Data, "blobs")
		if postgres.IsDSN(c.DB) {
			// Instances behind a load balancer share the database, not a
			// folder: a phone's next chunk may reach another instance.
			c.Photos = photos.InDB
		}
	}
	if c.KeyFile == "" {
		c.KeyFile = filepath.Join(c.Data, "jwt.key")
	}
	if err := c.Login.Check(); err != nil {
		return nil, err
	}
	switch {
	case c.LeaseSize < 1:
		return nil, fmt.Errorf("--lease-size must be at least 1, not %d", c.LeaseSize)
	case c.LeaseTTL < 48*time.Hour:
		// A pull renews leases a day before they end (sync/pull.go).
		return nil, fmt.Errorf("--lease-ttl must be at least 48h, not %s", c.LeaseTTL)
	case c.PhotoQuotaMB < 10:
		// One photo may be 10 MB: a smaller quota refuses a phone's first.
		return nil, fmt.Errorf("--photo-quota-mb must be at least 10, not %d", c.PhotoQuotaMB)
	case c.PhotoTTL < 24*time.Hour:
		// A phone uploads photos before the push naming them; a day offline must not lose them.
		return nil, fmt.Errorf("--photo-ttl must be at least 24h, not %s", c.PhotoTTL)
	case c.LogFormat != "text" && c.LogFormat != "json":
		return nil, fmt.Errorf("--log-format must be text or json, not %q", c.LogFormat)
	}
	return c, nil
}

// logger builds the log from --log-format and --log-level.
func (c *serveConfig) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, fmt.Errorf("--log-level must be debug, info, warn or error, not %q", c.LogLevel)
	}
	o := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, o)), nil
	}
	return slog.New(slog.NewTextHandler(w, o)), nil
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseServe(args, os.Getenv, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	// Several instances may serve one PostgreSQL database (their writes
	// serialise on an advisory lock, server/sqlstore/postgres.go); only a
	// SQLite file is kept to one process, by a lock file beside it.
	if !postgres.IsDSN(c.DB) {
		if err := os.MkdirAll(filepath.Dir(c.DB), 0o755); err != nil {
			return err
		}
		unlock, err := lockDatabase(c.DB)
		if err != nil {
			return err
		}
		defer func() {
			if err := unlock(); err != nil {
				log.Error("release the database lock", "db", c.DB, "err", err)
			}
		}()
	}
	db, err := openDB(ctx, c.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	// The folder of the photos; none when they are in the database.
	photoDir := c.Photos
	if c.Photos == photos.InDB {
		photoDir = ""
	}
	if c.Demo {
		start := time.Now()
		n, err := db.UserCount(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			fmt.Fprintln(stdout, "loading demo data (plan, directory, draws)…")
			if err := demo.Load(ctx, db, demo.Options{Entities: c.DemoEntities, Photos: photoDir}, stdout); err != nil {
				return fmt.Errorf("demo: %w", err)
			}
			fmt.Fprintf(stdout, "demo data loaded in %s\n", time.Since(start).Round(time.Millisecond))
		} else {
			demo.PrintAccounts(stdout)
		}
	}
	secret, err := jwtSecret(c.KeyFile)
	if err != nil {
		return err
	}
	a := auth.New(db, secret)
	a.Limiter = auth.NewLimiterWith(db.Now, c.Login)
	srv := zhttp.New(db, a, log, pwa.Dist(), photoDir)
	// A deadline counted in a year the embedded calendar lacks misses that
	// year's 元旦 and 春节 (the server's publication deadlines and the phone's
	// 复查 dates are both built from testdata/holidays).
	for _, y := range srv.Calendar.Uncovered(time.Now().In(report.China)) {
		log.Warn("no holiday calendar for a year deadlines may fall in: its working days count Monday to Friday only; add testdata/holidays/<year>.tsv from the State Council's notice and rebuild zsc", "year", y)
	}
	if c.Photos == photos.InDB {
		srv.Photos = photos.NewDB(db)
		log.Info("photos are kept in the database", "photos", c.Photos)
	} else {
		log.Info("photos are kept in a folder (one instance only)", "photos", c.Photos)
	}
	srv.TrustProxies(c.TrustedProxies)
	srv.Sync.LeaseSize, srv.Sync.LeaseTTL = c.LeaseSize, c.LeaseTTL
	srv.Sync.BlobQuota, srv.Sync.BlobTTL = c.PhotoQuotaMB<<20, c.PhotoTTL
	if c.MetricsAddr != "" {
		m := metrics.New(db, photoDir, log)
		m.Attach(srv)
		ml, err := m.Listen(c.MetricsAddr, log)
		if err != nil {
			return err
		}
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := ml.Shutdown(sctx); err != nil {
				log.Error("stop the metrics listener", "addr", ml.Addr, "err", err)
			}
		}()
		if metrics.Public(c.MetricsAddr) {
			log.Warn("the metrics listen on every interface: firewall the port or give --metrics-addr a loopback or internal address", "metrics_addr", ml.Addr)
		}
		log.Info("metrics", "addr", ml.Addr)
		fmt.Fprintf(stdout, "metrics on http://%s/metrics\n", displayAddr(ml.Addr))
	}
	bound, err := srv.Listen(c.Addr)
	if err != nil {
		return err
	}
	// Unreferenced photos and stale partial uploads go after Sync.BlobTTL.
	go srv.RunBlobSweeper(ctx)
	log.Info("serving", "addr", bound, "db", redactDB(c.DB), "photos", c.Photos, "trusted_proxies", c.TrustedProxies.String())
	fmt.Fprintf(stdout, "掌上查 listening on http://%s\n", displayAddr(bound))
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

func displayAddr(a string) string {
	if strings.HasPrefix(a, "[::]:") {
		return "localhost:" + strings.TrimPrefix(a, "[::]:")
	}
	if strings.HasPrefix(a, "0.0.0.0:") {
		return "localhost:" + strings.TrimPrefix(a, "0.0.0.0:")
	}
	return a
}

func importPlan(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("import-plan", flag.ContinueOnError)
	dbPath := fs.String("db", "data/zsc.db", "SQLite database file or postgres:// URL")
	year := fs.Int("year", 0, "plan year, e.g. 2024")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *year == 0 {
		return errors.New("usage: zsc import-plan FILE --year 2024")
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := importPlanFile(ctx, db, pos[0], *year)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d plans (%d numbers), %d department rows, %d items for %d\n", res.Plans, res.Numbers, res.Departments, res.Items, res.Year)
	return nil
}

// cliUser is the actor the audit log records for command-line imports.
var cliUser = &schema.User{ID: "", Username: "cli", Role: schema.RoleAdmin}
