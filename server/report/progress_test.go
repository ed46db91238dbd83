package report_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zsc/server/report"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// progressFacts is a small month of work: a joint city task of plan 3
// (市教育局 with 市市场监管局), a county batch of the same plan, a single
// department task of plan 31 and nothing at county level for it.
func progressFacts() *report.ProgressFacts {
	return &report.ProgressFacts{
		Year: 2024, Month: "2024-06", Unit: "庆阳市联席办", Date: "2024-06-20",
		DeptNames: map[string]string{"jyj": "市教育局", "scjg": "市市场监管局", "wjw": "市卫生健康委"},
		Tasks: []report.ProgressTaskFact{
			{ID: "t31", PlanID: "p31", PlanSeq: 31, PlanName: "2024年庆阳市年度报告公示信息联", Initiator: "scjg", Level: "市级", Depts: []string{"scjg"}, Visits: 40},
			{ID: "t3a", PlanID: "p3", PlanSeq: 3, PlanName: "庆阳市2024年中小学办学情况联合检查", Initiator: "jyj", Level: "市级", Depts: []string{"jyj", "scjg"}, Visits: 12},
			{ID: "t3b", PlanID: "p3", PlanSeq: 3, PlanName: "庆阳市2024年中小学办学情况联合检查", Initiator: "jyj", Level: "县区级", Depts: []string{"scjg", "jyj", "wjw"}, Visits: 5},
		},
		Pubs: []report.PubFact{
			{TaskID: "t3a", Dept: "jyj", Platform: 10, System: 2},
			{TaskID: "t3a", Dept: "scjg", Platform: 9, Website: 3},
			{TaskID: "t3a", Dept: "", Platform: 11, System: 2, Website: 3},
			{TaskID: "t31", Dept: "scjg", Platform: 38},
			{TaskID: "t31", Dept: "", Platform: 38},
		},
		Cases: []report.CaseFact{
			{TaskID: "t3a", Dept: "scjg", Cases: 2, Transferred: 1, Penalty: 1.5},
			{TaskID: "t31", Dept: "scjg", Cases: 1, Penalty: 0.25},
		},
	}
}

func TestProgressCountsJointTasksOnce(t *testing.T) {
	p := report.BuildProgress(progressFacts())
	joint := p.Sections[0].Categories[0]
	cases := []struct {
		name      string
		got, want any
	}{
		{"the sections are joint then single", []string{p.Sections[0].Name, p.Sections[1].Name}, []string{report.SectionJoint, report.SectionSingle}},
		{"the joint city category has plan 3 as one batch", fmt.Sprintf("%d %s", len(joint.Batches), joint.Batches[0].Label), "1 3. 庆阳市2024年中小学办学情况联合检查"},
		{"the initiating department's row comes first", joint.Batches[0].Rows[0].Dept, "jyj"},
		{"every participating department shows its 户", []int{joint.Batches[0].Rows[0].Visits, joint.Batches[0].Rows[1].Visits}, []int{12, 12}},
		{"the batch counts its 户 once", joint.Subtotal.Visits, 12},
		{"the batch counts a 户 published by two departments once", joint.Subtotal.Platform, 11},
		{"each department shows its own publications", joint.Batches[0].Rows[1].Platform, 9},
		{"the county joint batch lists its three departments", len(p.Sections[0].Categories[1].Batches[0].Rows), 3},
		{"the total counts 户 once", p.Total.Visits, 12 + 5 + 40},
		{"the total sums cases and penalties", fmt.Sprintf("%d %s", p.Total.Cases, report.FormatWan(p.Total.Penalty)), "3 1.75"},
		{"an empty category keeps its place with a zero 小计", p.Sections[1].Categories[1].Subtotal, report.Figures{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
				t.Fatalf("got %v, want %v", c.got, c.want)
			}
		})
	}
}

// dumpXLSX reads an XLSX back and writes every non-empty cell and every
// merged range as text, the form the golden file keeps.
func dumpXLSX(t *testing.T, b []byte) string {
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out strings.Builder
	fmt.Fprintf(&out, "sheets: %v\n", f.GetSheetList())
	rows, err := f.GetRows(report.SheetName)
	if err != nil {
		t.Fatal(err)
	}
	for r, row := range rows {
		for c, v := range row {
			if v == "" {
				continue
			}
			ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
			fmt.Fprintf(&out, "%s\t%s\n", ref, v)
		}
	}
	merged, err := f.GetMergeCells(report.SheetName)
	if err != nil {
		t.Fatal(err)
	}
	var ms []string
	for _, m := range merged {
		ms = append(ms, m.GetStartAxis()+":"+m.GetEndAxis())
	}
	sort.Strings(ms)
	fmt.Fprintf(&out, "merged: %s\n", strings.Join(ms, " "))
	return out.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Fatalf("%s differs from the golden file (go test ./server/report -run %s -update after checking):\n%s", name, t.Name(), got)
	}
}

func TestProgressXLSX(t *testing.T) {
	b, err := report.BuildProgress(progressFacts()).XLSX()
	if err != nil {
		t.Fatal(err)
	}
	dump := dumpXLSX(t, b)
	golden(t, "progress.xlsx.golden", dump)
	checks := []struct{ name, want string }{
		{"the title row spans the form", "A1:J1"},
		{"抽查结果公示数量 spans its three channel columns", "F4:H4"},
		{"区分 spans both header rows", "A4:A5"},
		{"跨部门联合双随机抽查 is merged down its rows", "A6:A12"},
		{"the joint batch's 抽查数量 is merged over its department rows", "E6:E7"},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(dump, c.want) {
				t.Fatalf("no merged range %s in\n%s", c.want, dump)
			}
		})
	}
	t.Run("the 备注 row carries the form's note", func(t *testing.T) {
		if !strings.Contains(dump, "由发起部门统计") {
			t.Fatal("no 备注")
		}
	})
}

func TestProgressCSV(t *testing.T) {
	b, err := report.BuildProgress(progressFacts()).CSV()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "progress.csv.golden", string(b))
	lines := strings.Split(strings.TrimSpace(string(b)), "\r\n")
	if !strings.HasPrefix(lines[0], "\uFEFF区分,类别,抽查批次,参与部门,抽查数量（户）") {
		t.Fatalf("header %q", lines[0])
	}
	if last := lines[len(lines)-1]; last != "合计,,,,57,49,2,3,3,1.75" {
		t.Fatalf("total line %q", last)
	}
}
