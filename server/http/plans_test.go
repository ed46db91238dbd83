package http_test

import (
	"os"
	"strings"
	"testing"
)

type planList struct {
	Year  int
	Count int
	Plans []struct {
		Seq, Sub      int
		Name          string
		Initiator     string
		InitiatorName string `json:"initiator_name"`
		RatioText     string `json:"ratio_text"`
		Departments   []struct {
			Code, Name  string
			Placeholder bool
			Items       []struct{ Name, Class string }
		}
	}
}

func TestPlansOfTheSeed(t *testing.T) {
	ts := MustOpenServer(t)
	office := ts.Login(t, "office").AccessToken
	var res planList
	if code := ts.Do(t, "GET", "/api/v1/plans?year=2024", office, nil, &res); code != 200 {
		t.Fatalf("status %d", code)
	}
	t.Run("the office sees the 70 plans of 68 numbers", func(t *testing.T) {
		seqs := map[int]int{}
		for _, p := range res.Plans {
			seqs[p.Seq]++
		}
		if res.Count != 70 || len(res.Plans) != 70 || len(seqs) != 68 || seqs[3] != 3 {
			t.Fatalf("count %d, numbers %d, plan 3 holds %d", res.Count, len(seqs), seqs[3])
		}
	})
	t.Run("every plan has an initiator, resolved departments and classed items", func(t *testing.T) {
		for _, p := range res.Plans {
			if p.Initiator == "" || p.InitiatorName == "" || len(p.Departments) == 0 {
				t.Fatalf("plan %d.%d incomplete: %+v", p.Seq, p.Sub, p)
			}
			for _, d := range p.Departments {
				if !d.Placeholder && d.Code == "" {
					t.Fatalf("plan %d: department %s unresolved", p.Seq, d.Name)
				}
				for _, it := range d.Items {
					if it.Class != "一般检查" && it.Class != "重点检查" {
						t.Fatalf("plan %d item %q class %q", p.Seq, it.Name, it.Class)
					}
				}
			}
		}
	})
}

func TestImportPlans(t *testing.T) {
	ts := MustOpenServer(t)
	office := ts.Login(t, "office").AccessToken
	seed, err := os.ReadFile("../../testdata/plans/qingyang-2024.tsv")
	if err != nil {
		t.Fatal(err)
	}
	count := func() int {
		var res planList
		ts.Do(t, "GET", "/api/v1/plans?year=2025", office, nil, &res)
		return res.Count
	}
	t.Run("a good table imports as another year", func(t *testing.T) {
		var out struct{ Plans, Numbers, Departments, Items int }
		code := ts.Do(t, "POST", "/api/v1/plans/import", office, Multipart("plan.tsv", seed, map[string]string{"year": "2025"}), &out)
		if code != 200 || out.Plans != 70 || out.Numbers != 68 || out.Departments != 186 {
			t.Fatalf("status %d, %+v", code, out)
		}
	})
	broken := []struct {
		name, file, data string
		status           int
		row              int
		column           string
	}{
		{"an unknown department is rejected with its row and column", "p.tsv",
			strings.Replace(string(seed), "\t市财政局\t", "\t市不存在局\t", 1), 422, 5, "责任部门"},
		{"a ratio that does not parse is rejected", "p.tsv",
			strings.Replace(string(seed), "\t30%\t", "\t三成\t", 1), 422, 0, "抽查比例"},
		{"a missing column is rejected", "p.tsv",
			strings.ReplaceAll(string(seed), "\t抽查比例\t", "\t比例\t"), 422, 0, "抽查比例"},
		{"a file that is not a table is rejected", "p.png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 422, 0, ""},
	}
	for _, b := range broken {
		t.Run(b.name+" and nothing is written", func(t *testing.T) {
			var e struct {
				Code    string
				Message string
				Details []struct {
					Row     int
					Column  string
					Message string
				}
			}
			code := ts.Do(t, "POST", "/api/v1/plans/import", office, Multipart(b.file, []byte(b.data), map[string]string{"year": "2026"}), &e)
			if code != b.status {
				t.Fatalf("status %d, want %d: %+v", code, b.status, e)
			}
			if b.column != "" {
				found := false
				for _, d := range e.Details {
					if d.Column == b.column && (b.row == 0 || d.Row == b.row) {
						found = true
					}
				}
				if !found {
					t.Fatalf("no error at row %d column %s: %+v", b.row, b.column, e)
				}
			}
			var res planList
			ts.Do(t, "GET", "/api/v1/plans?year=2026", office, nil, &res)
			if res.Count != 0 {
				t.Fatalf("%d plans written", res.Count)
			}
		})
	}
	t.Run("a file over the size cap is 413", func(t *testing.T) {
		big := make([]byte, 6<<20)
		if code := ts.Do(t, "POST", "/api/v1/plans/import", office, Multipart("big.tsv", big, map[string]string{"year": "2026"}), nil); code != 413 {
			t.Fatalf("status %d", code)
		}
	})
	t.Run("re-importing a year without tasks replaces its plans", func(t *testing.T) {
		code := ts.Do(t, "POST", "/api/v1/plans/import", office, Multipart("plan.tsv", seed, map[string]string{"year": "2025"}), nil)
		if code != 200 || count() != 70 {
			t.Fatalf("status %d, %d plans", code, count())
		}
	})
}
