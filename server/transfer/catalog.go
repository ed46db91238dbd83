package transfer

import (
	"database/sql"
	"fmt"
	"sort"
	"strings"
)

// catalog is what a transfer needs to know of a database's schema: its
// tables with their columns in order, their primary keys, and the foreign
// keys between them. It is read from the database itself (SQLite's pragmas,
// PostgreSQL's catalogue), so a table added by a later migration is copied
// with no change here.
type catalog struct {
	tables map[string]*tableInfo
	names  []string // every table, sorted
}

type tableInfo struct {
	Name    string
	Columns []string
	Key     []string // primary key columns, in key order
	FKs     []foreignKey
	// Identity is the PostgreSQL identity (or serial) column whose sequence
	// must be moved past the imported rows; "" if none. SQLite's
	// AUTOINCREMENT keeps sqlite_sequence up to date on insert by itself.
	Identity string
}

type foreignKey struct {
	Parent string
	From   []string // columns of the child
	To     []string // columns of the parent
}

// readCatalog reads the schema of the database tx runs on. schema_migrations
// is left out: the destination's migrations write their own.
func readCatalog(tx *sql.Tx, postgres bool) (*catalog, error) {
	c := &catalog{tables: map[string]*tableInfo{}}
	var err error
	if postgres {
		err = c.readPostgres(tx)
	} else {
		err = c.readSQLite(tx)
	}
	if err != nil {
		return nil, fmt.Errorf("read the schema: %w", err)
	}
	for name := range c.tables {
		c.names = append(c.names, name)
	}
	sort.Strings(c.names)
	return c, nil
}

func skipTable(name string) bool {
	return name == "schema_migrations" || strings.HasPrefix(name, "sqlite_")
}

func (c *catalog) readSQLite(tx *sql.Tx) error {
	names, err := strings1(tx, `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		return err
	}
	for _, name := range names {
		if skipTable(name) {
			continue
		}
		t := &tableInfo{Name: name}
		rows, err := tx.Query(`SELECT name, pk FROM pragma_table_info(?) ORDER BY cid`, name)
		if err != nil {
			return err
		}
		keys := map[int]string{}
		for rows.Next() {
			var col string
			var pk int
			if err := rows.Scan(&col, &pk); err != nil {
				rows.Close()
				return err
			}
			t.Columns = append(t.Columns, col)
			if pk > 0 {
				keys[pk] = col
			}
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		for i := 1; i <= len(keys); i++ {
			t.Key = append(t.Key, keys[i])
		}
		c.tables[name] = t
	}
	for _, t := range c.tables {
		rows, err := tx.Query(`SELECT id, "table", "from", "to" FROM pragma_foreign_key_list(?) ORDER BY id, seq`, t.Name)
		if err != nil {
			return err
		}
		byID := map[int]*foreignKey{}
		var order []int
		for rows.Next() {
			var id int
			var parent, from string
			var to sql.NullString
			if err := rows.Scan(&id, &parent, &from, &to); err != nil {
				rows.Close()
				return err
			}
			fk := byID[id]
			if fk == nil {
				fk = &foreignKey{Parent: parent}
				byID[id] = fk
				order = append(order, id)
			}
			fk.From = append(fk.From, from)
			// A REFERENCES without columns names the parent's primary key;
			// filled in below once every table is read.
			fk.To = append(fk.To, to.String)
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		for _, id := range order {
			t.FKs = append(t.FKs, *byID[id])
		}
	}
	for _, t := range c.tables {
		for i, fk := range t.FKs {
			p := c.tables[fk.Parent]
			for j, to := range fk.To {
				if to == "" && p != nil && j < len(p.Key) {
					t.FKs[i].To[j] = p.Key[j]
				}
			}
		}
	}
	return nil
}

func (c *catalog) readPostgres(tx *sql.Tx) error {
	rows, err := tx.Query(`SELECT table_name, column_name, coalesce(is_identity, 'NO') = 'YES' OR coalesce(column_default, '') LIKE 'nextval(%'
		FROM information_schema.columns
		WHERE table_schema = current_schema()
		  AND table_name IN (SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE')
		ORDER BY table_name, ordinal_position`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var name, col string
		var identity bool
		if err := rows.Scan(&name, &col, &identity); err != nil {
			rows.Close()
			return err
		}
		if skipTable(name) {
			continue
		}
		t := c.tables[name]
		if t == nil {
			t = &tableInfo{Name: name}
			c.tables[name] = t
		}
		t.Columns = append(t.Columns, col)
		if identity {
			t.Identity = col
		}
	}
	if err := closeRows(rows); err != nil {
		return err
	}
	// Primary keys and foreign keys, column by column in key order.
	rows, err = tx.Query(`SELECT k.conname, k.contype, c.relname, p.relname, a.attname, coalesce(b.attname, '')
		FROM pg_constraint k
		JOIN pg_class c ON c.oid = k.conrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		LEFT JOIN pg_class p ON p.oid = k.confrelid
		CROSS JOIN LATERAL unnest(k.conkey, coalesce(k.confkey, k.conkey)) WITH ORDINALITY AS u(ck, pk, i)
		JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.ck
		LEFT JOIN pg_attribute b ON b.attrelid = k.confrelid AND b.attnum = u.pk
		WHERE k.contype IN ('p', 'f') AND n.nspname = current_schema()
		ORDER BY c.relname, k.conname, u.i`)
	if err != nil {
		return err
	}
	type fkKey struct{ table, name string }
	fks := map[fkKey]*foreignKey{}
	var order []fkKey
	for rows.Next() {
		var conname, contype, table, from, to string
		var parent sql.NullString
		if err := rows.Scan(&conname, &contype, &table, &parent, &from, &to); err != nil {
			rows.Close()
			return err
		}
		t := c.tables[table]
		if t == nil {
			continue
		}
		if contype == "p" {
			t.Key = append(t.Key, from)
			continue
		}
		k := fkKey{table, conname}
		fk := fks[k]
		if fk == nil {
			fk = &foreignKey{Parent: parent.String}
			fks[k] = fk
			order = append(order, k)
		}
		fk.From = append(fk.From, from)
		fk.To = append(fk.To, to)
	}
	if err := closeRows(rows); err != nil {
		return err
	}
	for _, k := range order {
		t := c.tables[k.table]
		t.FKs = append(t.FKs, *fks[k])
	}
	return nil
}

// loadOrder is the order tables are written to a file and read back in:
// every table after the tables it references (so that inserting in file
// order never breaks a foreign key), ties broken by name; the derived
// tables come last, in derivedTables' order.
func (c *catalog) loadOrder() ([]string, error) {
	derived := map[string]bool{}
	for _, d := range derivedTables {
		derived[d] = true
	}
	done := map[string]bool{}
	var out []string
	for len(out)+countPresent(c, derivedTables) < len(c.names) {
		progressed := false
		for _, name := range c.names {
			if done[name] || derived[name] {
				continue
			}
			ready := true
			for _, fk := range c.tables[name].FKs {
				if fk.Parent != name && !done[fk.Parent] && c.tables[fk.Parent] != nil && !derived[fk.Parent] {
					ready = false
					break
				}
			}
			if ready {
				done[name] = true
				out = append(out, name)
				progressed = true
			}
		}
		if !progressed {
			var left []string
			for _, name := range c.names {
				if !done[name] && !derived[name] {
					left = append(left, name)
				}
			}
			return nil, fmt.Errorf("the foreign keys of tables %s form a cycle: no order inserts them parents first", strings.Join(left, ", "))
		}
	}
	for _, d := range derivedTables {
		if c.tables[d] != nil {
			out = append(out, d)
		}
	}
	return out, nil
}

func countPresent(c *catalog, names []string) int {
	n := 0
	for _, name := range names {
		if c.tables[name] != nil {
			n++
		}
	}
	return n
}

// selfKeys are t's foreign keys to itself (regions.parent): the rows of
// such a table must go in parents first.
func (t *tableInfo) selfKeys() []foreignKey {
	var out []foreignKey
	for _, fk := range t.FKs {
		if fk.Parent == t.Name {
			out = append(out, fk)
		}
	}
	return out
}

func strings1(tx *sql.Tx, q string, args ...any) ([]string, error) {
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

// quote quotes an identifier: column names such as "system", "month" or
// "count" are keywords somewhere.
func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quote(n)
	}
	return strings.Join(q, ", ")
}
