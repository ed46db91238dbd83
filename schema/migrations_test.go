package schema

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestMigrations(t *testing.T) {
	t.Run("the embedded set is numbered without gaps", func(t *testing.T) {
		ms, err := Migrations()
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) == 0 || ms[0].Version != 1 {
			t.Fatalf("want migrations starting at 1, got %d", len(ms))
		}
	})
	t.Run("PostgreSQL's set starts at the baseline and ends where SQLite's does", func(t *testing.T) {
		pg, err := PostgresMigrations()
		if err != nil {
			t.Fatal(err)
		}
		if len(pg) == 0 || pg[0].Version != PostgresBaseline || !strings.Contains(pg[0].SQL, "CREATE TABLE") {
			t.Fatalf("want PostgreSQL migrations starting with the baseline %d, got %+v", PostgresBaseline, pg)
		}
		lite, err := Migrations()
		if err != nil {
			t.Fatal(err)
		}
		// A migration goes into both folders under one number.
		if a, b := lite[len(lite)-1], pg[len(pg)-1]; a.Version != b.Version {
			t.Fatalf("SQLite's newest migration is %s, PostgreSQL's %s: each needs the other's counterpart", a.Name, b.Name)
		}
	})
	t.Run("a set may start at a later number", func(t *testing.T) {
		fsys := fstest.MapFS{"m/0017_base.sql": {Data: []byte("SELECT 1;")}, "m/0018_next.sql": {Data: []byte("SELECT 2;")}}
		ms, err := loadMigrations(fsys, "m", 17)
		if err != nil || len(ms) != 2 || ms[0].Version != 17 || ms[1].Version != 18 {
			t.Fatalf("want 17 and 18, got %+v, %v", ms, err)
		}
		fsys["m/0001_old.sql"] = &fstest.MapFile{Data: []byte("SELECT 0;")}
		if _, err := loadMigrations(fsys, "m", 17); err == nil || !strings.Contains(err.Error(), "expected number 17") {
			t.Fatalf("want a number below the first refused, got %v", err)
		}
	})
	cases := []struct {
		name  string
		files []string
		want  string
	}{
		{"a gap is refused", []string{"0001_a.sql", "0003_c.sql"}, "gap"},
		{"a duplicate number is refused", []string{"0001_a.sql", "0002_b.sql", "0002_c.sql"}, "already used"},
		{"a name without a number is refused", []string{"0001_a.sql", "init.sql"}, "positive number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, f := range c.files {
				fsys["m/"+f] = &fstest.MapFile{Data: []byte("SELECT 1;")}
			}
			_, err := loadMigrations(fsys, "m", 1)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want error containing %q, got %v", c.want, err)
			}
		})
	}
}
