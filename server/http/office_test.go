package http_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	zhttp "zsc/server/http"
)

type officeResultsJSON struct {
	Status string
	Items  []struct {
		ItemID        string `json:"item_id"`
		Dept          string
		Value         string
		Channel       string
		OfficeEntered bool `json:"office_entered"`
	}
	Outcomes []struct {
		Dept          string
		Channel       string
		OfficeEntered bool `json:"office_entered"`
	}
	Missing []string
	Fates   []struct{ Name, Status, Reason string }
}

type metricsJSON struct {
	Targets []struct {
		Key                    string
		Numerator, Denominator int
		OK                     bool
	}
	Rows []struct{ Key, Name string }
}

func TestOfficeEntryGoesThroughTheSyncEngine(t *testing.T) {
	ts := MustOpenServer(t)
	ts.WireOffice()
	office := ts.Login(t, "office").AccessToken
	task, d := createAndDraw(t, ts, office, 4, "621002")
	visit := d.VisitIDs[0]
	// The demo has visits done already (by phone and on paper): the entry
	// below is counted against the targets as they stand before it.
	targets := func() map[string][2]int {
		var m metricsJSON
		if code := ts.Do(t, "GET", "/api/v1/metrics?year=2024", office, nil, &m); code != 200 {
			t.Fatalf("metrics: status %d", code)
		}
		got := map[string][2]int{}
		for _, tg := range m.Targets {
			got[tg.Key] = [2]int{tg.Numerator, tg.Denominator}
		}
		return got
	}
	before := targets()
	var st officeResultsJSON
	if code := ts.Do(t, "GET", "/api/v1/office/results?visit_id="+visit, office, nil, &st); code != 200 || st.Status != "open" {
		t.Fatalf("status %d %+v", code, st)
	}
	if len(st.Missing) == 0 || !strings.Contains(st.Missing[0], "项检查内容未填写") || strings.HasPrefix(st.Missing[0], "庆") {
		t.Fatalf("missing %q", st.Missing)
	}
	byDept := map[string][]map[string]string{}
	for _, it := range st.Items {
		byDept[it.Dept] = append(byDept[it.Dept], map[string]string{"item_id": it.ItemID, "value": "符合", "note": "纸质检查记录补录"})
	}
	if len(byDept) != len(task.Departments) {
		t.Fatalf("%d departments with items, task has %v", len(byDept), task.Departments)
	}
	for i, dept := range task.Departments {
		last := i == len(task.Departments)-1
		var out officeResultsJSON
		code := ts.Do(t, "POST", "/api/v1/office/results", office, map[string]any{"visit_id": visit, "dept": dept,
			"items": byDept[dept], "outcome": []string{"未发现问题"}, "completed": true}, &out)
		t.Run(fmt.Sprintf("department %d of %d is entered, and the visit is complete only after the last", i+1, len(task.Departments)), func(t *testing.T) {
			if code != 200 {
				t.Fatalf("status %d %+v", code, out)
			}
			want := "open"
			if last {
				want = "complete"
			}
			if out.Status != want {
				t.Fatalf("visit %s after %s, want %s: %+v", out.Status, dept, want, out)
			}
		})
		st = out
	}
	t.Run("every entered result is labelled office-entered with channel web", func(t *testing.T) {
		for _, it := range st.Items {
			if it.Channel != "web" || !it.OfficeEntered || it.Value != "符合" {
				t.Fatalf("%+v", it)
			}
		}
		for _, o := range st.Outcomes {
			if o.Channel != "web" || !o.OfficeEntered {
				t.Fatalf("%+v", o)
			}
		}
	})
	t.Run("a completed visit takes no more office entry", func(t *testing.T) {
		var e APIError
		dept := task.Departments[0]
		if code := ts.Do(t, "POST", "/api/v1/office/results", office, map[string]any{"visit_id": visit, "dept": dept,
			"items": byDept[dept][:1]}, &e); code != 409 || !strings.Contains(e.Message, "已完成，不能再录入结果") {
			t.Fatalf("status %d %+v", code, e)
		}
	})
	t.Run("a bad value rejects the whole entry", func(t *testing.T) {
		var e APIError
		other := d.VisitIDs[1]
		if code := ts.Do(t, "POST", "/api/v1/office/results", office, map[string]any{"visit_id": other, "dept": task.Departments[0],
			"items": []map[string]string{{"item_id": "x", "value": "符合"}}}, &e); code != 400 || e.Message != "items[0]：“x”不是本次检查中该部门的检查事项" {
			t.Fatalf("status %d %+v", code, e)
		}
	})
	t.Run("the office-entered visit counts as completed but not as mobile", func(t *testing.T) {
		after := targets()
		tc, mu := after["task_completion"], after["mobile_use"]
		if tc[0] != before["task_completion"][0]+1 || mu[0] != before["mobile_use"][0] || mu[1] != before["mobile_use"][1]+1 {
			t.Fatalf("before %v, after %v: want one more completed visit, not mobile", before, after)
		}
	})
	t.Run("the trail of an office-entered result names the office's web client", func(t *testing.T) {
		var tr struct {
			Entries []struct {
				Kind, Position, Channel string
				ClientID                string `json:"client_id"`
				OfficeEntered           bool   `json:"office_entered"`
			}
		}
		if code := ts.Do(t, "GET", "/api/v1/trail?kind=result&id="+st.Items[0].ItemID, office, nil, &tr); code != 200 {
			t.Fatalf("status %d", code)
		}
		for _, e := range tr.Entries {
			if e.Position == "self" {
				if e.Channel != "web" || !e.OfficeEntered || e.ClientID == "" {
					t.Fatalf("%+v", e)
				}
				return
			}
		}
		t.Fatalf("no entry for the result: %+v", tr.Entries)
	})
}

func TestOfficeScopes(t *testing.T) {
	ts := MustOpenServer(t)
	ts.WireOffice()
	office := ts.Login(t, "office").AccessToken
	lead := ts.Login(t, "lead").AccessToken
	cases := []struct {
		name, path, token string
		code              int
	}{
		{"the office reads the targets", "/api/v1/metrics?year=2024&by=department", office, 200},
		{"a lead may not read the targets", "/api/v1/metrics?year=2024", lead, 403},
		{"a bad breakdown is refused", "/api/v1/metrics?year=2024&by=weather", office, 400},
		{"a bad month is refused", "/api/v1/metrics?month=2024-13", office, 400},
		{"the office lists stale devices", "/api/v1/devices/stale", office, 200},
		{"a lead lists the publications due", "/api/v1/publications?status=due", lead, 200},
		{"an unknown publication status is refused", "/api/v1/publications?status=later", office, 400},
		{"the public results need no login", "/api/v1/public/results?q=" + "有限公司", "", 200},
		{"the trail needs a kind", "/api/v1/trail?id=x", office, 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if code := ts.Do(t, "GET", c.path, c.token, nil, nil); code != c.code {
				t.Fatalf("status %d, want %d", code, c.code)
			}
		})
	}
}

func TestProgressDownloads(t *testing.T) {
	ts := MustOpenServer(t)
	ts.WireOffice()
	office := ts.Login(t, "office").AccessToken
	createAndDraw(t, ts, office, 4, "621002")
	get := func(format string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/api/v1/reports/progress?month=2024-06&format="+format, nil)
		req.Header.Set("Authorization", "Bearer "+office)
		rec := httptest.NewRecorder()
		ts.Handler().ServeHTTP(rec, req)
		return rec
	}
	t.Run("the XLSX opens with the form's title and the drawn task as a county joint batch", func(t *testing.T) {
		rec := get("xlsx")
		if rec.Code != 200 || !strings.Contains(rec.Header().Get("Content-Disposition"), "attachment") {
			t.Fatalf("status %d %v", rec.Code, rec.Header())
		}
		f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		title, _ := f.GetCellValue("附件3", "A1")
		batch, _ := f.GetCellValue("附件3", "C9")
		if title != "“双随机”抽查任务进展情况统计表" || !strings.HasPrefix(batch, "4. ") {
			t.Fatalf("title %q, county joint batch %q", title, batch)
		}
	})
	t.Run("the CSV has one header row and the same columns", func(t *testing.T) {
		rec := get("csv")
		lines := strings.Split(rec.Body.String(), "\r\n")
		if rec.Code != 200 || !strings.Contains(lines[0], "抽查数量（户）") || strings.Count(lines[1], ",") != 9 {
			t.Fatalf("status %d %q", rec.Code, lines[:2])
		}
	})
	t.Run("the JSON counts the drawn 户 once", func(t *testing.T) {
		var p struct{ Total struct{ Visits int } }
		rec := get("json")
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatalf("status %d %s: %v", rec.Code, rec.Body.String(), err)
		}
		if rec.Code != 200 || p.Total.Visits == 0 {
			t.Fatalf("status %d %s", rec.Code, rec.Body.String())
		}
	})
}

func TestPublicResultsAreRateLimited(t *testing.T) {
	ts := MustOpenServer(t)
	ts.WireOffice()
	for i := 1; i <= zhttp.PublicRate; i++ {
		if code := ts.Do(t, "GET", "/api/v1/public/results?q=公司", "", nil, nil); code != 200 {
			t.Fatalf("request %d: status %d", i, code)
		}
	}
	var e APIError
	if code := ts.Do(t, "GET", "/api/v1/public/results?q=公司", "", nil, &e); code != 429 || e.Code != "rate_limited" {
		t.Fatalf("request %d: status %d %+v", zhttp.PublicRate+1, code, e)
	}
}
