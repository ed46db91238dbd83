package directory

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"zsc/server/tablefile"
)

// column describes one column of a file format.
type column struct {
	name     string   // the header name, as written by Record
	required bool     // the header must have it
	aliases  []string // other accepted header names, e.g. the Chinese ones
}

// row gives a parser the cells of one data row by column number (the index
// into the spec), trimmed; an absent optional column reads as "".
type row struct {
	line  int
	cells []string
	idx   []int // spec column -> record index, or -1
}

func (r row) get(col int) string {
	i := r.idx[col]
	if i < 0 || i >= len(r.cells) {
		return ""
	}
	return strings.TrimSpace(r.cells[i])
}

// source yields the records of a table: its cells and the file row of each,
// io.EOF at the end. A *csv.ParseError is a problem of one row, reported
// and skipped; any other error is fatal.
type source interface {
	next() (cells []string, line int, err error)
}

// csvSource streams a UTF-8 CSV file, so that a million-row directory is
// never held in memory as text and cells at once.
type csvSource struct{ cr *csv.Reader }

func newCSVSource(r io.Reader) *csvSource {
	cr := csv.NewReader(&limitReader{r: r, left: maxSize})
	cr.FieldsPerRecord = -1 // counted here, to report it our way
	cr.LazyQuotes = true    // a stray " in a name, as spreadsheets export it, is kept as text
	cr.ReuseRecord = true
	return &csvSource{cr: cr}
}

func (s *csvSource) next() ([]string, int, error) {
	rec, err := s.cr.Read()
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, 0, ErrTooLarge
		}
		return nil, 0, err
	}
	line, _ := s.cr.FieldPos(0)
	return rec, line, nil
}

// tableSource walks a table read whole by tablefile (XLSX, TSV, or text
// not in UTF-8).
type tableSource struct {
	recs []tablefile.Record
	i    int
}

func (s *tableSource) next() ([]string, int, error) {
	if s.i >= len(s.recs) {
		return nil, 0, io.EOF
	}
	r := s.recs[s.i]
	s.recs[s.i].Cells = nil // handed over: let the parsed rows be the only copy
	s.i++
	return r.Cells, r.Row, nil
}

// readTable reads a CSV file of the given columns: a header, then data
// rows, each handed to fn. Problems of the file's shape (missing or unknown
// columns, cell counts, CSV syntax) go to c. The returned error is fatal:
// ErrTooLarge or a read error.
func readTable(r io.Reader, spec []column, c *collector, fn func(row)) error {
	return readSource(newCSVSource(r), spec, c, fn)
}

func readSource(src source, spec []column, c *collector, fn func(row)) error {
	header, headerLine, err := src.next()
	if err != nil {
		if err == io.EOF {
			c.add(0, "", "文件是空的：没有表头行")
			return nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			c.add(pe.StartLine, "", "表头：%s", csvProblem(pe))
			return nil
		}
		return err
	}
	idx, width, ok := mapHeader(header, headerLine, spec, c)
	if !ok {
		return nil
	}

	for {
		rec, line, err := src.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				c.add(pe.StartLine, "", "%s", csvProblem(pe))
				continue
			}
			return err
		}
		if blank(rec) {
			continue
		}
		if len(rec) != width && !(len(rec) > width && blank(rec[width:])) {
			c.add(line, "", "这一行有 %d 个单元格，表头有 %d 个", len(rec), width)
			continue
		}
		fn(row{line: line, cells: rec, idx: idx})
	}
}

// csvProblem says in Chinese what is wrong with a CSV line.
func csvProblem(pe *csv.ParseError) string {
	switch {
	case errors.Is(pe.Err, csv.ErrQuote), errors.Is(pe.Err, csv.ErrBareQuote):
		return "引号不成对，请检查该行的双引号"
	case errors.Is(pe.Err, csv.ErrFieldCount):
		return "单元格个数与表头不一致"
	}
	return "无法按 CSV 读取这一行"
}

// Open returns the records of an uploaded directory file. A UTF-8 CSV (by
// name or, without a telling name, by content) is streamed; an XLSX
// workbook, a TSV file, or text in GB18030 or UTF-16 is read by tablefile,
// the one reader of the other importers. The problem with a file that is
// none of these is an *schema.Error in Chinese.
func open(data []byte, filename string) (source, error) {
	ext := strings.ToLower(filepath.Ext(filename))
	isZip := bytes.HasPrefix(data, []byte("PK\x03\x04"))
	if !isZip && ext != ".xlsx" && ext != ".xlsm" && ext != ".tsv" && ext != ".tab" && ext != ".txt" && utf8.Valid(data) {
		if tabs, commas := sniffLine(data); ext == ".csv" || commas > 0 || tabs == 0 {
			return newCSVSource(bytes.NewReader(data)), nil
		}
	}
	if int64(len(data)) > maxSize {
		return nil, ErrTooLarge
	}
	t, err := tablefile.Read(bytes.NewReader(data), filename, tablefile.Limits{MaxBytes: int(maxSize), MaxRows: maxRows, MaxColumns: 64, Kind: "名录文件"})
	if err != nil {
		var te *tablefile.Error
		if errors.As(err, &te) {
			return nil, Errors{{Row: te.Row, Message: te.Message}}
		}
		return nil, err
	}
	return &tableSource{recs: t.Records}, nil
}

// maxRows bounds the rows of a file read whole (XLSX, TSV): a directory of
// MaxSize bytes has about a million.
const maxRows = 1_200_000

// sniffLine counts tabs and commas in the first line, the header.
func sniffLine(data []byte) (tabs, commas int) {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	return bytes.Count(line, []byte("\t")), bytes.Count(line, []byte(","))
}

// mapHeader finds each spec column in the header. It reports missing
// required columns, unknown and repeated ones. width is the number of
// header cells up to the last non-empty one: spreadsheets often add empty
// trailing columns.
func mapHeader(header []string, line int, spec []column, c *collector) (idx []int, width int, ok bool) {
	idx = make([]int, len(spec))
	for i := range idx {
		idx[i] = -1
	}
	byName := make(map[string]int)
	for i, col := range spec {
		byName[col.name] = i
		for _, a := range col.aliases {
			byName[strings.ToLower(a)] = i
		}
	}
	ok = true
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" {
			continue
		}
		width = i + 1
		j, known := byName[h]
		switch {
		case !known:
			c.add(line, h, "未知的列；可用的列为 %s", names(spec))
			ok = false
		case idx[j] >= 0:
			c.add(line, spec[j].name, "这一列出现了两次")
			ok = false
		default:
			idx[j] = i
		}
	}
	for j, col := range spec {
		if col.required && idx[j] < 0 {
			c.add(line, col.name, "缺少这一列")
			ok = false
		}
	}
	return idx, width, ok
}

func names(spec []column) string {
	s := make([]string, len(spec))
	for i, col := range spec {
		s[i] = col.name
	}
	return strings.Join(s, ",")
}

func blank(cells []string) bool {
	for _, s := range cells {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}

// splitList splits a list cell on | or ｜, trimming and dropping empty and
// repeated values. It returns nil for an empty cell.
func splitList(s string) []string {
	if s == "" {
		return nil
	}
	if !strings.ContainsAny(s, "|｜") {
		return []string{s}
	}
	var out []string
	var seen map[string]bool // only for long lists, which a linear check would make quadratic
	for _, v := range strings.FieldsFunc(s, func(r rune) bool { return r == '|' || r == '｜' }) {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if seen == nil && len(out) == 16 {
			seen = make(map[string]bool)
			for _, w := range out {
				seen[w] = true
			}
		}
		if seen != nil {
			if seen[v] {
				continue
			}
			seen[v] = true
		} else if slices.Contains(out, v) {
			continue
		}
		out = append(out, v)
	}
	return out
}

// limitReader reads at most left bytes from r and fails with ErrTooLarge on
// the byte after, so that an oversized upload is refused instead of being
// parsed in part.
type limitReader struct {
	r    io.Reader
	left int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, ErrTooLarge
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return 0, ErrTooLarge
	}
	return n, err
}

// collect gathers rows in chunks and copies them once into a slice of the
// right length at the end. Appending to one slice instead copies a
// million-row directory about five times as it grows (most of the parse time
// in a profile) and leaves the slack of the last growth.
type collect[T any] struct {
	chunks [][]T
	n      int
}

func (c *collect[T]) add(v T) {
	if len(c.chunks) == 0 || len(c.chunks[len(c.chunks)-1]) == cap(c.chunks[len(c.chunks)-1]) {
		size := 64
		if len(c.chunks) > 0 {
			size = min(2*cap(c.chunks[len(c.chunks)-1]), 1<<16)
		}
		c.chunks = append(c.chunks, make([]T, 0, size))
	}
	last := &c.chunks[len(c.chunks)-1]
	*last = append(*last, v)
	c.n++
}

// slice returns the rows in order, never nil, releasing the chunks.
func (c *collect[T]) slice() []T {
	out := make([]T, 0, c.n)
	for i, ch := range c.chunks {
		out = append(out, ch...)
		c.chunks[i] = nil
	}
	c.chunks = nil
	return out
}
