package checklists

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"zsc/schema"
	"zsc/server/planimport"
	"zsc/server/tablefile/tabletest"
	"zsc/testdata"
)

// mustResolver resolves department names through the real alias list of
// testdata/departments.tsv, as the store does.
func mustResolver(tb testing.TB) Resolver {
	tb.Helper()
	f, err := testdata.FS.Open("departments.tsv")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	depts, err := planimport.LoadDepartmentsTSV(f)
	if err != nil {
		tb.Fatal(err)
	}
	return planimport.NewResolver(depts)
}

// smallRows is testdata/small.tsv as rows of cells.
func smallRows(tb testing.TB) [][]string {
	tb.Helper()
	return tabletest.ReadTSV(tb, "testdata/small.tsv")
}

// reorder moves the columns of every row: column i of the result is column perm[i] of the input.
func reorder(rows [][]string, perm []int) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		for _, j := range perm {
			c := ""
			if j < len(r) {
				c = r[j]
			}
			out[i] = append(out[i], c)
		}
	}
	return out
}

// with returns a copy of rows with cell (row, column name) set to v; row is
// 1-based as the spreadsheet counts, the header being row 1.
func with(rows [][]string, row int, col, v string) [][]string {
	out := make([][]string, len(rows))
	for i := range rows {
		out[i] = append([]string(nil), rows[i]...)
	}
	for j, name := range out[0] {
		if name == col {
			out[row-1][j] = v
			return out
		}
	}
	panic("no column " + col)
}

const (
	food     = "对餐饮服务经营者日常经营行为的行政检查"
	disinfec = "对消毒剂和消毒器械及其生产经营使用单位的行政检查"
)

// smallItems is what testdata/small.tsv holds: the food-service 事项 of
// 市市场监管局 (its department spelt with a stray space on the first row, a
// full-width code, its third point after a blank line and another 事项), and
// one point of 市卫健委 (an alias).
func smallItems() []Item {
	return []Item{
		{DeptRaw: "市市场监 管局", Dept: "scjg", Title: food, Row: 2, Points: []Point{
			{GroupCode: "1", GroupName: "资质管理", Code: "1.1", Text: "食品经营许可证在有效期内，并在经营场所显著位置悬挂或摆放", Method: "查看许可证原件及悬挂位置", Key: true,
				Basis: "《中华人民共和国食品安全法》第三十五条", Violation: "《中华人民共和国食品安全法》第三十五条第一款", NoticeText: "未在经营场所显著位置悬挂或者摆放食品经营许可证", Row: 2},
			{GroupCode: "2", GroupName: "从业人员管理", Code: "2.1", Text: "从业人员持有有效健康证明", Method: "抽查从业人员健康证明", Key: true,
				Basis: "《中华人民共和国食品安全法》第四十五条", Violation: "《中华人民共和国食品安全法》第四十五条第二款", NoticeText: "部分从业人员未取得健康证明即上岗", Row: 3},
			{GroupCode: "2", GroupName: "从业人员管理", Code: "2.2", Text: "建立并执行从业人员健康管理制度", Method: "查阅制度及晨检记录",
				Basis: "《中华人民共和国食品安全法》第四十五条", Row: 4},
			{GroupCode: "3", GroupName: "餐饮具清洗消毒", Code: "3.1", Text: "餐饮具使用后及时洗净、消毒，炊具、用具用后洗净", Method: "查看清洗消毒设施及记录", Key: true,
				Basis: "《中华人民共和国食品安全法》第三十三条", Violation: "《中华人民共和国食品安全法》第三十三条第一款第（五）项", NoticeText: "餐具饮具未按规定洗净、消毒", Row: 7},
		}},
		{DeptRaw: "市卫健委", Dept: "wjw", Title: disinfec, Row: 6, Points: []Point{
			{GroupCode: "1", GroupName: "产品管理", Code: "1.1", Text: "使用的消毒产品具有卫生安全评价报告", Method: "查验卫生安全评价报告",
				Basis: "《消毒管理办法》第三十一条", Violation: "《消毒管理办法》第三十一条", Row: 6},
		}},
	}
}

func mustParse(tb testing.TB, data []byte, name string) *File {
	tb.Helper()
	f, err := Parse(bytes.NewReader(data), name, mustResolver(tb))
	if err != nil {
		tb.Fatalf("Parse(%s): %v", name, err)
	}
	if err := f.Err(); err != nil {
		tb.Fatalf("Parse(%s): row errors %v", name, err)
	}
	return f
}

func TestParseReadsEveryFormatAlike(t *testing.T) {
	rows := smallRows(t)
	perm := []int{10, 5, 4, 3, 2, 1, 0, 9, 8, 7, 6} // every column moved
	title := []string{"餐饮服务食品安全监督检查表（2024 版）"}
	for _, tc := range []struct {
		name, file string
		data       []byte
	}{
		{"the TSV of testdata reads as written", "small.tsv", tabletest.TSV(rows)},
		{"a CSV with the columns in another order and a title row above reads the same", "small.csv", tabletest.CSV(t, append([][]string{title}, reorder(rows, perm)...))},
		{"an XLSX workbook reads the same", "small.xlsx", tabletest.XLSX(t, rows)},
		{"an XLSX renamed .txt is still read as a workbook", "upload.txt", tabletest.XLSX(t, rows)},
		{"a TSV with no extension is recognised by its tabs", "upload", tabletest.TSV(rows)},
		{"Windows line ends and a BOM change nothing", "small.tsv", append([]byte("\ufeff"), bytes.ReplaceAll(tabletest.TSV(rows), []byte("\n"), []byte("\r\n"))...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := mustParse(t, tc.data, tc.file)
			want := smallItems()
			if tc.file == "small.csv" {
				// The title row shifts every row down by one.
				for i := range want {
					want[i].Row++
					for j := range want[i].Points {
						want[i].Points[j].Row++
					}
				}
			}
			if !reflect.DeepEqual(f.Items, want) {
				t.Fatalf("items:\n got %+v\nwant %+v", f.Items, want)
			}
			if f.Points() != 5 {
				t.Fatalf("%d points, want 5", f.Points())
			}
		})
	}
}

func TestParseRowErrors(t *testing.T) {
	rows := smallRows(t)
	type want struct {
		row       int
		col, text string
	}
	for _, tc := range []struct {
		name string
		rows [][]string
		want []want
	}{
		{"an empty 检查内容 names its row and column", with(rows, 3, ColText, ""), []want{{3, ColText, "不能为空"}}},
		{"every required column is checked", with(with(with(rows, 4, ColGroup, " "), 4, ColCode, ""), 6, ColItem, ""),
			[]want{{4, ColGroup, "不能为空"}, {4, ColCode, "不能为空"}, {6, ColItem, "不能为空"}}},
		{"an unknown department is refused", with(rows, 2, ColDept, "市市场局"), []want{{2, ColDept, "未知部门“市市场局”"}}},
		{"a placeholder is not a department", with(rows, 6, ColDept, "待定"), []want{{6, ColDept, "不是具体部门"}}},
		{"a code repeated within a 事项 points to its first row", with(rows, 4, ColCode, "2.1"), []want{{4, ColCode, "与第 3 行重复"}}},
		{"a full-width code is the same code", with(rows, 7, ColCode, "１.１"), []want{{7, ColCode, "“1.1”与第 2 行重复"}}},
		{"重点项 takes 是, 否, ★ or nothing", with(rows, 3, ColKey, "重要"), []want{{3, ColKey, "不能填“重要”"}}},
		{"one 检查项目代码 names one 检查项目", with(rows, 4, ColGroup, "健康管理"), []want{{4, ColGroup, "在第 3 行是“从业人员管理”"}}},
		{"an overlong cell is refused", with(rows, 2, ColBasis, strings.Repeat("法", maxCell+1)), []want{{2, ColBasis, "内容过长"}}},
		{"a value in a column without header is refused", append(rows[:3:3], append(append([]string(nil), rows[3]...), "", "多出来的")), []want{{4, "", "M 列没有表头"}}},
		{"all problems come at once, by row", with(with(with(rows, 7, ColKey, "x"), 2, ColDept, "某局"), 6, ColText, ""),
			[]want{{2, ColDept, "未知部门"}, {6, ColText, "不能为空"}, {7, ColKey, "重点项只能填"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse(bytes.NewReader(tabletest.TSV(tc.rows)), "bad.tsv", mustResolver(t))
			if err != nil {
				t.Fatalf("file error %v, want row errors", err)
			}
			got := f.Errors
			if len(got) != len(tc.want) {
				t.Fatalf("errors %v, want %d", got, len(tc.want))
			}
			for i, w := range tc.want {
				if got[i].Row != w.row || got[i].Column != w.col || !strings.Contains(got[i].Message, w.text) {
					t.Errorf("error %d = %+v, want row %d column %q containing %q", i, got[i], w.row, w.col, w.text)
				}
			}
			if f.Err() == nil {
				t.Fatal("Err() is nil with errors")
			}
		})
	}
}

func TestParseFileErrors(t *testing.T) {
	rows := smallRows(t)
	extra := reorder(rows, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0})
	extra[0][11] = "备注"
	missing := reorder(rows, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	dup := reorder(rows, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 5})
	for _, tc := range []struct {
		name string
		file string
		data []byte
		want []string
	}{
		{"an extra column is refused by name", "x.tsv", tabletest.TSV(extra), []string{"多余的列“备注”"}},
		{"a missing column is named", "x.tsv", tabletest.TSV(missing), []string{"表头缺少“通知书表述”列"}},
		{"a column given twice is refused", "x.tsv", tabletest.TSV(dup), []string{"“检查内容”列出现了两次"}},
		{"a table without the header is refused", "x.tsv", tabletest.TSV(rows[1:]), []string{"找不到表头"}},
		{"a header with nothing under it is refused", "x.tsv", tabletest.TSV(rows[:1]), []string{"表头下面没有检查内容"}},
		{"an empty file", "x.tsv", []byte(" \n"), []string{"文件是空的"}},
		// The reader's refusals are tested in tablefile; these show they come
		// as row errors, with the checklists' limits.
		{"too large a file", "x.tsv", bytes.Repeat([]byte("a"), MaxSize+1), []string{"文件超过 5 MB，不像是检查表"}},
		{"too many rows", "x.tsv", append(tabletest.TSV(rows[:1]), bytes.Repeat([]byte("x\n"), maxRows+1)...), []string{"表格超过 50000 行，不像是检查表"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse(bytes.NewReader(tc.data), tc.file, mustResolver(t))
			if err == nil && f != nil {
				err = f.Err()
			}
			var es schema.RowErrors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("err = %v, want row errors", err)
			}
			msgs := make([]string, len(es))
			for i, e := range es {
				msgs[i] = e.Message
			}
			all := strings.Join(msgs, "\n")
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("errors %q do not say %q", all, w)
				}
			}
		})
	}
}

func TestParseXLSXMergedHint(t *testing.T) {
	t.Run("an empty merged-looking cell in a workbook says why it may be empty", func(t *testing.T) {
		got, err := Parse(bytes.NewReader(tabletest.XLSX(t, with(smallRows(t), 3, ColDept, ""))), "m.xlsx", mustResolver(t))
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Errors) != 1 || got.Errors[0].Row != 3 || !strings.Contains(got.Errors[0].Message, "合并单元格") {
			t.Fatalf("errors %v", got.Errors)
		}
	})
	t.Run("the same cell empty in a TSV says nothing of merging", func(t *testing.T) {
		got, err := Parse(bytes.NewReader(tabletest.TSV(with(smallRows(t), 3, ColDept, ""))), "m.tsv", mustResolver(t))
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Errors) != 1 || got.Errors[0].Row != 3 || strings.Contains(got.Errors[0].Message, "合并单元格") {
			t.Fatalf("errors %v", got.Errors)
		}
	})
}

func TestHash(t *testing.T) {
	rows := smallRows(t)
	base := mustParse(t, tabletest.TSV(rows), "a.tsv").Items[0].Hash()
	for _, tc := range []struct {
		name string
		rows [][]string
		same bool
	}{
		{"blank rows and other 事项 around the points change nothing", [][]string{rows[0], {""}, rows[5], rows[1], rows[2], rows[3], {""}, rows[6]}, true},
		{"spaces around cells and full-width codes change nothing", with(with(rows, 2, ColText, "  食品经营许可证在有效期内，并在经营场所显著位置悬挂或摆放\u3000"), 2, ColCode, "１.１"), true},
		{"a department alias changes nothing", with(rows, 2, ColDept, "市市场监管局"), true},
		{"another method is another version", with(rows, 3, ColMethod, "现场询问"), false},
		{"a point marked key is another version", with(rows, 4, ColKey, "★"), false},
		{"another order of the points is another version", [][]string{rows[0], rows[2], rows[1], rows[3], rows[6]}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := mustParse(t, tabletest.TSV(tc.rows), "b.tsv")
			var got string
			for _, it := range f.Items {
				if it.Title == food {
					got = it.Hash()
				}
			}
			if (got == base) != tc.same {
				t.Fatalf("hash %s vs %s, same = %v, want %v", got, base, got == base, tc.same)
			}
		})
	}
}

func TestColumnLetter(t *testing.T) {
	for i, want := range map[int]string{0: "A", 11: "L", 25: "Z", 26: "AA", 16383: "XFD"} {
		if got := columnLetter(i); got != want {
			t.Errorf("columnLetter(%d) = %s, want %s", i, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	rows := smallRows(f)
	f.Add(tabletest.TSV(rows), uint8(0))
	f.Add(tabletest.CSV(f, rows), uint8(1))
	f.Add(tabletest.XLSX(f, rows), uint8(2))
	f.Add(tabletest.TSV(with(rows, 4, ColCode, "2.1")), uint8(3))
	f.Add(tabletest.TSV(with(rows, 2, ColDept, "待定")), uint8(0))
	f.Add(tabletest.TSV(rows[:1]), uint8(0))
	f.Add([]byte("PK\x03\x04garbage"), uint8(2))
	f.Add([]byte("\"部门\",\"抽查事项\n"), uint8(1))
	names := []string{"c.tsv", "c.csv", "c.xlsx", "upload"}
	res := mustResolver(f)
	f.Fuzz(func(t *testing.T, data []byte, kind uint8) {
		file, err := Parse(bytes.NewReader(data), names[int(kind)%len(names)], res)
		if err != nil {
			var es schema.RowErrors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error %T %v is not a non-empty RowErrors", err, err)
			}
			if file != nil {
				t.Fatal("a file returned with a file error")
			}
			for _, e := range es {
				if e.Row < 0 || !tabletest.HasHan(e.Message) {
					t.Fatalf("bad error %+v", e)
				}
			}
			return
		}
		for _, e := range file.Errors {
			if e.Row <= 0 || !tabletest.HasHan(e.Message) {
				t.Fatalf("bad row error %+v", e)
			}
		}
		if len(file.Errors) == 0 && len(file.Items) == 0 {
			t.Fatal("no errors and no items")
		}
		for _, it := range file.Items {
			if it.Dept == "" || it.Title == "" || it.Row <= 0 {
				t.Fatalf("incomplete item %+v", it)
			}
			codes := map[string]bool{}
			for _, p := range it.Points {
				if p.Code == "" || p.Text == "" || p.GroupName == "" || p.Row < it.Row {
					t.Fatalf("incomplete point %+v of %q", p, it.Title)
				}
				if codes[p.Code] {
					t.Fatalf("code %s twice in %q", p.Code, it.Title)
				}
				codes[p.Code] = true
			}
			if len(file.Errors) == 0 && len(it.Points) == 0 {
				t.Fatalf("item %q without points and no error", it.Title)
			}
		}
	})
}
