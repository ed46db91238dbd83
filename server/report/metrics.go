package report

import (
	"fmt"
	"slices"
	"sort"

	"zsc/schema"
)

// The six targets of DESIGN §3, in the order the office reads them.
const (
	PlanLaunch     = "plan_launch"     // 计划开展率
	TaskCompletion = "task_completion" // 任务完成率
	ResultEntry    = "result_entry"    // 检查结果录入率
	ItemCoverage   = "item_coverage"   // 双随机事项覆盖率
	MobileUse      = "mobile_use"      // 移动端应用率
	RiskUse        = "risk_use"        // 信用风险分类结果应用率
)

// TargetKeys lists the targets in order.
var TargetKeys = []string{PlanLaunch, TaskCompletion, ResultEntry, ItemCoverage, MobileUse, RiskUse}

// TargetNames are the Chinese names of the targets.
var TargetNames = map[string]string{
	PlanLaunch:     "计划开展率",
	TaskCompletion: "任务完成率",
	ResultEntry:    "检查结果录入率",
	ItemCoverage:   "双随机事项覆盖率",
	MobileUse:      "移动端应用率",
	RiskUse:        "信用风险分类结果应用率",
}

// Goals are the targets the plan's notice sets: 100% for the first four,
// at least 90% for the mobile and the credit-risk rates.
var Goals = map[string]float64{
	PlanLaunch: 1, TaskCompletion: 1, ResultEntry: 1, ItemCoverage: 1, MobileUse: 0.9, RiskUse: 0.9,
}

// Target is one of the six figures.
type Target struct {
	Key         string   `json:"key"`
	Name        string   `json:"name"`
	Numerator   int      `json:"numerator"`
	Denominator int      `json:"denominator"`
	Rate        *float64 `json:"rate"` // null when the denominator is 0 (nothing to count)
	Goal        float64  `json:"goal"`
	OK          bool     `json:"ok"` // the rate reaches the goal, or there is nothing to count
}

func newTarget(key string, num, den int) Target {
	t := Target{Key: key, Name: TargetNames[key], Numerator: num, Denominator: den, Goal: Goals[key], OK: true}
	if den > 0 {
		r := float64(num) / float64(den)
		t.Rate = &r
		// Compare on whole counts so that 9 of 10 meets a 90% goal exactly.
		t.OK = float64(num) >= t.Goal*float64(den)-1e-9
	}
	return t
}

// PlanFact is one plan of the year.
type PlanFact struct {
	ID        string
	Seq, Sub  int
	Name      string
	Initiator string
	Levels    []string // 市级, 县区级
}

// TaskFact is one task with its draw and its visit counts summed over every
// completion month.
type TaskFact struct {
	ID        string
	PlanID    string
	Region    string
	Level     string
	Initiator string   // the plan's initiating department: joint tasks count for it alone
	Depts     []string // the participating departments
	DrawMonth string   // China month of the draw; "" when not drawn
	// RiskApplicable and RiskStratified are the draw's credit-risk flags.
	RiskApplicable, RiskStratified bool
	Visits, Complete, Entered      int
}

// Drawn reports whether the task has been drawn.
func (t *TaskFact) Drawn() bool { return t.DrawMonth != "" }

// MonthFact is what one task completed in one China month.
type MonthFact struct {
	TaskID   string
	Month    string
	Complete int
	Mobile   int
}

// ItemFact is one item of a plan of the year: a catalogue item and the
// department it sits under in the plan, which owns it ("" for the items of a
// placeholder such as 相关成员单位, settled per task).
type ItemFact struct {
	PlanID      string
	CatalogueID string
	Dept        string
}

// Facts is everything the targets are computed from, as the store reads it
// for one year: a few thousand rows, whatever the number of visits.
type Facts struct {
	Year   int
	Plans  []PlanFact
	Tasks  []TaskFact
	Months []MonthFact
	Items  []ItemFact
	// Names of departments, regions and plans, for breakdown rows.
	DeptNames   map[string]string
	RegionNames map[string]string
}

// Filter narrows the targets. Region "" or the city (621000) means the whole
// city with its counties; a county means that county only. Dept keeps the
// plans and tasks that department initiates (a joint task counts once, for
// its initiator) and, for coverage, the catalogue items it owns. Month
// ("2024-06") keeps, for each rate, the population of its denominator in
// that month: tasks and visits drawn that month for the plan, completion,
// entry, coverage and risk rates, visits completed that month for the mobile
// rate; the plans and items of the year stay the denominators of the plan
// and coverage rates.
type Filter struct {
	Region string `json:"region,omitempty"`
	Dept   string `json:"department,omitempty"`
	Plan   string `json:"plan,omitempty"`
	Month  string `json:"month,omitempty"`
}

// Breakdowns of the drill-down.
const (
	ByDepartment = "department"
	ByRegion     = "region"
	ByPlan       = "plan"
	ByMonth      = "month"
)

// Row is one line of a drill-down: the six targets for one department,
// region, plan or month.
type Row struct {
	Key     string   `json:"key"`
	Name    string   `json:"name"`
	Targets []Target `json:"targets"`
}

// Metrics is the answer of GET /api/v1/metrics.
type Metrics struct {
	Year    int      `json:"year"`
	Filter  Filter   `json:"filter"`
	Targets []Target `json:"targets"`
	By      string   `json:"by,omitempty"`
	Rows    []Row    `json:"rows,omitempty"`
}

// Compute returns the six targets of f under filter, and the drill-down rows
// by department, region, plan or month when by is set.
func Compute(f *Facts, filter Filter, by string) (*Metrics, error) {
	switch by {
	case "", ByDepartment, ByRegion, ByPlan, ByMonth:
	default:
		return nil, schema.Errorf(schema.EINVALID, "by must be department, region, plan or month, not %q", by)
	}
	if filter.Month != "" && !ValidMonth(filter.Month) {
		return nil, schema.Errorf(schema.EINVALID, "月份应为“年-月”，如 2024-06，而不是“%s”", filter.Month)
	}
	m := &Metrics{Year: f.Year, Filter: filter, By: by, Targets: targets(f, filter, exact{})}
	if by == "" {
		return m, nil
	}
	m.Rows = []Row{}
	for _, k := range breakdownKeys(f, filter, by) {
		sub, ex := filter, exact{}
		switch by {
		case ByDepartment:
			sub.Dept = k
		case ByRegion:
			sub.Region, ex.region = k, true
		case ByPlan:
			sub.Plan = k
		case ByMonth:
			sub.Month = k
		}
		m.Rows = append(m.Rows, Row{Key: k, Name: rowName(f, by, k), Targets: targets(f, sub, ex)})
	}
	return m, nil
}

// exact says that a breakdown row by region means that region alone: the
// city's row holds the city-level tasks, not the whole city.
type exact struct{ region bool }

func regionMatch(filter Filter, ex exact, region string) bool {
	if filter.Region == "" || (!ex.region && filter.Region == schema.CityRegion) {
		return true
	}
	return region == filter.Region
}

// planApplies reports whether a plan counts in the denominators for the
// filter's region: the whole city counts every plan, the city level the
// plans run at 市级, a county the plans run at 县区级 (是否下发 = 是).
func planApplies(p *PlanFact, filter Filter, ex exact) bool {
	switch {
	case filter.Region == "" || (!ex.region && filter.Region == schema.CityRegion):
		return true
	case filter.Region == schema.CityRegion:
		return slices.Contains(p.Levels, "市级")
	default:
		return slices.Contains(p.Levels, "县区级")
	}
}

func targets(f *Facts, filter Filter, ex exact) []Target {
	plans := map[string]*PlanFact{}
	for i := range f.Plans {
		p := &f.Plans[i]
		if filter.Plan != "" && p.ID != filter.Plan || !planApplies(p, filter, ex) {
			continue
		}
		plans[p.ID] = p
	}
	// Tasks in scope for the region and plan; by initiator for the department.
	var launched = map[string]bool{}
	var visits, complete, entered, applicable, stratified int
	usedBy := map[string][]*TaskFact{} // plan → drawn tasks in scope (any initiator), for coverage
	for i := range f.Tasks {
		t := &f.Tasks[i]
		if plans[t.PlanID] == nil || !regionMatch(filter, ex, t.Region) || !t.Drawn() {
			continue
		}
		if filter.Month != "" && t.DrawMonth != filter.Month {
			continue
		}
		usedBy[t.PlanID] = append(usedBy[t.PlanID], t)
		if filter.Dept != "" && t.Initiator != filter.Dept {
			continue
		}
		launched[t.PlanID] = true
		visits += t.Visits
		complete += t.Complete
		entered += t.Entered
		if t.RiskApplicable {
			applicable++
			if t.RiskStratified {
				stratified++
			}
		}
	}
	planDen := 0
	for _, p := range plans {
		if filter.Dept == "" || p.Initiator == filter.Dept {
			planDen++
		}
	}
	// Mobile: by completion month.
	taskOK := map[string]bool{}
	for i := range f.Tasks {
		t := &f.Tasks[i]
		if plans[t.PlanID] != nil && regionMatch(filter, ex, t.Region) && (filter.Dept == "" || t.Initiator == filter.Dept) {
			taskOK[t.ID] = true
		}
	}
	var done, mobile int
	for _, mf := range f.Months {
		if !taskOK[mf.TaskID] || filter.Month != "" && mf.Month != filter.Month {
			continue
		}
		done += mf.Complete
		mobile += mf.Mobile
	}
	// Coverage: the distinct catalogue items of the plans in scope, owned by
	// the department when one is named; used when a drawn task of the plan
	// has the item's department among its participants (a placeholder's
	// items: when some participant settled the placeholder).
	all, used := map[string]bool{}, map[string]bool{}
	planDepts := map[string]map[string]bool{}
	for _, it := range f.Items {
		if planDepts[it.PlanID] == nil {
			planDepts[it.PlanID] = map[string]bool{}
		}
		planDepts[it.PlanID][it.Dept] = true
	}
	for _, it := range f.Items {
		if plans[it.PlanID] == nil || filter.Dept != "" && it.Dept != filter.Dept {
			continue
		}
		all[it.CatalogueID] = true
		for _, t := range usedBy[it.PlanID] {
			if it.Dept != "" && slices.Contains(t.Depts, it.Dept) {
				used[it.CatalogueID] = true
			}
			if it.Dept == "" {
				for _, d := range t.Depts {
					if !planDepts[it.PlanID][d] {
						used[it.CatalogueID] = true
					}
				}
			}
		}
	}
	return []Target{
		newTarget(PlanLaunch, len(launched), planDen),
		newTarget(TaskCompletion, complete, visits),
		newTarget(ResultEntry, entered, visits),
		newTarget(ItemCoverage, len(used), len(all)),
		newTarget(MobileUse, mobile, done),
		newTarget(RiskUse, stratified, applicable),
	}
}

// breakdownKeys lists the rows of a drill-down within the filter, in a
// stable order: departments and regions in code order, plans by number,
// months in time order.
func breakdownKeys(f *Facts, filter Filter, by string) []string {
	set := map[string]bool{}
	switch by {
	case ByDepartment:
		if filter.Dept != "" {
			return []string{filter.Dept}
		}
		for _, p := range f.Plans {
			set[p.Initiator] = true
		}
		for _, it := range f.Items {
			if it.Dept != "" {
				set[it.Dept] = true
			}
		}
	case ByRegion:
		for _, t := range f.Tasks {
			if regionMatch(filter, exact{}, t.Region) {
				set[t.Region] = true
			}
		}
		if filter.Region != "" && filter.Region != schema.CityRegion {
			set = map[string]bool{filter.Region: true}
		}
	case ByPlan:
		var ps []PlanFact
		for _, p := range f.Plans {
			if (filter.Plan == "" || p.ID == filter.Plan) && (filter.Dept == "" || p.Initiator == filter.Dept) {
				ps = append(ps, p)
			}
		}
		sort.SliceStable(ps, func(i, j int) bool {
			if ps[i].Seq != ps[j].Seq {
				return ps[i].Seq < ps[j].Seq
			}
			return ps[i].Sub < ps[j].Sub
		})
		keys := make([]string, len(ps))
		for i, p := range ps {
			keys[i] = p.ID
		}
		return keys
	case ByMonth:
		if filter.Month != "" {
			return []string{filter.Month}
		}
		for _, t := range f.Tasks {
			if t.DrawMonth != "" {
				set[t.DrawMonth] = true
			}
		}
		for _, m := range f.Months {
			if m.Month != "" {
				set[m.Month] = true
			}
		}
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func rowName(f *Facts, by, key string) string {
	switch by {
	case ByDepartment:
		if n := f.DeptNames[key]; n != "" {
			return n
		}
	case ByRegion:
		if n := f.RegionNames[key]; n != "" {
			return n
		}
	case ByPlan:
		for _, p := range f.Plans {
			if p.ID == key {
				return PlanLabel(p.Seq, p.Name)
			}
		}
	case ByMonth:
		if len(key) == 7 {
			return fmt.Sprintf("%s年%d月", key[:4], atoi(key[5:]))
		}
	}
	return key
}

// PlanLabel is how a plan is named in the office's tables: its 序号 and
// name, "3. 庆阳市2024年中小学办学情况联合检查".
func PlanLabel(seq int, name string) string { return fmt.Sprintf("%d. %s", seq, name) }

func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return n
		}
		n = n*10 + int(c-'0')
	}
	return n
}
