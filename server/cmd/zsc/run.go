package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"zsc/pwa"
	"zsc/schema"
	"zsc/server/auth"
	"zsc/server/demo"
	zhttp "zsc/server/http"
	"zsc/server/sqlite"
)

const usage = `zsc: 掌上查 — offline-first 双随机、一公开 joint inspections

usage:
  zsc serve [--db data/zsc.db] [--addr :8080] [--demo]
  zsc import-plan FILE --year 2024 [--db data/zsc.db]
  zsc import-checklists FILE [--db data/zsc.db]       checklist templates (检查表), TSV, CSV or XLSX
  zsc import-entities FILE.csv [--db data/zsc.db]     (also import-inspectors, import-conflicts)
  zsc gen [--entities 20000] [--seed 2024] [--pool 4] [--out DIR]   synthetic directory CSVs
  zsc user add --username U --password P --role inspector|lead|office|admin --dept CODE --region CODE [--name N] [--cert NO]
  zsc draw TASK_ID --as USERNAME [--seed HEX] [--db data/zsc.db]   a task's draw; a --seed is recorded as supplied
  zsc verify DRAW_ID [--db data/zsc.db]                re-run a draw and say how its seed was made
  zsc migrate [--db data/zsc.db]
  zsc backup DIR [--db data/zsc.db]                  a consistent copy: database, photos, jwt.key, manifest.json
  zsc restore DIR --db PATH                          check a backup, put it in place, stamp a new epoch (server stopped)
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
	case "user":
		if len(rest) == 0 || rest[0] != "add" {
			return errors.New("usage: zsc user add --username U --password P --role R --dept D --region R")
		}
		return userAdd(ctx, rest[1:], stdout)
	case "migrate":
		fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
		dbPath := fs.String("db", "data/zsc.db", "SQLite database file")
		if err := fs.Parse(rest); err != nil {
			return err
		}
		db, err := openDB(ctx, *dbPath)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, "migrated", *dbPath)
		return db.Close()
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

func openDB(ctx context.Context, path string) (*sqlite.DB, error) {
	db, err := sqlite.Open(path)
	if err != nil {
		return nil, err
	}
	if err := demo.LoadReference(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// jwtSecret comes from ZSC_JWT_SECRET, or from a key file beside the
// database made on first start (mode 0600), so no secret lives in the repo
// and restarts keep sessions valid.
func jwtSecret(dbPath string) ([]byte, error) {
	if s := os.Getenv("ZSC_JWT_SECRET"); s != "" {
		if len(s) < 32 {
			return nil, errors.New("ZSC_JWT_SECRET must have at least 32 characters")
		}
		return []byte(s), nil
	}
	path := filepath.Join(filepath.Dir(dbPath), "jwt.key")
	if b, err := os.ReadFile(path); err == nil && len(b) >= 64 {
		return []byte(strings.TrimSpace(string(b))), nil
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	key := hex.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return nil, err
	}
	return []byte(key), nil
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	dbPath := fs.String("db", "data/zsc.db", "SQLite database file")
	addr := fs.String("addr", ":8080", "listen address")
	withDemo := fs.Bool("demo", false, "load the demo data into an empty database and print the demo accounts")
	demoEntities := fs.Int("demo-entities", 20000, "size of the demo entity directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if *withDemo {
		start := time.Now()
		n, err := db.UserCount(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			fmt.Fprintln(stdout, "loading demo data (plan, directory, draws)…")
			if err := demo.Load(ctx, db, demo.Options{Entities: *demoEntities}, stdout); err != nil {
				return fmt.Errorf("demo: %w", err)
			}
			fmt.Fprintf(stdout, "demo data loaded in %s\n", time.Since(start).Round(time.Millisecond))
		} else {
			demo.PrintAccounts(stdout)
		}
	}
	secret, err := jwtSecret(*dbPath)
	if err != nil {
		return err
	}
	srv := zhttp.New(db, auth.New(db, secret), log, pwa.Dist(), filepath.Join(filepath.Dir(*dbPath), "blobs"))
	bound, err := srv.Listen(*addr)
	if err != nil {
		return err
	}
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
	dbPath := fs.String("db", "data/zsc.db", "SQLite database file")
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
