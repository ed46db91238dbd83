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
