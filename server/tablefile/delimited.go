package tablefile

import (
	"encoding/csv"
	"errors"
	"io"
	"strings"
)

// readTSV splits lines on tabs, without quoting: Excel's "Unicode text" and
// the tables extracted from PDFs are written so, and a tab never occurs inside
// a cell (a quote is just a character). Blank lines are counted but not kept,
// so that a file of empty lines costs no memory.
func readTSV(text string, lim Limits) ([]Record, error) {
	var out []Record
	for i := 0; text != ""; i++ {
		line, rest, _ := strings.Cut(text, "\n")
		text = rest
		line = strings.TrimSuffix(line, "\r")
		cells := capCells(strings.SplitN(line, "\t", lim.MaxColumns+1), lim.MaxColumns)
		if blank(cells) {
			continue
		}
		if len(out) == lim.MaxRows {
			return nil, tooManyRows(lim)
		}
		out = append(out, Record{Row: i + 1, Cells: cells})
	}
	return out, nil
}

// readCSV reads CSV leniently (Excel's CSV is not always RFC 4180). A quoted
// cell may span lines, which a spreadsheet shows as one row, so rows are
// counted as records plus the blank lines the reader skips, not as lines.
func readCSV(text string, lim Limits) ([]Record, error) {
	cr := csv.NewReader(strings.NewReader(text))
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	var (
		out   []Record
		extra int // lines taken up by line breaks inside quoted cells so far
	)
	for {
		cells, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, rowError(pe.StartLine-extra, "无法读取 CSV：引号不成对")
			}
			return nil, fileError("无法读取 CSV 文件")
		}
		start, _ := cr.FieldPos(0)
		last, _ := cr.FieldPos(len(cells) - 1)
		end := last + strings.Count(cells[len(cells)-1], "\n")
		row := start - extra
		extra += end - start
		cells = capCells(cells, lim.MaxColumns)
		if blank(cells) {
			continue
		}
		if len(out) == lim.MaxRows {
			return nil, tooManyRows(lim)
		}
		out = append(out, Record{Row: row, Cells: cells})
	}
}
