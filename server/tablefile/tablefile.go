// Package tablefile reads an uploaded table — XLSX, CSV or TSV, in UTF-8,
// GB18030 or UTF-16 — into rows with their spreadsheet row numbers, bounded in
// size, rows and columns.
//
// It is the one reader behind the importers of the plan table (附件1) and of
// the checklists (检查表): they differ in what a row means, not in how a file
// becomes rows. Whatever goes wrong is an *Error with a Chinese message for the
// person who uploaded the file, never a panic, because the reader runs inside
// the server on whatever a browser sends.
package tablefile

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// Limits bound what Read accepts, so that a wrong or hostile upload cannot eat
// the server's memory. Every number must be positive.
type Limits struct {
	MaxBytes   int // the file's size
	MaxRows    int // non-blank rows kept; blank rows are counted for row numbers but not kept
	MaxColumns int // cells kept per row; cells to the right of them are dropped unseen
	// Kind names the table in messages, as in "文件超过 5 MB，不像是检查表";
	// empty reads as 要导入的表格.
	Kind string
}

// Format is what the file turned out to be.
type Format string

// The formats Read understands.
const (
	XLSX Format = "xlsx" // the first sheet of an Excel 2007+ workbook
	CSV  Format = "csv"  // comma-separated, quoting as Excel writes it
	TSV  Format = "tsv"  // tab-separated without quoting, as Excel's "Unicode text" and PDF extractions are
)

// Record is one non-blank row of the table as read, before any interpretation.
type Record struct {
	Row   int      // 1-based, as a spreadsheet shows it
	Cells []string // at most Limits.MaxColumns, trailing empty cells possibly left out
}

// Table is a file read as rows.
type Table struct {
	Format  Format
	Records []Record // the non-blank rows, in file order
}

// Error is a problem reading the table. Row is the spreadsheet row it is on,
// 0 for the file as a whole; Message is in Chinese.
type Error struct {
	Row     int
	Message string
}

func (e *Error) Error() string {
	if e.Row > 0 {
		return fmt.Sprintf("第 %d 行：%s", e.Row, e.Message)
	}
	return e.Message
}

// fileError is a problem with the file as a whole.
func fileError(format string, args ...any) error {
	return &Error{Message: fmt.Sprintf(format, args...)}
}

// rowError is a problem on one row.
func rowError(row int, format string, args ...any) error {
	return &Error{Row: row, Message: fmt.Sprintf(format, args...)}
}

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1} // legacy .xls, .doc
)

// Read reads a table. The content decides first (a zip is an XLSX whatever its
// name says, because browsers and users rename files); the extension of
// filename then chooses between CSV and TSV, and counting separators in the
// first lines settles the rest (.txt, no extension). The error, if any, is an
// *Error.
func Read(r io.Reader, filename string, lim Limits) (*Table, error) {
	if lim.MaxBytes <= 0 || lim.MaxRows <= 0 || lim.MaxColumns <= 0 {
		panic("tablefile: every limit must be positive") // a programming error, caught by any test of the importer
	}
	data, err := readAll(r, lim)
	if err != nil {
		return nil, err
	}
	format, text, err := detect(data, strings.ToLower(filepath.Ext(filename)))
	if err != nil {
		return nil, err
	}
	var recs []Record
	switch format {
	case XLSX:
		recs, err = readXLSX(data, lim)
	case CSV:
		recs, err = readCSV(text, lim)
	case TSV:
		recs, err = readTSV(text, lim)
	}
	if err != nil {
		return nil, err
	}
	return &Table{Format: format, Records: recs}, nil
}

// detect tells the format of the file, and for a text format decodes it.
func detect(data []byte, ext string) (Format, string, error) {
	switch {
	case bytes.HasPrefix(data, zipMagic):
		return XLSX, "", nil
	case bytes.HasPrefix(data, oleMagic):
		return "", "", fileError("这是旧版 Excel 97–2003（.xls）或其他 Office 二进制文件，请另存为 .xlsx、.csv 或 .tsv")
	case ext == ".xlsx" || ext == ".xlsm":
		return "", "", fileError("文件名是 %s，内容却不是 XLSX 工作簿", ext)
	}
	text, err := decodeText(data)
	if err != nil {
		return "", "", err
	}
	switch ext {
	case ".csv":
		return CSV, text, nil
	case ".tsv", ".tab":
		return TSV, text, nil
	}
	tabs, commas := sniff(text)
	switch {
	case tabs > 0 && tabs >= commas:
		return TSV, text, nil
	case commas > 0:
		return CSV, text, nil
	}
	return "", "", fileError("无法识别文件格式：请上传 .xlsx 工作簿，或以制表符、逗号分隔的表格（.tsv、.csv）")
}

// kind is how messages name the table.
func (lim Limits) kind() string {
	if lim.Kind == "" {
		return "要导入的表格"
	}
	return lim.Kind
}

// readAll reads the whole input, rejecting it once it passes MaxBytes rather
// than after buffering it all.
func readAll(r io.Reader, lim Limits) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, int64(lim.MaxBytes)+1))
	if err != nil {
		return nil, fileError("无法读取上传的文件，请重新上传")
	}
	if len(data) > lim.MaxBytes {
		return nil, fileError("文件超过 %s，不像是%s", sizeText(lim.MaxBytes), lim.kind())
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fileError("文件是空的")
	}
	return data, nil
}

// sizeText writes a size limit as people say it: 5 MB, 512 KB.
func sizeText(n int) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	if n >= 1<<10 {
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d 字节", n)
}

// tooManyRows is the error for a table with more than MaxRows non-blank rows.
func tooManyRows(lim Limits) error {
	return fileError("表格超过 %d 行，不像是%s", lim.MaxRows, lim.kind())
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

// capCells keeps at most max cells of a row.
func capCells(cells []string, max int) []string {
	if len(cells) > max {
		return cells[:max:max]
	}
	return cells
}
