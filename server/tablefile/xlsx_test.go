package tablefile_test

import (
	"bytes"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zsc/server/tablefile"
	"zsc/server/tablefile/tabletest"
)

// sheetXML is a worksheet with the given rows, written as XML by hand so that
// a test can place cells where excelize would not write them.
func sheetXML(rowsXML string) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
		rowsXML + `</sheetData></worksheet>`
}

func TestReadXLSXMergedCells(t *testing.T) {
	// The plan table's layout: a plan's own cells merged down over the rows of
	// its other departments, and a title merged across.
	data := tabletest.Workbook(t, [][]string{
		{"抽查计划汇总表"},
		{"序号", "计划名称", "责任部门"},
		{"1", "计划甲", "市教育局"},
		{"", "", "市卫健委"},
		{"", "", "市住建局"},
	}, func(f *excelize.File) error {
		for _, r := range [][2]string{{"A1", "C1"}, {"A3", "A5"}, {"B3", "B5"}} {
			if err := f.MergeCell("Sheet1", r[0], r[1]); err != nil {
				return err
			}
		}
		return nil
	})
	wb, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if merged, err := wb.GetMergeCells("Sheet1"); err != nil || len(merged) != 3 {
		t.Fatalf("the workbook has %d merged ranges (%v), want 3", len(merged), err)
	}
	wb.Close()
	tab := mustRead(t, data, "merged.xlsx", lim)
	want := []tablefile.Record{
		{Row: 1, Cells: []string{"抽查计划汇总表"}},
		{Row: 2, Cells: []string{"序号", "计划名称", "责任部门"}},
		{Row: 3, Cells: []string{"1", "计划甲", "市教育局"}},
		{Row: 4, Cells: []string{"", "", "市卫健委"}},
		{Row: 5, Cells: []string{"", "", "市住建局"}},
	}
	if !reflect.DeepEqual(tab.Records, want) {
		t.Errorf("a merged cell's value is in its top-left cell only:\n got %v\nwant %v", tab.Records, want)
	}
}

func TestReadXLSXFarCells(t *testing.T) {
	roomy := tablefile.Limits{MaxBytes: 5 << 20, MaxRows: 1000, MaxColumns: 32}
	t.Run("a value in column XFD on 400 rows costs a few MB, not half a gigabyte", func(t *testing.T) {
		data := farCells(t, 400)
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		tab, err := tablefile.Read(bytes.NewReader(data), "far.xlsx", roomy)
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		alloc := after.TotalAlloc - before.TotalAlloc
		t.Logf("a %d-byte workbook: %.1f MB allocated reading it", len(data), float64(alloc)/(1<<20))
		// Padded to its last cell, every row would be a 16,384-cell slice:
		// about 450 MB in all. A bound, not a timing.
		if alloc > 32<<20 {
			t.Errorf("%d MB allocated", alloc>>20)
		}
		if len(tab.Records) != 400 {
			t.Fatalf("%d records", len(tab.Records))
		}
		for i, r := range tab.Records {
			if r.Row != i+1 || !reflect.DeepEqual(r.Cells, []string{"第" + strconv.Itoa(i+1) + "行"}) {
				t.Fatalf("record %d: %v", i, r)
			}
		}
	})
	t.Run("cells are cut at MaxColumns, with or without a reference", func(t *testing.T) {
		var noRef strings.Builder
		for i := 1; i <= 40; i++ {
			noRef.WriteString(`<c t="inlineStr"><is><t>` + strconv.Itoa(i) + `</t></is></c>`)
		}
		data := withSheet(t, tabletest.XLSX(t, [][]string{{"x"}}), sheetXML(
			`<row r="1"><c r="A1" t="inlineStr"><is><t>甲</t></is></c><c r="AF1" t="inlineStr"><is><t>第32列</t></is></c>`+
				`<c r="AG1" t="inlineStr"><is><t>第33列</t></is></c><c r="XFD1" s="0"/></row>`+
				`<row r="2">`+noRef.String()+`</row>`+
				`<row r="3"><c r="ZZ3" t="inlineStr"><is><t>只有远处</t></is></c></row>`+
				`<row r="5"><c r="B5"><v>42</v></c></row>`))
		tab := mustRead(t, data, "cut.xlsx", roomy)
		if len(tab.Records) != 3 {
			t.Fatalf("records %v", tab.Records)
		}
		first := tab.Records[0]
		if first.Row != 1 || len(first.Cells) != 32 || first.Cells[0] != "甲" || first.Cells[31] != "第32列" {
			t.Errorf("row 1: %d cells %q", len(first.Cells), first.Cells)
		}
		second := tab.Records[1]
		if second.Row != 2 || len(second.Cells) != 32 || second.Cells[31] != "32" {
			t.Errorf("row 2: %d cells %q", len(second.Cells), second.Cells)
		}
		if r := tab.Records[2]; r.Row != 5 || !reflect.DeepEqual(r.Cells, []string{"", "42"}) {
			t.Errorf("a row with nothing left of the cut is blank; row 5 is %+v", r)
		}
	})
	t.Run("a blank cell in the sheet's last row costs nothing and numbers stay right", func(t *testing.T) {
		data := withSheet(t, tabletest.XLSX(t, [][]string{{"x"}}), sheetXML(
			`<row r="2"><c r="A2" t="inlineStr"><is><t>甲</t></is></c></row>`+
				`<row r="1048576"><c r="A1048576" t="inlineStr"><is><t> </t></is></c></row>`))
		tab := mustRead(t, data, "tall.xlsx", roomy)
		if want := []tablefile.Record{{Row: 2, Cells: []string{"甲"}}}; !reflect.DeepEqual(tab.Records, want) {
			t.Errorf("got %v", tab.Records)
		}
	})
	t.Run("a row past Excel's last is refused", func(t *testing.T) {
		data := withSheet(t, tabletest.XLSX(t, [][]string{{"x"}}), sheetXML(
			`<row r="1048577"><c t="inlineStr"><is><t>甲</t></is></c></row>`))
		_, err := read(t, data, "taller.xlsx", roomy)
		if te := asError(t, err); te.Row != 0 || !strings.Contains(te.Message, "行数超出 Excel 上限") {
			t.Errorf("got %+v", te)
		}
	})
}
