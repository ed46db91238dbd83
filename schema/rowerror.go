package schema

import (
	"fmt"
	"strings"
)

// RowError is one problem in an uploaded table (the plan table, a directory
// CSV), located the way the office sees it in a spreadsheet, so that it can be
// fixed without guessing.
type RowError struct {
	Row     int    `json:"row"`              // 1-based row (line); 0 when the problem concerns the whole file
	Column  string `json:"column,omitempty"` // the column's header name, e.g. "抽查比例" or "uscc"
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

// RowErrors is every problem found in one table. An import with any of them
// writes nothing, so the office gets the whole list at once instead of fixing
// one row per upload; the HTTP layer answers it as 422 with the list.
type RowErrors []RowError

// Error summarises the list; callers that show the problems to a user range
// over the slice instead.
func (es RowErrors) Error() string {
	switch len(es) {
	case 0:
		return "no errors"
	case 1:
		return es[0].Error()
	}
	const shown = 5
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems: ", len(es))
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
