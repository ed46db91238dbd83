package planimport

import (
	"slices"
	"strconv"
)

// Summary counts what a table holds: what an import writes.
type Summary struct {
	Plans        int `json:"plans"`
	Numbers      int `json:"numbers"`      // distinct 序号
	Departments  int `json:"departments"`  // responsible departments, counted per plan
	Items        int `json:"items"`        // 抽查事项, counted per plan and department
	Placeholders int `json:"placeholders"` // 待定 / 相关成员单位 rows to settle later
}

// Summarize counts plans as the import writes them (server/sqlstore ImportPlans counts the same while inserting).
func Summarize(plans []Plan) Summary {
	var s Summary
	seqs := map[int]bool{}
	for _, p := range plans {
		s.Plans++
		seqs[p.Seq] = true
		for _, d := range p.Departments {
			s.Departments++
			s.Items += len(d.Items)
			if d.Placeholder {
				s.Placeholders++
			}
		}
	}
	s.Numbers = len(seqs)
	return s
}

// Change is what importing a table would do to one plan of the year already stored.
type Change struct {
	Kind   string   `json:"kind"` // ChangeAdded, ChangeRemoved or ChangeChanged
	Seq    int      `json:"seq"`
	Name   string   `json:"name"`
	Fields []string `json:"fields,omitempty"` // for ChangeChanged: the columns that differ, by their 附件1 names
}

// The kinds of Change.
const (
	ChangeAdded   = "added"
	ChangeRemoved = "removed"
	ChangeChanged = "changed"
)

// Diff compares a parsed table with the plans a year already has: a plan is the same plan when its 序号 and 计划名称
// are (the table's own key, see the duplicate check in Parse). Plans only in the table are added, only in the year
// removed (an import replaces the year), in both changed when a column differs. The order is the table's, then the
// removed plans in the year's order. Unchanged plans are not listed.
func Diff(old, new []Plan) []Change {
	key := func(p Plan) string { return strconv.Itoa(p.Seq) + "\x00" + p.Name }
	before := make(map[string]Plan, len(old))
	for _, p := range old {
		before[key(p)] = p
	}
	seen := make(map[string]bool, len(new))
	out := []Change{}
	for _, p := range new {
		k := key(p)
		seen[k] = true
		o, ok := before[k]
		if !ok {
			out = append(out, Change{Kind: ChangeAdded, Seq: p.Seq, Name: p.Name})
			continue
		}
		if f := changedFields(o, p); len(f) > 0 {
			out = append(out, Change{Kind: ChangeChanged, Seq: p.Seq, Name: p.Name, Fields: f})
		}
	}
	for _, p := range old {
		if !seen[key(p)] {
			out = append(out, Change{Kind: ChangeRemoved, Seq: p.Seq, Name: p.Name})
		}
	}
	return out
}

// changedFields names the columns of 附件1 in which two readings of one plan differ.
func changedFields(a, b Plan) []string {
	var f []string
	add := func(differ bool, col string) {
		if differ {
			f = append(f, col)
		}
	}
	add(a.Domain != b.Domain, colDomain)
	add(a.Target != b.Target, colTarget)
	add(a.Ratio.Text != b.Ratio.Text, colRatio)
	add(a.Delegated != b.Delegated, colDelegated)
	add(!slices.Equal(a.Levels, b.Levels), colLevels)
	add(a.Initiator != b.Initiator, colInitiator)
	depts, items := false, false
	if len(a.Departments) != len(b.Departments) {
		depts = true
	} else {
		for i := range a.Departments {
			da, db := a.Departments[i], b.Departments[i]
			if da.Code != db.Code || da.Placeholder != db.Placeholder || (da.Placeholder && removeSpace(da.Raw) != removeSpace(db.Raw)) {
				depts = true
			}
			// Items by name: a stored item's class is its catalogue entry's
			// (the first plan that named it), not each plan's own.
			if !slices.EqualFunc(da.Items, db.Items, func(x, y Item) bool { return x.Name == y.Name }) {
				items = true
			}
		}
	}
	add(depts, colDepartment)
	add(items, colItems)
	add(a.Window != b.Window, colWindow)
	add(a.Note != b.Note, colNote)
	return f
}
