package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"
)

// ProgressHeader is the one header row of the CSV: the form's columns, the
// three publication channels named under their common heading.
var ProgressHeader = []string{
	"区分", "类别", "抽查批次", "参与部门", "抽查数量（户）",
	"抽查结果公示数量（户）：" + ChannelPlatform, "抽查结果公示数量（户）：" + ChannelSystem, "抽查结果公示数量（户）：" + ChannelWebsite,
	"双随机抽查案件数（件）", "案件处罚金额（万元）",
}

// FormatWan formats an amount in 万元 to the 元 (four decimals at most).
func FormatWan(v float64) string {
	return strconv.FormatFloat(math.Round(v*10000)/10000, 'f', -1, 64)
}

// CSV renders the table with one header row, UTF-8 with a byte-order mark
// so that Excel opens the Chinese text as it is.
func (p *Progress) CSV() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	if err := w.Write(ProgressHeader); err != nil {
		return nil, err
	}
	for _, l := range p.Lines() {
		rec := []string{l.Section, l.Category, l.Batch, l.Dept, strconv.Itoa(l.Visits),
			strconv.Itoa(l.Platform), strconv.Itoa(l.System), strconv.Itoa(l.Website), strconv.Itoa(l.Cases), FormatWan(l.Penalty)}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// SheetName is the name of the one sheet of the XLSX.
const SheetName = "附件3"

// Rows of the XLSX layout.
const (
	xlsxTitleRow  = 1
	xlsxYearRow   = 2
	xlsxUnitRow   = 3
	xlsxHeadRow   = 4 // and 5: the two header rows
	xlsxFirstData = 6
)

// XLSX renders the table as the paper form lays it out: the title, the year
// line, the 填报单位/填报时间 line, two header rows with 抽查结果公示数量（户）
// merged over its three channel columns, 区分 and 类别 merged down their
// rows, each batch's 抽查批次 merged down its department rows (and its
// 抽查数量 too when every department inspected the same 户), a 小计 per
// category, the 合计, the 备注 and the 经办人 line.
func (p *Progress) XLSX() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", SheetName); err != nil {
		return nil, err
	}
	x := &xlsx{f: f}
	st, err := newStyles(f)
	if err != nil {
		return nil, err
	}
	x.merge("A", xlsxTitleRow, "J", xlsxTitleRow, p.Title, st.title)
	x.merge("A", xlsxYearRow, "J", xlsxYearRow, p.YearLine, st.center)
	x.merge("A", xlsxUnitRow, "E", xlsxUnitRow, "填报单位（盖章）："+p.Unit, st.left)
	x.merge("F", xlsxUnitRow, "J", xlsxUnitRow, "填报时间："+chineseDate(p.Date), st.left)
	h1, h2 := xlsxHeadRow, xlsxHeadRow+1
	for _, c := range []struct{ col, text string }{
		{"A", "区分"}, {"B", "类别"}, {"C", "抽查批次"}, {"D", "参与部门"}, {"E", "抽查数量（户）"},
		{"I", "双随机抽查案件数（件）"}, {"J", "案件处罚金额（万元）"},
	} {
		x.merge(c.col, h1, c.col, h2, c.text, st.head)
	}
	x.merge("F", h1, "H", h1, "抽查结果公示数量（户）", st.head)
	x.cell("F", h2, ChannelPlatform, st.head)
	x.cell("G", h2, ChannelSystem, st.head)
	x.cell("H", h2, ChannelWebsite, st.head)

	lines := p.Lines()
	row := xlsxFirstData
	// Runs of lines with the same key are merged down, showing text.
	span := func(col string, key, text func(Line) string) {
		start := 0
		for i := 1; i <= len(lines); i++ {
			if i < len(lines) && key(lines[i]) == key(lines[start]) {
				continue
			}
			if lines[start].Kind != LineTotal {
				x.merge(col, row+start, col, row+i-1, text(lines[start]), st.vertical)
			}
			start = i
		}
	}
	total := func(l Line) string {
		if l.Kind == LineTotal {
			return "\x00"
		}
		return ""
	}
	span("A", func(l Line) string { return total(l) + l.Section }, func(l Line) string { return l.Section })
	span("B", func(l Line) string { return total(l) + l.Section + "/" + l.Category }, func(l Line) string { return l.Category })
	for i, l := range lines {
		r := row + i
		switch l.Kind {
		case LineDept:
			if l.BatchStart {
				x.merge("C", r, "C", r+l.BatchRows-1, l.Batch, st.wrap)
				if l.BatchRows > 1 && sameVisits(lines[i:i+l.BatchRows]) {
					x.mergeInt("E", r, "E", r+l.BatchRows-1, l.BatchTotal.Visits, st.number)
				}
			}
			x.cell("D", r, l.Dept, st.wrap)
			if !(l.BatchRows > 1 && sameVisits(batchOf(lines, i))) {
				x.int("E", r, l.Visits, st.number)
			}
		case LineSubtotal:
			x.merge("C", r, "D", r, "小计", st.bold)
			x.int("E", r, l.Visits, st.boldNumber)
		case LineTotal:
			x.merge("A", r, "D", r, "合计", st.bold)
			x.int("E", r, l.Visits, st.boldNumber)
		}
		num, money := st.number, st.money
		if l.Kind != LineDept {
			num, money = st.boldNumber, st.boldMoney
		}
		x.int("F", r, l.Platform, num)
		x.int("G", r, l.System, num)
		x.int("H", r, l.Website, num)
		x.int("I", r, l.Cases, num)
		x.float("J", r, math.Round(l.Penalty*10000)/10000, money)
		if l.Kind == LineSubtotal || l.Kind == LineTotal {
			x.row(r, 20)
		}
	}
	r := row + len(lines)
	x.cell("A", r, "备注", st.vertical)
	x.merge("B", r, "J", r, p.Note, st.note)
	x.row(r, 60)
	x.merge("A", r+1, "E", r+1, "经办人（签字）：", st.left)
	for col, w := range map[string]float64{"A": 8, "B": 12, "C": 36, "D": 20, "E": 10, "F": 12, "G": 9, "H": 9, "I": 11, "J": 12} {
		if err := f.SetColWidth(SheetName, col, col, w); err != nil {
			return nil, err
		}
	}
	x.row(xlsxTitleRow, 30)
	x.row(h1, 24)
	x.row(h2, 30)
	if x.err != nil {
		return nil, x.err
	}
	if err := f.SetPageLayout(SheetName, &excelize.PageLayoutOptions{Orientation: ptr("landscape")}); err != nil {
		return nil, err
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func ptr[T any](v T) *T { return &v }

// batchOf returns the department lines of the batch line i belongs to.
func batchOf(lines []Line, i int) []Line {
	for i > 0 && !lines[i].BatchStart {
		i--
	}
	return lines[i : i+lines[i].BatchRows]
}

func sameVisits(ls []Line) bool {
	for _, l := range ls {
		if l.Visits != ls[0].Visits {
			return false
		}
	}
	return true
}

func chineseDate(d string) string {
	t, err := time.Parse(DateLayout, d)
	if err != nil {
		return "    年  月  日"
	}
	return fmt.Sprintf("%d 年 %d 月 %d 日", t.Year(), int(t.Month()), t.Day())
}

// xlsx writes cells and keeps the first error, so the layout reads as a list.
type xlsx struct {
	f   *excelize.File
	err error
}

func (x *xlsx) set(col string, row int, v any, style int) {
	if x.err != nil {
		return
	}
	ref := fmt.Sprintf("%s%d", col, row)
	if x.err = x.f.SetCellValue(SheetName, ref, v); x.err == nil {
		x.err = x.f.SetCellStyle(SheetName, ref, ref, style)
	}
}

func (x *xlsx) cell(col string, row int, s string, style int)       { x.set(col, row, s, style) }
func (x *xlsx) int(col string, row int, n int, style int)           { x.set(col, row, n, style) }
func (x *xlsx) float(col string, row int, v float64, style int)     { x.set(col, row, v, style) }
func (x *xlsx) mergeInt(c1 string, r1 int, c2 string, r2, n, s int) { x.mergeAny(c1, r1, c2, r2, n, s) }
func (x *xlsx) merge(c1 string, r1 int, c2 string, r2 int, text string, style int) {
	x.mergeAny(c1, r1, c2, r2, text, style)
}

func (x *xlsx) mergeAny(c1 string, r1 int, c2 string, r2 int, v any, style int) {
	if x.err != nil {
		return
	}
	from, to := fmt.Sprintf("%s%d", c1, r1), fmt.Sprintf("%s%d", c2, r2)
	if from != to {
		if x.err = x.f.MergeCell(SheetName, from, to); x.err != nil {
			return
		}
	}
	if x.err = x.f.SetCellValue(SheetName, from, v); x.err == nil {
		x.err = x.f.SetCellStyle(SheetName, from, to, style)
	}
}

func (x *xlsx) row(r int, height float64) {
	if x.err == nil {
		x.err = x.f.SetRowHeight(SheetName, r, height)
	}
}

type styles struct {
	title, center, left, head, vertical, wrap, bold, number, boldNumber, money, boldMoney, note int
}

func newStyles(f *excelize.File) (*styles, error) {
	border := []excelize.Border{
		{Type: "left", Color: "000000", Style: 1}, {Type: "right", Color: "000000", Style: 1},
		{Type: "top", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 1},
	}
	font := func(bold bool, size float64) *excelize.Font {
		return &excelize.Font{Family: "宋体", Size: size, Bold: bold}
	}
	centered := &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}
	money := "0.00##"
	type def struct {
		dst *int
		st  excelize.Style
	}
	s := &styles{}
	defs := []def{
		{&s.title, excelize.Style{Font: font(true, 16), Alignment: centered}},
		{&s.center, excelize.Style{Font: font(false, 11), Alignment: centered}},
		{&s.left, excelize.Style{Font: font(false, 11), Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "center"}}},
		{&s.head, excelize.Style{Font: font(true, 10), Alignment: centered, Border: border}},
		{&s.vertical, excelize.Style{Font: font(true, 10), Alignment: centered, Border: border}},
		{&s.wrap, excelize.Style{Font: font(false, 10), Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "center", WrapText: true}, Border: border}},
		{&s.bold, excelize.Style{Font: font(true, 10), Alignment: centered, Border: border}},
		{&s.number, excelize.Style{Font: font(false, 10), Alignment: centered, Border: border, NumFmt: 1}},
		{&s.boldNumber, excelize.Style{Font: font(true, 10), Alignment: centered, Border: border, NumFmt: 1}},
		{&s.money, excelize.Style{Font: font(false, 10), Alignment: centered, Border: border, CustomNumFmt: &money}},
		{&s.boldMoney, excelize.Style{Font: font(true, 10), Alignment: centered, Border: border, CustomNumFmt: &money}},
		{&s.note, excelize.Style{Font: font(false, 10), Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "center", WrapText: true}, Border: border}},
	}
	for _, d := range defs {
		id, err := f.NewStyle(&d.st)
		if err != nil {
			return nil, err
		}
		*d.dst = id
	}
	return s, nil
}
