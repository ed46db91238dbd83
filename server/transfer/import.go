package transfer

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"zsc/server/sqlstore"
)

// Batches: multi-row INSERTs, as many rows as fit both limits. SQLite
// allows 32766 parameters per statement, PostgreSQL 65535.
const (
	maxBatchRows   = 500
	maxBatchParams = 30000
)

// NotEmptyError: the destination already holds data; an import only loads
// into a freshly migrated database.
type NotEmptyError struct {
	DB    string
	Table string
}

func (e *NotEmptyError) Error() string {
	return fmt.Sprintf("%s is not empty (table %s has rows): import-db loads only into a new, empty database — create one and give it to import-db directly (zsc serve and zsc migrate would put the reference data in it first)", e.DB, e.Table)
}

// Import loads an export file into db, which must be freshly migrated and
// empty but for the rows the migrations themselves insert, and at the
// file's schema version. Everything happens in one write transaction: a
// refused, damaged or truncated file leaves db as it was.
func Import(ctx context.Context, db *sqlstore.DB, r io.Reader) (*Stats, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("not an export file (gzip): %w", err)
	}
	// Closing a gzip reader reports nothing the reads did not.
	defer func() { _ = gz.Close() }()
	rd := &reader{dec: json.NewDecoder(bufio.NewReaderSize(gz, 1<<16)), gz: gz}
	rd.dec.UseNumber()
	h, err := rd.header()
	if err != nil {
		return nil, err
	}
	st := &Stats{SchemaVersion: h.SchemaVersion}
	err = db.Write(ctx, func(tx *sql.Tx) error {
		// Never ctx in tx's statements: DB.Write runs fn to its end.
		v, err := schemaVersion(tx)
		if err != nil {
			return err
		}
		if v != h.SchemaVersion {
			return fmt.Errorf("the export has schema version %d and %s has %d: import it with the zsc that made it (or export again with this one)", h.SchemaVersion, db.Path, v)
		}
		cat, err := readCatalog(tx, db.Postgres)
		if err != nil {
			return err
		}
		if err := checkTables(h, cat); err != nil {
			return err
		}
		if err := checkEmpty(tx, db.Path, cat); err != nil {
			return err
		}
		for _, t := range h.Tables {
			n, err := rd.loadTable(tx, t, cat.tables[t.Name])
			if err != nil {
				return err
			}
			st.Tables++
			st.Rows += n
		}
		if err := rd.trailer(st); err != nil {
			return err
		}
		if db.Postgres {
			return resetIdentities(tx, cat)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// checkTables: the file and the destination have the same tables and
// columns (the same schema version should guarantee it), and the file's
// order puts every table after those it references.
func checkTables(h *Header, cat *catalog) error {
	seen := map[string]bool{}
	for _, t := range h.Tables {
		dst := cat.tables[t.Name]
		if dst == nil {
			return fmt.Errorf("the export has table %s, which the destination lacks", t.Name)
		}
		if seen[t.Name] {
			return fmt.Errorf("the export lists table %s twice", t.Name)
		}
		a, b := slices.Clone(t.Columns), slices.Clone(dst.Columns)
		sort.Strings(a)
		sort.Strings(b)
		if !slices.Equal(a, b) {
			return fmt.Errorf("table %s: the export has columns %s, the destination %s", t.Name, strings.Join(t.Columns, ", "), strings.Join(dst.Columns, ", "))
		}
		if !slices.Contains(derivedTables, t.Name) {
			for _, fk := range dst.FKs {
				if fk.Parent != t.Name && !seen[fk.Parent] && cat.tables[fk.Parent] != nil {
					return fmt.Errorf("the export has table %s before %s, which it references", t.Name, fk.Parent)
				}
			}
		}
		seen[t.Name] = true
	}
	for _, name := range cat.names {
		if !seen[name] {
			return fmt.Errorf("the destination has table %s, which the export lacks", name)
		}
	}
	var derived []string
	for _, t := range h.Tables {
		if slices.Contains(derivedTables, t.Name) {
			derived = append(derived, t.Name)
		} else if len(derived) > 0 {
			return fmt.Errorf("the export has table %s after the derived table %s", t.Name, derived[0])
		}
	}
	return nil
}

// checkEmpty refuses a destination that holds any row but those its
// migrations insert.
func checkEmpty(tx *sql.Tx, path string, cat *catalog) error {
	for _, name := range cat.names {
		if slices.Contains(seededTables, name) {
			continue
		}
		var one int
		err := tx.QueryRow(`SELECT 1 FROM ` + quote(name) + ` LIMIT 1`).Scan(&one)
		if err == nil {
			return &NotEmptyError{DB: path, Table: name}
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	return nil
}

// resetIdentities moves each PostgreSQL identity sequence past the largest
// imported value: the rows went in with explicit ids, which identities BY
// DEFAULT accept without advancing their sequence.
func resetIdentities(tx *sql.Tx, cat *catalog) error {
	for _, name := range cat.names {
		t := cat.tables[name]
		if t.Identity == "" {
			continue
		}
		// setval is strict: on an empty table max() is NULL and the
		// sequence stays where the migration left it.
		if _, err := tx.Exec(`SELECT setval(pg_get_serial_sequence(?, ?), (SELECT max(`+quote(t.Identity)+`) FROM `+quote(name)+`))`,
			quote(name), t.Identity); err != nil {
			return fmt.Errorf("move the sequence of %s.%s: %w", name, t.Identity, err)
		}
	}
	return nil
}

// reader reads an export file value by value.
type reader struct {
	dec *json.Decoder
	gz  *gzip.Reader
}

// next reads the next JSON value; where names the place in the file for
// the error message.
func (rd *reader) next(where string) (json.RawMessage, error) {
	var raw json.RawMessage
	if err := rd.dec.Decode(&raw); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("export file truncated at %s", where)
		}
		return nil, fmt.Errorf("export file damaged at %s: %w", where, err)
	}
	return raw, nil
}

func (rd *reader) header() (*Header, error) {
	raw, err := rd.next("its header")
	if err != nil {
		return nil, err
	}
	var h Header
	if err := json.Unmarshal(raw, &h); err != nil || h.Format != formatName {
		return nil, errors.New("not a zsc export file (its first line is no zsc-export header)")
	}
	if h.Version != formatVersion {
		return nil, fmt.Errorf("export format version %d, this zsc reads %d", h.Version, formatVersion)
	}
	return &h, nil
}

// loadTable reads one table's section of the file and inserts its rows.
func (rd *reader) loadTable(tx *sql.Tx, t Table, dst *tableInfo) (int64, error) {
	raw, err := rd.next("the start of table " + t.Name)
	if err != nil {
		return 0, err
	}
	var start tableStart
	if err := json.Unmarshal(raw, &start); err != nil || start.Table != t.Name {
		return 0, fmt.Errorf("export file damaged: table %s expected, found %.80s", t.Name, raw)
	}
	if slices.Contains(derivedTables, t.Name) || slices.Contains(seededTables, t.Name) {
		// What the triggers and the migrations put there gives way to
		// the source's rows (derivedTables, seededTables).
		if _, err := tx.Exec(`DELETE FROM ` + quote(t.Name)); err != nil {
			return 0, fmt.Errorf("table %s: clear it: %w", t.Name, err)
		}
	}
	ins := &inserter{tx: tx, table: t.Name, columns: t.Columns}
	ins.batch = max(1, min(maxBatchRows, maxBatchParams/len(t.Columns)))
	self := dst.selfKeys()
	var held [][]any // a self-referencing table waits for its parents (sortParentsFirst)
	var n int64
	for {
		where := fmt.Sprintf("table %s, row %d", t.Name, n+1)
		raw, err := rd.next(where)
		if err != nil {
			return n, err
		}
		if len(raw) > 0 && raw[0] == '{' {
			var end tableEnd
			if err := json.Unmarshal(raw, &end); err != nil || end.End != t.Name {
				return n, fmt.Errorf("export file damaged at %s: %.80s", where, raw)
			}
			if end.Rows != n {
				return n, fmt.Errorf("export file damaged: table %s has %d rows, its trailer says %d", t.Name, n, end.Rows)
			}
			break
		}
		row, err := decodeRow(raw, len(t.Columns))
		if err != nil {
			return n, fmt.Errorf("export file damaged at %s: %w", where, err)
		}
		n++
		if len(self) > 0 {
			held = append(held, row)
			continue
		}
		if err := ins.add(row, n); err != nil {
			return n, rd.refused(err)
		}
	}
	if len(self) > 0 {
		rows, idx := sortParentsFirst(held, t.Columns, self)
		for i, row := range rows {
			if err := ins.add(row, int64(idx[i])+1); err != nil {
				return n, rd.refused(err)
			}
		}
	}
	if err := ins.flush(); err != nil {
		return n, rd.refused(err)
	}
	if ins.stmt != nil {
		return n, ins.stmt.Close()
	}
	return n, nil
}

// refused is the database refusing a row of the file. A damaged byte can
// decode into a row the database refuses (on PostgreSQL a broken reference
// is refused at once) before gzip reaches its checksum at the end of the
// file: the rest is read, and if the file does not check out, the damage is
// what the operator is told (the database's refusal follows it).
func (rd *reader) refused(err error) error {
	if _, derr := io.Copy(io.Discard, rd.gz); derr != nil {
		return fmt.Errorf("export file damaged (%v); the database refused a row read before it: %w", derr, err)
	}
	return err
}

func decodeRow(raw json.RawMessage, ncols int) ([]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var vals []any
	if err := dec.Decode(&vals); err != nil {
		return nil, err
	}
	if len(vals) != ncols {
		return nil, fmt.Errorf("%d values for %d columns", len(vals), ncols)
	}
	for i, v := range vals {
		d, err := decodeValue(v)
		if err != nil {
			return nil, fmt.Errorf("value %d: %w", i+1, err)
		}
		vals[i] = d
	}
	return vals, nil
}

// trailer checks the file's last line and that nothing follows it; reading
// to the end also makes gzip check its checksum, so a damaged file is
// refused before the transaction commits.
func (rd *reader) trailer(st *Stats) error {
	raw, err := rd.next("its end (after the last table)")
	if err != nil {
		return err
	}
	var tr trailer
	if err := json.Unmarshal(raw, &tr); err != nil || !tr.Done {
		return fmt.Errorf("export file damaged: its end expected, found %.80s", raw)
	}
	if tr.Tables != st.Tables || tr.Rows != st.Rows {
		return fmt.Errorf("export file damaged: read %d tables and %d rows, its end says %d and %d", st.Tables, st.Rows, tr.Tables, tr.Rows)
	}
	rest, err := io.ReadAll(io.MultiReader(rd.dec.Buffered(), rd.gz))
	if err != nil {
		return fmt.Errorf("export file damaged at its end: %w", err)
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return errors.New("export file damaged: data after its end")
	}
	return nil
}

// inserter sends rows in multi-row INSERTs.
type inserter struct {
	tx      *sql.Tx
	table   string
	columns []string
	batch   int
	stmt    *sql.Stmt // for a full batch
	args    []any
	rows    int
	first   int64 // the file row number of the batch's first row
}

func (ins *inserter) add(row []any, n int64) error {
	if ins.rows == 0 {
		ins.first = n
	}
	ins.args = append(ins.args, row...)
	ins.rows++
	if ins.rows == ins.batch {
		return ins.flush()
	}
	return nil
}

func (ins *inserter) query(rows int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(ins.columns)), ", ") + ")"
	var b strings.Builder
	b.WriteString(`INSERT INTO ` + quote(ins.table) + ` (` + quoteAll(ins.columns) + `) VALUES `)
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(one)
	}
	return b.String()
}

func (ins *inserter) flush() error {
	if ins.rows == 0 {
		return nil
	}
	var err error
	if ins.rows == ins.batch {
		if ins.stmt == nil {
			if ins.stmt, err = ins.tx.Prepare(ins.query(ins.batch)); err != nil {
				return fmt.Errorf("table %s: %w", ins.table, err)
			}
		}
		_, err = ins.stmt.Exec(ins.args...)
	} else {
		_, err = ins.tx.Exec(ins.query(ins.rows), ins.args...)
	}
	if err != nil {
		if ins.rows == 1 {
			return fmt.Errorf("table %s, row %d: %w", ins.table, ins.first, err)
		}
		return fmt.Errorf("table %s, rows %d–%d: %w", ins.table, ins.first, ins.first+int64(ins.rows)-1, err)
	}
	ins.args = ins.args[:0]
	ins.rows = 0
	return nil
}

// sortParentsFirst orders the rows of a table that references itself so
// that a row comes after the row it references, as PostgreSQL checks each
// foreign key at the end of each statement (not of the transaction). Such
// tables hold reference data (regions), small enough to sort in memory. A
// row whose parent is not in the table keeps its place: the insert then
// fails and names it. idx gives each row's number in the file.
func sortParentsFirst(rows [][]any, columns []string, self []foreignKey) (out [][]any, idx []int) {
	col := map[string]int{}
	for i, c := range columns {
		col[c] = i
	}
	key := func(row []any, cols []string) (string, bool) {
		vals := make([]any, len(cols))
		for i, c := range cols {
			vals[i] = row[col[c]]
			if vals[i] == nil {
				return "", false // MATCH SIMPLE: a NULL references nothing
			}
		}
		b, _ := json.Marshal(vals) // typed scalars: cannot fail
		return string(b), true
	}
	present := make([]map[string]bool, len(self))
	for i, fk := range self {
		present[i] = map[string]bool{}
		for _, row := range rows {
			if k, ok := key(row, fk.To); ok {
				present[i][k] = true
			}
		}
	}
	inserted := make([]map[string]bool, len(self))
	for i := range inserted {
		inserted[i] = map[string]bool{}
	}
	placed := make([]bool, len(rows))
	for len(out) < len(rows) {
		progressed := false
		for r, row := range rows {
			if placed[r] {
				continue
			}
			ready := true
			for i, fk := range self {
				if k, ok := key(row, fk.From); ok && present[i][k] && !inserted[i][k] {
					ready = false
					break
				}
			}
			if !ready {
				continue
			}
			placed[r], progressed = true, true
			out, idx = append(out, row), append(idx, r)
			for i, fk := range self {
				if k, ok := key(row, fk.To); ok {
					inserted[i][k] = true
				}
			}
		}
		if !progressed {
			// A cycle: let the database refuse it, naming a row.
			for r, row := range rows {
				if !placed[r] {
					out, idx = append(out, row), append(idx, r)
				}
			}
		}
	}
	return out, idx
}
