package planimport

import (
	"errors"
	"io"

	"zsc/server/tablefile"
)

// MaxSize is the largest file Parse accepts, in bytes: the 2024 table is 42 kB as TSV, so 5 MiB leaves room for any
// real plan table (and its XLSX styling) while keeping a wrong or hostile upload from eating the server's memory.
const MaxSize = 5 << 20

// limits bound what Parse reads. The 2024 table of a city is 200 rows of 13 columns; a province's, or a city's with
// every county's plans, is a few thousand rows, and extra columns (联系人, 序列) are named by the header, not counted.
var limits = tablefile.Limits{MaxBytes: MaxSize, MaxRows: 20000, MaxColumns: 64, Kind: "抽查计划表"}

// readTable reads the upload into rows with the plan table's limits.
func readTable(r io.Reader, filename string) ([]tablefile.Record, error) {
	t, err := tablefile.Read(r, filename, limits)
	if err != nil {
		return nil, tableError(err)
	}
	return t.Records, nil
}

// tableError turns the reader's error into the importer's list: a problem with the file as a whole is row 0.
func tableError(err error) error {
	var te *tablefile.Error
	if errors.As(err, &te) {
		return Errors{{Row: te.Row, Message: te.Message}}
	}
	return fileError("无法读取文件")
}
