package http_test

import (
	"encoding/json"
	"strings"
	"testing"

	"zsc/schema"
)

const (
	clHeader = "部门\t抽查事项\t检查项目代码\t检查项目\t检查内容代码\t检查内容\t参考检查方法\t重点项\t检查依据\t违反条款\t通知书表述\n"
	clFood   = "对餐饮服务经营者日常经营行为的行政检查"
	clDisin  = "对消毒剂和消毒器械及其生产经营使用单位的行政检查"
)

// clRow is one check point row of a checklist table.
func clRow(dept, item, code, text, key string) string {
	return strings.Join([]string{dept, item, code[:1], "检查项目" + code[:1], code, text, "现场查看", key, "《中华人民共和国食品安全法》第三十三条", "", ""}, "\t") + "\n"
}

type checklistList struct {
	Count     int `json:"count"`
	Templates []struct {
		ID         string `json:"id"`
		Dept       string `json:"dept"`
		ItemName   string `json:"item_name"`
		Version    int    `json:"version"`
		PointCount int    `json:"point_count"`
	} `json:"templates"`
}

func (ts *TestServer) templateCounts(tb testing.TB) [2]int {
	tb.Helper()
	var n [2]int
	if err := ts.DB.Reader().QueryRow(`SELECT (SELECT count(*) FROM checklist_templates), (SELECT count(*) FROM checklist_template_points)`).Scan(&n[0], &n[1]); err != nil {
		tb.Fatal(err)
	}
	return n
}

func TestChecklistImportAPI(t *testing.T) {
	ts := MustOpenServer(t)
	office, lead, insp1, insp3 := ts.Login(t, "office").AccessToken, ts.Login(t, "lead").AccessToken, ts.Login(t, "insp1").AccessToken, ts.Login(t, "insp3").AccessToken
	upload := func(token, name, body string, out any) int {
		return ts.Do(t, "POST", "/api/v1/checklists/import", token, Multipart(name, []byte(body), nil), out)
	}

	t.Run("a broken table is refused with every row and column, nothing written", func(t *testing.T) {
		before := ts.templateCounts(t)
		body := clHeader +
			clRow("市市场监管局", clFood, "1.1", "许可证悬挂", "★") +
			clRow("市市场监管局", clFood, "1.2", "", "") + // row 3: no 检查内容
			clRow("市市场监管局", clFood, "1.1", "许可证有效", "") + // row 4: code of row 2 again
			clRow("市市场监管局", "对不存在事项的行政检查", "1.1", "某项内容", "") + // row 5: not in the catalogue
			clRow("市卫健委", clDisin, "1.1", "消毒产品", "重要") // row 6: bad 重点项
		var e APIError
		if code := upload(office, "broken.tsv", body, &e); code != 422 || e.Code != schema.EUNPROCESSABLE {
			t.Fatalf("status %d %+v", code, e)
		}
		var rows []schema.RowError
		if err := json.Unmarshal(e.Details, &rows); err != nil {
			t.Fatal(err)
		}
		want := []schema.RowError{
			{Row: 3, Column: "检查内容", Message: "“检查内容”不能为空"},
			{Row: 4, Column: "检查内容代码", Message: "检查内容代码“1.1”与第 2 行重复：同一抽查事项内代码不能重复"},
			{Row: 5, Column: "抽查事项", Message: "市市场监管局的监管事项清单中没有“对不存在事项的行政检查”，请先导入年度计划"},
			{Row: 6, Column: "重点项", Message: "重点项只能填“是”“否”“★”或留空，不能填“重要”"},
		}
		if len(rows) != len(want) {
			t.Fatalf("rows %+v", rows)
		}
		for i := range want {
			if rows[i] != want[i] {
				t.Errorf("row error %d = %+v, want %+v", i, rows[i], want[i])
			}
		}
		if after := ts.templateCounts(t); after != before {
			t.Fatalf("templates and points went from %v to %v", before, after)
		}
	})

	good := clHeader + clRow("市市场监管局", clFood, "1.1", "许可证悬挂", "★") + clRow("市市场监管局", clFood, "1.2", "许可证有效", "")
	t.Run("a lead of another department is refused for each of its 事项", func(t *testing.T) {
		before := ts.templateCounts(t)
		var e APIError
		body := good + clRow("市卫健委", clDisin, "1.1", "消毒产品", "")
		if code := upload(lead, "mixed.tsv", body, &e); code != 422 || !strings.Contains(string(e.Details), "只能导入本部门（市市场监管局）的检查表") ||
			!strings.Contains(string(e.Details), `"row":4`) || !strings.Contains(string(e.Details), `"column":"部门"`) {
			t.Fatalf("status %d %s", code, e.Details)
		}
		if after := ts.templateCounts(t); after != before {
			t.Fatalf("templates and points went from %v to %v", before, after)
		}
	})
	t.Run("an inspector may not import", func(t *testing.T) {
		if code := upload(insp1, "good.tsv", good, nil); code != 403 {
			t.Fatalf("status %d", code)
		}
	})

	var foodID string
	t.Run("the lead imports their department's table; a second import of it changes nothing", func(t *testing.T) {
		var r struct{ Items, Versions, Unchanged, Points int }
		if code := upload(lead, "good.tsv", good, &r); code != 200 || r.Items != 1 || r.Versions != 1 || r.Points != 2 {
			t.Fatalf("status %d %+v", code, r)
		}
		if code := upload(lead, "good.tsv", good, &r); code != 200 || r.Versions != 0 || r.Unchanged != 1 {
			t.Fatalf("status %d %+v", code, r)
		}
		var l checklistList
		if code := ts.Do(t, "GET", "/api/v1/checklists", lead, nil, &l); code != 200 {
			t.Fatalf("status %d", code)
		}
		for _, tp := range l.Templates {
			if tp.Dept != "scjg" {
				t.Fatalf("a lead of scjg sees %+v", tp)
			}
			if tp.ItemName == clFood {
				foodID = tp.ID
				if tp.PointCount != 2 {
					t.Fatalf("%+v", tp)
				}
			}
		}
		if foodID == "" {
			t.Fatalf("food template not listed: %+v", l)
		}
	})

	t.Run("an inspector reads their department's templates only", func(t *testing.T) {
		var l checklistList
		if code := ts.Do(t, "GET", "/api/v1/checklists", insp3, nil, &l); code != 200 {
			t.Fatalf("status %d", code)
		}
		for _, tp := range l.Templates {
			if tp.Dept != "wjw" {
				t.Fatalf("insp3 of wjw sees %+v", tp)
			}
		}
		var e APIError
		if code := ts.Do(t, "GET", "/api/v1/checklists?dept=scjg", insp3, nil, &e); code != 403 || !strings.Contains(e.Message, "本部门") {
			t.Fatalf("status %d %+v", code, e)
		}
		if code := ts.Do(t, "GET", "/api/v1/checklists/"+foodID, insp3, nil, &e); code != 403 || !strings.Contains(e.Message, "市市场监管局") {
			t.Fatalf("status %d %+v", code, e)
		}
	})

	t.Run("the office reads every department's, and one template with its points", func(t *testing.T) {
		var l checklistList
		if code := ts.Do(t, "GET", "/api/v1/checklists?dept=scjg", office, nil, &l); code != 200 || l.Count == 0 {
			t.Fatalf("status %d %+v", code, l)
		}
		var tp struct {
			ItemName string `json:"item_name"`
			Points   []struct {
				Code string `json:"code"`
				Text string `json:"text"`
				Key  bool   `json:"key"`
			} `json:"points"`
		}
		if code := ts.Do(t, "GET", "/api/v1/checklists/"+foodID, office, nil, &tp); code != 200 || tp.ItemName != clFood || len(tp.Points) != 2 ||
			tp.Points[0].Code != "1.1" || !tp.Points[0].Key || tp.Points[1].Text != "许可证有效" {
			t.Fatalf("status %d %+v", code, tp)
		}
		var e APIError
		if code := ts.Do(t, "GET", "/api/v1/checklists/nope", office, nil, &e); code != 404 {
			t.Fatalf("status %d", code)
		}
	})
}
