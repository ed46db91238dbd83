package checklists

import (
	"strings"

	"zsc/server/tablefile"
)

// isSpace and removeSpace read whitespace as the table reader does: Unicode
// spaces (full-width and no-break included), line breaks inside cells, and
// the invisible zero-width space, word joiner and BOM.
var (
	isSpace     = tablefile.IsSpace
	removeSpace = tablefile.RemoveSpace
)

// trimCell strips whitespace around a cell and turns Windows line breaks
// inside it into plain ones, so that the same text typed on two machines
// hashes alike.
func trimCell(s string) string {
	s = strings.TrimFunc(s, isSpace)
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	}
	return s
}

// normCode reads a code as people type it: "２．１" with a Chinese input
// method is "2.1", and spaces inside do not count.
func normCode(s string) string {
	return removeSpace(strings.Map(func(r rune) rune {
		switch {
		case r >= '！' && r <= '～':
			return r - '！' + '!'
		case r == '。':
			return '.'
		}
		return r
	}, s))
}
