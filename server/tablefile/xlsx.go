package tablefile

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"

	"github.com/xuri/excelize/v2"
)

// unzipLimit caps what a workbook may inflate to, all its parts together: a
// 5 MB upload of real tables inflates to a few tens of MB at most, and a zip
// bomb stops here.
const unzipLimit = 64 << 20

// readXLSX reads the first sheet as a stream of rows, never the whole sheet
// at once: blank rows are counted but not kept, and each row is cut to
// MaxColumns cells, so that a workbook with a stray cell far away costs
// nothing. Merged cells keep their value in the top-left cell only, which is
// what both the plan table's continuation rows and the checklists' "fill every
// row" rule expect. A panic inside the library on a malformed workbook is
// turned into an error, because the server must never go down on an upload.
func readXLSX(data []byte, lim Limits) (recs []Record, err error) {
	defer func() {
		if p := recover(); p != nil {
			recs, err = nil, fileError("无法读取 XLSX 工作簿（文件已损坏）")
		}
	}()
	data, err = clipWorkbook(data, lim.MaxColumns)
	if err != nil {
		return nil, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: unzipLimit, UnzipXMLSizeLimit: unzipLimit})
	if err != nil {
		return nil, fileError("无法读取 XLSX 工作簿（文件已损坏、过大或不是 XLSX）")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fileError("XLSX 工作簿中没有工作表")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, fileError("无法读取工作表“%s”", sheets[0])
	}
	defer rows.Close()
	// excelize numbers the rows it yields as the sheet does, empty ones included.
	for n := 1; rows.Next(); n++ {
		cells, err := rows.Columns()
		if err != nil {
			return nil, rowError(n, "无法读取工作表“%s”的这一行", sheets[0])
		}
		cells = capCells(cells, lim.MaxColumns)
		if blank(cells) {
			continue // formatted but empty rows run to the sheet's end in many workbooks
		}
		if len(recs) == lim.MaxRows {
			return nil, tooManyRows(lim)
		}
		recs = append(recs, Record{Row: n, Cells: cells})
	}
	if err := rows.Error(); err != nil {
		return nil, fileError("无法读取工作表“%s”（行数超出 Excel 上限或文件已损坏）", sheets[0])
	}
	return recs, nil
}

// clipWorkbook drops from every worksheet of the workbook the cells to the
// right of column maxColumns, before excelize sees them. excelize's row
// iterator pads a row with empty strings up to its last cell, so one value in
// column XFD costs a 16,384-cell row, and a few hundred such rows in a 4 KB
// upload cost half a gigabyte of allocation, even read as a stream. A
// workbook without such cells is returned as it is; otherwise the worksheets
// are rewritten and every other part is copied compressed.
func clipWorkbook(data []byte, maxColumns int) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fileError("无法读取 XLSX 工作簿（文件已损坏、过大或不是 XLSX）")
	}
	var total uint64
	clipped := map[*zip.File][]byte{}
	for _, zf := range zr.File {
		total += zf.UncompressedSize64
		if total > unzipLimit {
			return nil, fileError("无法读取 XLSX 工作簿（解压后超过 %d MB）", unzipLimit>>20)
		}
		// A worksheet is named by the workbook's relationships, which a
		// hostile file may point anywhere; any XML part may be one.
		if zf.FileInfo().IsDir() || !hasSuffixFold(zf.Name, ".xml") {
			continue
		}
		part, err := unzipPart(zf)
		if err != nil {
			return nil, fileError("无法读取 XLSX 工作簿（文件已损坏）")
		}
		if !bytes.Contains(part, []byte("sheetData")) {
			continue
		}
		if out, changed := clipSheet(part, maxColumns); changed {
			clipped[zf] = out
		}
	}
	if len(clipped) == 0 {
		return data, nil
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, zf := range zr.File {
		part, ok := clipped[zf]
		if !ok {
			if err := zw.Copy(zf); err != nil {
				return nil, fileError("无法读取 XLSX 工作簿（文件已损坏）")
			}
			continue
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: zf.Name, Method: zip.Deflate, Modified: zf.Modified})
		if err == nil {
			_, err = w.Write(part)
		}
		if err != nil {
			return nil, fileError("无法读取 XLSX 工作簿（文件已损坏）")
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fileError("无法读取 XLSX 工作簿（文件已损坏）")
	}
	return buf.Bytes(), nil
}

// unzipPart inflates one part of the zip; its header's size is checked by
// archive/zip while reading, so it bounds the result.
func unzipPart(zf *zip.File) ([]byte, error) {
	rc, err := zf.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, unzipLimit+1))
	if err != nil {
		return nil, err
	}
	if len(b) > unzipLimit {
		return nil, errors.New("part too large")
	}
	return b, nil
}

// clipSheet removes from a worksheet's XML every cell (<c>) of a row (<row>)
// that lies to the right of column maxColumns, cutting the bytes out rather
// than re-encoding the XML, so that what is kept is what was there. A cell
// without a reference is the one after the previous cell, as excelize counts
// it. XML that stops parsing is kept from there on as it is: excelize stops
// reading at the same place.
func clipSheet(src []byte, maxColumns int) ([]byte, bool) {
	dec := xml.NewDecoder(bytes.NewReader(src))
	dec.Strict = false
	// The encoding declared does not matter to the names and references read
	// here, all ASCII; excelize decodes the text itself.
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var (
		out     []byte
		copied  int64    // src[:copied] is settled: copied to out or dropped
		stack   []string // local names of the open elements
		col     int      // the column of the last cell of the current row
		dropAt  = -1     // depth of the cell being dropped, -1 when none
		dropped bool
	)
	for {
		start := dec.InputOffset()
		tok, err := dec.RawToken()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			parent := ""
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			stack = append(stack, t.Name.Local)
			if dropAt >= 0 {
				continue
			}
			switch {
			case t.Name.Local == "row" && parent == "sheetData":
				col = 0
			case t.Name.Local == "c" && parent == "row":
				col++
				for _, a := range t.Attr {
					if a.Name.Local == "r" {
						if c, _, err := excelize.CellNameToCoordinates(a.Value); err == nil {
							col = c
						}
					}
				}
				if col > maxColumns {
					out = append(out, src[copied:start]...)
					dropAt, dropped = len(stack), true
				}
			}
		case xml.EndElement:
			if len(stack) == 0 {
				break
			}
			if len(stack) == dropAt {
				copied, dropAt = dec.InputOffset(), -1
			}
			stack = stack[:len(stack)-1]
		}
	}
	if !dropped {
		return src, false
	}
	if dropAt >= 0 {
		// The document ended inside a dropped cell: the rest is that cell.
		return out, true
	}
	return append(out, src[copied:]...), true
}

// hasSuffixFold is strings.HasSuffix ignoring ASCII case.
func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && bytes.EqualFold([]byte(s[len(s)-len(suffix):]), []byte(suffix))
}
