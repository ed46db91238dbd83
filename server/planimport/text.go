package planimport

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

// trimCell strips whitespace around a cell.
func trimCell(s string) string { return strings.TrimFunc(s, isSpace) }

// toHalfWidth maps full-width ASCII forms (０-９, ％, （）, ，, ；, …) to ASCII and U+3000 to a space, so that
// numbers typed with a Chinese input method read like any others.
func toHalfWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '！' && r <= '～':
			return r - '！' + '!'
		case r == '\u3000':
			return ' '
		}
		return r
	}, s)
}

// splitAny splits s at any rune of seps, trims the parts and drops empty ones, so that "a；b；" is [a b].
func splitAny(s, seps string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(seps, r) })
	out := parts[:0]
	for _, p := range parts {
		if p = trimCell(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
