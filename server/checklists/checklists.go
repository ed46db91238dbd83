// Package checklists reads checklist templates (检查表): for each 抽查事项 of a
// department's catalogue (监管事项清单), the check points (检查内容) an
// inspector walks on site, grouped by 检查项目, each with its code, 参考检查方法,
// whether it is a 重点项, its 检查依据, the provision violated when it fails
// (违反条款) and the wording used on a correction notice (DESIGN R8a).
//
// It is a pure parser: no storage and no HTTP, so that the import endpoint,
// the command line, the demo and the tests share one reading of the table.
// The table has one row per check point under a header of fixed Chinese
// column names (Columns), in any order. Every problem is reported with its
// spreadsheet row, its column and a Chinese message, all of them at once,
// because an import is all or nothing.
package checklists

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"strings"
	"unicode/utf8"

	"zsc/schema"
	"zsc/server/tablefile"
)

// Column names of the header, exactly as the table prints them.
const (
	ColDept      = "部门"     // the department owning the 事项, resolved through the alias list (R3a)
	ColItem      = "抽查事项"   // the 事项's title as the plan prints it
	ColGroupCode = "检查项目代码" // e.g. "2"
	ColGroup     = "检查项目"   // e.g. 从业人员管理
	ColCode      = "检查内容代码" // e.g. "2.1", unique within a 事项
	ColText      = "检查内容"   // the check point itself
	ColMethod    = "参考检查方法" // how to check it
	ColKey       = "重点项"    // 是 / ★ for a key point; 否 or empty otherwise
	ColBasis     = "检查依据"   // law and article the point rests on
	ColViolation = "违反条款"   // provision cited on a notice when the point fails
	ColNotice    = "通知书表述"  // the finding's wording on a notice
)

// Columns is the header in its usual order; a table must have every one of
// them (in any order) and no other.
var Columns = []string{ColDept, ColItem, ColGroupCode, ColGroup, ColCode, ColText, ColMethod, ColKey, ColBasis, ColViolation, ColNotice}

// requiredValues are the columns no check point may leave empty.
var requiredValues = []string{ColDept, ColItem, ColGroup, ColCode, ColText}

// maxCell bounds a cell's length in characters: the longest real 检查依据
// cites a few articles of two or three laws; a cell of 2,000 characters is a
// paste gone wrong, and the phone shows every point in full.
const maxCell = 2000

// Resolver maps a department name as printed to its code, as the plan
// importer resolves it (planimport.Resolver satisfies it).
type Resolver interface {
	// Resolve returns the code of the named department, or placeholder=true
	// for a name that stands for a department chosen later ("待定"); ok is
	// false for an unknown name.
	Resolve(name string) (code string, placeholder bool, ok bool)
}

// Point is one check point (检查内容) of a template.
type Point struct {
	GroupCode  string `json:"group_code"`  // 检查项目代码, may be empty
	GroupName  string `json:"group_name"`  // 检查项目
	Code       string `json:"code"`        // 检查内容代码
	Text       string `json:"text"`        // 检查内容
	Method     string `json:"method"`      // 参考检查方法
	Key        bool   `json:"key"`         // 重点项
	Basis      string `json:"basis"`       // 检查依据
	Violation  string `json:"violation"`   // 违反条款
	NoticeText string `json:"notice_text"` // 通知书表述
	Row        int    `json:"-"`           // the point's row in the file
}

// Item is the template of one 抽查事项 as the file gives it: its points in
// file order.
type Item struct {
	DeptRaw string  // 部门 as printed on the item's first row
	Dept    string  // the department's code
	Title   string  // 抽查事项, trimmed
	Row     int     // the item's first row
	Points  []Point // in file order
}

// Hash is the sha256 (hex) of the item's points in a canonical form: the
// fields of every point in file order, row numbers left out. Two imports of
// the same points hash alike wherever they sit in the file, so an unchanged
// re-import adds no version.
func (it *Item) Hash() string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	for _, p := range it.Points {
		// A JSON array of strings per point: unambiguous, and stable as long as
		// the field order here does not change.
		key := "0"
		if p.Key {
			key = "1"
		}
		if err := enc.Encode([]string{p.GroupCode, p.GroupName, p.Code, p.Text, p.Method, key, p.Basis, p.Violation, p.NoticeText}); err != nil {
			panic(err) // encoding strings into a hash cannot fail
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// File is a parsed checklist table: every 事项 read, and the problems found.
// Items holds what could be read even when Errors is not empty, so that the
// store can add the problems only it can see (a 事项 missing from the
// catalogue, a department outside the importer's scope) and the user gets
// every problem in one answer; nothing may be imported while Errors is not
// empty.
type File struct {
	Name   string
	Items  []Item
	Errors schema.RowErrors
}

// Err returns the file's errors, sorted by row, or nil.
func (f *File) Err() error {
	if len(f.Errors) == 0 {
		return nil
	}
	Sort(f.Errors)
	return f.Errors
}

// Points counts the points of every item.
func (f *File) Points() int {
	n := 0
	for _, it := range f.Items {
		n += len(it.Points)
	}
	return n
}

// Parse reads a checklist table. The format comes from the content (XLSX is
// a zip) and the file name's extension (.tsv, .csv, .xlsx; others are
// sniffed); department names resolve through res, which must not be nil. A
// file that cannot be read as a table at all (too large, binary, no header)
// is an error (schema.RowErrors); otherwise the File carries its items and
// its row errors.
func Parse(r io.Reader, filename string, res Resolver) (*File, error) {
	if res == nil {
		return nil, fileError("checklists: no department resolver")
	}
	t, err := readTable(r, filename)
	if err != nil {
		return nil, err
	}
	return parseRecords(t.Records, filename, res, t.Format == tablefile.XLSX)
}

// header is where each named column is.
type header struct {
	col   map[string]int
	named []bool // named[i]: the header row has a name in column i
	row   int
}

// unnamed reports whether column i has no name in the header.
func (h *header) unnamed(i int) bool { return i >= len(h.named) || !h.named[i] }

func (h *header) cell(rec tablefile.Record, name string) string {
	i, ok := h.col[name]
	if !ok || i >= len(rec.Cells) {
		return ""
	}
	return trimCell(rec.Cells[i])
}

// findHeader takes the first row naming both 抽查事项 and 检查内容 as the
// header; rows above it (a title such as "餐饮服务食品安全监督检查表") are
// ignored. It then checks the header has every column and no other.
func findHeader(recs []tablefile.Record) (*header, int, error) {
	at := -1
	for i, rec := range recs {
		names := map[string]bool{}
		for _, c := range rec.Cells {
			names[removeSpace(c)] = true
		}
		if names[ColItem] && names[ColText] {
			at = i
			break
		}
	}
	if at < 0 {
		return nil, 0, fileError("找不到表头：检查表的第一行须是这些列：%s", strings.Join(Columns, "、"))
	}
	rec := recs[at]
	h := &header{col: map[string]int{}, row: rec.Row}
	var errs collector
	known := map[string]bool{}
	for _, c := range Columns {
		known[c] = true
	}
	h.named = make([]bool, len(rec.Cells))
	for i, c := range rec.Cells {
		name := removeSpace(c)
		h.named[i] = name != ""
		switch {
		case name == "":
			continue
		case !known[name]:
			errs.add(rec.Row, trimCell(c), "多余的列“%s”：检查表只有这些列：%s", trimCell(c), strings.Join(Columns, "、"))
		case h.has(name):
			errs.add(rec.Row, name, "“%s”列出现了两次", name)
		default:
			h.col[name] = i
		}
	}
	for _, c := range Columns {
		if !h.has(c) {
			errs.add(rec.Row, c, "表头缺少“%s”列", c)
		}
	}
	if len(errs.list) > 0 {
		return nil, 0, errs.list
	}
	return h, at, nil
}

func (h *header) has(name string) bool {
	_, ok := h.col[name]
	return ok
}

// isHeaderRepeat reports a row that repeats the header, as a table printed
// over several pages and pasted back together has; it is skipped.
func (h *header) isHeaderRepeat(rec tablefile.Record) bool {
	for name, i := range h.col {
		if i >= len(rec.Cells) || removeSpace(rec.Cells[i]) != name {
			return false
		}
	}
	return true
}

// itemState is an item being built, with what later rows need to know.
type itemState struct {
	Item
	codes  map[string]int // 检查内容代码 -> row
	groups map[string]struct {
		name string
		row  int
	} // 检查项目代码 -> 检查项目 and the row that named it first
}

func parseRecords(recs []tablefile.Record, filename string, res Resolver, isXLSX bool) (*File, error) {
	h, at, err := findHeader(recs)
	if err != nil {
		return nil, err
	}
	f := &File{Name: filename}
	var errs collector
	items := map[string]*itemState{} // dept code + "\x00" + title
	var order []*itemState
	for _, rec := range recs[at+1:] {
		if h.isHeaderRepeat(rec) { // blank rows never reach here: the reader drops them
			continue
		}
		row := rec.Row
		for i := range rec.Cells {
			if v := trimCell(rec.Cells[i]); v != "" && h.unnamed(i) {
				errs.add(row, "", "%s 列没有表头，却填了“%s”：请删除，或检查本行是否错位", columnLetter(i), clip(v))
			}
		}
		ok := true
		for _, c := range requiredValues {
			if h.cell(rec, c) == "" {
				errs.add(row, c, "“%s”不能为空%s", c, mergedHint(isXLSX))
				ok = false
			}
		}
		for _, c := range Columns {
			if n := utf8.RuneCountInString(h.cell(rec, c)); n > maxCell {
				errs.add(row, c, "内容过长（%d 字，上限 %d 字）", n, maxCell)
				ok = false
			}
		}
		deptRaw := h.cell(rec, ColDept)
		var dept string
		if deptRaw != "" {
			code, placeholder, known := res.Resolve(deptRaw)
			switch {
			case !known:
				errs.add(row, ColDept, "未知部门“%s”：请填写部门全称或常用简称，如“市市场监管局”", deptRaw)
				ok = false
			case placeholder:
				errs.add(row, ColDept, "“%s”不是具体部门：检查表须写明负责该抽查事项的部门", deptRaw)
				ok = false
			default:
				dept = code
			}
		}
		key, keyOK := parseKey(h.cell(rec, ColKey))
		if !keyOK {
			errs.add(row, ColKey, "重点项只能填“是”“否”“★”或留空，不能填“%s”", clip(h.cell(rec, ColKey)))
			ok = false
		}
		title := h.cell(rec, ColItem)
		if dept == "" || title == "" {
			continue // the point cannot be placed; its errors are listed
		}
		k := dept + "\x00" + title
		st := items[k]
		if st == nil {
			st = &itemState{Item: Item{DeptRaw: deptRaw, Dept: dept, Title: title, Row: row}, codes: map[string]int{},
				groups: map[string]struct {
					name string
					row  int
				}{}}
			items[k] = st
			order = append(order, st)
		}
		p := Point{
			GroupCode: normCode(h.cell(rec, ColGroupCode)), GroupName: h.cell(rec, ColGroup),
			Code: normCode(h.cell(rec, ColCode)), Text: h.cell(rec, ColText), Method: h.cell(rec, ColMethod), Key: key,
			Basis: h.cell(rec, ColBasis), Violation: h.cell(rec, ColViolation), NoticeText: h.cell(rec, ColNotice), Row: row,
		}
		if p.Code != "" {
			if first, dup := st.codes[p.Code]; dup {
				errs.add(row, ColCode, "检查内容代码“%s”与第 %d 行重复：同一抽查事项内代码不能重复", p.Code, first)
				ok = false
			} else {
				st.codes[p.Code] = row
			}
		}
		if p.GroupName != "" {
			if g, seen := st.groups[p.GroupCode]; seen && g.name != p.GroupName {
				if p.GroupCode == "" {
					errs.add(row, ColGroupCode, "检查项目“%s”没有代码，第 %d 行的“%s”也没有：请填写检查项目代码以区分", p.GroupName, g.row, g.name)
				} else {
					errs.add(row, ColGroup, "检查项目代码“%s”在第 %d 行是“%s”，本行却是“%s”", p.GroupCode, g.row, g.name, p.GroupName)
				}
				ok = false
			} else if !seen {
				st.groups[p.GroupCode] = struct {
					name string
					row  int
				}{p.GroupName, row}
			}
		}
		if ok {
			st.Points = append(st.Points, p)
		}
	}
	for _, st := range order {
		f.Items = append(f.Items, st.Item)
	}
	if len(order) == 0 && len(errs.list) == 0 {
		errs.add(h.row, "", "表头下面没有检查内容")
	}
	f.Errors = errs.list
	Sort(f.Errors)
	return f, nil
}

// parseKey reads 重点项: 是 or ★ marks a key point; 否 or empty does not.
func parseKey(v string) (key, ok bool) {
	switch removeSpace(v) {
	case "是", "★":
		return true, true
	case "否", "":
		return false, true
	}
	return false, false
}

// columnLetter names the 0-based column i as a spreadsheet does: A, B, …, Z, AA.
func columnLetter(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}

// clip shortens a cell quoted in a message.
func clip(s string) string {
	const max = 20
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max]) + "…"
}

// mergedHint adds, for a workbook, the likely cause of an empty cell: a
// merged cell keeps its value in its first row only.
func mergedHint(xlsx bool) string {
	if xlsx {
		return "（合并单元格只在第一行有内容：请取消合并，并在每一行填上）"
	}
	return ""
}
