package schema

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

//go:embed postgres/*.sql
var postgresFS embed.FS

// PostgresBaseline is the first version of PostgreSQL's migrations: its
// history starts with the schema SQLite reached through 0001–0017, in one
// file; later migrations take the same number in both folders.
const PostgresBaseline = 17

// Migration is one numbered, append-only SQL file of schema/migrations.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the embedded migrations in order. It fails on a file
// whose name does not start with a number, on a duplicate number and on a
// gap, so a bad migration set never reaches a database.
func Migrations() ([]Migration, error) { return loadMigrations(migrationFS, "migrations", 1) }

// PostgresMigrations returns PostgreSQL's migrations (schema/postgres) in
// order, numbered from PostgresBaseline with no gap.
func PostgresMigrations() ([]Migration, error) {
	return loadMigrations(postgresFS, "postgres", PostgresBaseline)
}

func loadMigrations(fsys fs.FS, dir string, first int) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var ms []Migration
	seen := map[int]string{}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive number and an underscore", name)
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migration %s: number %d already used by %s", name, v, prev)
		}
		seen[v] = name
		b, err := fs.ReadFile(fsys, dir+"/"+name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != first+i {
			return nil, fmt.Errorf("migration %s: expected number %d (gap in the sequence)", m.Name, first+i)
		}
	}
	return ms, nil
}
