// Package tabletest writes tables in the formats tablefile reads, so that the
// importers' tests can check that one table reads alike whatever program
// saved it.
package tabletest

import (
	"bytes"
	"encoding/csv"
	"os"
	"strings"
	"testing"
	"unicode"

	"github.com/xuri/excelize/v2"
)

// ReadTSV reads a TSV file (as testdata's tables are written: LF line ends,
// no quoting) into rows of cells.
func ReadTSV(tb testing.TB, path string) [][]string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var rows [][]string
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		rows = append(rows, strings.Split(line, "\t"))
	}
	return rows
}

// TSV writes rows tab-separated, one line each.
func TSV(rows [][]string) []byte {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, "\t") + "\n")
	}
	return []byte(b.String())
}

// CSV writes rows with encoding/csv, the way another program would export
// the table.
func CSV(tb testing.TB, rows [][]string) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(rows); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// XLSX builds a one-sheet workbook with excelize, one spreadsheet row per
// row, so that row numbers match the source.
func XLSX(tb testing.TB, rows [][]string) []byte {
	tb.Helper()
	return Workbook(tb, rows, nil)
}

// Workbook is XLSX, then calls edit (if not nil) on the workbook before it is
// written, to merge cells or set far-away ones.
func Workbook(tb testing.TB, rows [][]string, edit func(f *excelize.File) error) []byte {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cells := make([]any, len(r))
		for j, c := range r {
			cells[j] = c
		}
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			tb.Fatal(err)
		}
		if err := f.SetSheetRow("Sheet1", cell, &cells); err != nil {
			tb.Fatal(err)
		}
	}
	if edit != nil {
		if err := edit(f); err != nil {
			tb.Fatal(err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// HasHan reports whether s has a Chinese character: every message an
// importer gives is for an office worker who reads Chinese.
func HasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}
