package planimport

import (
	"fmt"
	"sort"

	"zsc/schema"
)

// RowError is one problem in the table (R1); the type is shared with the
// directory imports so the HTTP layer answers all uploads alike.
type RowError = schema.RowError

// Errors is every problem found in one table; an import with any of them writes nothing (R1).
type Errors = schema.RowErrors

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
		c.list = append(c.list, RowError{Row: row, Message: fmt.Sprintf("问题过多，只列出前 %d 处", maxErrors)})
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
