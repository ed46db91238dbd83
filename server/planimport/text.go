package planimport

import (
	"strings"
	"unicode"
)

// isSpace reports whitespace in the wide sense a PDF extraction or a spreadsheet produces: Unicode spaces
// (including the full-width U+3000 and the no-break U+00A0), line breaks inside cells, and the invisible
// zero-width space and BOM.
func isSpace(r rune) bool {
	return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' || r == '\u2060'
}

// trimCell strips whitespace around a cell.
func trimCell(s string) string { return strings.TrimFunc(s, isSpace) }

// removeSpace strips all whitespace, also inside: "市市场监 管局" is 市市场监管局 (R3a).
func removeSpace(s string) string {
	if strings.IndexFunc(s, isSpace) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isSpace(r) {
			return -1
		}
		return r
	}, s)
}

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
