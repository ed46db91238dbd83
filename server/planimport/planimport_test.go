package planimport

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zsc/server/tablefile/tabletest"
)

// smallPlans is what testdata/small.tsv holds: one 序号 with two plans, a page-break header, a placeholder and a
// department listed twice.
func smallPlans() []Plan {
	return []Plan{
		{
			Seq: 1, Sub: 1, Domain: "学校办学情况", Target: "全市中小学", Name: "中小学办学情况联合检查",
			Ratio: Ratio{Text: "20%", Percent: 20}, Delegated: true, Levels: []string{"市级", "县区级"},
			InitiatorRaw: "市教育局", Initiator: "jyj",
			Departments: []Department{
				{Raw: "市教育局", Code: "jyj", Row: 3, Items: []Item{
					{Name: "对学校的行政检查", Class: ClassGeneral},
					{Name: "对教材选用情况的检查", Class: ClassGeneral},
				}},
				{Raw: "市市场监 管局", Code: "scjg", Row: 4, Items: []Item{
					{Name: "对生产、流通领域产品的行政检查", Class: ClassGeneral},
				}},
			},
			Window: "2024年4月开始，11月前结束", Start: day(2024, 4, 1), End: day(2024, 10, 31), Note: "省级计划", Row: 3,
		},
		{
			Seq: 1, Sub: 2, Domain: "学校办学情况", Target: "全市民办学校", Name: "民办学校联合检查",
			Ratio: Ratio{Text: "50%", Percent: 50}, Delegated: true, Levels: []string{"市级", "县区级"},
			InitiatorRaw: "市教育局", Initiator: "jyj",
			Departments: []Department{
				{Raw: "市教育局", Code: "jyj", Row: 5, Items: []Item{{Name: "对民办学校办学行为的检查", Class: ClassGeneral}}},
				{Raw: "市卫健委", Code: "wjw", Row: 6, Items: []Item{{Name: "对学校卫生、托幼机构卫生工作的行政检查", Class: ClassGeneral}}},
			},
			Window: "2024年4月开始，11月前结束", Start: day(2024, 4, 1), End: day(2024, 10, 31), Note: "省级计划", Row: 5,
		},
		{
			Seq: 2, Sub: 1, Domain: "餐饮服务行业", Target: "全市大中型餐饮服务企业", Name: "大中型餐饮服务联合检查",
			Ratio:     Ratio{Text: "10%（生产企业100%抽查）", Percent: 10, Overrides: []Override{{Population: "生产企业", Percent: 100}}},
			Delegated: false, Levels: []string{"市级"},
			InitiatorRaw: "市发改委", Initiator: "fgw",
			Departments: []Department{
				{Raw: "市市场监管局", Code: "scjg", Row: 9, Items: []Item{
					{Name: "对餐饮服务经营者日常经营行为的行政检查", Class: ClassKey},
					{Name: "对经营者价格活动的行政检查", Class: ClassKey},
				}},
				{Raw: "市住建局", Code: "zjj", Row: 10, Items: []Item{{Name: "对燃气用户的行政检查", Class: ClassKey}}},
				{Raw: "待定", Placeholder: true, Row: 11, Items: []Item{{Name: "根据行业领域灵活确定联合部门及抽查事项", Class: ClassKey}}},
			},
			Window: "2024年4月开始,10月前结束", Start: day(2024, 4, 1), End: day(2024, 9, 30), Row: 9,
		},
	}
}

func TestParseSmallTable(t *testing.T) {
	res := MustResolver(t, "testdata/departments.tsv")
	want := smallPlans()

	t.Run("the TSV reads into plans, sub-plans, merged departments and placeholders", func(t *testing.T) {
		samePlans(t, MustParseFile(t, "testdata/small.tsv", res), want)
	})
	t.Run("a CSV with reordered and extra columns, a BOM, CRLF and a cell spanning two lines reads the same", func(t *testing.T) {
		samePlans(t, MustParseFile(t, "testdata/reordered.csv", res), want)
	})

	rows := tabletest.ReadTSV(t, "testdata/small.tsv")
	dir := t.TempDir()
	t.Run("the same table as XLSX reads the same", func(t *testing.T) {
		path := filepath.Join(dir, "small.xlsx")
		writeFile(t, path, tabletest.XLSX(t, rows))
		samePlans(t, MustParseFile(t, path, res), want)
	})
	t.Run("an XLSX with the plans' cells merged over their departments' rows, as printed, reads the same", func(t *testing.T) {
		// A merged cell keeps its value in its top-left cell, which is the
		// continuation-row layout the parser reads.
		data := tabletest.Workbook(t, rows, func(f *excelize.File) error {
			merges := [][2]string{{"A1", "M1"}}
			for _, span := range [][2]int{{3, 6}, {9, 12}} { // one 序号 and 抽查领域 over its sub-plans
				for _, col := range "AB" {
					merges = append(merges, [2]string{fmt.Sprint(string(col), span[0]), fmt.Sprint(string(col), span[1])})
				}
			}
			for _, span := range [][2]int{{3, 4}, {5, 6}, {9, 12}} { // a plan's own cells over its departments
				for _, col := range "CDEFGHLM" {
					merges = append(merges, [2]string{fmt.Sprint(string(col), span[0]), fmt.Sprint(string(col), span[1])})
				}
			}
			for _, m := range merges {
				if err := f.MergeCell("Sheet1", m[0], m[1]); err != nil {
					return err
				}
			}
			return nil
		})
		plans, err := Parse(bytes.NewReader(data), "merged.xlsx", res)
		if err != nil {
			t.Fatal(err)
		}
		samePlans(t, plans, want)
	})
}

// tsvTable builds a TSV from the standard header and the given rows (1-based row numbers: the header is row 1).
func tsvTable(rows ...string) string {
	return "序号\t抽查领域\t检查对象\t计划名称\t抽查比例\t是否下发\t抽查层级\t发起部门\t责任部门\t抽查事项\t事项分类\t抽查时间\t备注\n" +
		strings.Join(rows, "\n") + "\n"
}

// Rows for the broken tables: a plan row (序号 1), and a continuation row.
const (
	okPlan = "1\t领域\t对象\t计划甲\t10%\t是\t市级\t市市场监管局\t市市场监管局\t事项甲\t一般检查\t2024年4月开始，10月前结束\t"
	okCont = "\t\t\t\t\t\t\t\t市住建局\t事项乙\t重点检查\t\t"
)

func TestParseRejectsBrokenTables(t *testing.T) {
	res := MustResolver(t, "testdata/departments.tsv")
	for _, tc := range []struct {
		name     string
		text     string
		row      int
		column   string
		contains []string
	}{
		{"a continuation row before any plan is rejected", tsvTable(okCont, okPlan), 2, "序号", nil},
		{"a plan without 序号 before any numbered plan is rejected",
			tsvTable("\t\t对象\t计划甲\t10%\t是\t市级\t市市场监管局\t市市场监管局\t事项\t一般检查\t\t"), 2, "序号", nil},
		{"an unknown responsible department is rejected", tsvTable(okPlan, "\t\t\t\t\t\t\t\t市不存在局\t事项\t一般检查\t\t"), 3, "责任部门", []string{"市不存在局"}},
		{"an unknown initiating department is rejected", tsvTable(strings.Replace(okPlan, "市级\t市市场监管局", "市级\t市外星局", 1)), 2, "发起部门", []string{"市外星局"}},
		{"a placeholder as initiating department is rejected", tsvTable(strings.Replace(okPlan, "市级\t市市场监管局", "市级\t待定", 1)), 2, "发起部门", []string{"待定"}},
		{"a ratio in words is rejected", tsvTable(strings.Replace(okPlan, "10%", "十分之一", 1)), 2, "抽查比例", []string{"十分之一"}},
		{"a ratio over 100% is rejected", tsvTable(strings.Replace(okPlan, "10%", "110%", 1)), 2, "抽查比例", []string{"110%"}},
		{"a plan without ratio is rejected", tsvTable(strings.Replace(okPlan, "10%", "", 1)), 2, "抽查比例", nil},
		{"a plan without name is rejected", tsvTable(strings.Replace(okPlan, "计划甲", "", 1)), 2, "计划名称", nil},
		{"a plan without initiating department is rejected", tsvTable(strings.Replace(okPlan, "市级\t市市场监管局", "市级\t", 1)), 2, "发起部门", nil},
		{"a 序号 in words is rejected", tsvTable(strings.Replace(okPlan, "1", "一", 1)), 2, "序号", []string{"一"}},
		{"a negative 序号 is rejected", tsvTable(strings.Replace(okPlan, "1", "-1", 1)), 2, "序号", []string{"-1"}},
		{"the same 序号 and 计划名称 twice is rejected", tsvTable(okPlan, okPlan), 3, "计划名称", []string{"计划甲", "第 2 行"}},
		{"a 序号 reused after another plan is rejected",
			tsvTable(okPlan, strings.Replace(strings.Replace(okPlan, "1", "2", 1), "计划甲", "计划乙", 1), strings.Replace(okPlan, "计划甲", "计划丙", 1)),
			4, "序号", []string{"第 2 行"}},
		{"an item class other than 一般检查 or 重点检查 is rejected", tsvTable(okPlan, strings.Replace(okCont, "重点检查", "普通检查", 1)), 3, "事项分类", []string{"普通检查"}},
		{"an empty item class on a continuation row is rejected", tsvTable(okPlan, strings.Replace(okCont, "重点检查", "", 1)), 3, "事项分类", nil},
		{"an empty item class on a plan row is rejected", tsvTable(strings.Replace(okPlan, "一般检查", "", 1)), 2, "事项分类", nil},
		{"an empty item cell is rejected", tsvTable(okPlan, strings.Replace(okCont, "事项乙", "", 1)), 3, "抽查事项", []string{"市住建局"}},
		{"an item cell of separators only is rejected", tsvTable(okPlan, strings.Replace(okCont, "事项乙", "；；", 1)), 3, "抽查事项", nil},
		{"a 是否下发 other than 是 or 否 is rejected", tsvTable(strings.Replace(okPlan, "是", "可能", 1)), 2, "是否下发", []string{"可能"}},
		{"a ratio on a continuation row (a shifted row) is rejected", tsvTable(okPlan, "\t\t\t\t50%\t\t\t\t市住建局\t事项乙\t重点检查\t\t"), 3, "抽查比例", []string{"50%"}},
		{"items without a department are rejected", tsvTable(okPlan, "\t\t\t\t\t\t\t\t\t事项乙\t重点检查\t\t"), 3, "责任部门", nil},
		{"a plan with no department at all is rejected", tsvTable("1\t领域\t对象\t计划甲\t10%\t是\t市级\t市市场监管局\t\t\t\t\t"), 2, "责任部门", []string{"计划甲"}},
		{"the seed's unrepaired plan-21 row (a department in 序号) is rejected",
			tsvTable(okPlan, "市市场监管局\t对经营者欺诈消费的行政检查\t一般检查\t\t\t\t\t\t\t\t\t\t"), 3, "序号", []string{"市市场监管局"}},
		{"a missing 抽查比例 column is named",
			"序号\t计划名称\t是否下发\t发起部门\t责任部门\t抽查事项\t事项分类\n1\t计划甲\t是\t市市场监管局\t市市场监管局\t事项\t一般检查\n", 1, "抽查比例", nil},
		{"a missing 事项分类 column below a title row is named",
			"标题\n序号\t计划名称\t抽查比例\t发起部门\t责任部门\t抽查事项\n", 2, "事项分类", nil},
		{"a header without plans is rejected", tsvTable(), 1, "", []string{"没有计划"}},
		{"an unknown 抽查层级 is rejected", tsvTable(strings.Replace(okPlan, "市级", "乡镇级", 1)), 2, "抽查层级", []string{"乡镇级", "县区级"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plans, err := Parse(strings.NewReader(tc.text), "plan.tsv", res)
			if plans != nil {
				t.Errorf("want no plans on error, got %d", len(plans))
			}
			wantRowError(t, err, tc.row, tc.column, tc.contains...)
		})
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	res := MustResolver(t, "testdata/departments.tsv")
	text := tsvTable(
		strings.Replace(okPlan, "10%", "abc", 1),
		strings.Replace(okCont, "市住建局", "市不存在局", 1),
		strings.Replace(okCont, "重点检查", "普通检查", 1),
		strings.Replace(strings.Replace(okPlan, "1", "2", 1), "计划甲", "", 1),
	)
	_, err := Parse(strings.NewReader(text), "plan.tsv", res)
	es := asErrors(t, err)
	var got []RowError
	for _, e := range es {
		got = append(got, RowError{Row: e.Row, Column: e.Column})
	}
	want := []RowError{{Row: 2, Column: "抽查比例"}, {Row: 3, Column: "责任部门"}, {Row: 4, Column: "事项分类"}, {Row: 5, Column: "计划名称"}}
	if dump(got) != dump(want) {
		t.Errorf("got %s\nwant %s", dump(es), dump(want))
	}
	if !strings.Contains(err.Error(), "4 problems") {
		t.Errorf("Error() = %q, want a count", err.Error())
	}
}

func TestParseToleratesLayout(t *testing.T) {
	res := MustResolver(t, "testdata/departments.tsv")
	for _, tc := range []struct {
		name  string
		text  string
		check func(t *testing.T, plans []Plan)
	}{
		{"spaces around cells and inside department names are ignored",
			tsvTable(" 1 \t 领域 \t对象\t 计划甲 \t １０％ \t 是 \t市级\t 市市场 监管局 \t\u3000市 市场监管局\u3000\t 事项甲 ； 事项乙 ；\t 一般 检查 \t\t"),
			func(t *testing.T, plans []Plan) {
				p := plans[0]
				if p.Seq != 1 || p.Name != "计划甲" || p.Ratio.Percent != 10 || p.Initiator != "scjg" || p.Departments[0].Code != "scjg" {
					t.Errorf("got %s", dump(p))
				}
				if dump(p.Departments[0].Items) != dump([]Item{{"事项甲", ClassGeneral}, {"事项乙", ClassGeneral}}) {
					t.Errorf("items %s", dump(p.Departments[0].Items))
				}
			}},
		{"windows-style line endings and a short last row are read",
			strings.ReplaceAll(tsvTable(okPlan, "\t\t\t\t\t\t\t\t市住建局\t事项乙\t重点检查"), "\n", "\r\n"),
			func(t *testing.T, plans []Plan) {
				if len(plans) != 1 || len(plans[0].Departments) != 2 || plans[0].Note != "" {
					t.Errorf("got %s", dump(plans))
				}
			}},
		{"a department listed twice gets the items of both rows, once each",
			tsvTable(okPlan, okCont, strings.Replace(okCont, "事项乙", "事项乙；事项丙", 1)),
			func(t *testing.T, plans []Plan) {
				ds := plans[0].Departments
				if len(ds) != 2 || dump(ds[1].Items) != dump([]Item{{"事项乙", ClassKey}, {"事项丙", ClassKey}}) || ds[1].Row != 3 {
					t.Errorf("got %s", dump(ds))
				}
			}},
		{"an explicit repeat of the current 序号 is another plan under it",
			tsvTable(okPlan, strings.Replace(okPlan, "计划甲", "计划乙", 1)),
			func(t *testing.T, plans []Plan) {
				if len(plans) != 2 || plans[1].Seq != 1 || plans[1].Sub != 2 {
					t.Errorf("got %s", dump(plans))
				}
			}},
		{"a 1.4 MB cell of 100,000 items is read without quadratic work",
			tsvTable(strings.Replace(okPlan, "事项甲", manyItems(100000), 1)),
			func(t *testing.T, plans []Plan) {
				if n := len(plans[0].Departments[0].Items); n != 100000 {
					t.Errorf("got %d items", n)
				}
			}},
		{"levels split on 、 and commas",
			tsvTable(strings.Replace(okPlan, "\t市级\t", "\t市级, 县区级\t", 1)),
			func(t *testing.T, plans []Plan) {
				if dump(plans[0].Levels) != dump([]string{"市级", "县区级"}) {
					t.Errorf("levels %q", plans[0].Levels)
				}
			}},
		{"an unreadable window is kept as text with zero dates",
			tsvTable(strings.Replace(okPlan, "2024年4月开始，10月前结束", "2024年12月中旬前结束", 1)),
			func(t *testing.T, plans []Plan) {
				if plans[0].Window != "2024年12月中旬前结束" || !plans[0].Start.IsZero() || !plans[0].End.IsZero() {
					t.Errorf("got %s", dump(plans[0]))
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plans, err := Parse(strings.NewReader(tc.text), "plan.tsv", res)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, plans)
		})
	}
}

func TestParseRejectsNonTables(t *testing.T) {
	res := MustResolver(t, "testdata/departments.tsv")
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00")
	big := strings.Repeat(okPlan+"\n", MaxSize/len(okPlan)+1)
	long := tsvTable(okPlan) + strings.Repeat(okCont+"\n", limits.MaxRows)

	// The reader's own refusals are tested in tablefile; here, that they
	// arrive as the importer's row-0 errors, with the plan table's limits.
	for _, tc := range []struct {
		name, filename string
		data           []byte
		contains       string
	}{
		{"a PNG is rejected as binary", "plan.csv", png, "二进制文件"},
		{"an empty file is rejected", "plan.tsv", nil, "文件是空的"},
		{"a file over MaxSize is rejected", "plan.tsv", []byte(tsvTable(big)), "文件超过 5 MB，不像是抽查计划表"},
		{"a table of more rows than any plan table is rejected", "plan.tsv", []byte(long), "表格超过 20000 行，不像是抽查计划表"},
		{"a legacy .xls is rejected with a hint", "plan.xls", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00"), ".xlsx"},
		{"a one-column file without a name is rejected", "", []byte("序号\n1\n"), "无法识别文件格式"},
		{"prose without a header is rejected", "plan.tsv", []byte("庆阳市市场监管局\n关于印发抽查计划的通知\n"), "找不到表头"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plans, err := Parse(bytes.NewReader(tc.data), tc.filename, res)
			if plans != nil {
				t.Errorf("want no plans, got %d", len(plans))
			}
			es := asErrors(t, err)
			if len(es) != 1 || es[0].Row != 0 || !strings.Contains(es[0].Message, tc.contains) {
				t.Errorf("got %s, want row 0 containing %q", dump(es), tc.contains)
			}
		})
	}

	t.Run("a nil resolver is an error, not a panic", func(t *testing.T) {
		if _, err := Parse(strings.NewReader(tsvTable(okPlan)), "plan.tsv", nil); err == nil {
			t.Error("want an error")
		}
	})
}

func TestRowErrorText(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"a row and column error names both", RowError{Row: 12, Column: "抽查比例", Message: "bad"}, "row 12, 抽查比例: bad"},
		{"a row error names the row", RowError{Row: 3, Message: "bad"}, "row 3: bad"},
		{"a file error is the message", RowError{Message: "empty"}, "empty"},
		{"one error in a list reads like the error", Errors{{Row: 1, Message: "x"}}, "row 1: x"},
		{"a long list is cut short", Errors{{Message: "1"}, {Message: "2"}, {Message: "3"}, {Message: "4"}, {Message: "5"}, {Message: "6"}, {Message: "7"}},
			"7 problems: 1; 2; 3; 4; 5; and 2 more"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// manyItems is a cell of n distinct items.
func manyItems(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "事项%d；", i)
	}
	return b.String()
}
