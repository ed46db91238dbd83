package planimport

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// MustResolver loads a department list in the format of testdata/departments.tsv.
func MustResolver(tb testing.TB, path string) Resolver {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	depts, err := LoadDepartmentsTSV(f)
	if err != nil {
		tb.Fatal(err)
	}
	return NewResolver(depts)
}

// MustParseFile parses a file and fails the test on any error.
func MustParseFile(tb testing.TB, path string, res Resolver) []Plan {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	plans, err := Parse(f, filepath.Base(path), res)
	if err != nil {
		tb.Fatalf("Parse(%s): %v", path, err)
	}
	return plans
}

// writeFile writes a table made by tabletest where MustParseFile reads it.
func writeFile(tb testing.TB, path string, data []byte) {
	tb.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// asErrors unwraps Parse's error into its list, failing when it is not one.
func asErrors(tb testing.TB, err error) Errors {
	tb.Helper()
	var es Errors
	if !errors.As(err, &es) || len(es) == 0 {
		tb.Fatalf("want a non-empty Errors, got %T %v", err, err)
	}
	return es
}

// wantRowError fails unless err lists a problem at row and column whose message contains every one of contains.
func wantRowError(tb testing.TB, err error, row int, column string, contains ...string) {
	tb.Helper()
	es := asErrors(tb, err)
	for _, e := range es {
		if e.Row != row || e.Column != column {
			continue
		}
		ok := true
		for _, s := range contains {
			ok = ok && strings.Contains(e.Message, s)
		}
		if ok {
			return
		}
	}
	tb.Errorf("want an error at row %d, column %q, containing %q; got:\n%s", row, column, contains, dump(es))
}

// samePlans fails with both sides as JSON when the plans differ.
func samePlans(tb testing.TB, got, want []Plan) {
	tb.Helper()
	if !reflect.DeepEqual(got, want) {
		tb.Errorf("plans differ\ngot:  %s\nwant: %s", dump(got), dump(want))
	}
}

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, chinaTime) }

// mustOpen opens a file that is closed when the test ends.
func mustOpen(tb testing.TB, path string) *os.File {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	return f
}
