package directory

import (
	"fmt"
	"sort"

	"zsc/schema"
)

// RowError is one problem in a directory file (the header being row 1); the
// type is shared with the plan importer so the HTTP layer answers both alike.
type RowError = schema.RowError

// Errors is every problem found in one file, in row order; an import with any
// of them writes nothing.
type Errors = schema.RowErrors

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
var ErrTooLarge = &schema.Error{Code: schema.ETOOLARGE, Message: fmt.Sprintf("名录文件超过 %d MB，请分区县导入", MaxSize>>20)}

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
		c.list = append(c.list, RowError{Message: fmt.Sprintf("另有 %d 处问题未列出（只列出前 %d 处）", c.dropped, MaxErrors)})
	}
	return c.list
}
