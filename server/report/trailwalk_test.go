package report_test

import (
	"testing"

	"zsc/server/report"
)

func TestTrailStart(t *testing.T) {
	if err := report.TrailStart("notice", "n1"); err != nil {
		t.Error(err)
	}
	if report.TrailStart("photo", "p1") == nil || report.TrailStart("visit", "") == nil {
		t.Error("an unknown kind or an empty id is accepted")
	}
	if v, d, ok := report.ResultRef("v1:wjw"); v != "v1" || d != "wjw" || !ok {
		t.Error("an outcome's ref")
	}
	if _, _, ok := report.ResultRef("item-1"); ok {
		t.Error("an item id read as an outcome")
	}
	if report.AncestorPosition("visit", "visit") != report.Self || report.AncestorPosition("visit", "plan") != report.Before {
		t.Error("AncestorPosition")
	}
}

// 一个部门在一户检查中的链条：检查结果/结论 → 责令改正通知书 → 复查 → 结果公示.
func TestDeptPart(t *testing.T) {
	type rec struct{ kind, id, dept, notice string }
	visit := []rec{
		{"item_result", "i1", "wjw", ""},
		{"item_result", "i2", "wjw", ""},
		{"outcome", "o1", "wjw", ""},
		{"notice", "n1", "wjw", ""},
		{"notice", "n2", "wjw", ""}, // a re-issue after a void
		{"followup", "f1", "wjw", "n1"},
		{"followup", "f2", "wjw", "n2"},
		{"publication", "p1", "wjw", ""},
		{"item_result", "i9", "scjg", ""}, // another department's part
		{"checkin", "c1", "", ""},         // the visit's own, not a department's
	}
	walk := func(p report.DeptPart) map[string]string {
		out := map[string]string{}
		for _, r := range visit {
			if p.Keep(r.kind, r.id, r.dept, r.notice) {
				out[r.id] = p.Position(r.kind, r.id)
			}
		}
		return out
	}
	for _, c := range []struct {
		name string
		part report.DeptPart
		want map[string]string
	}{
		{"from one item: siblings left out, the rest after", report.NewDeptPart("result", "i1", "wjw", false),
			map[string]string{"i1": report.Self, "n1": report.After, "n2": report.After, "f1": report.After, "f2": report.After, "p1": report.After}},
		{"from the outcome", report.NewDeptPart("result", "o1", "wjw", true),
			map[string]string{"o1": report.Self, "n1": report.After, "n2": report.After, "f1": report.After, "f2": report.After, "p1": report.After}},
		{"from a notice: results before, only its own follow-up", report.NewDeptPart("notice", "n1", "wjw", false),
			map[string]string{"i1": report.Before, "i2": report.Before, "o1": report.Before, "n1": report.Self, "f1": report.After, "p1": report.After}},
		{"from the publication: everything before", report.NewDeptPart("publication", "p1", "wjw", false),
			map[string]string{"i1": report.Before, "i2": report.Before, "o1": report.Before, "n1": report.Before, "n2": report.Before, "f1": report.Before, "f2": report.Before, "p1": report.Self}},
	} {
		got := walk(c.part)
		if len(got) != len(c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
			continue
		}
		for id, pos := range c.want {
			if got[id] != pos {
				t.Errorf("%s: %s is %q, want %q (all: %v)", c.name, id, got[id], pos, got)
			}
		}
	}
}
