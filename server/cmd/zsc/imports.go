package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"zsc/schema"
	"zsc/server/demo"
	"zsc/server/directory"
	"zsc/server/synth"

	"zsc/server/auth"
	"zsc/server/planimport"
	"zsc/server/sqlstore"
)

func importPlanFile(ctx context.Context, db *sqlstore.DB, path string, year int) (*sqlstore.ImportResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	res, err := db.Resolver(ctx)
	if err != nil {
		return nil, err
	}
	plans, err := planimport.Parse(f, path, res)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return db.ImportPlans(ctx, year, plans, cliUser, "import")
}

// importDirectory imports one of the directory CSVs: entities, inspectors or conflicts.
func importDirectory(ctx context.Context, kind string, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("import-"+kind, flag.ContinueOnError)
	dbPath := fs.String("db", "data/zsc.db", "SQLite database file or postgres:// URL")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("usage: zsc import-%s FILE.csv [--db data/zsc.db]", kind)
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return err
	}
	defer f.Close()
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	regions, err := db.RegionSet(ctx)
	if err != nil {
		return err
	}
	var res *sqlstore.DirectoryResult
	switch kind {
	case "entities":
		es, err := directory.ParseEntities(f, func(r string) bool { return regions(r) && r != schema.CityRegion })
		if err != nil {
			return fmt.Errorf("%s: %w", pos[0], err)
		}
		res, err = db.ImportEntities(ctx, es, cliUser, schema.ChannelImport)
		if err != nil {
			return err
		}
	case "inspectors":
		depts, err := db.DeptSet(ctx)
		if err != nil {
			return err
		}
		ins, err := directory.ParseInspectors(f, depts, regions)
		if err != nil {
			return fmt.Errorf("%s: %w", pos[0], err)
		}
		// New accounts get an unusable random password until `zsc user` sets one.
		raw := make([]byte, 32)
		rand.Read(raw)
		hash, err := auth.HashPassword(hex.EncodeToString(raw))
		if err != nil {
			return err
		}
		if res, err = db.ImportInspectors(ctx, ins, hash, cliUser, schema.ChannelImport); err != nil {
			return err
		}
	case "conflicts":
		cs, err := directory.ParseConflicts(f)
		if err != nil {
			return fmt.Errorf("%s: %w", pos[0], err)
		}
		if res, err = db.ImportConflicts(ctx, cs, cliUser, schema.ChannelImport); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "%s: %d created, %d updated, %d unchanged\n", kind, res.Created, res.Updated, res.Unchanged)
	return nil
}

// gen writes a synthetic directory (entities.csv, inspectors.csv,
// conflicts.csv) for the seed plan's targets, deterministic for a seed.
func gen(ctx context.Context, args []string, stdout io.Writer) (err error) {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	n := fs.Int("entities", 20000, "number of entities")
	seed := fs.Uint64("seed", 2024, "generator seed")
	pool := fs.Int("pool", 4, "inspectors per department per region")
	out := fs.String("out", ".", "output folder")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openDB(ctx, filepath.Join(os.TempDir(), fmt.Sprintf("zsc-gen-%d.db", os.Getpid())))
	if err != nil {
		return err
	}
	// Runs after db.Close: a scratch database left in the temp folder is
	// worth a word, even when the files were written.
	defer func() {
		if rmErr := os.Remove(db.Path); rmErr != nil {
			err = errors.Join(err, fmt.Errorf("remove scratch database: %w", rmErr))
		}
	}()
	defer db.Close()
	if _, err := demo.ImportSeedPlan(ctx, db, cliUser); err != nil {
		return err
	}
	plans, err := db.Plans(ctx, demo.Year)
	if err != nil {
		return err
	}
	depts, err := db.Departments(ctx)
	if err != nil {
		return err
	}
	regions, err := db.Regions(ctx)
	if err != nil {
		return err
	}
	c, err := demo.Config(plans, depts, regions, *n)
	if err != nil {
		return err
	}
	c.Seed, c.InspectorsPerPool = *seed, *pool
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	for name, write := range map[string]func(io.Writer, synth.Config) error{
		"entities.csv": synth.WriteEntitiesCSV, "inspectors.csv": synth.WriteInspectorsCSV, "conflicts.csv": synth.WriteConflictsCSV,
	} {
		f, err := os.Create(filepath.Join(*out, name))
		if err != nil {
			return err
		}
		bw := bufio.NewWriterSize(f, 1<<20)
		if err := write(bw, c); err != nil {
			f.Close()
			return err
		}
		if err := bw.Flush(); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "wrote", filepath.Join(*out, name))
	}
	return nil
}

func userAdd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	dbPath := fs.String("db", "data/zsc.db", "SQLite database file or postgres:// URL")
	username := fs.String("username", "", "login name")
	password := fs.String("password", "", "password (at least 8 characters)")
	name := fs.String("name", "", "display name")
	role := fs.String("role", "", "inspector, lead, office or admin")
	dept := fs.String("dept", "", "department code (see testdata/departments.tsv; lxb = 联席办)")
	region := fs.String("region", "", "region code, e.g. 621002")
	cert := fs.String("cert", "", "执法证号 (inspectors)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *username == "" || *password == "" || *role == "" || *dept == "" || *region == "" {
		return fmt.Errorf("username, password, role, dept and region are required")
	}
	if *name == "" {
		*name = *username
	}
	hash, err := auth.HashPassword(*password)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	id, err := db.AddUser(ctx, sqlstore.NewUser{Username: *username, Name: *name, PasswordHash: hash, Role: *role, Dept: *dept, Region: *region, CertNo: *cert, OnDuty: true})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user %s added (%s)\n", *username, id)
	return nil
}
