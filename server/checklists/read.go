package checklists

import (
	"errors"
	"io"

	"zsc/schema"
	"zsc/server/tablefile"
)

// MaxSize is the largest file Parse accepts, in bytes. A department's whole
// set of templates (a few thousand check points) is a few hundred kB as TSV;
// 5 MiB leaves room for XLSX styling while keeping a wrong or hostile upload
// from eating the server's memory.
const MaxSize = 5 << 20

// maxRows bounds the non-blank rows read: every template of every
// department of the city is a few thousand points.
const maxRows = 50000

// maxColumns bounds the cells kept per row: the header has 11 columns, and a
// few more let the parser name the extra ones.
const maxColumns = 32

// readTable reads the upload into rows with the checklists' limits.
func readTable(r io.Reader, filename string) (*tablefile.Table, error) {
	t, err := tablefile.Read(r, filename, tablefile.Limits{MaxBytes: MaxSize, MaxRows: maxRows, MaxColumns: maxColumns, Kind: "检查表"})
	if err != nil {
		return nil, tableError(err)
	}
	return t, nil
}

// tableError turns the reader's error into the row errors every upload
// answers with.
func tableError(err error) error {
	var te *tablefile.Error
	if errors.As(err, &te) {
		return schema.RowErrors{{Row: te.Row, Message: te.Message}}
	}
	return fileError("无法读取文件")
}
