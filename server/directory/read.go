package directory

import (
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
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

// readTable reads a CSV file of the given columns: a header, then data
// rows, each handed to fn. Problems of the file's shape (missing or unknown
// columns, cell counts, CSV syntax) go to c. The returned error is fatal:
// ErrTooLarge or a read error.
func readTable(r io.Reader, spec []column, c *collector, fn func(row)) error {
	lr := &limitReader{r: r, left: maxSize}
	cr := csv.NewReader(lr)
	cr.FieldsPerRecord = -1 // counted here, to report it our way
	cr.LazyQuotes = true    // a stray " in a name, as spreadsheets export it, is kept as text
	cr.ReuseRecord = true

	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return ErrTooLarge
		}
		if err == io.EOF {
			c.add(0, "", "empty file: no header row")
			return nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			c.add(pe.StartLine, "", "header: %v", pe.Err)
			return nil
		}
		return err
	}
	headerLine, _ := cr.FieldPos(0)
	idx, width, ok := mapHeader(header, headerLine, spec, c)
	if !ok {
		return nil
	}

	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if errors.Is(err, ErrTooLarge) {
				return ErrTooLarge
			}
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				c.add(pe.StartLine, "", "%v", pe.Err)
				continue
			}
			return err
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		if len(rec) != width && !(len(rec) > width && blank(rec[width:])) {
			c.add(line, "", "the row has %d cells, the header has %d", len(rec), width)
			continue
		}
		fn(row{line: line, cells: rec, idx: idx})
	}
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
			c.add(line, h, "unknown column; the columns are %s", names(spec))
			ok = false
		case idx[j] >= 0:
			c.add(line, spec[j].name, "the column appears twice")
			ok = false
		default:
			idx[j] = i
		}
	}
	for j, col := range spec {
		if col.required && idx[j] < 0 {
			c.add(line, col.name, "missing column")
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
