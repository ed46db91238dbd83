package planimport

import (
	"strings"
	"testing"
)

func TestDiffNamesWhatAnImportChanges(t *testing.T) {
	res := MustResolver(t, "testdata/departments.tsv")
	parse := func(rows ...string) []Plan {
		t.Helper()
		plans, err := Parse(strings.NewReader(tsvTable(rows...)), "p.tsv", res)
		if err != nil {
			t.Fatal(err)
		}
		return plans
	}
	second := strings.Replace(strings.Replace(okPlan, "1", "2", 1), "计划甲", "计划乙", 1)
	old := parse(okPlan, okCont, second)
	same := Diff(old, old)
	if len(same) != 0 {
		t.Fatalf("the same table changes %+v", same)
	}
	third := strings.Replace(strings.Replace(okPlan, "1", "3", 1), "计划甲", "计划丙", 1)
	new := parse(strings.Replace(okPlan, "10%", "20%", 1), strings.Replace(okCont, "事项乙", "事项丁", 1), third)
	got := Diff(old, new)
	want := []Change{
		{Kind: ChangeChanged, Seq: 1, Name: "计划甲", Fields: []string{"抽查比例", "抽查事项"}},
		{Kind: ChangeAdded, Seq: 3, Name: "计划丙"},
		{Kind: ChangeRemoved, Seq: 2, Name: "计划乙"},
	}
	if dump(got) != dump(want) {
		t.Fatalf("got %s\nwant %s", dump(got), dump(want))
	}
	if s := Summarize(new); s.Plans != 2 || s.Numbers != 2 || s.Departments != 3 || s.Items != 3 {
		t.Fatalf("summary %+v", s)
	}
}

func TestSettleAPlaceholder(t *testing.T) {
	members := map[string]string{"scjg": "市市场监管局", "wjw": "市卫健委", "zjj": "市住建局"}
	ph := Department{Raw: "待定", Placeholder: true}
	for _, tc := range []struct {
		name   string
		d      Department
		chosen []string
		want   string // the settled codes, or a part of the refusal
	}{
		{"member departments settle it, once each", ph, []string{"wjw", "zjj", "wjw"}, "wjw,zjj"},
		{"a named department is refused", ph, []string{"scjg"}, "市市场监管局已是本计划的责任部门"},
		{"an unknown or office department is refused", ph, []string{"office"}, "不是成员单位"},
		{"nothing chosen is refused", ph, nil, "至少选择一个"},
		{"a named row is not a placeholder", Department{Raw: "市卫健委", Code: "wjw"}, []string{"zjj"}, "不是待定部门"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Settle(tc.d, []string{"scjg"}, tc.chosen, members)
			if err != nil {
				if !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("error %q, want %q", err, tc.want)
				}
				return
			}
			if strings.Join(got, ",") != tc.want {
				t.Fatalf("got %v, want %s", got, tc.want)
			}
		})
	}
}
