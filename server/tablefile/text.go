package tablefile

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	xunicode "golang.org/x/text/encoding/unicode"
)

// decodeText returns the file as UTF-8 text. Besides UTF-8 (with or without
// BOM) it accepts what Excel on a Chinese Windows writes: CSV in GBK/GB18030
// and "Unicode text" (tab-separated) in UTF-16 with a BOM. Text with control
// characters other than tab, line breaks, vertical tab and form feed (which
// PDF extractions emit at page breaks) is rejected as binary, so that an image
// or a zip fragment is not read as one very odd row.
func decodeText(data []byte) (string, error) {
	var text string
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		text = string(data[3:])
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		b, err := xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM).NewDecoder().Bytes(data)
		if err != nil {
			return "", fileError("文件以 UTF-16 标记开头，内容却不是 UTF-16 文本")
		}
		text = string(b)
	case utf8.Valid(data):
		text = string(data)
	case bytes.IndexByte(data, 0) >= 0:
		return "", fileError("这是二进制文件，不是表格：请上传 .xlsx、.csv 或 .tsv")
	default:
		b, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err != nil || !utf8.Valid(b) {
			return "", fileError("文件编码既不是 UTF-8 也不是 GB18030")
		}
		text = string(b)
	}
	for _, r := range text {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\f' && r != '\v') || r == 0x7F {
			return "", fileError("这是二进制文件，不是表格（含控制字符 %#02x）：请上传 .xlsx、.csv 或 .tsv", r)
		}
	}
	return text, nil
}

// IsSpace reports whitespace in the wide sense a spreadsheet or a PDF
// extraction produces: Unicode spaces (the full-width U+3000 and the no-break
// U+00A0 included), line breaks inside cells, and the invisible zero-width
// space, word joiner and BOM.
func IsSpace(r rune) bool {
	return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' || r == '\u2060'
}

// RemoveSpace strips all whitespace, also inside: "市市场监 管局" is
// 市市场监管局, "检查\n内容" in a header cell is 检查内容.
func RemoveSpace(s string) string {
	if strings.IndexFunc(s, IsSpace) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// blank reports a row with nothing but whitespace.
func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimFunc(c, IsSpace) != "" {
			return false
		}
	}
	return true
}
