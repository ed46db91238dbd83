package report

import (
	"fmt"
	"slices"
	"sort"
)

// The headings of 附件3, as the paper form prints them.
const (
	ProgressTitle = "“双随机”抽查任务进展情况统计表"

	SectionJoint  = "跨部门联合双随机抽查"
	SectionSingle = "单部门双随机抽查"

	CategoryCityJoint    = "市级跨部门联合抽查情况"
	CategoryCountyJoint  = "县级跨部门联合抽查情况"
	CategoryCitySingle   = "市级部门抽查情况"
	CategoryCountySingle = "县级部门抽查情况"

	ChannelPlatform = "互联网+监管系统"
	ChannelSystem   = "部门系统"
	ChannelWebsite  = "部门网站"

	// ProgressNote is the 备注 of the form, word for word.
	ProgressNote = "1.为防止重复统计，跨部门联合抽查批次、抽查数量、公示数量、案件数及罚没金额由发起部门统计。“抽查批次”请填写附件1抽查计划对应的序号及计划名称，计划外发起临时抽查请说明。抽查数量以系统抽取实际数据为准。2.发现违法违规线索属其他部门管辖的，案件数上备注说明。"
)

// PublicationChannels are the three publication channels of 附件3, in the
// form's column order.
var PublicationChannels = []string{ChannelPlatform, ChannelSystem, ChannelWebsite}

// ProgressTaskFact is one drawn task counted in 附件3: by its initiating
// department, so a joint task appears once however many departments join.
type ProgressTaskFact struct {
	ID        string
	PlanID    string
	PlanSeq   int
	PlanSub   int
	PlanName  string
	Initiator string
	Level     string   // 市级 or 县区级
	Depts     []string // participating departments in their order
	Visits    int      // 户 drawn (replaced visits excluded)
}

// PubFact counts published visits of a task by channel: for one department
// (its own publications), or with Dept "" the distinct visits that any
// department published on the channel (the 户 counted once).
type PubFact struct {
	TaskID, Dept              string
	Platform, System, Website int
}

// CaseFact counts a department's cases on a task: follow-ups ending in 立案
// or 移送 (a not-corrected notice, R12), and their penalties in 万元.
type CaseFact struct {
	TaskID, Dept string
	Cases        int
	Transferred  int // of which 移送 (another department's jurisdiction: the form asks for a note)
	Penalty      float64
}

// ProgressFacts is what the store reads for one 附件3: the tasks drawn up to
// the end of the month and what was published and filed by then.
type ProgressFacts struct {
	Year      int
	Month     string // YYYY-MM: the table counts the year up to the end of this month
	Unit      string // 填报单位
	Date      string // 填报时间, YYYY-MM-DD
	Tasks     []ProgressTaskFact
	Pubs      []PubFact
	Cases     []CaseFact
	DeptNames map[string]string
}

// Figures are the numbers of one line of 附件3.
type Figures struct {
	Visits      int     `json:"visits"`      // 抽查数量（户）
	Platform    int     `json:"platform"`    // 公示：互联网+监管系统
	System      int     `json:"system"`      // 公示：部门系统
	Website     int     `json:"website"`     // 公示：部门网站
	Cases       int     `json:"cases"`       // 双随机抽查案件数（件）
	Transferred int     `json:"transferred"` // of which 移送
	Penalty     float64 `json:"penalty"`     // 案件处罚金额（万元）
}

func (f *Figures) add(g Figures) {
	f.Visits += g.Visits
	f.Platform += g.Platform
	f.System += g.System
	f.Website += g.Website
	f.Cases += g.Cases
	f.Transferred += g.Transferred
	f.Penalty += g.Penalty
}

// DeptRow is one participating department of a batch with its own part:
// the 户 it inspected, the 户 it published per channel, its cases.
type DeptRow struct {
	Dept      string `json:"dept"`
	Name      string `json:"name"`
	Initiator bool   `json:"initiator"`
	Figures
}

// Batch is one 抽查批次: a plan (序号 and name) within a category, with one
// row per participating department. Total counts each 户 once.
type Batch struct {
	PlanID string    `json:"plan_id"`
	Label  string    `json:"label"`
	Joint  bool      `json:"joint"`
	Rows   []DeptRow `json:"rows"`
	Total  Figures   `json:"total"`
}

// Category is 市级 or 县级 within a section, with its 小计.
type Category struct {
	Name     string  `json:"name"`
	Batches  []Batch `json:"batches"`
	Subtotal Figures `json:"subtotal"`
}

// Section is 跨部门联合 or 单部门.
type Section struct {
	Name       string     `json:"name"`
	Categories []Category `json:"categories"`
}

// Progress is 附件3 for one month.
type Progress struct {
	Title    string    `json:"title"`
	YearLine string    `json:"year_line"`
	Year     int       `json:"year"`
	Month    string    `json:"month"`
	Unit     string    `json:"unit"`
	Date     string    `json:"date"`
	Sections []Section `json:"sections"`
	Total    Figures   `json:"total"`
	Note     string    `json:"note"`
}

// BuildProgress lays the facts out as 附件3 (R14). A task with two or more
// participating departments is a joint one; its level decides 市级 or 县级.
// A batch is a plan within its category (the form asks for the plan's 序号
// and name), with one row per participating department showing that
// department's part; the batch total, the 小计 and the 合计 count each 户
// once, so joint tasks are never counted twice.
func BuildProgress(f *ProgressFacts) *Progress {
	p := &Progress{Title: ProgressTitle, YearLine: fmt.Sprintf("（%d 年度）", f.Year), Year: f.Year, Month: f.Month,
		Unit: f.Unit, Date: f.Date, Note: ProgressNote}
	pubs := map[[2]string]PubFact{}
	for _, x := range f.Pubs {
		k := [2]string{x.TaskID, x.Dept}
		y := pubs[k]
		y.Platform += x.Platform
		y.System += x.System
		y.Website += x.Website
		pubs[k] = y
	}
	cases := map[[2]string]CaseFact{}
	for _, x := range f.Cases {
		k := [2]string{x.TaskID, x.Dept}
		y := cases[k]
		y.Cases += x.Cases
		y.Transferred += x.Transferred
		y.Penalty += x.Penalty
		cases[k] = y
	}
	layout := []struct {
		section, category string
		joint             bool
		level             string
	}{
		{SectionJoint, CategoryCityJoint, true, "市级"},
		{SectionJoint, CategoryCountyJoint, true, "县区级"},
		{SectionSingle, CategoryCitySingle, false, "市级"},
		{SectionSingle, CategoryCountySingle, false, "县区级"},
	}
	tasks := slices.Clone(f.Tasks)
	sort.SliceStable(tasks, func(i, j int) bool {
		a, b := tasks[i], tasks[j]
		if a.PlanSeq != b.PlanSeq {
			return a.PlanSeq < b.PlanSeq
		}
		return a.PlanSub < b.PlanSub
	})
	for _, l := range layout {
		if len(p.Sections) == 0 || p.Sections[len(p.Sections)-1].Name != l.section {
			p.Sections = append(p.Sections, Section{Name: l.section})
		}
		sec := &p.Sections[len(p.Sections)-1]
		cat := Category{Name: l.category, Batches: []Batch{}}
		index := map[string]int{}
		for _, t := range tasks {
			if (len(t.Depts) >= 2) != l.joint || levelOf(t.Level) != l.level {
				continue
			}
			i, ok := index[t.PlanID]
			if !ok {
				i = len(cat.Batches)
				index[t.PlanID] = i
				cat.Batches = append(cat.Batches, Batch{PlanID: t.PlanID, Label: PlanLabel(t.PlanSeq, t.PlanName), Joint: l.joint})
			}
			b := &cat.Batches[i]
			// The initiating department's row comes first.
			depts := slices.Clone(t.Depts)
			sort.SliceStable(depts, func(i, j int) bool { return depts[i] == t.Initiator && depts[j] != t.Initiator })
			for _, d := range depts {
				if !slices.ContainsFunc(b.Rows, func(r DeptRow) bool { return r.Dept == d }) {
					b.Rows = append(b.Rows, DeptRow{Dept: d, Name: name(f.DeptNames, d), Initiator: d == t.Initiator})
				}
			}
			for ri := range b.Rows {
				r := &b.Rows[ri]
				if !slices.Contains(t.Depts, r.Dept) {
					continue
				}
				pf, cf := pubs[[2]string{t.ID, r.Dept}], cases[[2]string{t.ID, r.Dept}]
				r.add(Figures{Visits: t.Visits, Platform: pf.Platform, System: pf.System, Website: pf.Website,
					Cases: cf.Cases, Transferred: cf.Transferred, Penalty: cf.Penalty})
			}
			once := pubs[[2]string{t.ID, ""}]
			all := Figures{Visits: t.Visits, Platform: once.Platform, System: once.System, Website: once.Website}
			for _, d := range t.Depts {
				cf := cases[[2]string{t.ID, d}]
				all.Cases += cf.Cases
				all.Transferred += cf.Transferred
				all.Penalty += cf.Penalty
			}
			b.Total.add(all)
		}
		for _, b := range cat.Batches {
			cat.Subtotal.add(b.Total)
		}
		p.Total.add(cat.Subtotal)
		sec.Categories = append(sec.Categories, cat)
	}
	return p
}

func levelOf(level string) string {
	if level == "市级" {
		return "市级"
	}
	return "县区级"
}

func name(names map[string]string, code string) string {
	if n := names[code]; n != "" {
		return n
	}
	return code
}

// Line kinds of the flat layout.
const (
	LineDept     = "dept"
	LineSubtotal = "subtotal"
	LineTotal    = "total"
)

// Line is one row of the flat layout that CSV and XLSX share.
type Line struct {
	Section, Category, Batch, Dept string
	Kind                           string
	Figures
	// BatchStart and BatchRows place a joint batch's 抽查数量, merged over its
	// rows in the XLSX since the 户 are the same for every department.
	BatchStart bool
	BatchRows  int
	BatchTotal Figures
}

// Lines flattens the table: each batch's department rows, a 小计 per
// category, a 合计 at the end.
func (p *Progress) Lines() []Line {
	var out []Line
	for _, s := range p.Sections {
		for _, c := range s.Categories {
			for _, b := range c.Batches {
				for i, r := range b.Rows {
					d := r.Name
					if b.Joint && r.Initiator {
						d += "（发起）"
					}
					out = append(out, Line{Section: s.Name, Category: c.Name, Batch: b.Label, Dept: d, Kind: LineDept,
						Figures: r.Figures, BatchStart: i == 0, BatchRows: len(b.Rows), BatchTotal: b.Total})
				}
			}
			out = append(out, Line{Section: s.Name, Category: c.Name, Batch: "小计", Kind: LineSubtotal, Figures: c.Subtotal})
		}
	}
	out = append(out, Line{Section: "合计", Kind: LineTotal, Figures: p.Total})
	return out
}
