package http_test

import (
	"strings"
	"testing"
)

// The office's task and draw screens (issue 12 item 3): tasks of a plan in
// every region at once, the population before a draw, and the draw's record.

type taskBatchJSON struct {
	Created []struct {
		ID     string
		Region string
		Level  string
	}
	Skipped []struct {
		Region string
		Reason string
		TaskID string `json:"task_id"`
	}
}

type previewJSON struct {
	Task           struct{ ID, Region string }
	RatioText      string `json:"ratio_text"`
	Population     int
	Drawn          int
	RiskApplicable bool `json:"risk_applicable"`
	Strata         []struct {
		Class      string
		Population int
		Ratio      float64
		Drawn      int
	}
	Pools []struct {
		Dept     string
		Eligible int
		PerDept  int `json:"per_dept"`
	}
}

func countTasks(t *testing.T, ts *TestServer, planID string) int {
	t.Helper()
	var n int
	scanRow(t, ts.DB.Reader().QueryRow(`SELECT count(*) FROM tasks WHERE plan_id = ?`, planID), &n)
	return n
}

func TestABatchCreatesAPlansTasksInEveryRegionOfItsLevel(t *testing.T) {
	ts := MustOpenServer(t)
	addPolicyUsers(t, ts)
	office := ts.Login(t, "office").AccessToken
	plan12 := planID(t, ts, office, 12)

	var b taskBatchJSON
	if code := ts.Do(t, "POST", "/api/v1/tasks/batch", office, map[string]any{"plan_id": plan12, "level": "县区级"}, &b); code != 201 {
		t.Fatalf("batch: %d", code)
	}
	if len(b.Created) != 8 || len(b.Skipped) != 0 {
		t.Fatalf("the 联席办 created %d county tasks (skipped %d), want all 8 counties", len(b.Created), len(b.Skipped))
	}
	for _, c := range b.Created {
		if c.Level != "县区级" || c.Region == "621000" {
			t.Fatalf("a county batch made %+v", c)
		}
	}
	t.Run("the same batch again creates nothing and says why", func(t *testing.T) {
		var e APIError
		if code := ts.Do(t, "POST", "/api/v1/tasks/batch", office, map[string]any{"plan_id": plan12, "level": "县区级"}, &e); code != 409 {
			t.Fatalf("status %d, want 409", code)
		}
		if n := countTasks(t, ts, plan12); n != 8 {
			t.Fatalf("%d tasks of plan 12, want 8", n)
		}
	})
	t.Run("a city batch makes the one city task and skips nothing", func(t *testing.T) {
		var c taskBatchJSON
		if code := ts.Do(t, "POST", "/api/v1/tasks/batch", office, map[string]any{"plan_id": plan12, "level": "市级"}, &c); code != 201 {
			t.Fatalf("status %d", code)
		}
		if len(c.Created) != 1 || c.Created[0].Region != "621000" {
			t.Fatalf("city batch: %+v", c)
		}
	})
	t.Run("a county already holding the batch is skipped, the others created", func(t *testing.T) {
		plan31 := planID(t, ts, office, 31)
		var one struct{ ID string }
		if code := ts.Do(t, "POST", "/api/v1/tasks", office, map[string]any{"plan_id": plan31, "region": "621022", "level": "县区级"}, &one); code != 201 {
			t.Fatalf("one task: %d", code)
		}
		var c taskBatchJSON
		if code := ts.Do(t, "POST", "/api/v1/tasks/batch", office, map[string]any{"plan_id": plan31, "level": "县区级"}, &c); code != 201 {
			t.Fatalf("status %d", code)
		}
		if len(c.Created) != 7 || len(c.Skipped) != 1 || c.Skipped[0].Region != "621022" || c.Skipped[0].TaskID != one.ID || c.Skipped[0].Reason == "" {
			t.Fatalf("batch around an existing task: %+v", c)
		}
	})
	t.Run("a refused batch writes no task at all", func(t *testing.T) {
		plan60 := planID(t, ts, office, 60) // has a placeholder department: settle is required
		var e APIError
		if code := ts.Do(t, "POST", "/api/v1/tasks/batch", office, map[string]any{"plan_id": plan60, "level": "市级"}, &e); code != 400 || !strings.Contains(e.Message, "待定") {
			t.Fatalf("status %d, want 400", code)
		}
		if n := countTasks(t, ts, plan60); n != 0 {
			t.Fatalf("a refused batch left %d tasks", n)
		}
		if code := ts.Do(t, "POST", "/api/v1/tasks/batch", office, map[string]any{"plan_id": plan12, "level": "省级"}, &e); code != 400 {
			t.Fatalf("an unknown level: status %d, want 400", code)
		}
	})
	t.Run("a placeholder settled on the plan is every task's: no settle needed", func(t *testing.T) {
		plan60 := planID(t, ts, office, 60)
		var plan struct {
			Departments []struct {
				Ord         int
				Placeholder bool
			}
		}
		var res struct {
			Plans []struct {
				ID          string
				Departments []struct {
					Ord         int
					Placeholder bool
				}
			}
		}
		ts.Do(t, "GET", "/api/v1/plans?year=2024", office, nil, &res)
		for _, p := range res.Plans {
			if p.ID == plan60 {
				plan.Departments = p.Departments
			}
		}
		for _, d := range plan.Departments {
			if d.Placeholder {
				var e APIError
				if code := ts.Do(t, "POST", "/api/v1/plans/"+plan60+"/settle", office, map[string]any{"ord": d.Ord, "departments": []string{"wjw"}}, &e); code != 200 {
					t.Fatalf("settle: %d %s", code, e.Message)
				}
			}
		}
		var c taskBatchJSON
		if code := ts.Do(t, "POST", "/api/v1/tasks/batch", office, map[string]any{"plan_id": plan60, "level": "市级"}, &c); code != 201 {
			var e APIError
			ts.Do(t, "POST", "/api/v1/tasks/batch", office, map[string]any{"plan_id": plan60, "level": "市级"}, &e)
			t.Fatalf("status %d: %s", code, e.Message)
		}
		var n int
		scanRow(t, ts.DB.Reader().QueryRow(`SELECT count(*) FROM task_departments td JOIN tasks t ON t.id = td.task_id WHERE t.plan_id = ? AND td.dept = 'wjw'`, plan60), &n)
		if n != len(c.Created) || n == 0 {
			t.Fatalf("%d of %d tasks take the settled 卫健委", n, len(c.Created))
		}
	})
	t.Run("scope: a county office creates only its own county's task", func(t *testing.T) {
		county := ts.Login(t, "scjg-office-621021").AccessToken
		plan66 := planID(t, ts, office, 66) // 市场监管 initiates it; the demo drew it in 西峰区 only
		var c taskBatchJSON
		if code := ts.Do(t, "POST", "/api/v1/tasks/batch", county, map[string]any{"plan_id": plan66, "level": "县区级"}, &c); code != 201 {
			t.Fatalf("status %d", code)
		}
		if len(c.Created) != 1 || c.Created[0].Region != "621021" {
			t.Fatalf("a 庆城县 office created %+v", c.Created)
		}
	})
	t.Run("scope: a department's office cannot create tasks of a plan another department initiates", func(t *testing.T) {
		wjw := ts.Login(t, "wjw-office-621021").AccessToken
		before := countTasks(t, ts, plan12)
		var e APIError
		if code := ts.Do(t, "POST", "/api/v1/tasks/batch", wjw, map[string]any{"plan_id": plan12, "level": "县区级", "batch": 2}, &e); code != 403 {
			t.Fatalf("status %d, want 403", code)
		}
		if n := countTasks(t, ts, plan12); n != before {
			t.Fatalf("a refused batch wrote %d tasks", n-before)
		}
	})
}

func TestThePopulationPreviewIsWhatTheDrawTakes(t *testing.T) {
	ts := MustOpenServer(t)
	office := ts.Login(t, "office").AccessToken
	var b taskBatchJSON
	if code := ts.Do(t, "POST", "/api/v1/tasks/batch", office, map[string]any{"plan_id": planID(t, ts, office, 12), "level": "县区级"}, &b); code != 201 {
		t.Fatalf("batch: %d", code)
	}
	task := b.Created[0].ID
	var p previewJSON
	if code := ts.Do(t, "GET", "/api/v1/tasks/"+task+"/population", office, nil, &p); code != 200 {
		t.Fatalf("population: %d", code)
	}
	classes := []string{}
	sum := 0
	for _, s := range p.Strata {
		classes = append(classes, s.Class)
		sum += s.Population
	}
	if want := "A B C D unclassified"; joinSpace(classes) != want {
		t.Fatalf("strata %v, want %s", classes, want)
	}
	if p.Population == 0 || sum != p.Population || p.Drawn == 0 || p.RatioText != "10%" || !p.RiskApplicable {
		t.Fatalf("preview %+v", p)
	}
	want := map[string]float64{"A": 5, "B": 10, "C": 20, "D": 40}
	for _, s := range p.Strata[:4] {
		if s.Ratio != want[s.Class] {
			t.Fatalf("class %s at %v%%, want %v%%", s.Class, s.Ratio, want[s.Class])
		}
	}
	if len(p.Pools) != 3 {
		t.Fatalf("pools %+v, want one per department of plan 12", p.Pools)
	}
	var n int
	scanRow(t, ts.DB.Reader().QueryRow(`SELECT count(*) FROM draws`), &n)

	var d drawJSON
	if code := ts.Do(t, "POST", "/api/v1/tasks/"+task+"/draw", office, nil, &d); code != 201 {
		t.Fatalf("draw: %d", code)
	}
	if d.Drawn != p.Drawn || d.Population != p.Population {
		t.Fatalf("drew %d of %d, the preview said %d of %d", d.Drawn, d.Population, p.Drawn, p.Population)
	}
	for _, s := range d.Strata {
		for _, f := range p.Strata {
			if f.Class == s.Class && (f.Drawn != s.Drawn || f.Population != s.Population || f.Ratio != s.Ratio) {
				t.Fatalf("stratum %s: drew %+v, preview %+v", s.Class, s, f)
			}
		}
	}
	t.Run("the preview wrote nothing", func(t *testing.T) {
		var m int
		scanRow(t, ts.DB.Reader().QueryRow(`SELECT count(*) FROM draws`), &m)
		if m != n+1 {
			t.Fatalf("%d draws after one draw, %d before", m, n)
		}
	})
}

type drawDetailJSON struct {
	ID           string
	Seed         string
	SeedSource   string `json:"seed_source"`
	SnapshotHash string `json:"snapshot_hash"`
	Algorithm    string
	Operator     string
	RegionName   string `json:"region_name"`
	Drawn        int
	Departments  []struct{ Code, Name string }
	Visits       []struct {
		ID, Status, USCC, Name, Stratum string
		Team                            []struct {
			UserID string `json:"user_id"`
			Name   string
			Dept   string
			Active bool
		}
	}
	Redraws []struct {
		Kind, Old, New, Reason, By string
		OldName                    string `json:"old_name"`
		NewName                    string `json:"new_name"`
	}
}

func TestADrawsRecordNamesItsTeamsAndReDraws(t *testing.T) {
	ts := MustOpenServer(t)
	office := ts.Login(t, "office").AccessToken
	_, d := createAndDraw(t, ts, office, 12, "621023")
	var r drawDetailJSON
	if code := ts.Do(t, "GET", "/api/v1/draws/"+d.ID, office, nil, &r); code != 200 {
		t.Fatalf("draw record: %d", code)
	}
	if r.SeedSource != "random" || len(r.Seed) != 64 || len(r.SnapshotHash) != 64 || r.Algorithm == "" || r.Operator == "" || r.RegionName != "华池县" {
		t.Fatalf("record %+v", r)
	}
	if len(r.Visits) != d.Drawn || len(r.Departments) != 3 || r.Departments[0].Name == "" {
		t.Fatalf("%d visits for %d drawn; departments %+v", len(r.Visits), d.Drawn, r.Departments)
	}
	for _, v := range r.Visits {
		if v.Name == "" || v.Stratum == "" || len(v.Team) != 6 {
			t.Fatalf("visit %+v: want a named entity and 2 inspectors from each of 3 departments", v)
		}
	}
	first := r.Visits[0]
	t.Run("a re-draw needs a reason", func(t *testing.T) {
		var e APIError
		if code := ts.Do(t, "POST", "/api/v1/visits/"+first.ID+"/redraw", office, map[string]any{"kind": "entity", "reason": ""}, &e); code != 400 {
			t.Fatalf("status %d, want 400", code)
		}
	})
	var out struct {
		New      string
		NewVisit string `json:"new_visit_id"`
	}
	if code := ts.Do(t, "POST", "/api/v1/visits/"+first.ID+"/redraw", office, map[string]any{"kind": "entity", "reason": "对象已注销"}, &out); code != 201 {
		t.Fatalf("re-draw: %d", code)
	}
	if code := ts.Do(t, "GET", "/api/v1/draws/"+d.ID, office, nil, &r); code != 200 {
		t.Fatalf("draw record: %d", code)
	}
	if len(r.Redraws) != 1 || r.Redraws[0].Reason != "对象已注销" || r.Redraws[0].Old != first.USCC || r.Redraws[0].New != out.New ||
		r.Redraws[0].OldName != first.Name || r.Redraws[0].NewName == "" || r.Redraws[0].By == "" {
		t.Fatalf("re-draws %+v", r.Redraws)
	}
	statuses := map[string]string{}
	for _, v := range r.Visits {
		statuses[v.ID] = v.Status
	}
	if statuses[first.ID] != "replaced" || statuses[out.NewVisit] != "open" || len(r.Visits) != d.Drawn+1 {
		t.Fatalf("after the re-draw: %v", statuses)
	}
}

func joinSpace(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += " "
		}
		out += s
	}
	return out
}
