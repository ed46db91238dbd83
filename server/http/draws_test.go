package http_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"zsc/schema"
)

type taskJSON struct {
	ID          string
	Departments []string
}

type drawJSON struct {
	ID         string
	Population int
	Drawn      int
	Strata     []struct {
		Class      string
		Population int
		Ratio      float64
		Drawn      int
	}
	RiskStratified bool     `json:"risk_stratified"`
	VisitIDs       []string `json:"visit_ids"`
}

type visitJSON struct {
	ID          string
	ScheduledOn string `json:"scheduled_on"`
	Entity      struct{ ID, USCC, Name string }
	Team        []struct {
		UserID string `json:"user_id"`
		Dept   string
		Active bool
	}
	Items []struct{ ID, Dept, Name, Class string }
}

func planID(t *testing.T, ts *TestServer, token string, seq int) string {
	var res struct {
		Plans []struct {
			ID  string
			Seq int
		}
	}
	ts.Do(t, "GET", "/api/v1/plans?year=2024", token, nil, &res)
	for _, p := range res.Plans {
		if p.Seq == seq {
			return p.ID
		}
	}
	t.Fatalf("plan %d not found", seq)
	return ""
}

func createAndDraw(t *testing.T, ts *TestServer, token string, seq int, region string) (taskJSON, drawJSON) {
	var task taskJSON
	if code := ts.Do(t, "POST", "/api/v1/tasks", token, map[string]any{"plan_id": planID(t, ts, token, seq), "region": region}, &task); code != 201 {
		t.Fatalf("create task of plan %d: %d", seq, code)
	}
	var d drawJSON
	var e APIError
	if code := ts.Do(t, "POST", "/api/v1/tasks/"+task.ID+"/draw", token, nil, &d); code != 201 {
		ts.Do(t, "POST", "/api/v1/tasks/"+task.ID+"/draw", token, nil, &e)
		t.Fatalf("draw plan %d: %d %+v", seq, code, e)
	}
	return task, d
}

func TestDrawPlan4(t *testing.T) {
	ts := MustOpenServer(t)
	office := ts.Login(t, "office").AccessToken
	task, d := createAndDraw(t, ts, office, 4, "621002")

	t.Run("each risk class is drawn at its R4 ratio, rounded up", func(t *testing.T) {
		want := map[string]float64{"A": 5, "B": 10, "C": 20, "D": 40}
		total := 0
		for _, s := range d.Strata {
			if s.Ratio != want[s.Class] {
				t.Fatalf("class %s ratio %v, want %v", s.Class, s.Ratio, want[s.Class])
			}
			n := int(math.Ceil(float64(s.Population) * s.Ratio / 100))
			if s.Drawn != n {
				t.Fatalf("class %s: drew %d of %d, want %d", s.Class, s.Drawn, s.Population, n)
			}
			total += s.Drawn
		}
		if total != d.Drawn || d.Drawn == 0 || !d.RiskStratified {
			t.Fatalf("drawn %d, strata sum %d, stratified %v", d.Drawn, total, d.RiskStratified)
		}
	})
	var visits []visitJSON
	ts.Do(t, "GET", "/api/v1/visits?task="+task.ID, office, nil, &visits)
	t.Run("every visit has two drawn inspectors from each of the four departments, none in conflict", func(t *testing.T) {
		if len(visits) != d.Drawn {
			t.Fatalf("%d visits for %d drawn", len(visits), d.Drawn)
		}
		for _, v := range visits {
			per := map[string]int{}
			for _, m := range v.Team {
				per[m.Dept]++
				var n int
				scanRow(t, ts.DB.Reader().QueryRow(`SELECT count(*) FROM interest_conflicts WHERE user_id = ? AND entity_id = ?`, m.UserID, v.Entity.ID), &n)
				if n > 0 {
					t.Fatalf("inspector %s is in conflict with %s", m.UserID, v.Entity.Name)
				}
				var cert string
				var expert bool
				scanRow(t, ts.DB.Reader().QueryRow(`SELECT cert_no, expert FROM users WHERE id = ?`, m.UserID), &cert, &expert)
				if cert == "" || expert {
					t.Fatalf("inspector %s has no certificate or is an expert", m.UserID)
				}
			}
			for _, dept := range []string{"gaj", "wjw", "xf", "zjj"} {
				if per[dept] < 2 {
					t.Fatalf("visit %s: %d inspectors of %s", v.ID, per[dept], dept)
				}
			}
		}
	})
	t.Run("verify re-runs the draw and says it matches", func(t *testing.T) {
		var v struct {
			Match  bool
			Reason string
		}
		if code := ts.Do(t, "GET", "/api/v1/draws/"+d.ID+"/verify", office, nil, &v); code != 200 || !v.Match {
			t.Fatalf("verify: %d %+v", code, v)
		}
	})
	t.Run("verify fails once the stored snapshot is tampered with", func(t *testing.T) {
		var hash string
		scanRow(t, ts.DB.Reader().QueryRow(`SELECT snapshot_hash FROM draws WHERE id = ?`, d.ID), &hash)
		if err := ts.DB.Write(context.Background(), func(tx *schemaTx) error {
			_, err := tx.Exec(`UPDATE draws SET seed = ? WHERE id = ?`, strings.Repeat("00", 32), d.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var v struct {
			Match  bool
			Reason string
		}
		ts.Do(t, "GET", "/api/v1/draws/"+d.ID+"/verify", office, nil, &v)
		if v.Match || v.Reason == "" {
			t.Fatalf("verify after changing the seed: %+v", v)
		}
	})
	t.Run("drawing the same task again is a conflict", func(t *testing.T) {
		if code := ts.Do(t, "POST", "/api/v1/tasks/"+task.ID+"/draw", office, nil, nil); code != 409 {
			t.Fatalf("status %d", code)
		}
	})
	t.Run("the plan table can no longer be re-imported", func(t *testing.T) {
		seed, _ := os.ReadFile("../../testdata/plans/qingyang-2024.tsv")
		var e APIError
		if code := ts.Do(t, "POST", "/api/v1/plans/import", office, Multipart("plan.tsv", seed, map[string]string{"year": "2024"}), &e); code != 409 {
			t.Fatalf("status %d %+v", code, e)
		}
	})
}

func TestLeadAdjustsPlan66(t *testing.T) {
	ts := MustOpenServer(t)
	lead := ts.Login(t, "lead").AccessToken
	var tasks []struct {
		ID          string
		PlanSeq     int `json:"plan_seq"`
		Departments []string
	}
	ts.Do(t, "GET", "/api/v1/tasks", lead, nil, &tasks)
	taskID := ""
	for _, tk := range tasks {
		if tk.PlanSeq == 66 {
			taskID = tk.ID
		}
	}
	if taskID == "" {
		t.Fatalf("the demo's plan 66 task is not visible to the lead: %+v", tasks)
	}
	var visits []visitJSON
	if code := ts.Do(t, "GET", "/api/v1/visits?task="+taskID, lead, nil, &visits); code != 200 || len(visits) == 0 {
		t.Fatalf("visits: %d, %d", code, len(visits))
	}
	t.Run("the checklist is grouped by 市市场监管局, 市住建局 and 市卫健委", func(t *testing.T) {
		var order []string
		for _, it := range visits[0].Items {
			if len(order) == 0 || order[len(order)-1] != it.Dept {
				order = append(order, it.Dept)
			}
		}
		if strings.Join(order, ",") != "scjg,zjj,wjw" {
			t.Fatalf("departments in checklist order: %v", order)
		}
	})
	v := visits[0]
	t.Run("the lead changes a visit's date", func(t *testing.T) {
		var out visitJSON
		if code := ts.Do(t, "PATCH", "/api/v1/visits/"+v.ID, lead, map[string]any{"scheduled_on": "2024-06-20", "reason": "企业停业装修"}, &out); code != 200 || out.ScheduledOn != "2024-06-20" {
			t.Fatalf("status %d, %+v", code, out)
		}
	})
	var out, in string
	for _, m := range v.Team {
		if m.Dept == "scjg" && out == "" {
			out = m.UserID
		}
	}
	// A certified, on-duty inspector of the same pool who is not on the team.
	scanRow(t, ts.DB.Reader().QueryRow(`SELECT id FROM users WHERE role = 'inspector' AND dept = 'scjg' AND region = '621002' AND cert_no != '' AND expert = 0 AND on_duty = 1
		AND id NOT IN (SELECT user_id FROM visit_members WHERE visit_id = ?) AND id NOT IN (SELECT user_id FROM interest_conflicts WHERE entity_id = ?) LIMIT 1`, v.ID, v.Entity.ID), &in)
	t.Run("swapping in an inspector of another department breaks R5 and is refused", func(t *testing.T) {
		var other string
		scanRow(t, ts.DB.Reader().QueryRow(`SELECT id FROM users WHERE role = 'inspector' AND dept = 'wjw' AND cert_no != '' LIMIT 1`), &other)
		var e APIError
		code := ts.Do(t, "PATCH", "/api/v1/visits/"+v.ID, lead, map[string]any{"swap": map[string]string{"dept": "scjg", "out_user_id": out, "in_user_id": other}, "reason": "人员调整"}, &e)
		// In Chinese, naming the department, never an id or a code.
		if code != 400 || !strings.Contains(e.Message, "市市场监管局") || strings.Contains(e.Message, other) || strings.Contains(e.Message, "scjg") {
			t.Fatalf("status %d %+v", code, e)
		}
	})
	t.Run("the lead swaps an inspector within the department", func(t *testing.T) {
		if in == "" {
			t.Skip("no free inspector in the small test pool")
		}
		var got visitJSON
		if code := ts.Do(t, "PATCH", "/api/v1/visits/"+v.ID, lead, map[string]any{"swap": map[string]string{"dept": "scjg", "out_user_id": out, "in_user_id": in}, "reason": "人员调整"}, &got); code != 200 {
			t.Fatalf("status %d", code)
		}
		active := 0
		for _, m := range got.Team {
			if m.Dept == "scjg" && m.Active {
				active++
				if m.UserID == out {
					t.Fatalf("the swapped-out inspector is still active")
				}
			}
		}
		if active < 2 {
			t.Fatalf("%d active 市市场监管局 inspectors after the swap", active)
		}
	})
	t.Run("an inspector may not list visits", func(t *testing.T) {
		insp := ts.Login(t, "insp1").AccessToken
		if code := ts.Do(t, "GET", "/api/v1/visits?task="+taskID, insp, nil, nil); code != 403 {
			t.Fatalf("status %d", code)
		}
	})
}

func TestDrawFailsWhenAPoolIsTooSmall(t *testing.T) {
	ts := MustOpenServer(t)
	office := ts.Login(t, "office").AccessToken
	// Take every 市消防救援支队 inspector of 西峰区 off duty but one.
	if err := ts.DB.Write(context.Background(), func(tx *schemaTx) error {
		_, err := tx.Exec(`UPDATE users SET on_duty = 0 WHERE dept = 'xf' AND region = '621002' AND role = 'inspector'`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var task taskJSON
	ts.Do(t, "POST", "/api/v1/tasks", office, map[string]any{"plan_id": planID(t, ts, office, 4), "region": "621002"}, &task)
	var e APIError
	code := ts.Do(t, "POST", "/api/v1/tasks/"+task.ID+"/draw", office, nil, &e)
	if code != 422 || !strings.Contains(e.Message, "市消防救援支队") || !strings.Contains(e.Message, "西峰区") {
		t.Fatalf("status %d %+v", code, e)
	}
	var n int
	scanRow(t, ts.DB.Reader().QueryRow(`SELECT count(*) FROM visits WHERE task_id = ?`, task.ID), &n)
	if n != 0 {
		t.Fatalf("%d visits written by a failed draw", n)
	}
}

func TestEntityImport(t *testing.T) {
	ts := MustOpenServer(t)
	office := ts.Login(t, "office").AccessToken
	good := "uscc,name,region,address,tags,risk,status,lat,lng,flags\n"
	var uscc string
	scanRow(t, ts.DB.Reader().QueryRow(`SELECT uscc FROM entities LIMIT 1`), &uscc)
	t.Run("a bad USCC is rejected with its row and nothing is written", func(t *testing.T) {
		body := good + uscc + ",改名公司,621002,地址,宾馆旅店,A,存续,,,\n" + "91621002MA00000000,坏公司,621002,地址,宾馆旅店,B,存续,,,\n"
		var e struct {
			Code    string
			Details []struct {
				Row    int
				Column string
			}
		}
		code := ts.Do(t, "POST", "/api/v1/entities/import", office, Multipart("e.csv", []byte(body), nil), &e)
		if code != 422 || len(e.Details) == 0 || e.Details[0].Row != 3 || e.Details[0].Column != "uscc" {
			t.Fatalf("status %d %+v", code, e)
		}
		var name string
		scanRow(t, ts.DB.Reader().QueryRow(`SELECT name FROM entities WHERE uscc = ?`, uscc), &name)
		if name == "改名公司" {
			t.Fatal("the good row was written although the import failed")
		}
	})
	t.Run("a re-import updates by USCC and keeps the history", func(t *testing.T) {
		body := good + uscc + ",改名公司,621002,新地址,宾馆旅店,C,存续,,,\n"
		var res struct{ Created, Updated int }
		if code := ts.Do(t, "POST", "/api/v1/entities/import", office, Multipart("e.csv", []byte(body), nil), &res); code != 200 || res.Updated != 1 {
			t.Fatalf("status %d %+v", code, res)
		}
		var n int
		scanRow(t, ts.DB.Reader().QueryRow(`SELECT count(*) FROM entity_history h JOIN entities e ON e.id = h.entity_id WHERE e.uscc = ?`, uscc), &n)
		if n != 1 {
			t.Fatalf("%d history rows", n)
		}
	})
	_ = fmt.Sprint
	_ = schema.CityRegion
}

func TestRedraw(t *testing.T) {
	ts := MustOpenServer(t)
	office := ts.Login(t, "office").AccessToken
	task, d := createAndDraw(t, ts, office, 4, "621002")
	var visits []visitJSON
	ts.Do(t, "GET", "/api/v1/visits?task="+task.ID, office, nil, &visits)
	// A visit of class A, the largest stratum, so an undrawn replacement
	// exists whatever the random seed drew (a stratum drawn in full has none).
	var aID string
	scanRow(t, ts.DB.Reader().QueryRow(`SELECT id FROM visits WHERE task_id = ? AND stratum = 'A' LIMIT 1`, task.ID), &aID)
	v := visits[0]
	for _, x := range visits {
		if x.ID == aID {
			v = x
		}
	}
	t.Run("a re-draw without a reason is refused", func(t *testing.T) {
		if code := ts.Do(t, "POST", "/api/v1/visits/"+v.ID+"/redraw", office, map[string]string{"kind": "entity"}, nil); code != 400 {
			t.Fatalf("status %d", code)
		}
	})
	t.Run("a re-draw that cannot be made says why in Chinese, by name", func(t *testing.T) {
		var other string // a member of another department's team, named as if on wjw's
		for _, m := range v.Team {
			if m.Dept != "wjw" {
				other = m.UserID
				break
			}
		}
		var name string
		scanRow(t, ts.DB.Reader().QueryRow(`SELECT name FROM users WHERE id = ?`, other), &name)
		var e APIError
		if code := ts.Do(t, "POST", "/api/v1/visits/"+v.ID+"/redraw", office, map[string]string{"kind": "inspector", "dept": "wjw", "inspector_id": other, "reason": "回避"}, &e); code != 422 {
			t.Fatalf("status %d, %+v", code, e)
		}
		if !strings.Contains(e.Message, name) || !strings.Contains(e.Message, v.Entity.Name) || strings.Contains(e.Message, other) || englishRE.MatchString(e.Message) {
			t.Fatalf("message %q: want %s and %s by name, no id, no English", e.Message, name, v.Entity.Name)
		}
		if code := ts.Do(t, "POST", "/api/v1/visits/"+v.ID+"/redraw", office, map[string]string{"kind": "team", "reason": "回避"}, &e); code != 400 || !strings.Contains(e.Message, "只能是") {
			t.Fatalf("status %d, %+v", code, e)
		}
	})
	t.Run("an inspector re-drawn for 回避 is replaced by another of the same department", func(t *testing.T) {
		var out string
		for _, m := range v.Team {
			if m.Dept == "wjw" {
				out = m.UserID
				break
			}
		}
		var res struct{ Old, New string }
		if code := ts.Do(t, "POST", "/api/v1/visits/"+v.ID+"/redraw", office, map[string]string{"kind": "inspector", "dept": "wjw", "inspector_id": out, "reason": "回避"}, &res); code != 201 {
			t.Fatalf("status %d", code)
		}
		var dept string
		scanRow(t, ts.DB.Reader().QueryRow(`SELECT dept FROM users WHERE id = ?`, res.New), &dept)
		if res.Old != out || res.New == out || dept != "wjw" {
			t.Fatalf("%+v (dept %s)", res, dept)
		}
	})
	t.Run("an entity re-drawn because it closed is replaced and the original draw still verifies", func(t *testing.T) {
		var res struct {
			Old, New string
			NewVisit string `json:"new_visit_id"`
		}
		if code := ts.Do(t, "POST", "/api/v1/visits/"+v.ID+"/redraw", office, map[string]string{"kind": "entity", "reason": "对象已注销"}, &res); code != 201 {
			t.Fatalf("status %d", code)
		}
		if res.Old != v.Entity.USCC || res.New == res.Old || res.NewVisit == "" {
			t.Fatalf("%+v", res)
		}
		var after []visitJSON
		ts.Do(t, "GET", "/api/v1/visits?task="+task.ID, office, nil, &after)
		if len(after) != len(visits) {
			t.Fatalf("%d visits after replacing one of %d", len(after), len(visits))
		}
		var ok struct{ Match bool }
		ts.Do(t, "GET", "/api/v1/draws/"+d.ID+"/verify", office, nil, &ok)
		if !ok.Match {
			t.Fatal("the original draw no longer verifies")
		}
	})
}
