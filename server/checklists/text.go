package checklists

import (
	"strings"
	"unicode"
)

// isSpace reports whitespace in the wide sense a spreadsheet produces: Unicode
// spaces (the full-width U+3000 and the no-break U+00A0 included), line breaks
// inside cells, and the invisible zero-width space and BOM.
func isSpace(r rune) bool {
	return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' || r == '\u2060'
}

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

// removeSpace strips all whitespace, also inside: "市市场监 管局" is
// 市市场监管局, "检查\n内容" in a header cell is 检查内容.
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
