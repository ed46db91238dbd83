package sqlstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"zsc/schema"
	"zsc/server/checklists"
	"zsc/server/directory"
	"zsc/server/planimport"
	"zsc/server/sqlstore"
	"zsc/server/sqlstore/storetest"
	"zsc/server/synth"
	"zsc/testdata"
)

const (
	clFood  = "对餐饮服务经营者日常经营行为的行政检查"
	clPrice = "对经营者价格活动的行政检查"
	clDisin = "对消毒剂和消毒器械及其生产经营使用单位的行政检查"
)

// clWorld is a store with the real departments and regions, the small plan
// of testdata/checklists_plan.tsv (市市场监管局: food service and prices;
// 市卫健委: disinfectants) and its users.
type clWorld struct {
	db                    *sqlstore.DB
	office, lead, wjwLead *schema.User
	now                   time.Time
}

func mustChecklistWorld(tb testing.TB) *clWorld {
	tb.Helper()
	db, err := sqlstore.Open(storetest.DSN(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	w := &clWorld{db: db, now: time.Date(2024, 6, 3, 2, 0, 0, 0, time.UTC)}
	db.Now = func() time.Time { return w.now }
	ctx := context.Background()
	if err := db.LoadReference(ctx, testdata.FS); err != nil {
		tb.Fatal(err)
	}
	users := map[string]**schema.User{"office": &w.office, "scjg-lead": &w.lead, "wjw-lead": &w.wjwLead}
	for _, u := range []sqlstore.NewUser{
		{Username: "office", Name: "联席办王", Role: schema.RoleOffice, Dept: schema.OfficeDept, Region: schema.CityRegion},
		{Username: "scjg-lead", Name: "市场监管李", Role: schema.RoleLead, Dept: "scjg", Region: schema.CityRegion},
		{Username: "wjw-lead", Name: "卫健赵", Role: schema.RoleLead, Dept: "wjw", Region: schema.CityRegion},
	} {
		u.PasswordHash, u.OnDuty = "x", true
		if _, err := db.AddUser(ctx, u); err != nil {
			tb.Fatal(err)
		}
		if *users[u.Username], err = db.UserByUsername(ctx, u.Username); err != nil {
			tb.Fatal(err)
		}
	}
	res, err := db.Resolver(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	f, err := os.Open("testdata/checklists_plan.tsv")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	plans, err := planimport.Parse(f, "checklists_plan.tsv", res)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := db.ImportPlans(ctx, 2024, plans, w.office, schema.ChannelImport); err != nil {
		tb.Fatal(err)
	}
	return w
}

// importFile parses and imports a checklist table as by.
func (w *clWorld) importFile(tb testing.TB, by *schema.User, path string) (*sqlstore.ChecklistImport, error) {
	tb.Helper()
	ctx := context.Background()
	res, err := w.db.Resolver(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	file, err := checklists.Parse(f, filepath.Base(path), res)
	if err != nil {
		return nil, err
	}
	return w.db.ImportChecklists(ctx, file, by, schema.ChannelWeb)
}

func (w *clWorld) mustImport(tb testing.TB, by *schema.User, path string) *sqlstore.ChecklistImport {
	tb.Helper()
	r, err := w.importFile(tb, by, path)
	if err != nil {
		tb.Fatalf("import %s: %v", path, err)
	}
	return r
}

func (w *clWorld) count(tb testing.TB, query string, args ...any) int {
	tb.Helper()
	var n int
	if err := w.db.Reader().QueryRow(query, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	return n
}

// tableCounts are the rows an import may write.
func (w *clWorld) tableCounts(tb testing.TB) string {
	return fmt.Sprint(w.count(tb, `SELECT count(*) FROM checklist_templates`), " ", w.count(tb, `SELECT count(*) FROM checklist_template_points`),
		" ", w.count(tb, `SELECT count(*) FROM audit_log WHERE action = 'checklists.import'`))
}

type wantRowError struct {
	row       int
	col, text string
}

func checkRowErrors(tb testing.TB, err error, want []wantRowError) {
	tb.Helper()
	var es schema.RowErrors
	if !errors.As(err, &es) {
		tb.Fatalf("err = %v, want row errors", err)
	}
	if len(es) != len(want) {
		tb.Fatalf("%d errors %v, want %d", len(es), es, len(want))
	}
	for i, w := range want {
		if es[i].Row != w.row || es[i].Column != w.col || !strings.Contains(es[i].Message, w.text) {
			tb.Errorf("error %d = %+v, want row %d, %s, containing %q", i, es[i], w.row, w.col, w.text)
		}
	}
}

func TestImportChecklists(t *testing.T) {
	w := mustChecklistWorld(t)
	ctx := context.Background()

	t.Run("a broken table lists every problem with row and column and writes nothing", func(t *testing.T) {
		before := w.tableCounts(t)
		_, err := w.importFile(t, w.office, "testdata/checklists_broken.tsv")
		checkRowErrors(t, err, []wantRowError{
			{3, checklists.ColText, "“检查内容”不能为空"},
			{4, checklists.ColKey, "重点项只能填"},
			{5, checklists.ColItem, "市市场监管局的监管事项清单中没有“对网络餐饮服务的行政检查”，请先导入年度计划"},
			{6, checklists.ColDept, "未知部门“市某某局”"},
		})
		if after := w.tableCounts(t); after != before {
			t.Fatalf("templates, points, audit rows went from %s to %s", before, after)
		}
	})

	var foodV1 string
	t.Run("the first import makes version 1 of each 事项, audited", func(t *testing.T) {
		r := w.mustImport(t, w.office, "testdata/checklists_v1.tsv")
		if *r != (sqlstore.ChecklistImport{Source: "checklists_v1.tsv", Items: 2, Versions: 2, Unchanged: 0, Points: 4}) {
			t.Fatalf("%+v", r)
		}
		if got := w.tableCounts(t); got != "2 4 2" {
			t.Fatalf("templates, points, audit rows = %s", got)
		}
		list, err := w.db.ChecklistTemplates(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, tp := range list {
			got = append(got, fmt.Sprintf("%s %s v%d %d/%d %v %s", tp.DeptName, tp.ItemName, tp.Version, tp.KeyCount, tp.PointCount, tp.Latest, tp.CreatedByName))
			if tp.ItemName == clFood {
				foodV1 = tp.ID
			}
		}
		want := []string{"市卫生健康委 " + clDisin + " v1 0/1 true 联席办王", "市市场监管局 " + clFood + " v1 2/3 true 联席办王"}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("list:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		var action, kind, parent string
		if err := w.db.Reader().QueryRow(`SELECT action, kind, parent_kind FROM audit_log WHERE entity_id = ?`, foodV1).Scan(&action, &kind, &parent); err != nil {
			t.Fatal(err)
		}
		if action != "checklists.import" || kind != "checklist_template" || parent != "catalogue_item" {
			t.Fatalf("audit %s %s %s", action, kind, parent)
		}
	})

	t.Run("importing the same points again adds nothing", func(t *testing.T) {
		r := w.mustImport(t, w.office, "testdata/checklists_v1.tsv")
		if r.Versions != 0 || r.Unchanged != 2 || w.tableCounts(t) != "2 4 2" {
			t.Fatalf("%+v, tables %s", r, w.tableCounts(t))
		}
	})

	t.Run("a changed 事项 gets version 2; the unchanged one keeps version 1", func(t *testing.T) {
		w.now = w.now.Add(time.Hour)
		r := w.mustImport(t, w.office, "testdata/checklists_v2.tsv")
		if r.Versions != 1 || r.Unchanged != 1 || r.Points != 5 {
			t.Fatalf("%+v", r)
		}
		list, err := w.db.ChecklistTemplates(ctx, "scjg")
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].Version != 2 || list[0].PointCount != 4 || list[0].CreatedByName != "联席办王" {
			t.Fatalf("scjg list %+v", list)
		}
		tp, err := w.db.ChecklistTemplate(ctx, list[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, p := range tp.Points {
			codes = append(codes, fmt.Sprintf("%d:%s", p.Ord, p.Code))
		}
		if strings.Join(codes, " ") != "1:1.1 2:2.1 3:3.1 4:3.2" || tp.Points[1].Method != "抽查全部从业人员健康证明" || !tp.Points[1].Key ||
			tp.Points[0].Violation != "《中华人民共和国食品安全法》第三十五条第一款" {
			t.Fatalf("points %s %+v", codes, tp.Points)
		}
		if len(tp.Versions) != 2 || tp.Versions[0].Version != 2 || tp.Versions[1].ID != foodV1 || tp.Versions[1].PointCount != 3 {
			t.Fatalf("versions %+v", tp.Versions)
		}
		old, err := w.db.ChecklistTemplate(ctx, foodV1)
		if err != nil {
			t.Fatal(err)
		}
		if old.Latest || len(old.Points) != 3 {
			t.Fatalf("version 1 now %+v", old)
		}
	})

	t.Run("a lead imports only their own department's 事项", func(t *testing.T) {
		before := w.tableCounts(t)
		_, err := w.importFile(t, w.wjwLead, "testdata/checklists_v2.tsv")
		checkRowErrors(t, err, []wantRowError{{2, checklists.ColDept, "只能导入本部门（市卫生健康委）的检查表"}})
		_, err = w.importFile(t, w.lead, "testdata/checklists_v2.tsv")
		checkRowErrors(t, err, []wantRowError{{5, checklists.ColDept, "只能导入本部门（市市场监管局）的检查表，不能导入市卫生健康委的"}})
		if after := w.tableCounts(t); after != before {
			t.Fatalf("tables went from %s to %s", before, after)
		}
		// The department's own rows alone import, under the lead's name.
		b, err := os.ReadFile("testdata/checklists_v2.tsv")
		if err != nil {
			t.Fatal(err)
		}
		var own []string
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if !strings.HasPrefix(line, "市卫生健康委") {
				own = append(own, strings.Replace(line, "查看许可证", "查看许可证原件", 1))
			}
		}
		path := filepath.Join(t.TempDir(), "scjg.tsv")
		if err := os.WriteFile(path, []byte(strings.Join(own, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
		r := w.mustImport(t, w.lead, path)
		list, err := w.db.ChecklistTemplates(ctx, "scjg")
		if err != nil {
			t.Fatal(err)
		}
		if r.Versions != 1 || len(list) != 1 || list[0].Version != 3 || list[0].CreatedByName != "市场监管李" || list[0].Source != "scjg.tsv" {
			t.Fatalf("%+v %+v", r, list[0])
		}
	})

	t.Run("an unknown template is not found, in Chinese", func(t *testing.T) {
		_, err := w.db.ChecklistTemplate(ctx, "nope")
		if schema.ErrorCode(err) != schema.ENOTFOUND || !strings.Contains(schema.ErrorMessage(err), "检查表") {
			t.Fatalf("err = %v", err)
		}
	})
}

// drawTask creates a task of the world's plan for 西峰区 and draws it with a
// fixed seed; it returns the visits.
func (w *clWorld) drawTask(tb testing.TB, batch int) []string {
	tb.Helper()
	ctx := context.Background()
	plans, err := w.db.Plans(ctx, 2024)
	if err != nil {
		tb.Fatal(err)
	}
	task, err := w.db.CreateTask(ctx, w.office, sqlstore.NewTask{PlanID: plans[0].ID, Region: "621002", Batch: batch})
	if err != nil {
		tb.Fatal(err)
	}
	seed := sha256.Sum256([]byte(fmt.Sprint("checklists-", batch)))
	rec, err := w.db.RunDraw(ctx, w.office, task.ID, hex.EncodeToString(seed[:]))
	if err != nil {
		tb.Fatal(err)
	}
	if len(rec.Visits) == 0 {
		tb.Fatal("no visits drawn")
	}
	return rec.Visits
}

// withDirectory adds a few entities of the plan's target in 西峰区 and
// inspector pools for both departments.
func (w *clWorld) withDirectory(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	cfg := synth.Config{Seed: 7, Entities: 8, Regions: []string{"621002"}, Tags: []string{"大中型餐饮服务企业"},
		Depts: []string{"scjg", "wjw"}, InspectorsPerPool: 3}
	var es []directory.Entity
	if err := synth.Entities(cfg, func(e directory.Entity) error { es = append(es, e); return nil }); err != nil {
		tb.Fatal(err)
	}
	if _, err := w.db.ImportEntities(ctx, es, w.office, schema.ChannelImport); err != nil {
		tb.Fatal(err)
	}
	var ins []directory.Inspector
	if err := synth.Inspectors(cfg, func(i directory.Inspector) error { ins = append(ins, i); return nil }); err != nil {
		tb.Fatal(err)
	}
	if _, err := w.db.ImportInspectors(ctx, ins, "x", w.office, schema.ChannelImport); err != nil {
		tb.Fatal(err)
	}
}

// checklistLines lists a visit's checklist as "dept ord item|name|code|template version|key".
func (w *clWorld) checklistLines(tb testing.TB, visitID string) string {
	tb.Helper()
	rows, err := w.db.Reader().Query(`SELECT dept, ord, item_name, name, class, code, group_name, coalesce(template_id, 'NULL'), template_version, key_point, violation
		FROM checklist_items WHERE visit_id = ? ORDER BY dept, ord`, visitID)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var dept, item, name, class, code, group, tpl, violation string
		var ord, version int
		var key bool
		if err := rows.Scan(&dept, &ord, &item, &name, &class, &code, &group, &tpl, &version, &key, &violation); err != nil {
			tb.Fatal(err)
		}
		if tpl != "NULL" {
			tpl = "T"
		}
		out = append(out, fmt.Sprintf("%s %d %s|%s|%s|%s|%s|%s v%d key=%v %s", dept, ord, item, name, class, code, group, tpl, version, key, violation))
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return strings.Join(out, "\n")
}

func TestDrawExpandsTemplatesIntoPoints(t *testing.T) {
	w := mustChecklistWorld(t)
	w.withDirectory(t)
	w.mustImport(t, w.office, "testdata/checklists_v1.tsv")
	visits := w.drawTask(t, 1)

	const v1 = "scjg 1 " + clFood + "|食品经营许可证在有效期内并在显著位置悬挂|重点检查|1.1|资质管理|T v1 key=true 《中华人民共和国食品安全法》第三十五条第一款\n" +
		"scjg 2 " + clFood + "|从业人员持有有效健康证明|重点检查|2.1|从业人员管理|T v1 key=true 《中华人民共和国食品安全法》第四十五条第二款\n" +
		"scjg 3 " + clFood + "|餐饮具使用后及时洗净、消毒|重点检查|3.1|餐饮具清洗消毒|T v1 key=false 《中华人民共和国食品安全法》第三十三条第一款第（五）项\n" +
		"scjg 4 " + clPrice + "|" + clPrice + "|重点检查|||NULL v0 key=false \n" +
		"wjw 1 " + clDisin + "|使用的消毒产品具有卫生安全评价报告|重点检查|1.1|产品管理|T v1 key=false 《消毒管理办法》第三十一条"
	t.Run("a templated 事项 becomes its points, an untemplated one stays one line", func(t *testing.T) {
		for _, v := range visits {
			if got := w.checklistLines(t, v); got != v1 {
				t.Fatalf("visit %s:\n%s\nwant\n%s", v, got, v1)
			}
		}
	})

	w.now = w.now.Add(24 * time.Hour)
	w.mustImport(t, w.office, "testdata/checklists_v2.tsv")
	t.Run("a later version leaves the drawn visits as they were", func(t *testing.T) {
		for _, v := range visits {
			if got := w.checklistLines(t, v); got != v1 {
				t.Fatalf("visit %s changed:\n%s", v, got)
			}
		}
	})
	t.Run("an entity re-drawn after it takes the latest version; the visit it replaces keeps its own", func(t *testing.T) {
		r, err := w.db.RedrawVisit(context.Background(), w.office, visits[0], sqlstore.Redraw{Kind: "entity", Reason: "对象已注销"})
		if err != nil {
			t.Fatal(err)
		}
		if got := w.checklistLines(t, r.NewVisit); !strings.Contains(got, "|3.2|餐饮具清洗消毒|T v2") {
			t.Fatalf("replacement visit:\n%s", got)
		}
		if got := w.checklistLines(t, visits[0]); got != v1 {
			t.Fatalf("replaced visit changed:\n%s", got)
		}
	})
	t.Run("a later draw takes the latest version", func(t *testing.T) {
		later := w.drawTask(t, 2)
		got := w.checklistLines(t, later[0])
		if !strings.Contains(got, "scjg 4 "+clFood+"|集中消毒餐具来自取得营业执照的消毒单位|重点检查|3.2|餐饮具清洗消毒|T v2") ||
			!strings.Contains(got, "scjg 5 "+clPrice+"|"+clPrice) || !strings.Contains(got, "wjw 1 "+clDisin+"|使用的消毒产品具有卫生安全评价报告|重点检查|1.1|产品管理|T v1") {
			t.Fatalf("later visit:\n%s", got)
		}
	})
}
