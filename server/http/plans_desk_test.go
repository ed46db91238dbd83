package http_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// brokenSeed is the 2024 table with a bad 抽查比例 on row 2 (plan 1) and a
// bad 抽查层级 on the row of plan 2: two rows, two columns, one answer.
func brokenSeed(t *testing.T) (seed, broken []byte) {
	t.Helper()
	seed, err := os.ReadFile("../../testdata/plans/qingyang-2024.tsv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(seed), "\n")
	cells := func(i int) []string { return strings.Split(lines[i], "\t") }
	if c := cells(1); c[0] != "1" || c[4] != "10%" {
		t.Fatalf("row 2 of the seed is not plan 1 at 10%%: %q", lines[1])
	}
	out := append([]string(nil), lines...)
	c := cells(1)
	c[4] = "十分之一"
	out[1] = strings.Join(c, "\t")
	row := 0
	for i := 2; i < len(lines); i++ {
		if cells(i)[0] == "2" {
			row = i
			c := cells(i)
			c[6] = "乡镇级"
			out[i] = strings.Join(c, "\t")
			break
		}
	}
	if row == 0 {
		t.Fatal("no plan 2 in the seed")
	}
	return seed, []byte(strings.Join(out, "\n"))
}

type rowErr struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Message string `json:"message"`
}

type preview struct {
	Year, Plans, Numbers, Departments, Items, Placeholders, Existing, Tasks, Settled int
	Changes                                                                          []struct {
		Kind   string
		Seq    int
		Name   string
		Fields []string
	}
}

func auditCount(t *testing.T, ts *TestServer, action string) int {
	t.Helper()
	var n int
	if err := ts.DB.Reader().QueryRow(`SELECT count(*) FROM audit_log WHERE action = ?`, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPlanPreviewWritesNothing(t *testing.T) {
	ts := MustOpenServer(t)
	office := ts.Login(t, "office").AccessToken
	seed, _ := brokenSeed(t)
	plans := func(year string) int {
		var res planList
		if code := ts.Do(t, "GET", "/api/v1/plans?year="+year, office, nil, &res); code != 200 {
			t.Fatalf("plans: %d", code)
		}
		return res.Count
	}
	audits := auditCount(t, ts, "plan.import")
	t.Run("a new year previews every plan as added", func(t *testing.T) {
		var p preview
		code := ts.Do(t, "POST", "/api/v1/plans/import?dry_run=1", office, Multipart("plan.tsv", seed, map[string]string{"year": "2025"}), &p)
		if code != 200 || p.Year != 2025 || p.Plans != 70 || p.Numbers != 68 || p.Departments != 186 || p.Existing != 0 || p.Tasks != 0 || p.Placeholders != 7 {
			t.Fatalf("status %d, %+v", code, p)
		}
		if len(p.Changes) != 70 || p.Changes[0].Kind != "added" {
			t.Fatalf("changes %+v", p.Changes)
		}
		if n := plans("2025"); n != 0 {
			t.Fatalf("a preview wrote %d plans", n)
		}
	})
	t.Run("a year with plans previews what changes, and that its tasks refuse it", func(t *testing.T) {
		edited := strings.Replace(string(seed), "\t10%\t", "\t15%\t", 1)
		var p preview
		code := ts.Do(t, "POST", "/api/v1/plans/import?dry_run=1", office, Multipart("plan.tsv", []byte(edited), map[string]string{"year": "2024"}), &p)
		if code != 200 || p.Existing != 70 || p.Tasks == 0 {
			t.Fatalf("status %d, %+v", code, p)
		}
		if len(p.Changes) != 1 || p.Changes[0].Kind != "changed" || p.Changes[0].Seq != 1 || strings.Join(p.Changes[0].Fields, ",") != "抽查比例" {
			t.Fatalf("changes %+v", p.Changes)
		}
	})
	t.Run("a bad dry_run is refused", func(t *testing.T) {
		if code := ts.Do(t, "POST", "/api/v1/plans/import?dry_run=maybe", office, Multipart("plan.tsv", seed, map[string]string{"year": "2025"}), nil); code != 400 {
			t.Fatalf("status %d", code)
		}
	})
	if got := auditCount(t, ts, "plan.import"); got != audits {
		t.Fatalf("previews wrote %d audit rows", got-audits)
	}
	if n := plans("2025"); n != 0 {
		t.Fatalf("%d plans written", n)
	}
	t.Run("the list without a year lists the newest year with plans, and the years", func(t *testing.T) {
		var res struct {
			Year  int
			Years []int
			Count int
		}
		if code := ts.Do(t, "GET", "/api/v1/plans", office, nil, &res); code != 200 || res.Year != 2024 || len(res.Years) != 1 || res.Count != 70 {
			t.Fatalf("status %d, %+v", code, res)
		}
	})
}

func TestARefusedPlanTableListsEveryRowError(t *testing.T) {
	ts := MustOpenServer(t)
	office := ts.Login(t, "office").AccessToken
	_, broken := brokenSeed(t)
	for _, path := range []string{"/api/v1/plans/import?dry_run=1", "/api/v1/plans/import"} {
		t.Run(path, func(t *testing.T) {
			var e struct {
				Code, Message string
				Details       []rowErr
			}
			code := ts.Do(t, "POST", path, office, Multipart("plan.tsv", broken, map[string]string{"year": "2025"}), &e)
			if code != 422 || len(e.Details) != 2 {
				t.Fatalf("status %d, %+v", code, e)
			}
			if d := e.Details[0]; d.Row != 2 || d.Column != "抽查比例" || !strings.Contains(d.Message, "十分之一") {
				t.Fatalf("first error %+v", d)
			}
			if d := e.Details[1]; d.Row <= 2 || d.Column != "抽查层级" || !strings.Contains(d.Message, "乡镇级") {
				t.Fatalf("second error %+v", d)
			}
			if !strings.Contains(e.Message, "2 处错误") {
				t.Fatalf("message %q", e.Message)
			}
			for _, d := range e.Details {
				if strings.ContainsAny(d.Message, "abcdefghijklmnopqrstuvwxyz") {
					t.Fatalf("a message in English: %q", d.Message)
				}
			}
		})
	}
	var res planList
	ts.Do(t, "GET", "/api/v1/plans?year=2025", office, nil, &res)
	if res.Count != 0 {
		t.Fatalf("%d plans written", res.Count)
	}
}

type settledPlan struct {
	ID          string
	Seq         int
	Departments []struct {
		Ord         int
		Code, Raw   string
		Placeholder bool
		Settled     []struct{ Code, Name string }
	}
}

func TestSettleAPlanPlaceholder(t *testing.T) {
	ts := MustOpenServer(t)
	addPolicyUsers(t, ts)
	office := ts.Login(t, "office").AccessToken
	plan60 := func() settledPlan {
		t.Helper()
		var res struct{ Plans []settledPlan }
		if code := ts.Do(t, "GET", "/api/v1/plans?year=2024", office, nil, &res); code != 200 {
			t.Fatalf("plans: %d", code)
		}
		for _, p := range res.Plans {
			if p.Seq == 60 {
				return p
			}
		}
		t.Fatal("no plan 60")
		return settledPlan{}
	}
	p := plan60()
	if len(p.Departments) != 2 || !p.Departments[1].Placeholder || p.Departments[1].Raw != "待定" || p.Departments[1].Ord != 2 {
		t.Fatalf("plan 60: %+v", p)
	}
	path := "/api/v1/plans/" + p.ID + "/settle"
	body := func(ord int, depts ...string) map[string]any { return map[string]any{"ord": ord, "departments": depts} }
	audits := auditCount(t, ts, "plan.settle")

	for _, tc := range []struct {
		name, user string
		body       map[string]any
		want       int
		says       string
	}{
		{"a lead cannot settle", "lead", body(2, "wjw"), 403, ""},
		{"a department's office that does not initiate the plan cannot", "wjw-office-621021", body(2, "wjw"), 403, ""},
		{"a named department is refused", "office", body(2, "scjg"), 400, "已是本计划的责任部门"},
		{"the 联席办 is no member department", "office", body(2, "office"), 400, "不是成员单位"},
		{"nothing chosen is refused", "office", body(2), 400, "至少选择一个"},
		{"a named row is no placeholder", "office", body(1, "wjw"), 400, "不是待定部门"},
		{"a row the plan does not have is refused", "office", body(9, "wjw"), 400, "没有第 9 个责任部门"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var e APIError
			if code := ts.Do(t, "POST", path, ts.Login(t, tc.user).AccessToken, tc.body, &e); code != tc.want || !strings.Contains(e.Message, tc.says) {
				t.Fatalf("status %d %q, want %d %q", code, e.Message, tc.want, tc.says)
			}
		})
	}
	if got := auditCount(t, ts, "plan.settle"); got != audits {
		t.Fatalf("refusals wrote %d audit rows", got-audits)
	}

	t.Run("the 联席办 settles it; the plan shows the departments; the choice is audited", func(t *testing.T) {
		var out settledPlan
		if code := ts.Do(t, "POST", path, office, body(2, "wjw", "gaj"), &out); code != 200 {
			t.Fatalf("status %d", code)
		}
		got := plan60().Departments[1].Settled
		if len(got) != 2 || got[0].Code != "wjw" || got[1].Code != "gaj" || got[0].Name == "" {
			t.Fatalf("settled %+v", got)
		}
		var before, after string
		if err := ts.DB.Reader().QueryRow(`SELECT coalesce(before, ''), after FROM audit_log WHERE action = 'plan.settle' AND entity_id = ?`, p.ID).Scan(&before, &after); err != nil {
			t.Fatal(err)
		}
		var a struct{ Departments []string }
		if err := json.Unmarshal([]byte(after), &a); err != nil || before != "" || strings.Join(a.Departments, ",") != "wjw,gaj" {
			t.Fatalf("audit before %q after %q (%v)", before, after, err)
		}
	})
	t.Run("the initiating department's office changes it; the same choice again is refused", func(t *testing.T) {
		scjg := ts.Login(t, "scjg-office-621021").AccessToken
		if code := ts.Do(t, "POST", path, scjg, body(2, "gaj"), nil); code != 200 {
			t.Fatalf("status %d", code)
		}
		var e APIError
		if code := ts.Do(t, "POST", path, scjg, body(2, "gaj"), &e); code != 400 || !strings.Contains(e.Message, "没有变化") {
			t.Fatalf("status %d %q", code, e.Message)
		}
		if got := auditCount(t, ts, "plan.settle"); got != audits+2 {
			t.Fatalf("%d audit rows", got-audits)
		}
	})
	t.Run("a task of the plan takes the settled departments", func(t *testing.T) {
		var task struct{ Departments []string }
		code := ts.Do(t, "POST", "/api/v1/tasks", office, map[string]any{"plan_id": p.ID, "region": "621000"}, &task)
		if code != 201 || strings.Join(task.Departments, ",") != "scjg,gaj" {
			var e APIError
			t.Fatalf("status %d, %+v %s", code, task, e.Message)
		}
	})
	t.Run("a lead of a settled department sees the plan", func(t *testing.T) {
		// gaj takes part in plan 60 now; mzj does not.
		var res struct{ Plans []settledPlan }
		ts.Do(t, "GET", "/api/v1/plans?year=2024", ts.Login(t, "mzj-lead").AccessToken, nil, &res)
		for _, x := range res.Plans {
			if x.Seq == 60 {
				t.Fatal("mzj sees plan 60")
			}
		}
	})
}
