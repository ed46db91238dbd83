package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"zsc/schema"
	"zsc/server/report"
	"zsc/server/sqlstore"
	"zsc/server/sqlstore/storetest"
	"zsc/testdata"
)

// officeFixture builds small worlds of plans, tasks, draws and visits with
// plain SQL inserts, so that every figure of a test can be counted by hand.
type officeFixture struct {
	tb  testing.TB
	db  *sqlstore.DB
	now time.Time
	n   int
}

// Users of the fixture.
var (
	fxOffice  = &schema.User{ID: "u-office", Username: "office", Name: "联席办甲", Role: schema.RoleOffice, Dept: schema.OfficeDept, Region: schema.CityRegion}
	fxCounty  = &schema.User{ID: "u-county", Username: "county", Name: "西峰区联席办", Role: schema.RoleOffice, Dept: schema.OfficeDept, Region: "621002"}
	fxSCJG    = &schema.User{ID: "u-scjg", Username: "scjg-office", Name: "市场监管乙", Role: schema.RoleOffice, Dept: "scjg", Region: schema.CityRegion}
	fxJYJLead = &schema.User{ID: "u-jyj", Username: "jyj-lead", Name: "教育丙", Role: schema.RoleLead, Dept: "jyj", Region: schema.CityRegion}
	fxInspect = &schema.User{ID: "u-insp", Username: "ding-inspector", Name: "检查员丁", Role: schema.RoleInspector, Dept: "scjg", Region: schema.CityRegion, CertNo: "62000012345"}
)

func mustOfficeFixture(tb testing.TB) *officeFixture {
	tb.Helper()
	db, err := sqlstore.Open(storetest.DSN(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	f := &officeFixture{tb: tb, db: db, now: time.Date(2024, 6, 20, 2, 0, 0, 0, time.UTC)}
	db.Now = func() time.Time { return f.now }
	f.exec(`INSERT INTO regions (code, name, level, parent) VALUES ('621000', '庆阳市', 'city', NULL), ('621002', '西峰区', 'county', '621000'), ('621021', '庆城县', 'county', '621000')`)
	f.exec(`INSERT INTO departments (code, name, short, kind, ord) VALUES ('lxb', '联席办', '庆联', 'office', 0),
		('jyj', '市教育局', '庆市教', 'member', 1), ('scjg', '市市场监管局', '庆市监', 'member', 2), ('wjw', '市卫生健康委', '庆市卫', 'member', 3)`)
	for _, u := range []*schema.User{fxOffice, fxCounty, fxSCJG, fxJYJLead, fxInspect} {
		f.exec(`INSERT INTO users (id, username, name, password_hash, role, dept, region, cert_no, created_at) VALUES (?, ?, ?, 'x', ?, ?, ?, ?, '2024-01-01T00:00:00.000Z')`,
			u.ID, u.Username, u.Name, u.Role, u.Dept, u.Region, u.CertNo)
	}
	f.exec(`INSERT INTO audit_log (at, user_id, channel, action, kind, entity_id) VALUES ('2024-04-24T02:00:00.000Z', 'u-office', 'web', 'plan.import', 'plan_year', '2024')`)
	return f
}

func (f *officeFixture) exec(q string, args ...any) {
	f.tb.Helper()
	err := f.db.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(q, args...)
		return err
	})
	if err != nil {
		f.tb.Fatalf("%v\n%s", err, q)
	}
}

// plan adds a plan of 2024 with its departments' items (catalogue ids).
func (f *officeFixture) plan(id string, seq int, initiator, levels string, items map[string][]string, order ...string) {
	f.exec(`INSERT INTO plans (id, year, seq, sub, domain, target, name, ratio_text, ratio, delegated, levels, initiator, window_text, source_row, created_at)
		VALUES (?, 2024, ?, 1, '领域', '对象', ?, '10%', '{}', 1, ?, ?, '', ?, '2024-04-24T02:00:00.000Z')`,
		id, seq, fmt.Sprintf("计划%d", seq), levels, initiator, seq)
	for i, d := range order {
		f.exec(`INSERT INTO plan_departments (plan_id, ord, dept, raw) VALUES (?, ?, ?, ?)`, id, i+1, d, d)
		for j, c := range items[d] {
			f.exec(`INSERT INTO catalogue_items (id, dept, name, class, created_at) VALUES (?, ?, ?, '一般检查', '2024-04-24T02:00:00.000Z') ON CONFLICT DO NOTHING`, c, d, "事项"+c)
			f.exec(`INSERT INTO plan_items (id, plan_id, dept_ord, catalogue_id, ord) VALUES (?, ?, ?, ?, ?)`, id+"-"+c, id, i+1, c, j+1)
		}
	}
}

// task adds a task and, when drawnAt is set, its draw.
func (f *officeFixture) task(id, plan, region, level, drawnAt string, applicable, stratified bool, depts ...string) {
	f.exec(`INSERT INTO tasks (id, plan_id, region, batch, level, tag, created_by, created_at) VALUES (?, ?, ?, 1, ?, 'tag', 'u-office', '2024-05-01T00:00:00.000Z')`,
		id, plan, region, level)
	f.exec(`INSERT INTO audit_log (at, user_id, channel, action, kind, entity_id, parent_kind, parent_id) VALUES ('2024-05-01T00:00:00.000Z', 'u-office', 'web', 'task.create', 'task', ?, 'plan', ?)`, id, plan)
	for i, d := range depts {
		f.exec(`INSERT INTO task_departments (task_id, ord, dept) VALUES (?, ?, ?)`, id, i+1, d)
	}
	if drawnAt != "" {
		f.exec(`INSERT INTO draws (id, task_id, algorithm, seed, snapshot_hash, population, drawn, strata, result, risk_applicable, risk_stratified, created_by, created_at)
			VALUES (?, ?, 'v1', '00', 'h', 100, 10, '[]', '{}', ?, ?, 'u-office', ?)`, "d-"+id, id, applicable, stratified, drawnAt)
		f.exec(`INSERT INTO audit_log (at, user_id, channel, action, kind, entity_id, parent_kind, parent_id) VALUES (?, 'u-office', 'web', 'draw.run', 'draw', ?, 'task', ?)`, drawnAt, "d-"+id, id)
	}
}

// visit adds a visit of a drawn task with items per department (ids
// "{visit}-{dept}-{n}"), for an entity of its own.
func (f *officeFixture) visit(id, task, entityName string, items map[string]int) {
	f.n++
	uscc := fmt.Sprintf("91621000MA7%07dX", f.n)
	f.exec(`INSERT INTO entities (id, uscc, name, region, address, risk, status, updated_at) VALUES (?, ?, ?, '621002', '西峰区长庆大道1号', 'C', '存续', '2024-01-01T00:00:00.000Z')
		ON CONFLICT (id) DO NOTHING`, "e-"+entityName, uscc, entityName)
	f.exec(`INSERT INTO visits (id, task_id, draw_id, entity_id, risk, stratum, scheduled_on, created_at) VALUES (?, ?, ?, ?, 'C', 'C', '2024-05-20', '2024-05-10T00:00:00.000Z')`,
		id, task, "d-"+task, "e-"+entityName)
	for dept, n := range items {
		for i := 1; i <= n; i++ {
			f.exec(`INSERT INTO checklist_items (id, visit_id, dept, ord, name, class) VALUES (?, ?, ?, ?, ?, '一般检查')`,
				fmt.Sprintf("%s-%s-%d", id, dept, i), id, dept, i, fmt.Sprintf("%s事项%d", dept, i))
		}
	}
}

// enter answers every item of dept on the visit (符合, the first 不符合 when
// failing) and sets its outcome, all through channel, with audit rows as
// the sync engine writes them.
func (f *officeFixture) enter(visit, dept, channel string, n int, failing bool) {
	client := "c-" + channel
	for i := 1; i <= n; i++ {
		item := fmt.Sprintf("%s-%s-%d", visit, dept, i)
		value := "符合"
		if failing && i == 1 {
			value = "不符合"
		}
		f.exec(`INSERT INTO item_results (item_id, visit_id, dept, value, version, user_id, client_id, channel, mutation_id, updated_at)
			VALUES (?, ?, ?, ?, 1, 'u-insp', ?, ?, ?, '2024-05-20T02:00:00.000Z')
			ON CONFLICT (item_id) DO UPDATE SET value = excluded.value, channel = excluded.channel, client_id = excluded.client_id, version = item_results.version + 1`,
			item, visit, dept, value, client, channel, "m-"+item)
		f.exec(`INSERT INTO audit_log (at, user_id, client_id, channel, action, kind, entity_id, parent_kind, parent_id) VALUES ('2024-05-20T02:00:00.000Z', 'u-insp', ?, ?, 'item.set', 'item_result', ?, 'visit', ?)`,
			client, channel, item, visit)
	}
	cats := `["未发现问题"]`
	if failing {
		cats = `["发现问题待后续处理"]`
	}
	f.exec(`INSERT INTO outcomes (visit_id, dept, categories, version, user_id, client_id, channel, mutation_id, updated_at)
		VALUES (?, ?, ?, 1, 'u-insp', ?, ?, 'm', '2024-05-20T02:00:00.000Z')
		ON CONFLICT (visit_id, dept) DO UPDATE SET categories = excluded.categories, channel = excluded.channel, version = outcomes.version + 1`,
		visit, dept, cats, client, channel)
	f.exec(`INSERT INTO audit_log (at, user_id, client_id, channel, action, kind, entity_id, parent_kind, parent_id) VALUES ('2024-05-20T02:00:00.000Z', 'u-insp', ?, ?, 'outcome.set', 'outcome', ?, 'visit', ?)`,
		client, channel, visit+":"+dept, visit)
}

func (f *officeFixture) complete(visit, at string) {
	f.exec(`UPDATE visits SET status = 'complete', completed_at = ? WHERE id = ?`, at, visit)
	f.exec(`INSERT INTO audit_log (at, user_id, client_id, channel, action, kind, entity_id, parent_kind, parent_id) VALUES (?, 'u-insp', 'c-mobile', 'mobile', 'visit.complete', 'visit', ?, 'visit', ?)`,
		at, visit, visit)
}

// world is the fixture of the metrics tests, with answers counted by hand:
//
//	P1 (市教育局 initiates; 市级、县区级): items c1 c2 (jyj), c3 (scjg)
//	P2 (市市场监管局; 市级): item c4 (scjg)
//	P3 (市卫生健康委; 市级): item c5 (wjw), never drawn
//	T1: P1 in 621000, joint (jyj + scjg), drawn 2024-05-10, risk-stratified
//	    V1 complete 2024-05-20, both departments entered on phones
//	    V2 complete 2024-06-01 00:30 China time (31 May 16:30 UTC); scjg's
//	       results entered by the office (web)
//	    V3 open: jyj entered, scjg has not entered anything
//	    V4 replaced by a re-draw
//	T2: P2 in 621002, single (scjg), drawn 2024-06-03, risk applicable but not stratified
//	    V5 complete 2024-06-10 on phones, one item failing
//	    V6 open, nothing entered
func world(tb testing.TB) *officeFixture {
	f := mustOfficeFixture(tb)
	f.plan("P1", 1, "jyj", `["市级","县区级"]`, map[string][]string{"jyj": {"c1", "c2"}, "scjg": {"c3"}}, "jyj", "scjg")
	f.plan("P2", 2, "scjg", `["市级","县区级"]`, map[string][]string{"scjg": {"c4"}}, "scjg")
	f.plan("P3", 3, "wjw", `["市级"]`, map[string][]string{"wjw": {"c5"}}, "wjw")
	f.task("T1", "P1", "621000", "市级", "2024-05-10T02:00:00.000Z", true, true, "jyj", "scjg")
	f.task("T2", "P2", "621002", "县区级", "2024-06-03T02:00:00.000Z", true, false, "scjg")
	joint := map[string]int{"jyj": 2, "scjg": 1}
	for _, v := range []string{"V1", "V2", "V3", "V4"} {
		f.visit(v, "T1", "单位"+v, joint)
	}
	f.enter("V1", "jyj", "mobile", 2, false)
	f.enter("V1", "scjg", "mobile", 1, false)
	f.complete("V1", "2024-05-20T08:00:00.000Z")
	f.enter("V2", "jyj", "mobile", 2, false)
	f.enter("V2", "scjg", "web", 1, false)
	f.complete("V2", "2024-05-31T16:30:00.000Z")
	f.enter("V3", "jyj", "mobile", 2, false)
	f.exec(`UPDATE visits SET status = 'replaced' WHERE id = 'V4'`)
	f.visit("V5", "T2", "单位V5", map[string]int{"scjg": 2})
	f.visit("V6", "T2", "单位V6", map[string]int{"scjg": 2})
	f.enter("V5", "scjg", "mobile", 2, true)
	f.complete("V5", "2024-06-10T03:00:00.000Z")
	return f
}

func rates(ts []report.Target) map[string]string {
	out := map[string]string{}
	for _, t := range ts {
		out[t.Key] = fmt.Sprintf("%d/%d", t.Numerator, t.Denominator)
	}
	return out
}

func metrics(t *testing.T, f *officeFixture, filter report.Filter, by string) *report.Metrics {
	t.Helper()
	facts, err := f.db.MetricsFacts(context.Background(), 2024)
	if err != nil {
		t.Fatal(err)
	}
	m, err := report.Compute(facts, filter, by)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMetricsOnFixture(t *testing.T) {
	f := world(t)
	cases := []struct {
		name   string
		filter report.Filter
		want   map[string]string
	}{
		{"the whole city counts every figure once", report.Filter{}, map[string]string{
			report.PlanLaunch: "2/3", report.TaskCompletion: "3/5", report.ResultEntry: "3/5",
			report.ItemCoverage: "4/5", report.MobileUse: "2/3", report.RiskUse: "1/2"}},
		{"the joint task counts for its initiating department only", report.Filter{Dept: "jyj"}, map[string]string{
			report.PlanLaunch: "1/1", report.TaskCompletion: "2/3", report.ResultEntry: "2/3",
			report.ItemCoverage: "2/2", report.MobileUse: "1/2", report.RiskUse: "1/1"}},
		{"a participating department does not count the joint task again", report.Filter{Dept: "scjg"}, map[string]string{
			report.PlanLaunch: "1/1", report.TaskCompletion: "1/2", report.ResultEntry: "1/2",
			report.ItemCoverage: "2/2", report.MobileUse: "1/1", report.RiskUse: "0/1"}},
		{"a county sees its own tasks and the plans run at county level", report.Filter{Region: "621002"}, map[string]string{
			report.PlanLaunch: "1/2", report.TaskCompletion: "1/2", report.ResultEntry: "1/2",
			report.ItemCoverage: "1/4", report.MobileUse: "1/1", report.RiskUse: "0/1"}},
		{"a month keeps what was drawn that month and, for mobile use, what was completed then", report.Filter{Month: "2024-06"}, map[string]string{
			report.PlanLaunch: "1/3", report.TaskCompletion: "1/2", report.ResultEntry: "1/2",
			report.ItemCoverage: "1/5", report.MobileUse: "1/2", report.RiskUse: "0/1"}},
		{"a visit completed at 00:30 China time on 1 June counts in June, not May", report.Filter{Month: "2024-05"}, map[string]string{
			report.PlanLaunch: "1/3", report.TaskCompletion: "2/3", report.ResultEntry: "2/3",
			report.ItemCoverage: "3/5", report.MobileUse: "1/1", report.RiskUse: "1/1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := rates(metrics(t, f, c.filter, "").Targets)
			for k, want := range c.want {
				if got[k] != want {
					t.Errorf("%s = %s, want %s", report.TargetNames[k], got[k], want)
				}
			}
		})
	}
	t.Run("a visit with one department's results missing keeps the entry rate under 100%", func(t *testing.T) {
		m := metrics(t, f, report.Filter{}, "")
		if tg := m.Targets[2]; tg.OK || *tg.Rate >= 1 {
			t.Fatalf("entry rate %+v", tg)
		}
	})
	t.Run("office-entered results lower the mobile rate below its goal", func(t *testing.T) {
		m := metrics(t, f, report.Filter{}, "")
		if tg := m.Targets[4]; tg.Key != report.MobileUse || tg.OK || tg.Numerator != 2 || tg.Denominator != 3 {
			t.Fatalf("mobile rate %+v", tg)
		}
	})
	t.Run("the department rows add up to the whole city: no double counting", func(t *testing.T) {
		m := metrics(t, f, report.Filter{}, report.ByDepartment)
		sum := 0
		for _, r := range m.Rows {
			sum += r.Targets[1].Denominator
		}
		if sum != m.Targets[1].Denominator {
			t.Fatalf("department rows count %d visits, the city %d", sum, m.Targets[1].Denominator)
		}
	})
	t.Run("the region rows name the city level and the county", func(t *testing.T) {
		m := metrics(t, f, report.Filter{}, report.ByRegion)
		if len(m.Rows) != 2 || m.Rows[0].Name != "庆阳市" || m.Rows[1].Name != "西峰区" {
			t.Fatalf("rows %+v", m.Rows)
		}
		if got := rates(m.Rows[0].Targets)[report.TaskCompletion]; got != "2/3" {
			t.Fatalf("city level completion %s", got)
		}
	})
	t.Run("the month rows are in time order", func(t *testing.T) {
		m := metrics(t, f, report.Filter{}, report.ByMonth)
		if len(m.Rows) != 2 || m.Rows[0].Key != "2024-05" || m.Rows[1].Name != "2024年6月" {
			t.Fatalf("rows %+v", m.Rows)
		}
	})
	t.Run("the triggers keep the same rollups as a rebuild from scratch", func(t *testing.T) {
		before := rollups(t, f.db)
		if err := f.db.RebuildRollups(context.Background()); err != nil {
			t.Fatal(err)
		}
		if after := rollups(t, f.db); after != before {
			t.Fatalf("triggers:\n%s\nrebuild:\n%s", before, after)
		}
	})
}

func rollups(t *testing.T, db *sqlstore.DB) string {
	t.Helper()
	out := ""
	err := db.Read(context.Background(), func(tx *sql.Tx) error {
		for _, q := range []string{
			`SELECT task_id || ' ' || month || ' ' || visits || ' ' || complete || ' ' || entered || ' ' || mobile FROM task_rollups WHERE visits + complete + entered + mobile > 0 ORDER BY 1`,
			`SELECT visit_id || ' ' || status || ' ' || items || ' ' || answered || ' ' || depts || ' ' || outcomes || ' ' || offmobile || ' ' || completed_on || ' ' || published FROM visit_rollups ORDER BY 1`,
			`SELECT task_id || ' ' || dept || ' ' || month || ' ' || platform || ' ' || system || ' ' || website FROM pub_rollups WHERE platform + system + website > 0 ORDER BY 1`,
		} {
			rows, err := tx.Query(q)
			if err != nil {
				return err
			}
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					rows.Close()
					return err
				}
				out += s + "\n"
			}
			rows.Close()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func mustCal(t testing.TB) *report.Calendar {
	cal, err := report.LoadCalendar(testdata.FS, "holidays")
	if err != nil {
		t.Fatal(err)
	}
	return cal
}
