package planimport

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// MaxSize is the largest file Parse accepts, in bytes: the 2024 table is 42 kB as TSV, so 5 MiB leaves room for any
// real plan table (and its XLSX styling) while keeping a wrong or hostile upload from eating the server's memory.
const MaxSize = 5 << 20

// record is one row of the table as read, before any interpretation.
type record struct {
	row   int // 1-based, as a spreadsheet shows it
	cells []string
}

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1} // legacy .xls, .doc
)

// readAll reads the whole input, rejecting it once it passes MaxSize rather than after buffering it all.
func readAll(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fileError("cannot read the file: %v", err)
	}
	if len(data) > MaxSize {
		return nil, fileError("the file is larger than %d MiB; a plan table is far smaller, so this is probably not one", MaxSize>>20)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fileError("the file is empty")
	}
	return data, nil
}

// readTable turns the file into rows. The content decides first (a zip is an XLSX whatever its name says, because
// browsers and users rename files); the extension then chooses between CSV and TSV, and sniffing the separator
// settles the rest (.txt, no extension).
func readTable(data []byte, filename string) ([]record, error) {
	ext := strings.ToLower(filepath.Ext(filename))
	switch {
	case bytes.HasPrefix(data, zipMagic):
		return readXLSX(data)
	case bytes.HasPrefix(data, oleMagic):
		return nil, fileError("this is a legacy Excel 97–2003 (.xls) or other Office binary file; save it as .xlsx, .csv or .tsv")
	case ext == ".xlsx" || ext == ".xlsm":
		return nil, fileError("the file is named %s but is not an XLSX workbook", ext)
	}
	text, err := decodeText(data)
	if err != nil {
		return nil, err
	}
	switch ext {
	case ".csv":
		return readCSV(text)
	case ".tsv", ".tab":
		return readTSV(text), nil
	}
	tabs, commas := sniff(text)
	switch {
	case tabs > 0 && tabs >= commas:
		return readTSV(text), nil
	case commas > 0:
		return readCSV(text)
	}
	return nil, fileError("cannot tell the format of %q: expected an .xlsx workbook or a tab- or comma-separated table", filename)
}

// sniff counts tabs and commas in the first lines, where the header is.
func sniff(text string) (tabs, commas int) {
	for i, line := range strings.SplitN(text, "\n", 31) {
		if i == 30 {
			break
		}
		tabs += strings.Count(line, "\t")
		commas += strings.Count(line, ",")
	}
	return tabs, commas
}

// decodeText returns the file as UTF-8 text. Besides UTF-8 (with or without BOM) it accepts what Excel on a Chinese
// Windows writes: "CSV" in GBK/GB18030 and "Unicode text" (.txt, tab-separated) in UTF-16 with a BOM. Text with
// control characters other than tab, line breaks and form feed (which PDF extractions emit at page breaks) is
// rejected as binary, so that an image or a zip fragment is not read as one very odd row.
func decodeText(data []byte) (string, error) {
	var text string
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		text = string(data[3:])
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		dec := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
		b, err := dec.Bytes(data)
		if err != nil {
			return "", fileError("the file starts with a UTF-16 mark but is not UTF-16 text")
		}
		text = string(b)
	case utf8.Valid(data):
		text = string(data)
	case bytes.IndexByte(data, 0) >= 0:
		return "", fileError("this is a binary file, not a table: expected .xlsx, .csv or .tsv")
	default:
		b, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err != nil || !utf8.Valid(b) {
			return "", fileError("the text is neither UTF-8 nor GB18030")
		}
		text = string(b)
	}
	for _, r := range text {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\f' && r != '\v') || r == 0x7F {
			return "", fileError("this is a binary file, not a table (control byte %#02x): expected .xlsx, .csv or .tsv", r)
		}
	}
	return text, nil
}

// readTSV splits lines on tabs; the TSV of testdata has no quoting, and a tab never occurs inside a cell.
func readTSV(text string) []record {
	lines := strings.Split(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	out := make([]record, 0, len(lines))
	for i, line := range lines {
		line = strings.TrimSuffix(line, "\r")
		out = append(out, record{row: i + 1, cells: strings.Split(line, "\t")})
	}
	return out
}

// readCSV reads CSV leniently (Excel's CSV is not always RFC 4180). A quoted cell may span lines, which a spreadsheet
// shows as one row, so rows are counted as records plus the blank lines the reader skips, not as text lines.
func readCSV(text string) ([]record, error) {
	cr := csv.NewReader(strings.NewReader(text))
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	var (
		out   []record
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
				return nil, Errors{{Row: pe.StartLine - extra, Message: fmt.Sprintf("cannot read the CSV: %v", pe.Err)}}
			}
			return nil, fileError("cannot read the CSV: %v", err)
		}
		start, _ := cr.FieldPos(0)
		last, _ := cr.FieldPos(len(cells) - 1)
		end := last + strings.Count(cells[len(cells)-1], "\n")
		out = append(out, record{row: start - extra, cells: cells})
		extra += end - start
	}
}

// readXLSX reads the first sheet. Merged cells come back with their value in the top-left cell only, which is
// exactly the continuation-row layout of 附件1. Decompression is capped, and a panic inside the library on a
// malformed workbook is turned into an error, because Parse must never bring the server down.
func readXLSX(data []byte) (recs []record, err error) {
	defer func() {
		if p := recover(); p != nil {
			recs, err = nil, fileError("cannot read the XLSX workbook (malformed)")
		}
	}()
	const unzipLimit = 64 << 20
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: unzipLimit, UnzipXMLSizeLimit: unzipLimit})
	if err != nil {
		return nil, fileError("cannot read the XLSX workbook: %v", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fileError("the XLSX workbook has no sheet")
	}
	rows, err := f.GetRows(sheets[0])
	if err != nil {
		return nil, fileError("cannot read sheet %q of the XLSX workbook: %v", sheets[0], err)
	}
	recs = make([]record, len(rows))
	for i, cells := range rows {
		recs[i] = record{row: i + 1, cells: cells}
	}
	return recs, nil
}
