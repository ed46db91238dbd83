package checklists

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

	"zsc/schema"
)

// MaxSize is the largest file Parse accepts, in bytes. A department's whole
// set of templates (a few thousand check points) is a few hundred kB as TSV;
// 5 MiB leaves room for XLSX styling while keeping a wrong or hostile upload
// from eating the server's memory.
const MaxSize = 5 << 20

// maxRows bounds the non-blank rows read: every template of every
// department of the city is a few thousand points. Blank rows (many
// workbooks carry formatted empty rows to the sheet's end) are counted for
// row numbers but never kept.
const maxRows = 50000

// maxColumns bounds the cells kept per row: the header has 11 columns, and a
// few more let the parser name the extra ones. An XLSX row with a cell in
// column XFD is read as a stream and cut here, never kept at full width.
const maxColumns = 32

// record is one row of the table as read, before any interpretation.
type record struct {
	row   int // 1-based, as a spreadsheet shows it
	cells []string
}

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1} // legacy .xls, .doc
)

// readAll reads the whole input, rejecting it once it passes MaxSize rather
// than after buffering it all.
func readAll(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fileError("无法读取文件：%v", err)
	}
	if len(data) > MaxSize {
		return nil, fileError("文件超过 %d MB，不像是检查表", MaxSize>>20)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fileError("文件是空的")
	}
	return data, nil
}

// readTable turns the file into rows, as the plan importer does: the content
// decides first (a zip is an XLSX whatever its name says, because browsers
// and users rename files); the extension then chooses between CSV and TSV,
// and counting separators settles the rest (.txt, no extension).
func readTable(data []byte, filename string) ([]record, error) {
	ext := strings.ToLower(filepath.Ext(filename))
	switch {
	case bytes.HasPrefix(data, zipMagic):
		return readXLSX(data)
	case bytes.HasPrefix(data, oleMagic):
		return nil, fileError("这是旧版 Excel 97–2003（.xls）或其他 Office 二进制文件，请另存为 .xlsx、.csv 或 .tsv")
	case ext == ".xlsx" || ext == ".xlsm":
		return nil, fileError("文件名是 %s，内容却不是 XLSX 工作簿", ext)
	}
	text, err := decodeText(data)
	if err != nil {
		return nil, err
	}
	var recs []record
	switch ext {
	case ".csv":
		recs, err = readCSV(text)
	case ".tsv", ".tab":
		recs, err = readTSV(text)
	default:
		tabs, commas := sniff(text)
		switch {
		case tabs > 0 && tabs >= commas:
			recs, err = readTSV(text)
		case commas > 0:
			recs, err = readCSV(text)
		default:
			return nil, fileError("无法识别文件格式：请上传 .xlsx 工作簿，或以制表符、逗号分隔的表格（.tsv、.csv）")
		}
	}
	return recs, err
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

// decodeText returns the file as UTF-8 text. Besides UTF-8 (with or without
// BOM) it accepts what Excel on a Chinese Windows writes: CSV in GBK/GB18030
// and "Unicode text" (tab-separated) in UTF-16 with a BOM. Text with control
// characters other than tab, line breaks and form feed is rejected as
// binary, so that an image is not read as one very odd row.
func decodeText(data []byte) (string, error) {
	var text string
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		text = string(data[3:])
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		b, err := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(data)
		if err != nil {
			return "", fileError("文件以 UTF-16 标记开头，内容却不是 UTF-16 文本")
		}
		text = string(b)
	case utf8.Valid(data):
		text = string(data)
	case bytes.IndexByte(data, 0) >= 0:
		return "", fileError("这是二进制文件，不是表格：请上传 .xlsx、.csv 或 .tsv")
	default:
		b, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err != nil || !utf8.Valid(b) {
			return "", fileError("文件编码既不是 UTF-8 也不是 GB18030")
		}
		text = string(b)
	}
	for _, r := range text {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\f' && r != '\v') || r == 0x7F {
			return "", fileError("这是二进制文件，不是表格（含控制字符 %#02x）：请上传 .xlsx、.csv 或 .tsv", r)
		}
	}
	return text, nil
}

// capCells keeps at most maxColumns cells of a row.
func capCells(cells []string) []string {
	if len(cells) > maxColumns {
		return cells[:maxColumns:maxColumns]
	}
	return cells
}

// readTSV splits lines on tabs, without quoting, as testdata's tables are
// written (a tab never occurs inside a cell). Blank lines are counted but not
// kept, so a file of empty lines costs no memory.
func readTSV(text string) ([]record, error) {
	var out []record
	for i := 0; text != ""; i++ {
		line, rest, _ := strings.Cut(text, "\n")
		text = rest
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimFunc(line, func(r rune) bool { return r == '\t' || isSpace(r) }) == "" {
			continue
		}
		if len(out) == maxRows {
			return nil, tooManyRows()
		}
		out = append(out, record{row: i + 1, cells: capCells(strings.SplitN(line, "\t", maxColumns+1))})
	}
	return out, nil
}

// blankCells reports a row with nothing but whitespace.
func blankCells(cells []string) bool {
	for _, c := range cells {
		if strings.TrimFunc(c, isSpace) != "" {
			return false
		}
	}
	return true
}

// tooManyRows is the error for a table with more than maxRows non-blank rows.
func tooManyRows() error {
	return fileError("表格超过 %d 行，不像是检查表", maxRows)
}

// readCSV reads CSV leniently (Excel's CSV is not always RFC 4180). A quoted
// cell may span lines, which a spreadsheet shows as one row, so rows are
// counted as records plus the blank lines the reader skips, not as lines.
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
				return nil, schema.RowErrors{{Row: pe.StartLine - extra, Message: "无法读取 CSV：引号不成对"}}
			}
			return nil, fileError("无法读取 CSV 文件")
		}
		start, _ := cr.FieldPos(0)
		last, _ := cr.FieldPos(len(cells) - 1)
		end := last + strings.Count(cells[len(cells)-1], "\n")
		row := start - extra
		extra += end - start
		if blankCells(cells) {
			continue
		}
		if len(out) == maxRows {
			return nil, tooManyRows()
		}
		out = append(out, record{row: row, cells: capCells(cells)})
	}
}

// readXLSX reads the first sheet as a stream of rows, never the whole sheet
// at once: blank rows are counted but not kept, and each row is cut to
// maxColumns cells, so a workbook with a stray cell far away costs nothing.
// Decompression is capped, and a panic inside the library on a malformed
// workbook is turned into an error, because Parse must never bring the
// server down. Merged cells keep their value in the top-left cell only.
func readXLSX(data []byte) (recs []record, err error) {
	defer func() {
		if p := recover(); p != nil {
			recs, err = nil, fileError("无法读取 XLSX 工作簿（文件已损坏）")
		}
	}()
	const unzipLimit = 64 << 20
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: unzipLimit, UnzipXMLSizeLimit: unzipLimit})
	if err != nil {
		return nil, fileError("无法读取 XLSX 工作簿（文件已损坏、过大或不是 XLSX）")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fileError("XLSX 工作簿中没有工作表")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, fileError("无法读取工作表“%s”", sheets[0])
	}
	defer rows.Close()
	for n := 1; rows.Next(); n++ {
		cells, err := rows.Columns()
		if err != nil {
			return nil, schema.RowErrors{{Row: n, Message: fmt.Sprintf("无法读取工作表“%s”的这一行", sheets[0])}}
		}
		if blankCells(cells) {
			continue // formatted but empty rows run to the sheet's end in many workbooks
		}
		if len(recs) == maxRows {
			return nil, tooManyRows()
		}
		// A copy, so that the library's wide row is not kept alive by a slice of it.
		kept := append([]string(nil), capCells(cells)...)
		recs = append(recs, record{row: n, cells: kept})
	}
	if err := rows.Error(); err != nil {
		return nil, fileError("无法读取工作表“%s”（行数超出 Excel 上限或文件已损坏）", sheets[0])
	}
	return recs, nil
}
