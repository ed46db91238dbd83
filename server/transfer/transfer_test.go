package transfer

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"math"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"zsc/server/demo"
	"zsc/server/sqlstore"
	"zsc/server/sqlstore/storetest"
)

// The demo, moved SQLite → (PostgreSQL when ZSC_TEST_PG is set, else a
// second SQLite) → SQLite, comes back with every row of every table, every
// value identical, and the moved-to store hands out new ids past the
// imported ones.
func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := demoStore(t)
	a := export(t, src)
	rows := readExport(t, a)
	for _, table := range []string{"regions", "users", "visits", "item_results", "audit_log", "changes", "draw_snapshots", "visit_rollups", "task_rollups", "change_epoch", "blob_totals"} {
		if len(rows[table].rows) == 0 {
			t.Errorf("the demo's export has no rows in %s: the round trip proves little", table)
		}
	}

	for _, tag := range []string{`{"f":`, `{"b":`, `null`} {
		if !strings.Contains(strings.Join(gunzipLines(t, a), "\n"), tag) {
			t.Errorf("the demo's export has no %s value: the round trip proves little", tag)
		}
	}

	mid := openStore(t, storetest.DSN(t))
	t.Logf("moving through %s", dialect(mid))
	st, err := Import(ctx, mid, bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	if st.Rows == 0 || st.Tables != len(rows) {
		t.Fatalf("import stats %+v, export has %d tables", st, len(rows))
	}
	p := export(t, mid)
	same(t, "source", a, "the moved-to store ("+dialect(mid)+")", p)

	back := openStore(t, filepath.Join(t.TempDir(), "back.db"))
	if _, err := Import(ctx, back, bytes.NewReader(p)); err != nil {
		t.Fatal(err)
	}
	same(t, "source", a, "the store moved back", export(t, back))

	// New rows take ids past the imported ones (PostgreSQL's identity
	// sequences were moved on; SQLite's AUTOINCREMENT follows by itself).
	for _, db := range []*sqlstore.DB{mid, back} {
		var maxID, newID int64
		err := db.Write(ctx, func(tx *sql.Tx) error {
			if err := tx.QueryRow(`SELECT max(id) FROM audit_log`).Scan(&maxID); err != nil {
				return err
			}
			return tx.QueryRow(`INSERT INTO audit_log (at, action, kind, entity_id) VALUES ('2024-07-01T00:00:00.000Z', 'test', 'test', 'x') RETURNING id`).Scan(&newID)
		})
		if err != nil {
			t.Fatalf("%s: a new audit row: %v", dialect(db), err)
		}
		if newID <= maxID {
			t.Errorf("%s: a new audit row got id %d, the imported ones go up to %d", dialect(db), newID, maxID)
		}
	}
}

// A destination with data is refused, and the refusal writes nothing.
func TestImportRefusesANonEmptyDestination(t *testing.T) {
	ctx := context.Background()
	a := export(t, demoStore(t))
	dst := openStore(t, storetest.DSN(t))
	if err := demo.LoadReference(ctx, dst); err != nil {
		t.Fatal(err)
	}
	before := export(t, dst)
	_, err := Import(ctx, dst, bytes.NewReader(a))
	var ne *NotEmptyError
	if !errors.As(err, &ne) || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("import into a store with the reference data: %v, want a NotEmptyError", err)
	}
	same(t, "before", before, "after the refused import", export(t, dst))
}

// A damaged or truncated file is refused with the table and row where it
// went wrong, and leaves the destination empty: a later import succeeds.
func TestImportRefusesADamagedFile(t *testing.T) {
	ctx := context.Background()
	a := export(t, demoStore(t))
	dst := openStore(t, storetest.DSN(t))

	lines := gunzipLines(t, a)
	// The third row of departments loses its values.
	start := -1
	for i, l := range lines {
		if l == `{"table":"departments"}` {
			start = i
		}
	}
	if start < 0 {
		t.Fatal("no departments table in the export")
	}
	bad := append([]string{}, lines...)
	bad[start+3] = `["x"]`

	half := a[:len(a)/2]

	// A damage that decodes: a tag's entity id changed (the database refuses
	// the broken reference, on PostgreSQL at once) and gzip's checksum, at
	// the file's very end, no longer matching what was read.
	tags := -1
	for i, l := range lines {
		if l == `{"table":"entity_tags"}` {
			tags = i
		}
	}
	if tags < 0 || !strings.HasPrefix(lines[tags+1], "[") {
		t.Fatal("no entity_tags rows in the export")
	}
	broken := append([]string{}, lines...)
	var row []any
	if err := json.Unmarshal([]byte(broken[tags+1]), &row); err != nil {
		t.Fatal(err)
	}
	row[2] = "00000000-0000-0000-0000-00000000dead"
	b, err := json.Marshal(row)
	if err != nil {
		t.Fatal(err)
	}
	broken[tags+1] = string(b)
	decodable := gzipLines(t, broken)
	decodable[len(decodable)-8] ^= 0xff // the CRC-32 of the gzip trailer

	flipped := bytes.Clone(a)
	flipped[len(a)*2/3] ^= 0xff

	for _, c := range []struct {
		name string
		file []byte
		want []string
	}{
		{"a row with too few values", gzipLines(t, bad), []string{"table departments, row 3", "1 values for"}},
		{"a truncated file", half, []string{"truncated at table ", ", row "}},
		{"a damaged byte", flipped, []string{"damaged"}},
		{"a damaged byte that decodes into a row the database refuses", decodable, []string{"damaged", "checksum"}},
		{"not an export", []byte("hello"), []string{"not an export file"}},
	} {
		_, err := Import(ctx, dst, bytes.NewReader(c.file))
		if err == nil {
			t.Fatalf("%s: imported", c.name)
		}
		t.Logf("%s: %v", c.name, err)
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %q", c.name, err, w)
			}
		}
	}
	if _, err := Import(ctx, dst, bytes.NewReader(a)); err != nil {
		t.Fatalf("the whole file after the refused ones: %v", err)
	}
}

// Schema versions must match.
func TestImportRefusesAnotherSchemaVersion(t *testing.T) {
	ctx := context.Background()
	lines := gunzipLines(t, export(t, openStore(t, filepath.Join(t.TempDir(), "empty.db"))))
	lines[0] = strings.Replace(lines[0], `"schema_version":`, `"schema_version":9`, 1)
	dst := openStore(t, filepath.Join(t.TempDir(), "dst.db"))
	_, err := Import(ctx, dst, bytes.NewReader(gzipLines(t, lines)))
	if err == nil || !strings.Contains(err.Error(), "schema version 9") {
		t.Fatalf("import of another schema version: %v", err)
	}
}

// Every value type survives the file bit for bit.
func TestValueEncoding(t *testing.T) {
	for _, v := range []any{nil, int64(0), int64(math.MaxInt64), int64(math.MinInt64), "", "庆阳 \u0000 \"q\"", "\xff\xfe bad utf-8",
		0.1, 1.0, math.Copysign(0, -1), 1e300, 5e-324, math.Inf(1), []byte{}, []byte{0, 1, 255}} {
		enc, err := encodeValue(v)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := jsonEncode(&buf, []any{enc}); err != nil {
			t.Fatal(err)
		}
		row, err := decodeRow(buf.Bytes(), 1)
		if err != nil {
			t.Fatalf("%#v: %v", v, err)
		}
		got := row[0]
		if f, ok := v.(float64); ok {
			if g, ok := got.(float64); !ok || math.Float64bits(g) != math.Float64bits(f) {
				t.Errorf("%#v came back as %#v", v, got)
			}
			continue
		}
		if !reflect.DeepEqual(got, v) {
			t.Errorf("%#v came back as %#v", v, got)
		}
	}
}

// A table that references itself goes in parents first whatever the file's
// order (PostgreSQL checks each statement's foreign keys at its end).
func TestSortParentsFirst(t *testing.T) {
	cols := []string{"code", "parent"}
	rows := [][]any{{"c", "b"}, {"b", "a"}, {"a", nil}, {"x", "nowhere"}}
	out, idx := sortParentsFirst(rows, cols, []foreignKey{{Parent: "regions", From: []string{"parent"}, To: []string{"code"}}})
	var got []string
	for _, r := range out {
		got = append(got, r[0].(string))
	}
	if strings.Join(got, "") != "axbc" || !reflect.DeepEqual(idx, []int{2, 3, 1, 0}) {
		t.Fatalf("order %v %v, want a x b c [2 3 1 0]", got, idx)
	}
}

func demoStore(t *testing.T) *sqlstore.DB {
	t.Helper()
	ctx := context.Background()
	db := openStore(t, filepath.Join(t.TempDir(), "src.db"))
	if err := demo.LoadReference(ctx, db); err != nil {
		t.Fatal(err)
	}
	if err := demo.Load(ctx, db, demo.Options{Entities: 600}, io.Discard); err != nil {
		t.Fatal(err)
	}
	return db
}

func openStore(t *testing.T, dsn string) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func export(t *testing.T, db *sqlstore.DB) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := Export(context.Background(), db, &buf); err != nil {
		t.Fatalf("export %s: %v", dialect(db), err)
	}
	return buf.Bytes()
}

type tableRows struct {
	columns []string
	rows    []string
}

// readExport splits a file into its tables' rows, each row its JSON line.
func readExport(t *testing.T, file []byte) map[string]*tableRows {
	t.Helper()
	lines := gunzipLines(t, file)
	h, err := (&reader{dec: jsonDecoder(strings.NewReader(lines[0]))}).header()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*tableRows{}
	var cur *tableRows
	for _, l := range lines[1:] {
		switch {
		case strings.HasPrefix(l, `{"table":`):
			name := strings.TrimSuffix(strings.TrimPrefix(l, `{"table":"`), `"}`)
			cur = &tableRows{}
			for _, tb := range h.Tables {
				if tb.Name == name {
					cur.columns = tb.Columns
				}
			}
			out[name] = cur
		case strings.HasPrefix(l, "["):
			cur.rows = append(cur.rows, l)
		}
	}
	return out
}

// same compares two exports table by table, row by row, whatever the
// order of the rows.
func same(t *testing.T, aName string, a []byte, bName string, b []byte) {
	t.Helper()
	ta, tb := readExport(t, a), readExport(t, b)
	for name, ra := range ta {
		rb := tb[name]
		if rb == nil {
			t.Errorf("%s has table %s, %s not", aName, name, bName)
			continue
		}
		if !reflect.DeepEqual(ra.columns, rb.columns) {
			t.Errorf("table %s: columns %v in %s, %v in %s", name, ra.columns, aName, rb.columns, bName)
			continue
		}
		x, y := append([]string{}, ra.rows...), append([]string{}, rb.rows...)
		sort.Strings(x)
		sort.Strings(y)
		if reflect.DeepEqual(x, y) {
			continue
		}
		onlyA, onlyB := diff(x, y), diff(y, x)
		t.Errorf("table %s: %d rows in %s, %d in %s; only in the first %d (e.g. %.300s), only in the second %d (e.g. %.300s)",
			name, len(x), aName, len(y), bName, len(onlyA), first(onlyA), len(onlyB), first(onlyB))
	}
	for name := range tb {
		if ta[name] == nil {
			t.Errorf("%s has table %s, %s not", bName, name, aName)
		}
	}
}

func diff(a, b []string) []string {
	in := map[string]int{}
	for _, s := range b {
		in[s]++
	}
	var out []string
	for _, s := range a {
		if in[s] > 0 {
			in[s]--
			continue
		}
		out = append(out, s)
	}
	return out
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func gunzipLines(t *testing.T, file []byte) []string {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	sc := bufio.NewScanner(gz)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

func gzipLines(t *testing.T, lines []string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	if _, err := io.WriteString(gz, strings.Join(lines, "\n")+"\n"); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func jsonEncode(w io.Writer, v any) error { return json.NewEncoder(w).Encode(v) }

func jsonDecoder(r io.Reader) *json.Decoder {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	return dec
}
