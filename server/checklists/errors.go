package checklists

import (
	"fmt"
	"sort"

	"zsc/schema"
)

// maxErrors bounds the list, so that a wrong file (say, the plan table
// uploaded as a checklist) gives a readable answer rather than thousands of
// lines.
const maxErrors = 200

// collector gathers row errors in the order they are found.
type collector struct {
	list schema.RowErrors
	full bool
}

func (c *collector) add(row int, column, format string, args ...any) {
	if c.full {
		return
	}
	if len(c.list) == maxErrors {
		c.list = append(c.list, schema.RowError{Row: row, Message: fmt.Sprintf("错误过多，只列出前 %d 处", maxErrors)})
		c.full = true
		return
	}
	c.list = append(c.list, schema.RowError{Row: row, Column: column, Message: fmt.Sprintf(format, args...)})
}

// Sort orders errors by row, keeping the order they were found in within a
// row; checks made after the scan (by the store) point back to earlier rows.
func Sort(es schema.RowErrors) {
	sort.SliceStable(es, func(i, j int) bool { return es[i].Row < es[j].Row })
}

// fileError is a problem with the file as a whole (size, format, header).
func fileError(format string, args ...any) error {
	return schema.RowErrors{{Message: fmt.Sprintf(format, args...)}}
}
