package tablefile_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
	xunicode "golang.org/x/text/encoding/unicode"

	"zsc/server/tablefile"
	"zsc/server/tablefile/tabletest"
)

// lim is roomy for the small tables of these tests.
var lim = tablefile.Limits{MaxBytes: 1 << 20, MaxRows: 100, MaxColumns: 8, Kind: "检查表"}

// rows is a small table with what trips readers up: a comma and quotes in a
// cell, a leading empty cell, full-width spaces.
var rows = [][]string{
	{"部门", "抽查事项", "说明"},
	{"市市场监管局", "对餐饮服务经营者日常经营行为的行政检查", `含逗号,和"引号"`},
	{"", "续行事项", "第二部门　市卫健委"},
}

// records is rows as Read returns them: spreadsheet rows 1 to 3.
func records() []tablefile.Record {
	out := make([]tablefile.Record, len(rows))
	for i, r := range rows {
		out[i] = tablefile.Record{Row: i + 1, Cells: r}
	}
	return out
}

func read(t *testing.T, data []byte, name string, lim tablefile.Limits) (*tablefile.Table, error) {
	t.Helper()
	return tablefile.Read(bytes.NewReader(data), name, lim)
}

func mustRead(t *testing.T, data []byte, name string, lim tablefile.Limits) *tablefile.Table {
	t.Helper()
	tab, err := read(t, data, name, lim)
	if err != nil {
		t.Fatalf("Read(%s): %v", name, err)
	}
	return tab
}

// asError unwraps Read's error, failing unless it is an *Error.
func asError(t *testing.T, err error) *tablefile.Error {
	t.Helper()
	var te *tablefile.Error
	if !errors.As(err, &te) {
		t.Fatalf("want a *tablefile.Error, got %T %v", err, err)
	}
	return te
}

func TestReadEveryFormatAlike(t *testing.T) {
	tsv := tabletest.TSV(rows)
	csv := tabletest.CSV(t, rows)
	xlsx := tabletest.XLSX(t, rows)
	gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes(csv)
	if err != nil {
		t.Fatal(err)
	}
	u16le, err := xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM).NewEncoder().Bytes(tsv)
	if err != nil {
		t.Fatal(err)
	}
	u16be, err := xunicode.UTF16(xunicode.BigEndian, xunicode.UseBOM).NewEncoder().Bytes(tsv)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, file string
		data       []byte
		format     tablefile.Format
	}{
		{"a TSV reads as written", "t.tsv", tsv, tablefile.TSV},
		{"a .tab file is a TSV", "t.tab", tsv, tablefile.TSV},
		{"a BOM and Windows line ends change nothing", "t.tsv", append([]byte("\ufeff"), bytes.ReplaceAll(tsv, []byte("\n"), []byte("\r\n"))...), tablefile.TSV},
		{"a CSV reads the same, its quoting undone", "t.csv", csv, tablefile.CSV},
		{"a CSV saved by Excel in GB18030 reads the same", "计划.csv", gb, tablefile.CSV},
		{"Excel's Unicode text (UTF-16 LE with a BOM) reads the same", "计划.txt", u16le, tablefile.TSV},
		{"UTF-16 BE with a BOM reads the same", "计划.txt", u16be, tablefile.TSV},
		{"an XLSX workbook reads the same", "t.xlsx", xlsx, tablefile.XLSX},
		{"an XLSX uploaded under a wrong name is recognised by its content", "upload.csv", xlsx, tablefile.XLSX},
		{"without an extension tabs make a TSV", "upload", tsv, tablefile.TSV},
		{"without an extension commas make a CSV", "upload", csv, tablefile.CSV},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab := mustRead(t, tc.data, tc.file, lim)
			if tab.Format != tc.format {
				t.Errorf("format %s, want %s", tab.Format, tc.format)
			}
			if !reflect.DeepEqual(tab.Records, records()) {
				t.Errorf("records\n got %v\nwant %v", tab.Records, records())
			}
		})
	}
}

func TestReadTSV(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []tablefile.Record
	}{
		{"quotes are plain characters, as in a PDF extraction",
			"\"甲\"\t\"乙,丙\n", []tablefile.Record{{Row: 1, Cells: []string{`"甲"`, `"乙,丙`}}}},
		{"form feeds and vertical tabs from PDF page breaks are text",
			"甲\f\t乙\v\n\f\n丙\t丁\n", []tablefile.Record{{Row: 1, Cells: []string{"甲\f", "乙\v"}}, {Row: 3, Cells: []string{"丙", "丁"}}}},
		{"blank and whitespace-only lines are counted, not kept",
			"\n甲\t乙\n\t\t\n\u3000 \r\n丙\t\n", []tablefile.Record{{Row: 2, Cells: []string{"甲", "乙"}}, {Row: 5, Cells: []string{"丙", ""}}}},
		{"a last line without a line end is read",
			"甲\t乙\n丙\t丁", []tablefile.Record{{Row: 1, Cells: []string{"甲", "乙"}}, {Row: 2, Cells: []string{"丙", "丁"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab := mustRead(t, []byte(tc.text), "t.tsv", lim)
			if !reflect.DeepEqual(tab.Records, tc.want) {
				t.Errorf("got %v, want %v", tab.Records, tc.want)
			}
		})
	}
}

func TestReadCSVRowNumbers(t *testing.T) {
	t.Run("a quoted cell over lines is one row, and blank lines count as rows", func(t *testing.T) {
		text := "甲,乙\r\n\"一\r\n二\",三\r\n\r\n,,\r\n丙,\"丁\n戊\n己\"\n庚,辛\n"
		want := []tablefile.Record{
			{Row: 1, Cells: []string{"甲", "乙"}},
			{Row: 2, Cells: []string{"一\n二", "三"}},
			{Row: 5, Cells: []string{"丙", "丁\n戊\n己"}},
			{Row: 6, Cells: []string{"庚", "辛"}},
		}
		tab := mustRead(t, []byte(text), "t.csv", lim)
		if !reflect.DeepEqual(tab.Records, want) {
			t.Errorf("got %v, want %v", tab.Records, want)
		}
	})
	t.Run("a stray quote inside a cell is read as it stands", func(t *testing.T) {
		tab := mustRead(t, []byte("甲,乙\"丙\n"), "t.csv", lim)
		if want := []string{"甲", `乙"丙`}; !reflect.DeepEqual(tab.Records[0].Cells, want) {
			t.Errorf("got %v, want %v", tab.Records[0].Cells, want)
		}
	})
	t.Run("an unclosed quote takes the rest of the file into its cell, on the row it starts", func(t *testing.T) {
		tab := mustRead(t, []byte("甲,乙\n\"一\n二\",三\n丙,\"丁\n戊,己\n"), "t.csv", lim)
		want := []tablefile.Record{
			{Row: 1, Cells: []string{"甲", "乙"}},
			{Row: 2, Cells: []string{"一\n二", "三"}},
			{Row: 3, Cells: []string{"丙", "丁\n戊,己\n"}},
		}
		if !reflect.DeepEqual(tab.Records, want) {
			t.Errorf("got %v, want %v", tab.Records, want)
		}
	})
}

func TestReadLimits(t *testing.T) {
	small := tablefile.Limits{MaxBytes: 64 << 10, MaxRows: 3, MaxColumns: 2, Kind: "抽查计划表"}
	fourRows := [][]string{{"a", "b"}, {"c", "d"}, {"", ""}, {"e", "f"}, {"g", "h"}}
	wide := [][]string{{"甲", "乙", "丙", "丁"}, {"", "", "只在第三列"}, {"戊", "己"}}
	for _, format := range []struct {
		file  string
		write func([][]string) []byte
	}{
		{"t.tsv", tabletest.TSV},
		{"t.csv", func(r [][]string) []byte { return tabletest.CSV(t, r) }},
		{"t.xlsx", func(r [][]string) []byte { return tabletest.XLSX(t, r) }},
	} {
		t.Run(format.file+": more non-blank rows than MaxRows is refused, blank ones do not count", func(t *testing.T) {
			tab := mustRead(t, format.write(fourRows[:4]), format.file, small)
			if len(tab.Records) != 3 || tab.Records[2].Row != 4 {
				t.Fatalf("got %v", tab.Records)
			}
			_, err := read(t, format.write(fourRows), format.file, small)
			if te := asError(t, err); te.Row != 0 || te.Message != "表格超过 3 行，不像是抽查计划表" {
				t.Errorf("got %+v", te)
			}
		})
		t.Run(format.file+": cells right of MaxColumns are dropped, and a row with nothing else is blank", func(t *testing.T) {
			tab := mustRead(t, format.write(wide), format.file, small)
			want := []tablefile.Record{{Row: 1, Cells: []string{"甲", "乙"}}, {Row: 3, Cells: []string{"戊", "己"}}}
			if !reflect.DeepEqual(tab.Records, want) {
				t.Errorf("got %v, want %v", tab.Records, want)
			}
		})
	}
	t.Run("a file of MaxBytes is read, one byte more is refused", func(t *testing.T) {
		tiny := small
		tiny.MaxBytes = 1 << 10
		full := []byte("a\tb\n" + strings.Repeat(" ", tiny.MaxBytes-4))
		mustRead(t, full, "t.tsv", tiny)
		_, err := read(t, append(full, ' '), "t.tsv", tiny)
		if te := asError(t, err); te.Row != 0 || te.Message != "文件超过 1 KB，不像是抽查计划表" {
			t.Errorf("got %+v", te)
		}
	})
	t.Run("without a Kind the messages speak of the table to import", func(t *testing.T) {
		noKind := small
		noKind.Kind = ""
		_, err := read(t, tabletest.TSV(fourRows), "t.tsv", noKind)
		if te := asError(t, err); te.Message != "表格超过 3 行，不像是要导入的表格" {
			t.Errorf("got %+v", te)
		}
	})
	t.Run("limits that are not positive are a programming error", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("want a panic")
			}
		}()
		_, _ = tablefile.Read(strings.NewReader("a\tb\n"), "t.tsv", tablefile.Limits{MaxBytes: 10}) // panics before it returns
	})
}

func TestReadRejectsNonTables(t *testing.T) {
	random := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00")
	var zipBuf bytes.Buffer
	zw := zip.NewWriter(&zipBuf)
	w, _ := zw.Create("hello.txt")
	if _, err := w.Write([]byte("not a workbook")); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, file string
		data       []byte
		want       string
	}{
		{"an empty file", "t.tsv", nil, "文件是空的"},
		{"a file of blank lines", "t.csv", []byte("\n \r\n\t\n"), "文件是空的"},
		{"random bytes", "t.tsv", random, ""},
		{"random bytes without a name", "", random, ""},
		{"a PNG", "t.csv", png, "二进制文件"},
		{"text with a control character", "t.tsv", []byte("甲\t乙\x01\n"), "控制字符 0x01"},
		{"a legacy .xls, with what to do", "t.xls", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00"), "请另存为 .xlsx"},
		{"text named .xlsx", "t.xlsx", []byte("甲\t乙\n"), "文件名是 .xlsx，内容却不是 XLSX 工作簿"},
		{"a broken zip", "t.xlsx", []byte("PK\x03\x04garbage"), "无法读取 XLSX 工作簿"},
		{"a zip that is not a workbook", "t.xlsx", zipBuf.Bytes(), "无法读取 XLSX 工作簿"},
		{"a UTF-16 mark over an odd number of bytes", "t.txt", []byte("\xFF\xFE\x41\x00\x42"), ""},
		{"one column without a name", "", []byte("序号\n1\n"), "无法识别文件格式"},
	} {
		t.Run(tc.name+" is refused as a whole, in Chinese", func(t *testing.T) {
			tab, err := read(t, tc.data, tc.file, lim)
			if tab != nil {
				t.Errorf("want no table, got %d records", len(tab.Records))
			}
			te := asError(t, err)
			if te.Row != 0 || !strings.Contains(te.Message, tc.want) || !tabletest.HasHan(te.Message) {
				t.Errorf("got %+v, want row 0 saying %q", te, tc.want)
			}
		})
	}
}

func TestErrorText(t *testing.T) {
	if got := (&tablefile.Error{Row: 12, Message: "无法读取 CSV：引号不成对"}).Error(); got != "第 12 行：无法读取 CSV：引号不成对" {
		t.Errorf("row error reads %q", got)
	}
	if got := (&tablefile.Error{Message: "文件是空的"}).Error(); got != "文件是空的" {
		t.Errorf("file error reads %q", got)
	}
}

func TestRemoveSpace(t *testing.T) {
	for in, want := range map[string]string{
		"市市场监 管局": "市市场监管局", "检查\n内容": "检查内容", "\u3000市\u00a0卫健委\u200b\ufeff": "市卫健委", "序号": "序号",
	} {
		if got := tablefile.RemoveSpace(in); got != want {
			t.Errorf("RemoveSpace(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzRead(f *testing.F) {
	f.Add(tabletest.TSV(rows), uint8(0))
	f.Add(tabletest.CSV(f, rows), uint8(1))
	f.Add(tabletest.XLSX(f, rows), uint8(2))
	f.Add(farCells(f, 3), uint8(2))
	f.Add([]byte("PK\x03\x04garbage"), uint8(2))
	f.Add([]byte("\"甲\",\"乙\n"), uint8(1))
	f.Add([]byte("\xFF\xFE\x41\x00"), uint8(3))
	names := []string{"t.tsv", "t.csv", "t.xlsx", "upload"}
	small := tablefile.Limits{MaxBytes: 1 << 20, MaxRows: 20, MaxColumns: 4}
	f.Fuzz(func(t *testing.T, data []byte, kind uint8) {
		tab, err := tablefile.Read(bytes.NewReader(data), names[int(kind)%len(names)], small)
		if err != nil {
			var te *tablefile.Error
			if !errors.As(err, &te) || te.Row < 0 || !tabletest.HasHan(te.Message) || tab != nil {
				t.Fatalf("bad error %T %v (table %v)", err, err, tab)
			}
			return
		}
		if len(tab.Records) > small.MaxRows {
			t.Fatalf("%d records", len(tab.Records))
		}
		last := 0
		for _, r := range tab.Records {
			if r.Row <= last || len(r.Cells) > small.MaxColumns || tablefile.RemoveSpace(strings.Join(r.Cells, "")) == "" {
				t.Fatalf("bad record %v after row %d", r, last)
			}
			last = r.Row
		}
	})
}

// farCells is a workbook of n rows, each with a value in column A and one
// in column XFD, the last of the sheet.
func farCells(tb testing.TB, n int) []byte {
	tb.Helper()
	var sheet strings.Builder
	sheet.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&sheet, `<row r="%d"><c r="A%d" t="inlineStr"><is><t>第%d行</t></is></c>`+
			`<c r="XFD%d" t="inlineStr"><is><t>远处的格子</t></is></c></row>`, i, i, i, i)
	}
	sheet.WriteString(`</sheetData></worksheet>`)
	return withSheet(tb, tabletest.XLSX(tb, [][]string{{"x"}}), sheet.String())
}

// withSheet replaces the first sheet's XML of a workbook made by excelize.
func withSheet(tb testing.TB, xlsx []byte, sheet string) []byte {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(xlsx), int64(len(xlsx)))
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, zf := range zr.File {
		if zf.Name != "xl/worksheets/sheet1.xml" {
			if err := zw.Copy(zf); err != nil {
				tb.Fatal(err)
			}
			continue
		}
		w, err := zw.Create(zf.Name)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write([]byte(sheet)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}
