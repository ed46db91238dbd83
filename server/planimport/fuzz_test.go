package planimport

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"zsc/server/tablefile/tabletest"
)

// fuzzNames are the file names FuzzParse tries, so that every reader and the sniffing path are exercised.
var fuzzNames = []string{"plan.tsv", "plan.csv", "plan.xlsx", "upload"}

func FuzzParse(f *testing.F) {
	for _, path := range []string{"testdata/small.tsv", "testdata/reordered.csv"} {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(0))
		f.Add(b, uint8(1))
		f.Add(b, uint8(3))
	}
	f.Add(tabletest.XLSX(f, tabletest.ReadTSV(f, "testdata/small.tsv")), uint8(2))
	f.Add([]byte(tsvTable(okPlan, okCont)), uint8(0))
	f.Add([]byte(tsvTable(okCont, okPlan)), uint8(0))
	f.Add([]byte(tsvTable(strings.Replace(okPlan, "10%", "10%以上（生产企业100%抽查）", 1))), uint8(1))
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00"), uint8(3))
	f.Add([]byte("PK\x03\x04garbage"), uint8(2))
	f.Add([]byte("\"序号\",\"计划名称\n"), uint8(1))

	res := MustResolver(f, "testdata/departments.tsv")
	f.Fuzz(func(t *testing.T, data []byte, kind uint8) {
		plans, err := Parse(bytes.NewReader(data), fuzzNames[int(kind)%len(fuzzNames)], res)
		if err != nil {
			var es Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error %T %v is not a non-empty Errors", err, err)
			}
			if plans != nil {
				t.Fatalf("%d plans returned with an error", len(plans))
			}
			return
		}
		if len(plans) == 0 {
			t.Fatal("no error and no plans")
		}
		for _, p := range plans {
			if p.Name == "" || p.Seq <= 0 || p.Sub <= 0 || p.Initiator == "" {
				t.Fatalf("incomplete plan %s", dump(p))
			}
			if r, err := ParseRatio(p.Ratio.Text); err != nil || !reflect.DeepEqual(r, p.Ratio) {
				t.Fatalf("plan %q ratio %s does not parse back: %v", p.Name, dump(p.Ratio), err)
			}
			if len(p.Departments) == 0 {
				t.Fatalf("plan %q has no department", p.Name)
			}
			for _, d := range p.Departments {
				if (d.Code == "") != d.Placeholder || len(d.Items) == 0 {
					t.Fatalf("plan %q: bad department %s", p.Name, dump(d))
				}
				for _, it := range d.Items {
					if it.Name == "" || (it.Class != ClassGeneral && it.Class != ClassKey) {
						t.Fatalf("plan %q: bad item %s", p.Name, dump(it))
					}
				}
			}
			if p.Start.IsZero() != p.End.IsZero() || p.End.Before(p.Start) {
				t.Fatalf("plan %q: window %v..%v", p.Name, p.Start, p.End)
			}
		}
	})
}

func FuzzParseRatio(f *testing.F) {
	for _, s := range []string{"10%", "100%", "20%", "3%以上", "20%以上", "10%以上", "10%（生产企业100%抽查）",
		"10% (生产企业100%抽查)", "10%（批发商100%抽查）", "10%以上(生产企业100%抽查)", "十分之一", "", "110%", "abc",
		"１０％", "不低于10%", "10%（生产企业100%抽查；批发企业50%）"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRatio(s)
		if err != nil {
			if !strings.Contains(err.Error(), "抽查比例") {
				t.Fatalf("error %q does not name the column", err)
			}
			return
		}
		if r.Text != s || r.Percent <= 0 || r.Percent > 100 {
			t.Fatalf("ParseRatio(%q) = %s", s, dump(r))
		}
		for _, o := range r.Overrides {
			if o.Population == "" || o.Percent <= 0 || o.Percent > 100 {
				t.Fatalf("ParseRatio(%q): bad override %s", s, dump(o))
			}
		}
	})
}
