package http

import (
	"regexp"
	"unicode/utf8"
)

// maxQuoted is the longest value an error message quotes back to its
// sender: a message names what was wrong, it does not return a 10,000
// character id or a megabyte form field (the bad-input catalogue,
// catalogue_test.go).
const maxQuoted = 64

// quotedValue finds a value quoted back in a message: “…” or Go's %q "…".
var quotedValue = regexp.MustCompile(`“[^”]*”|"(?:[^"\\]|\\.)*"`)

// clipQuoted cuts every quoted value of a message longer than maxQuoted
// characters to its first maxQuoted, followed by "…（共 N 个字符）".
func clipQuoted(msg string) string {
	if len(msg) <= maxQuoted*4 {
		return msg // nothing in it can be too long
	}
	return quotedValue.ReplaceAllStringFunc(msg, func(q string) string {
		open, close := q[:1], q[len(q)-1:]
		if q[0] != '"' {
			open, close = "“", "”"
		}
		inner := q[len(open) : len(q)-len(close)]
		n := utf8.RuneCountInString(inner)
		if n <= maxQuoted {
			return q
		}
		cut, i := 0, 0
		for i = range inner {
			if cut == maxQuoted {
				break
			}
			cut++
		}
		return open + inner[:i] + "…" + close + "（共 " + itoa(n) + " 个字符）"
	})
}
