package directory

import (
	"fmt"
	"sort"
	"strings"

	"zsc/schema"
)

// RowError is one problem in a directory file, located the way the office
// sees it in a spreadsheet. It has the shape of planimport.RowError, so that
// the HTTP layer answers both imports alike.
type RowError struct {
	Row     int    `json:"row"`              // 1-based CSV line, the header being line 1; 0 for the file as a whole
	Column  string `json:"column,omitempty"` // the column's header name, e.g. "uscc"
	Message string `json:"message"`
}

// Error formats the problem as "row 12, uscc: message".
func (e RowError) Error() string {
	switch {
	case e.Row > 0 && e.Column != "":
		return fmt.Sprintf("row %d, %s: %s", e.Row, e.Column, e.Message)
	case e.Row > 0:
		return fmt.Sprintf("row %d: %s", e.Row, e.Message)
	case e.Column != "":
		return fmt.Sprintf("%s: %s", e.Column, e.Message)
	default:
		return e.Message
	}
}

// Errors is every problem found in one file, in row order. An import with
// any of them writes nothing, so the office gets the whole list at once.
type Errors []RowError

// Error summarises the list; callers that show the problems to a user range
// over the slice instead.
func (es Errors) Error() string {
	switch len(es) {
	case 0:
		return "no errors"
	case 1:
		return es[0].Error()
	}
	const shown = 5
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems in the directory file: ", len(es))
	for i, e := range es {
		if i == shown {
			fmt.Fprintf(&b, "; and %d more", len(es)-shown)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// MaxErrors bounds the list. A wrong file (say, a million rows whose region
// column is shifted) then gives a readable answer of MaxErrors entries and a
// last one saying how many more there were, rather than a million lines.
const MaxErrors = 1000

// MaxSize is the largest file the parsers read. A row of the synthetic
// entity directory averages 150–200 bytes, so this is about a million
// entities; a larger directory is imported in parts (by region, say).
const MaxSize = 200 << 20

// maxSize is MaxSize, lowered by tests.
var maxSize int64 = MaxSize

// ErrTooLarge is returned, alone, for input longer than MaxSize.
var ErrTooLarge = &schema.Error{Code: schema.ETOOLARGE, Message: fmt.Sprintf("directory file larger than %d MB", MaxSize>>20)}

// collector gathers row errors in the order they are found, up to MaxErrors.
type collector struct {
	list    Errors
	dropped int
}

func (c *collector) add(row int, column, format string, args ...any) {
	if len(c.list) >= MaxErrors {
		c.dropped++
		return
	}
	c.list = append(c.list, RowError{Row: row, Column: column, Message: fmt.Sprintf(format, args...)})
}

// err returns the collected errors sorted by row, or nil.
func (c *collector) err() error {
	if len(c.list) == 0 {
		return nil
	}
	sort.SliceStable(c.list, func(i, j int) bool { return c.list[i].Row < c.list[j].Row })
	if c.dropped > 0 {
		c.list = append(c.list, RowError{Message: fmt.Sprintf("and %d more problems not listed (stopped after %d)", c.dropped, MaxErrors)})
	}
	return c.list
}
