package report

import (
	"slices"
	"strings"

	"zsc/schema"
)

// The rules of the trail walk (R15, 顺向可追、逆向可溯): where a walk may
// start, how deep each record sits, where each record stands relative to
// the one asked about, and which records of a visit belong to a
// department's part of the chain. The store (server/sqlstore trail.go) only
// reads the rows these rules name; who may see a task's records is the
// policy's (authz.TrailRead).

// TrailKinds are the records a trail may start from.
var TrailKinds = []string{"plan", "task", "draw", "visit", "result", "notice", "publication", "entity", "user"}

// TrailLimit caps the entries of one trail: a plan's trail reaches every
// result of every visit of every task, so it is cut there and says so.
const TrailLimit = 5000

// Depths of the chain (TrailEntry.Depth).
const (
	DepthPlan = iota
	DepthTask
	DepthDraw
	DepthVisit
	DepthResult
	DepthFollowup
)

// TrailStart refuses a walk from an unknown kind or without an id.
func TrailStart(kind, id string) error {
	if !slices.Contains(TrailKinds, kind) {
		return schema.Errorf(schema.EINVALID, "记录类型（kind）只能是 %s 之一", strings.Join(TrailKinds, "、"))
	}
	if id == "" {
		return schema.Errorf(schema.EINVALID, "缺少要追溯的记录编号（id）")
	}
	return nil
}

// ResultRef reads the id of a trail of kind "result": a checklist item id,
// or "{visit id}:{dept}" for a department's outcome (检查结论).
func ResultRef(id string) (visit, dept string, outcome bool) {
	return strings.Cut(id, ":")
}

// AncestorPosition is where an ancestor of kind k (plan, task, draw, visit)
// stands in a walk started from kind start: itself, or before it.
func AncestorPosition(start, k string) string {
	if k == start {
		return Self
	}
	return Before
}

// deptRank orders a department's part of a visit: results and the outcome,
// then the notice, its follow-ups, the publication.
var deptRank = map[string]int{"item_result": 1, "outcome": 1, "notice": 2, "followup": 3, "publication": 4}

// DeptPart is a department's part of one visit's chain, seen from one of
// its records (a result, an outcome, a notice or a publication). Records
// ranked below it came before it, those above after it; siblings of the
// same rank (another item of the same department) are left out.
type DeptPart struct {
	Dept   string
	Kind   string // the audit kind of the record asked about: item_result, outcome, notice, publication
	ID     string
	Notice string // for a notice: its follow-ups only, not another notice's
	rank   int
}

// NewDeptPart is the part of dept seen from the record of trail kind
// (result, notice, publication) and id; outcome marks a result that is a
// department's outcome ("{visit}:{dept}"), not an item.
func NewDeptPart(kind, id, dept string, outcome bool) DeptPart {
	p := DeptPart{Dept: dept, Kind: kind, ID: id}
	switch kind {
	case "result":
		p.Kind = "item_result"
		if outcome {
			p.Kind = "outcome"
		}
	case "notice":
		p.Notice = id
	}
	p.rank = deptRank[p.Kind]
	return p
}

// Keep says whether a record of a visit (its audit kind and id, the
// department it belongs to and, for a follow-up, its notice) is shown.
func (p DeptPart) Keep(kind, id, dept, notice string) bool {
	if dept != p.Dept || deptRank[kind] == 0 {
		return false
	}
	if kind == "followup" && p.Notice != "" && notice != p.Notice {
		return false
	}
	return kind == p.Kind && id == p.ID || deptRank[kind] != p.rank
}

// Position is where a kept record stands.
func (p DeptPart) Position(kind, id string) string {
	switch {
	case kind == p.Kind && id == p.ID:
		return Self
	case deptRank[kind] < p.rank:
		return Before
	}
	return After
}
