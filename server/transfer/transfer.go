// Package transfer copies every row of a 掌上查 database into one portable
// file and back, so that an installation moves between SQLite and
// PostgreSQL (zsc export, zsc import-db).
//
// The file is gzip'd JSON, one value per line:
//
//	{"format":"zsc-export","version":1,"schema_version":17,...,"tables":[{"name":..,"columns":[..]},..]}
//	{"table":"regions"}
//	["621000","庆阳市","city",null]          one array per row, in the header's column order
//	{"end":"regions","rows":9}
//	{"table":"departments"} ...
//	{"done":true,"tables":48,"rows":123456}
//
// A value is null, an integer, a string, {"f":"1.5"} (a float, as Go
// formats it, so it reads back bit for bit), {"b":"base64"} (a blob) or
// {"s":"base64"} (text that is not valid UTF-8, which JSON cannot carry).
// Tables come parents first, so a destination inserts them in file order
// without breaking a foreign key; the trailers let a reader tell a whole
// file from a truncated one, and gzip's checksum a damaged one.
package transfer

import (
	"bufio"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"zsc/server/sqlstore"
)

const (
	formatName    = "zsc-export"
	formatVersion = 1
)

// derivedTables are kept by triggers from the other tables (0005's rollups,
// 0017's photo totals). They are copied like the rest, but loaded last: the
// triggers fill them as the base rows go in, and each is then replaced by
// the file's rows, so that the copy is exact (a move copies, it does not
// repair: RebuildRollups is the repair tool). The order matters:
// visit_rollups' insert trigger adds to task_rollups, so task_rollups is
// replaced after it.
var derivedTables = []string{"visit_rollups", "task_rollups", "pub_rollups", "blob_totals"}

// seededTables get a row from the migrations themselves (the change log's
// epoch, the photo totals): a fresh database has it, and the import
// replaces it with the source's. Keeping the epoch is what lets the phones
// carry on syncing after a move: the change log keeps its numbers.
var seededTables = []string{"change_epoch", "blob_totals"}

// Header is the first line of an export file.
type Header struct {
	Format        string  `json:"format"`
	Version       int     `json:"version"`
	SchemaVersion int     `json:"schema_version"`
	CreatedAt     string  `json:"created_at"`
	Source        string  `json:"source"` // "sqlite" or "postgres"
	Tables        []Table `json:"tables"`
}

// Table is one table of an export: its name and columns, in the order each
// row lists its values.
type Table struct {
	Name    string   `json:"name"`
	Columns []string `json:"columns"`
}

// Stats sums up an export or an import.
type Stats struct {
	SchemaVersion int
	Tables        int
	Rows          int64
}

type tableStart struct {
	Table string `json:"table"`
}

type tableEnd struct {
	End  string `json:"end"`
	Rows int64  `json:"rows"`
}

type trailer struct {
	Done   bool  `json:"done"`
	Tables int   `json:"tables"`
	Rows   int64 `json:"rows"`
}

func dialect(db *sqlstore.DB) string {
	if db.Postgres {
		return "postgres"
	}
	return "sqlite"
}

// schemaVersion is the highest migration applied to the database.
func schemaVersion(tx *sql.Tx) (int, error) {
	var v int
	if err := tx.QueryRow(`SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read the schema version: %w", err)
	}
	return v, nil
}

// Export writes every row of db to w as a gzip'd export file, from one read
// snapshot: a server may go on serving meanwhile, and the file is the
// database as it was when the export began. Rows stream from the database
// to w; nothing holds a table in memory.
func Export(ctx context.Context, db *sqlstore.DB, w io.Writer) (*Stats, error) {
	st := &Stats{}
	err := db.Read(ctx, func(tx *sql.Tx) error {
		v, err := schemaVersion(tx)
		if err != nil {
			return err
		}
		st.SchemaVersion = v
		cat, err := readCatalog(tx, db.Postgres)
		if err != nil {
			return err
		}
		order, err := cat.loadOrder()
		if err != nil {
			return err
		}
		h := Header{Format: formatName, Version: formatVersion, SchemaVersion: v,
			CreatedAt: time.Now().UTC().Format(time.RFC3339), Source: dialect(db)}
		for _, name := range order {
			h.Tables = append(h.Tables, Table{Name: name, Columns: cat.tables[name].Columns})
		}
		gz := gzip.NewWriter(w)
		bw := bufio.NewWriterSize(gz, 1<<16)
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(h); err != nil {
			return err
		}
		for _, name := range order {
			n, err := exportTable(ctx, tx, cat.tables[name], enc)
			if err != nil {
				return fmt.Errorf("export table %s: %w", name, err)
			}
			st.Tables++
			st.Rows += n
		}
		if err := enc.Encode(trailer{Done: true, Tables: st.Tables, Rows: st.Rows}); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		return gz.Close()
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// exportTable writes one table's rows, ordered by primary key so that two
// exports of the same data are the same lines.
func exportTable(ctx context.Context, tx *sql.Tx, t *tableInfo, enc *json.Encoder) (int64, error) {
	if err := enc.Encode(tableStart{Table: t.Name}); err != nil {
		return 0, err
	}
	q := `SELECT ` + quoteAll(t.Columns) + ` FROM ` + quote(t.Name)
	if len(t.Key) > 0 {
		q += ` ORDER BY ` + quoteAll(t.Key)
	}
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	vals := make([]any, len(t.Columns))
	ptrs := make([]any, len(t.Columns))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	out := make([]any, len(t.Columns))
	var n int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		n++
		for i, v := range vals {
			ev, err := encodeValue(v)
			if err != nil {
				return n, fmt.Errorf("row %d, column %s: %w", n, t.Columns[i], err)
			}
			out[i] = ev
		}
		if err := enc.Encode(out); err != nil {
			return n, err
		}
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	return n, enc.Encode(tableEnd{End: t.Name, Rows: n})
}

// encodeValue turns a value scanned from either database into its JSON
// form; the types are those both drivers return for the schema's column
// types (INTEGER/BIGINT, TEXT, REAL/DOUBLE PRECISION, BLOB/BYTEA).
func encodeValue(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case int64:
		return x, nil
	case string:
		if !utf8.ValidString(x) {
			return map[string]string{"s": base64.StdEncoding.EncodeToString([]byte(x))}, nil
		}
		return x, nil
	case float64:
		return map[string]string{"f": strconv.FormatFloat(x, 'g', -1, 64)}, nil
	case []byte:
		return map[string]string{"b": base64.StdEncoding.EncodeToString(x)}, nil
	}
	return nil, fmt.Errorf("a value of type %T, which the export format does not carry", v)
}

// decodeValue is encodeValue's inverse, for a value read with UseNumber.
func decodeValue(raw any) (any, error) {
	switch x := raw.(type) {
	case nil:
		return nil, nil
	case json.Number:
		n, err := strconv.ParseInt(string(x), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s is not a 64-bit integer (floats are written {\"f\":...})", x)
		}
		return n, nil
	case string:
		return x, nil
	case map[string]any:
		if len(x) != 1 {
			return nil, errors.New("a tagged value has exactly one of f, b, s")
		}
		for k, v := range x {
			s, ok := v.(string)
			if !ok {
				return nil, fmt.Errorf("tagged value %q is not a string", k)
			}
			switch k {
			case "f":
				f, err := strconv.ParseFloat(s, 64)
				if err != nil {
					return nil, fmt.Errorf("float %q: %w", s, err)
				}
				return f, nil
			case "b", "s":
				b, err := base64.StdEncoding.DecodeString(s)
				if err != nil {
					return nil, fmt.Errorf("base64 of %q: %w", k, err)
				}
				if k == "s" {
					return string(b), nil
				}
				return b, nil
			}
			return nil, fmt.Errorf("unknown value tag %q", k)
		}
	}
	return nil, fmt.Errorf("unexpected JSON value %v", raw)
}
