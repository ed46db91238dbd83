package planimport

import (
	"fmt"
	"sort"
	"strings"
)

// RowError is one problem in the table, located the way the office sees it in a spreadsheet, so that it can be fixed
// without guessing (R1).
type RowError struct {
	Row     int    `json:"row"`              // 1-based row (line) number; 0 when the problem concerns the whole file
	Column  string `json:"column,omitempty"` // header name of the offending column, e.g. "抽查比例"
	Message string `json:"message"`
}

// Error formats the problem as "row 12, 抽查比例: message".
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

// Errors is every problem found in one table; an import with any of them writes nothing (R1), so the office gets the
// whole list at once instead of fixing one row per upload.
type Errors []RowError

// Error summarises the list; callers that show the problems to a user should range over the slice instead.
func (es Errors) Error() string {
	switch len(es) {
	case 0:
		return "no errors"
	case 1:
		return es[0].Error()
	}
	const shown = 5
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems in the plan table: ", len(es))
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

// maxErrors bounds the list so that a wrong file (say, an entity directory uploaded as a plan table) gives a readable
// answer rather than tens of thousands of lines.
const maxErrors = 200

// collector gathers row errors in the order they are found.
type collector struct {
	list Errors
	full bool
}

func (c *collector) add(row int, column, format string, args ...any) {
	if c.full {
		return
	}
	if len(c.list) == maxErrors {
		c.list = append(c.list, RowError{Row: row, Message: fmt.Sprintf("too many problems; stopped after %d", maxErrors)})
		c.full = true
		return
	}
	c.list = append(c.list, RowError{Row: row, Column: column, Message: fmt.Sprintf(format, args...)})
}

// err returns the collected errors sorted by row (checks made after the scan, such as "no 责任部门", point back to
// earlier rows), or nil.
func (c *collector) err() error {
	if len(c.list) == 0 {
		return nil
	}
	sort.SliceStable(c.list, func(i, j int) bool { return c.list[i].Row < c.list[j].Row })
	return c.list
}

// fileError is a problem with the file as a whole (size, format, header).
func fileError(format string, args ...any) error {
	return Errors{{Message: fmt.Sprintf(format, args...)}}
}
