package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"zsc/server/auth"
	"zsc/server/planimport"
	"zsc/server/sqlite"
)

func importPlanFile(ctx context.Context, db *sqlite.DB, path string, year int) (*sqlite.ImportResult, error) {
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

func importEntities(ctx context.Context, args []string, stdout io.Writer) error {
	return fmt.Errorf("import-entities: not available yet")
}

func userAdd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	dbPath := fs.String("db", "data/zsc.db", "SQLite database file")
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
	id, err := db.AddUser(ctx, sqlite.NewUser{Username: *username, Name: *name, PasswordHash: hash, Role: *role, Dept: *dept, Region: *region, CertNo: *cert, OnDuty: true})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user %s added (%s)\n", *username, id)
	return nil
}
