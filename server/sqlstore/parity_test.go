package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"zsc/server/sqlstore"
	"zsc/server/sqlstore/storetest"
)

// The store keeps one copy of every query for both databases, so the schema
// that schema/migrations builds on SQLite and the one schema/postgres builds
// on PostgreSQL must agree on everything a query can see: tables, columns
// (name, order, type, NOT NULL, default), and the indexes and triggers by
// name. A migration written for one folder only fails here.
func TestSchemaParity(t *testing.T) {
	if storetest.PG() == "" {
		t.Skipf("%s is not set: the schema parity test needs a PostgreSQL database (CI sets it)", storetest.EnvPG)
	}
	lite, err := sqlstore.Open(filepath.Join(t.TempDir(), "zsc.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	pg, err := sqlstore.Open(storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	want := readSchema(t, lite, sqliteSchema)
	got := readSchema(t, pg, postgresSchema)
	if len(want.columns) < 40 || len(want.indexes) < 30 || len(want.triggers) < 10 {
		t.Fatalf("read too little of SQLite's schema: %d tables, %d indexes, triggers on %d tables",
			len(want.columns), len(want.indexes), len(want.triggers))
	}
	for _, d := range compareSchemas(want, got) {
		t.Error(d)
	}
	// The comparison itself must see a column, a NOT NULL, an index and a
	// trigger that only one side has.
	for name, doctor := range map[string]func(s *dbSchema){
		"a column added": func(s *dbSchema) { s.columns["visits"] = append(s.columns["visits"], column{Name: "x", Type: "TEXT"}) },
		"a NOT NULL dropped": func(s *dbSchema) {
			cs := append([]column(nil), s.columns["visits"]...)
			cs[0].NotNull = false
			s.columns["visits"] = cs
		},
		"an index renamed": func(s *dbSchema) {
			s.indexes["visits_task_x"] = s.indexes["visits_task"]
			delete(s.indexes, "visits_task")
		},
		"a trigger dropped": func(s *dbSchema) { s.triggers["visits"] = nil },
	} {
		doctored := readSchema(t, pg, postgresSchema)
		doctor(&doctored)
		if len(compareSchemas(want, doctored)) == 0 {
			t.Errorf("the comparison missed %s on one side", name)
		}
	}
}

// dbSchema is what the parity test compares, each side already translated
// to one vocabulary (SQLite's types, defaults without casts).
type dbSchema struct {
	columns  map[string][]column // table → columns in order
	indexes  map[string]index    // name → index
	triggers map[string][]string // table → trigger names, sorted
}

type column struct {
	Name, Type string
	NotNull    bool
	Default    string // "" for none
	// Auto: SQLite's INTEGER PRIMARY KEY AUTOINCREMENT, PostgreSQL's identity.
	Auto bool
}

type index struct {
	Table   string
	Columns string // comma-separated; an expression is "<expr>"
	Unique  bool
	Partial bool
}

// pgOnlyTriggers are PostgreSQL's additions for what SQLite cannot do:
// TRUNCATE skips row triggers, so the append-only audit log refuses it too.
var pgOnlyTriggers = map[string]bool{"audit_log.audit_log_no_truncate": true}

// compareSchemas returns the differences between SQLite's schema (want) and
// PostgreSQL's (got).
func compareSchemas(want, got dbSchema) []string {
	var diffs []string
	errorf := func(format string, args ...any) { diffs = append(diffs, fmt.Sprintf(format, args...)) }
	for _, name := range union(sortedKeys(want.columns), sortedKeys(got.columns)) {
		w, inW := want.columns[name]
		g, inG := got.columns[name]
		switch {
		case !inG:
			errorf("table %s: on SQLite only", name)
		case !inW:
			errorf("table %s: on PostgreSQL only", name)
		case !reflect.DeepEqual(w, g):
			errorf("table %s differs:\n  SQLite:     %s\n  PostgreSQL: %s", name, fmtColumns(w), fmtColumns(g))
		}
	}
	for _, name := range union(sortedKeys(want.indexes), sortedKeys(got.indexes)) {
		w, inW := want.indexes[name]
		g, inG := got.indexes[name]
		switch {
		case !inG:
			errorf("index %s: on SQLite only", name)
		case !inW:
			errorf("index %s: on PostgreSQL only", name)
		case w != g:
			errorf("index %s differs:\n  SQLite:     %+v\n  PostgreSQL: %+v", name, w, g)
		}
	}
	for _, table := range union(sortedKeys(want.triggers), sortedKeys(got.triggers)) {
		var g []string
		for _, name := range got.triggers[table] {
			if !pgOnlyTriggers[table+"."+name] {
				g = append(g, name)
			}
		}
		if w := want.triggers[table]; !reflect.DeepEqual(w, g) {
			errorf("triggers on %s differ:\n  SQLite:     %v\n  PostgreSQL: %v", table, w, g)
		}
	}
	return diffs
}

func fmtColumns(cs []column) string {
	var b strings.Builder
	for i, c := range cs {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s", c.Name, c.Type)
		if c.NotNull {
			b.WriteString(" NOT NULL")
		}
		if c.Default != "" {
			b.WriteString(" DEFAULT " + c.Default)
		}
		if c.Auto {
			b.WriteString(" AUTOINCREMENT")
		}
	}
	return b.String()
}

func readSchema(t *testing.T, db *sqlstore.DB, read func(tx *sql.Tx, s *dbSchema) error) dbSchema {
	t.Helper()
	s := dbSchema{columns: map[string][]column{}, indexes: map[string]index{}, triggers: map[string][]string{}}
	if err := db.Read(context.Background(), func(tx *sql.Tx) error { return read(tx, &s) }); err != nil {
		t.Fatal(err)
	}
	for _, names := range s.triggers {
		sort.Strings(names)
	}
	return s
}

// skipTable: the migration bookkeeping each store makes for itself, and
// SQLite's internal tables.
func skipTable(name string) bool {
	return name == "schema_migrations" || strings.HasPrefix(name, "sqlite_")
}

func sqliteSchema(tx *sql.Tx, s *dbSchema) error {
	tables, err := queryStrings(tx, `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		return err
	}
	for _, table := range tables {
		if skipTable(table) {
			continue
		}
		var ddl string
		if err := tx.QueryRow(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&ddl); err != nil {
			return err
		}
		auto := strings.Contains(strings.ToUpper(ddl), "AUTOINCREMENT")
		rows, err := tx.Query(`SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid`, table)
		if err != nil {
			return err
		}
		cols := []column{}
		for rows.Next() {
			var c column
			var dflt sql.NullString
			var notNull, pk int
			if err := rows.Scan(&c.Name, &c.Type, &notNull, &dflt, &pk); err != nil {
				rows.Close()
				return err
			}
			c.Type = strings.ToUpper(c.Type)
			// A PRIMARY KEY column is NOT NULL on PostgreSQL; SQLite lets a
			// rowid table's TEXT key be NULL (a legacy quirk no row uses).
			c.NotNull = notNull == 1 || pk > 0
			c.Default = dflt.String
			c.Auto = auto && pk == 1 && c.Type == "INTEGER"
			cols = append(cols, c)
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		s.columns[table] = cols
		rows, err = tx.Query(`SELECT l.name, l."unique", l.partial FROM pragma_index_list(?) l WHERE l.origin = 'c'`, table)
		if err != nil {
			return err
		}
		var names []string
		for rows.Next() {
			var name string
			var unique, partial int
			if err := rows.Scan(&name, &unique, &partial); err != nil {
				rows.Close()
				return err
			}
			names = append(names, name)
			s.indexes[name] = index{Table: table, Unique: unique == 1, Partial: partial == 1}
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		for _, name := range names {
			cols, err := queryStrings(tx, `SELECT coalesce(name, '<expr>') FROM pragma_index_info(?) ORDER BY seqno`, name)
			if err != nil {
				return err
			}
			ix := s.indexes[name]
			ix.Columns = strings.Join(cols, ",")
			s.indexes[name] = ix
		}
	}
	rows, err := tx.Query(`SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var table, name string
		if err := rows.Scan(&table, &name); err != nil {
			rows.Close()
			return err
		}
		s.triggers[table] = append(s.triggers[table], name)
	}
	return closeRows(rows)
}

// pgTypes maps PostgreSQL's column types back to the SQLite type each one
// stands for (schema/postgres/0017_baseline.sql says why these).
var pgTypes = map[string]string{"text": "TEXT", "bigint": "INTEGER", "double precision": "REAL", "bytea": "BLOB"}

// pgCast is the type cast PostgreSQL writes after a literal default.
var pgCast = regexp.MustCompile(`::(text|bigint|integer|double precision|numeric|bytea)$`)

func postgresSchema(tx *sql.Tx, s *dbSchema) error {
	rows, err := tx.Query(`SELECT table_name, column_name, data_type, is_nullable, coalesce(column_default, ''), is_identity
		FROM information_schema.columns c
		WHERE table_schema = current_schema()
		  AND EXISTS (SELECT 1 FROM information_schema.tables t WHERE t.table_schema = c.table_schema
		              AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE')
		ORDER BY table_name, ordinal_position`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var table, nullable, identity string
		var c column
		if err := rows.Scan(&table, &c.Name, &c.Type, &nullable, &c.Default, &identity); err != nil {
			rows.Close()
			return err
		}
		if skipTable(table) {
			continue
		}
		if typ, ok := pgTypes[c.Type]; ok {
			c.Type = typ
		} else {
			c.Type = "PostgreSQL " + c.Type // no SQLite counterpart: reported as a difference
		}
		c.NotNull = nullable == "NO"
		c.Default = pgCast.ReplaceAllString(c.Default, "")
		c.Auto = identity == "YES"
		s.columns[table] = append(s.columns[table], c)
	}
	if err := closeRows(rows); err != nil {
		return err
	}
	// Indexes made by CREATE INDEX: not those behind a PRIMARY KEY or UNIQUE
	// constraint, which SQLite names sqlite_autoindex_… and leaves out of
	// pragma index_list's origin 'c'.
	rows, err = tx.Query(`SELECT i.relname, t.relname, ix.indisunique, ix.indpred IS NOT NULL,
			array_to_string(ARRAY(
				SELECT CASE WHEN k.attnum = 0 THEN '<expr>' ELSE a.attname END
				FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
				LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum
				ORDER BY k.ord), ',')
		FROM pg_index ix
		JOIN pg_class i ON i.oid = ix.indexrelid
		JOIN pg_class t ON t.oid = ix.indrelid
		JOIN pg_namespace n ON n.oid = t.relnamespace
		WHERE n.nspname = current_schema()
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid)`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var name string
		var ix index
		if err := rows.Scan(&name, &ix.Table, &ix.Unique, &ix.Partial, &ix.Columns); err != nil {
			rows.Close()
			return err
		}
		if !skipTable(ix.Table) {
			s.indexes[name] = ix
		}
	}
	if err := closeRows(rows); err != nil {
		return err
	}
	rows, err = tx.Query(`SELECT c.relname, tg.tgname FROM pg_trigger tg
		JOIN pg_class c ON c.oid = tg.tgrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND NOT tg.tgisinternal`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var table, name string
		if err := rows.Scan(&table, &name); err != nil {
			rows.Close()
			return err
		}
		s.triggers[table] = append(s.triggers[table], name)
	}
	return closeRows(rows)
}

func queryStrings(tx *sql.Tx, q string, args ...any) ([]string, error) {
	rows, err := tx.Query(q, args...)
	if err != nil {
		return nil, err
	}
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, s)
	}
	return out, closeRows(rows)
}

func closeRows(rows *sql.Rows) error {
	if err := rows.Err(); err != nil {
		rows.Close()
		return err
	}
	return rows.Close()
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func union(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range append(a, b...) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}
