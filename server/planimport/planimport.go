// Package planimport reads the annual joint-inspection plan table (附件1 "抽查计划汇总表") from TSV, CSV or XLSX into
// plans with their responsible departments and items (DESIGN R1–R3a).
//
// It is a pure parser: no storage and no HTTP, so that the import endpoint, the command line and the tests share one
// reading of the table. The table's layout is that of the printed document: a row with a 序号 starts a plan, rows
// with empty leading cells add a responsible department and its items to the plan above, one 序号 may hold several
// plans, and page-break header rows repeat. Parse reports every problem with its row and column, and returns no plans
// when there is any, because an import is all or nothing.
package planimport

import (
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"zsc/server/tablefile"
)

// Item is one inspection item (抽查事项) of a responsible department.
type Item struct {
	Name  string `json:"name"`  // as printed
	Class string `json:"class"` // ClassGeneral or ClassKey
}

// The two item classes (事项分类) of 附件1.
const (
	ClassGeneral = "一般检查" // general inspection
	ClassKey     = "重点检查" // key inspection
)

// Department is one responsible department (责任部门) of a plan with the items it inspects (R3).
type Department struct {
	Raw         string `json:"raw"`         // as printed, e.g. "市卫健委" or "市市场监 管局"
	Code        string `json:"code"`        // canonical department code; "" for a placeholder
	Placeholder bool   `json:"placeholder"` // "待定", "相关成员单位": settled when a task is created (R3a)
	Items       []Item `json:"items"`
	Row         int    `json:"row"` // the row where the department first appears in the plan
}

// Plan is one plan of the table: what is inspected, how much of it, by whom, and when.
type Plan struct {
	Seq          int          `json:"seq"`            // 序号
	Sub          int          `json:"sub"`            // 1-based index of the plan under its 序号 (plan 3 of 2024 has 1, 2, 3)
	Domain       string       `json:"domain"`         // 抽查领域; a later plan under the same 序号 inherits it when empty
	Target       string       `json:"target"`         // 检查对象
	Name         string       `json:"name"`           // 计划名称, as printed (truncated names stay truncated)
	Ratio        Ratio        `json:"ratio"`          // 抽查比例 (R2)
	Delegated    bool         `json:"delegated"`      // 是否下发: the counties run it too
	Levels       []string     `json:"levels"`         // 抽查层级, e.g. [市级 县区级]
	InitiatorRaw string       `json:"initiator_raw"`  // 发起部门 as printed
	Initiator    string       `json:"initiator"`      // 发起部门's code
	Departments  []Department `json:"departments"`    // 责任部门 in table order, each with its items
	Window       string       `json:"window"`         // 抽查时间 as printed
	Start        time.Time    `json:"start,omitzero"` // first day at midnight China time (UTC+8); zero if 抽查时间 does not read
	End          time.Time    `json:"end,omitzero"`   // last day (inclusive), same zone; "11月前结束" ends on 10-31
	Note         string       `json:"note"`           // 备注
	Row          int          `json:"row"`            // the row of the plan's first line
}

// Levels are the 抽查层级 a plan may name: a task of the plan runs at 市级 or 县区级 (server/sqlstore CreateTask), and
// "市县级" (plan 29 of the 2024 table) stands for both.
var Levels = []string{"市级", "县区级", "市县级"}

// quoteJoin lists names as “甲”、“乙” for a message.
func quoteJoin(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "“" + n + "”"
	}
	return strings.Join(q, "、")
}

// Header names of 附件1; columns are found by these, so a reordered or extended table still reads.
const (
	colSeq        = "序号"
	colDomain     = "抽查领域"
	colTarget     = "检查对象"
	colName       = "计划名称"
	colRatio      = "抽查比例"
	colDelegated  = "是否下发"
	colLevels     = "抽查层级"
	colInitiator  = "发起部门"
	colDepartment = "责任部门"
	colItems      = "抽查事项"
	colClass      = "事项分类"
	colWindow     = "抽查时间"
	colNote       = "备注"
)

// requiredColumns must all be present in the header; without any of them a plan cannot be built.
var requiredColumns = []string{colSeq, colName, colRatio, colInitiator, colDepartment, colItems, colClass}

// optionalColumns are read when present.
var optionalColumns = []string{colDomain, colTarget, colDelegated, colLevels, colWindow, colNote}

// planColumns belong to a plan's first row only; on a continuation row their content would be lost, so it is an error.
var planColumns = []string{colDomain, colRatio, colDelegated, colLevels, colInitiator, colWindow, colNote}

// Parse reads a plan table. The format comes from the content (XLSX is a zip) and the file name's extension (.tsv,
// .csv, .xlsx; .txt and others are sniffed); department names resolve through res, which must not be nil. The result
// is every plan in table order, or nil and an Errors listing every problem with its row and column (row 0 for a
// problem with the whole file: over MaxSize, empty, binary, no header).
func Parse(r io.Reader, filename string, res Resolver) ([]Plan, error) {
	if res == nil {
		return nil, fileError("planimport: no department resolver")
	}
	recs, err := readTable(r, filename)
	if err != nil {
		return nil, err
	}
	return parseRecords(recs, res)
}

// table is the header: where each named column is.
type table map[string]int

func (t table) cell(rec tablefile.Record, name string) string {
	i, ok := t[name]
	if !ok || i >= len(rec.Cells) {
		return ""
	}
	return trimCell(rec.Cells[i])
}

// headerNames returns the whitespace-free cells of a row, which is how header cells are compared ("抽查 比例" in a
// PDF extraction, "抽查\n比例" in a spreadsheet).
func headerNames(rec tablefile.Record) map[string]int {
	names := make(map[string]int, len(rec.Cells))
	for i, c := range rec.Cells {
		n := removeSpace(c)
		if _, dup := names[n]; !dup && n != "" {
			names[n] = i
		}
	}
	return names
}

// isHeader reports whether a row holds every required header name: the header itself or a page-break repeat.
func isHeader(rec tablefile.Record) bool {
	names := headerNames(rec)
	for _, c := range requiredColumns {
		if _, ok := names[c]; !ok {
			return false
		}
	}
	return true
}

// findHeader locates the header row; rows above it (a title, a date) are ignored. Without one, the row that looks
// most like a header names the missing columns, which is the error a user with a renamed column needs.
func findHeader(recs []tablefile.Record) (table, int, error) {
	bestRow, bestCount := 0, 0
	var bestNames map[string]int
	for i, rec := range recs {
		names := headerNames(rec)
		count := 0
		for _, c := range requiredColumns {
			if _, ok := names[c]; ok {
				count++
			}
		}
		if count == len(requiredColumns) {
			t := make(table)
			for _, c := range append(append([]string(nil), requiredColumns...), optionalColumns...) {
				if j, ok := names[c]; ok {
					t[c] = j
				}
			}
			return t, i, nil
		}
		if count > bestCount {
			bestRow, bestCount, bestNames = rec.Row, count, names
		}
	}
	if bestCount < 3 {
		return nil, 0, fileError("找不到表头：抽查计划表须有以下各列：%s", strings.Join(requiredColumns, "、"))
	}
	var errs Errors
	for _, c := range requiredColumns {
		if _, ok := bestNames[c]; !ok {
			errs = append(errs, RowError{Row: bestRow, Column: c, Message: "表头缺少“" + c + "”列"})
		}
	}
	return nil, 0, errs
}

// planState is a plan being built, with what the later rows need to know about it.
type planState struct {
	Plan
	dept      map[string]int        // department key -> index in Departments
	items     map[int]map[Item]bool // index in Departments -> its items, so a repeated item is added once
	triedDept bool                  // a department row was seen, even a broken one: no extra "no 责任部门" error
}

// parser holds the scan's state.
type parser struct {
	t      table
	res    Resolver
	errs   collector
	plans  []*planState
	cur    *planState
	group  int            // 序号 of the current group of plans; 0 when it is unknown (a bad 序号)
	sub    int            // plans seen under the current group
	domain string         // 抽查领域 of the group, inherited by later plans under the same 序号
	seqRow map[int]int    // 序号 -> row of its first plan
	names  map[string]int // "序号\x00计划名称" -> row
}

func parseRecords(recs []tablefile.Record, res Resolver) ([]Plan, error) {
	t, at, err := findHeader(recs)
	if err != nil {
		return nil, err
	}
	p := &parser{t: t, res: res, seqRow: make(map[int]int), names: make(map[string]int)}
	for _, rec := range recs[at+1:] {
		if p.errs.full {
			break
		}
		p.row(rec)
	}
	for _, ps := range p.plans {
		if len(ps.Departments) == 0 && !ps.triedDept {
			p.errs.add(ps.Row, colDepartment, "计划“%s”没有责任部门", ps.Name)
		}
	}
	if len(p.plans) == 0 && len(p.errs.list) == 0 {
		p.errs.add(recs[at].Row, "", "表格只有表头，没有计划")
	}
	if err := p.errs.err(); err != nil {
		return nil, err
	}
	plans := make([]Plan, len(p.plans))
	for i, ps := range p.plans {
		plans[i] = ps.Plan
	}
	return plans, nil
}

// row places one row: a blank or repeated header is skipped, a row with a 序号 or a plan name starts a plan, and any
// other row adds a department to the current plan (R1).
func (p *parser) row(rec tablefile.Record) {
	blank := true
	for _, c := range rec.Cells {
		if trimCell(c) != "" {
			blank = false
			break
		}
	}
	if blank || isHeader(rec) {
		return
	}
	seq, name, target := p.t.cell(rec, colSeq), p.t.cell(rec, colName), p.t.cell(rec, colTarget)
	switch {
	case seq != "" || name != "" || target != "":
		p.startPlan(rec, seq)
	case p.cur == nil:
		p.errs.add(rec.Row, colSeq, "此行没有序号，上方也没有可归属的计划")
	default:
		for _, c := range planColumns {
			if v := p.t.cell(rec, c); v != "" {
				p.errs.add(rec.Row, c, "“%s”写在了没有序号和计划名称的行：计划本身的内容（%s）应写在该计划的第一行", v, c)
			}
		}
		if p.t.cell(rec, colDepartment) == "" {
			p.errs.add(rec.Row, colDepartment, "此行没有序号、计划名称或责任部门，无法归入任何计划")
			return
		}
		p.addDepartment(rec)
	}
}

// startPlan starts a plan on a row with a 序号, or (empty 序号) another plan under the current 序号.
func (p *parser) startPlan(rec tablefile.Record, seqText string) {
	row := rec.Row
	ps := &planState{dept: make(map[string]int), items: make(map[int]map[Item]bool)}
	ps.Row = row
	ps.Name = p.t.cell(rec, colName)
	ps.Target = p.t.cell(rec, colTarget)
	ps.Domain = p.t.cell(rec, colDomain)

	if seqText != "" {
		seq, err := strconv.Atoi(toHalfWidth(seqText))
		if err != nil || seq <= 0 {
			p.errs.add(row, colSeq, "序号“%s”有误：应为正整数", seqText)
			p.group, p.sub, p.domain = 0, 0, ps.Domain
		} else if first, used := p.seqRow[seq]; used && seq != p.group {
			p.errs.add(row, colSeq, "序号 %d 已被第 %d 行起的计划使用：同一序号下的计划须写在相邻行", seq, first)
			p.group, p.sub, p.domain = 0, 0, ps.Domain
		} else if seq != p.group {
			p.seqRow[seq] = row
			p.group, p.sub, p.domain = seq, 0, ps.Domain
		}
	} else if p.cur == nil {
		p.errs.add(row, colSeq, "没有序号的计划须紧跟在有序号的计划之后，但上方没有有序号的计划")
	}
	p.sub++
	ps.Seq, ps.Sub = p.group, p.sub
	if ps.Domain == "" {
		ps.Domain = p.domain
	}

	if ps.Name == "" {
		p.errs.add(row, colName, "缺少计划名称")
	} else if p.group > 0 {
		key := strconv.Itoa(p.group) + "\x00" + ps.Name
		if first, dup := p.names[key]; dup {
			p.errs.add(row, colName, "计划重复：序号 %d 的“%s”已在第 %d 行", p.group, ps.Name, first)
		} else {
			p.names[key] = row
		}
	}

	ps.Ratio.Text = p.t.cell(rec, colRatio)
	if ps.Ratio.Text == "" {
		p.errs.add(row, colRatio, "缺少抽查比例")
	} else if r, err := ParseRatio(ps.Ratio.Text); err != nil {
		p.errs.add(row, colRatio, "%v", err)
	} else {
		ps.Ratio = r
	}

	switch v := p.t.cell(rec, colDelegated); removeSpace(v) {
	case "是":
		ps.Delegated = true
	case "否", "":
	default:
		p.errs.add(row, colDelegated, "是否下发“%s”有误：应为“是”或“否”", v)
	}
	ps.Levels = splitAny(p.t.cell(rec, colLevels), "、,，/；; \u3000")
	for _, l := range ps.Levels {
		if !slices.Contains(Levels, l) {
			p.errs.add(row, colLevels, "抽查层级“%s”有误：应为%s（可用顿号分隔多个）", l, quoteJoin(Levels))
		}
	}

	ps.InitiatorRaw = p.t.cell(rec, colInitiator)
	switch code, placeholder, ok := p.res.Resolve(ps.InitiatorRaw); {
	case ps.InitiatorRaw == "":
		p.errs.add(row, colInitiator, "缺少发起部门")
	case placeholder:
		p.errs.add(row, colInitiator, "发起部门不能是“%s”：须写明发起计划的部门", ps.InitiatorRaw)
	case !ok:
		p.errs.add(row, colInitiator, "未知部门“%s”：不在成员单位名单中", ps.InitiatorRaw)
	default:
		ps.Initiator = code
	}

	ps.Window = p.t.cell(rec, colWindow)
	ps.Start, ps.End = parseWindow(ps.Window)
	ps.Note = p.t.cell(rec, colNote)

	p.plans = append(p.plans, ps)
	p.cur = ps

	if p.t.cell(rec, colDepartment) != "" {
		p.addDepartment(rec)
	} else if items, class := p.t.cell(rec, colItems), p.t.cell(rec, colClass); items != "" || class != "" {
		p.errs.add(row, colDepartment, "有抽查事项或事项分类，但没有责任部门")
		ps.triedDept = true
	}
}

// addDepartment adds the row's department and its items to the current plan; a department that appears twice in a
// plan gets the items of both rows.
func (p *parser) addDepartment(rec tablefile.Record) {
	ps, row := p.cur, rec.Row
	ps.triedDept = true
	raw := p.t.cell(rec, colDepartment)
	ok := true

	code, placeholder, known := p.res.Resolve(raw)
	if !known {
		p.errs.add(row, colDepartment, "未知部门“%s”：不在成员单位名单中", raw)
		ok = false
	}

	class := removeSpace(p.t.cell(rec, colClass))
	switch class {
	case ClassGeneral, ClassKey:
	case "":
		p.errs.add(row, colClass, "事项分类为空：应为“%s”或“%s”", ClassGeneral, ClassKey)
		ok = false
	default:
		p.errs.add(row, colClass, "事项分类“%s”有误：应为“%s”或“%s”", p.t.cell(rec, colClass), ClassGeneral, ClassKey)
		ok = false
	}

	names := splitAny(p.t.cell(rec, colItems), "；;")
	if len(names) == 0 {
		p.errs.add(row, colItems, "责任部门“%s”的抽查事项为空", raw)
		ok = false
	}
	if !ok {
		return
	}

	key := code
	if placeholder {
		key = "?" + removeSpace(raw)
	}
	i, seen := ps.dept[key]
	if !seen {
		i = len(ps.Departments)
		ps.dept[key] = i
		ps.items[i] = make(map[Item]bool)
		ps.Departments = append(ps.Departments, Department{Raw: raw, Code: code, Placeholder: placeholder, Row: row})
	}
	d, have := &ps.Departments[i], ps.items[i]
	for _, n := range names {
		it := Item{Name: n, Class: class}
		if !have[it] {
			have[it] = true
			d.Items = append(d.Items, it)
		}
	}
}
