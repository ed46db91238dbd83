package tablefile

import "testing"

func TestClipSheet(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		changed        bool
	}{
		{"a sheet within the columns is left as it is",
			`<sheetData><row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c></row></sheetData>`,
			`<sheetData><row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c></row></sheetData>`, false},
		{"cells right of the cut go, self-closing or not",
			`<sheetData><row r="1"><c r="A1"><v>1</v></c><c r="C1" t="inlineStr"><is><t>far</t></is></c><c r="XFD1" s="3"/></row><row r="2"><c r="B2"><v>2</v></c></row></sheetData>`,
			`<sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="B2"><v>2</v></c></row></sheetData>`, true},
		{"a cell without a reference follows the one before it",
			`<sheetData><row><c><v>1</v></c><c><v>2</v></c><c><v>3</v></c></row><row><c><v>4</v></c></row></sheetData>`,
			`<sheetData><row><c><v>1</v></c><c><v>2</v></c></row><row><c><v>4</v></c></row></sheetData>`, true},
		{"a namespace prefix changes nothing",
			`<x:sheetData><x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c><x:c r="Z1"><x:v>2</x:v></x:c></x:row></x:sheetData>`,
			`<x:sheetData><x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row></x:sheetData>`, true},
		{"an element named c outside a row is not a cell",
			`<extLst><c r="Z1"/></extLst><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>`,
			`<extLst><c r="Z1"/></extLst><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>`, false},
		{"what follows broken XML is kept as it is",
			`<sheetData><row r="1"><c r="Z1"><v>1</v></c><c r="Z1" <<<</row></sheetData>`,
			`<sheetData><row r="1"><c r="Z1" <<<</row></sheetData>`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, changed := clipSheet([]byte(tc.in), 2)
			if string(got) != tc.want || changed != tc.changed {
				t.Errorf("got %s (changed %v)\nwant %s (changed %v)", got, changed, tc.want, tc.changed)
			}
		})
	}
}
