package http_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"zsc/schema"
	"zsc/server/auth"
	"zsc/server/authz"
	"zsc/server/demo"
	"zsc/server/sqlstore"
)

// scopeCase is one call of a route by a user in or out of the resource's
// scope, with the status it must get.
type scopeCase struct {
	name string
	user string                        // a demo user or one of policyUsers
	path func(f *policyFixture) string // the request path, from the fixture's ids
	body func(f *policyFixture) any    // nil: no body
	want int
	// sees, when set, checks what a list answered: a list inside one's
	// scope answers 200 whoever asks, its rows are what the policy decides.
	sees func(f *policyFixture, body []byte) error
}

// policyRoute is a route's row of the policy test: the action it declares
// and the scope cases that go with it.
type policyRoute struct {
	action authz.Action
	scope  []scopeCase
}

// policyTable is the one table of the route test: every route of the
// server, the policy action it must declare, and, for routes that touch a
// scoped resource, calls from inside and outside that scope. A route
// registered without a row here fails TestEveryRouteHasARowOfThePolicy, so a
// new route cannot be forgotten.
var policyTable = map[string]policyRoute{
	"GET /healthz":               {action: authz.Public},
	"POST /api/v1/auth/login":    {action: authz.Public},
	"POST /api/v1/auth/refresh":  {action: authz.Public},
	"POST /api/v1/auth/logout":   {action: authz.Public},
	"GET /api/v1/public/results": {action: authz.Public},
	"GET /api/v1/public/draws":   {action: authz.Public},
	"GET /api/v1/me":             {action: authz.SignedIn},
	"GET /api/v1/departments":    {action: authz.SignedIn},
	"GET /api/v1/regions":        {action: authz.SignedIn},
	"POST /api/v1/plans/import":  {action: authz.PlanImport},
	"POST /api/v1/plans/{id}/settle": {
		action: authz.PlanSettle, // scope: plans_desk_test.go (the 联席办, the initiating department's office; no other)
	},
	"GET /api/v1/plans": {action: authz.PlanList, scope: []scopeCase{
		{"a lead sees only the plans their department initiates or takes part in", "mzj-lead", func(*policyFixture) string { return "/api/v1/plans?year=2024" }, nil, 200, plansOf("mzj")},
		{"a department's office sees only its department's plans", "wjw-office-621021", func(*policyFixture) string { return "/api/v1/plans?year=2024" }, nil, 200, plansOf("wjw")},
	}},
	"POST /api/v1/entities/import":   {action: authz.EntityImport},
	"POST /api/v1/inspectors/import": {action: authz.InspectorImport},
	"POST /api/v1/conflicts/import":  {action: authz.ConflictImport},
	"GET /api/v1/recusals":           {action: authz.DirectoryRead},
	"GET /api/v1/tasks":              {action: authz.TaskList},
	"POST /api/v1/tasks":             {action: authz.TaskCreate},
	"POST /api/v1/tasks/batch":       {action: authz.TaskCreate}, // scope: tasks_desk_test.go
	"GET /api/v1/entities": {action: authz.DirectoryRead, scope: []scopeCase{
		{"a county office sees only its county's entities", "wjw-office-621021", func(*policyFixture) string { return "/api/v1/entities?size=100" }, nil, 200, seesDirectory("621021", "")},
		{"a county office asking for another county sees none", "wjw-office-621021", func(*policyFixture) string { return "/api/v1/entities?region=621002" }, nil, 200, seesDirectory("621021", "")},
	}},
	"GET /api/v1/inspectors": {action: authz.DirectoryRead, scope: []scopeCase{
		{"a county 卫健委 office sees only its county's 卫健委 inspectors", "wjw-office-621021", func(*policyFixture) string { return "/api/v1/inspectors?size=100" }, nil, 200, seesDirectory("621021", "wjw")},
		{"a lead cannot search the directories", "lead", func(*policyFixture) string { return "/api/v1/inspectors" }, nil, 403, nil},
	}},
	"GET /api/v1/tasks/{id}/population": {action: authz.DrawRead, scope: []scopeCase{
		{"the lead of a participating department sees the population", "lead", func(f *policyFixture) string { return "/api/v1/tasks/" + f.task66 + "/population" }, nil, 200, nil},
		{"a lead whose department takes no part cannot see the population", "mzj-lead", func(f *policyFixture) string { return "/api/v1/tasks/" + f.task66 + "/population" }, nil, 403, nil},
		{"a county lead cannot see another county's population", "scjg-lead-621022", func(f *policyFixture) string { return "/api/v1/tasks/" + f.task66 + "/population" }, nil, 403, nil},
	}},
	"GET /api/v1/draws/{id}": {action: authz.DrawRead, scope: []scopeCase{
		{"the lead of a participating department reads the draw record", "lead", func(f *policyFixture) string { return "/api/v1/draws/" + f.draw66 }, nil, 200, nil},
		{"a lead whose department takes no part cannot read the draw record", "mzj-lead", func(f *policyFixture) string { return "/api/v1/draws/" + f.draw66 }, nil, 403, nil},
		{"a county office cannot read another county's draw record", "wjw-office-621021", func(f *policyFixture) string { return "/api/v1/draws/" + f.draw66 }, nil, 403, nil},
	}},
	"POST /api/v1/tasks/{id}/draw": {action: authz.DrawRun, scope: []scopeCase{
		{"a county 卫健委 office cannot draw a task of the city 联席办", "wjw-office-621021", func(f *policyFixture) string { return "/api/v1/tasks/" + f.freshTask + "/draw" }, nil, 403, nil},
	}},
	"GET /api/v1/draws/{id}/verify": {action: authz.DrawVerify, scope: []scopeCase{
		{"the lead of a participating department verifies the draw", "lead", func(f *policyFixture) string { return "/api/v1/draws/" + f.draw66 + "/verify" }, nil, 200, nil},
		{"a lead whose department takes no part cannot verify it", "mzj-lead", func(f *policyFixture) string { return "/api/v1/draws/" + f.draw66 + "/verify" }, nil, 403, nil},
		{"a county lead cannot verify a draw of another county", "scjg-lead-621022", func(f *policyFixture) string { return "/api/v1/draws/" + f.draw66 + "/verify" }, nil, 403, nil},
	}},
	"GET /api/v1/draws/{id}/snapshot": {action: authz.DrawVerify, scope: []scopeCase{
		{"the lead of a participating department reads the snapshot", "lead", func(f *policyFixture) string { return "/api/v1/draws/" + f.draw66 + "/snapshot" }, nil, 200, nil},
		{"a lead whose department takes no part cannot read the snapshot", "mzj-lead", func(f *policyFixture) string { return "/api/v1/draws/" + f.draw66 + "/snapshot" }, nil, 403, nil},
	}},
	"GET /api/v1/visits": {action: authz.VisitList, scope: []scopeCase{
		{"a lead whose department takes no part cannot list the visits", "mzj-lead", func(f *policyFixture) string { return "/api/v1/visits?task=" + f.task66 }, nil, 403, nil},
	}},
	"PATCH /api/v1/visits/{id}": {action: authz.VisitPatch, scope: []scopeCase{
		{"a county lead cannot adjust a visit of another county", "scjg-lead-621022", func(f *policyFixture) string { return "/api/v1/visits/" + f.visit66 }, func(*policyFixture) any { return map[string]string{"scheduled_on": "2024-06-20"} }, 403, nil},
	}},
	"GET /api/v1/visits/{id}/work": {action: authz.VisitPatch, scope: []scopeCase{
		{"a lead cannot read the work of another department's inspector", "lead", func(f *policyFixture) string { return "/api/v1/visits/" + f.visit66 + "/work?user=" + f.wjwMember }, nil, 403, nil},
		{"a county lead cannot read the work on a visit of another county", "scjg-lead-621022", func(f *policyFixture) string { return "/api/v1/visits/" + f.visit66 + "/work?user=" + f.wjwMember }, nil, 403, nil},
	}},
	"POST /api/v1/visits/{id}/redraw": {action: authz.VisitRedraw, scope: []scopeCase{
		{"a lead whose department takes no part cannot re-draw", "mzj-lead", func(f *policyFixture) string { return "/api/v1/visits/" + f.visit66 + "/redraw" }, func(*policyFixture) any { return map[string]string{"reason": "回避", "dept": "scjg"} }, 403, nil},
		{"a lead cannot re-draw another department's inspector", "lead", func(f *policyFixture) string { return "/api/v1/visits/" + f.visit66 + "/redraw" }, func(f *policyFixture) any {
			return map[string]string{"kind": "inspector", "dept": "wjw", "inspector_id": f.wjwMember, "reason": "回避"}
		}, 403, nil},
	}},
	"GET /api/v1/visits/{id}/state": {action: authz.VisitRead, scope: []scopeCase{
		{"an inspector off the team cannot read the visit", "insp3", func(f *policyFixture) string { return "/api/v1/visits/" + f.visit8 + "/state" }, nil, 403, nil},
	}},
	"GET /api/v1/visits/{id}/refused": {action: authz.ConflictList},
	"POST /api/v1/checklists/import":  {action: authz.ChecklistImport},
	"GET /api/v1/checklists": {action: authz.ChecklistRead, scope: []scopeCase{
		{"an inspector cannot read another department's templates", "insp3", func(*policyFixture) string { return "/api/v1/checklists?dept=scjg" }, nil, 403, nil},
	}},
	"GET /api/v1/checklists/{id}": {action: authz.ChecklistRead},
	"POST /api/v1/sync/clients":   {action: authz.SyncClient},
	"POST /api/v1/sync/clients/{id}/retire": {action: authz.SyncClient, scope: []scopeCase{
		{"a county office cannot retire a phone of another county", "scjg-office-621021", func(f *policyFixture) string { return "/api/v1/sync/clients/" + f.phone + "/retire" }, nil, 403, nil},
		{"a department's office cannot retire another department's phone", "wjw-office-621002", func(f *policyFixture) string { return "/api/v1/sync/clients/" + f.phone + "/retire" }, nil, 403, nil},
		{"the 联席办 retires a phone of its city", "office", func(f *policyFixture) string { return "/api/v1/sync/clients/" + f.phone + "/retire" }, nil, 200, nil},
	}},
	"POST /api/v1/sync/push":      {action: authz.SyncPush},
	"GET /api/v1/sync/pull":       {action: authz.SyncPull},
	"PUT /api/v1/blobs/{sha256}":  {action: authz.BlobWrite},
	"HEAD /api/v1/blobs/{sha256}": {action: authz.BlobWrite},
	"GET /api/v1/blobs/{sha256}":  {action: authz.VisitRead},
	"GET /api/v1/conflicts":       {action: authz.ConflictList},
	"GET /api/v1/metrics": {action: authz.MetricsRead, scope: []scopeCase{
		{"a county office cannot read another county's metrics", "wjw-office-621021", func(*policyFixture) string { return "/api/v1/metrics?year=2024&region=621002" }, nil, 403, nil},
		{"a department's office cannot read another department's metrics", "wjw-office-621021", func(*policyFixture) string { return "/api/v1/metrics?year=2024&department=scjg" }, nil, 403, nil},
	}},
	"GET /api/v1/reports/progress": {action: authz.MetricsRead, scope: []scopeCase{
		{"a county office cannot read another county's 附件3", "wjw-office-621021", func(*policyFixture) string { return "/api/v1/reports/progress?month=2024-06&region=621002" }, nil, 403, nil},
	}},
	"GET /api/v1/devices/stale": {action: authz.MetricsRead, scope: []scopeCase{
		{"the 联席办 hears of a silent phone of its city", "office", func(*policyFixture) string { return "/api/v1/devices/stale" }, nil, 200, seesDevice(true)},
		{"a county office does not hear of another county's phone", "scjg-office-621021", func(*policyFixture) string { return "/api/v1/devices/stale" }, nil, 200, seesDevice(false)},
		{"a department's office does not hear of another department's phone", "wjw-office-621002", func(*policyFixture) string { return "/api/v1/devices/stale" }, nil, 200, seesDevice(false)},
	}},
	"GET /api/v1/office/results":  {action: authz.ResultsRead},
	"POST /api/v1/office/results": {action: authz.ResultsEnter},
	"POST /api/v1/publications": {action: authz.Publish, scope: []scopeCase{
		{"the 联席办 cannot publish a department's results (谁检查、谁公开)", "office", func(f *policyFixture) string { return "/api/v1/publications" },
			func(f *policyFixture) any {
				return map[string]any{"visit_id": f.visit66, "dept": "scjg", "channels": []string{"部门网站"}}
			}, 403, nil},
	}},
	"GET /api/v1/publications": {action: authz.PublicationList, scope: []scopeCase{
		{"a department's office cannot list another department's publications", "wjw-office-621021", func(*policyFixture) string { return "/api/v1/publications?status=unpublished&dept=scjg" }, nil, 403, nil},
		{"a county office cannot list another county's publications", "wjw-office-621021", func(*policyFixture) string { return "/api/v1/publications?status=unpublished&region=621002" }, nil, 403, nil},
		{"the 联席办 narrows the list to a department", "office", func(*policyFixture) string { return "/api/v1/publications?status=unpublished&dept=scjg" }, nil, 200, nil},
	}},
	"GET /api/v1/publications/preview": {action: authz.PublicationList, scope: []scopeCase{
		{"a lead of a department not taking part cannot preview another department's result", "mzj-lead", previewOf66, nil, 403, nil},
		{"a county lead cannot preview another county's result", "scjg-lead-621022", previewOf66, nil, 403, nil},
	}},
	"GET /api/v1/trail": {action: authz.TrailRead},
	"GET /api/v1/followups": {action: authz.FollowupList, scope: []scopeCase{
		{"the lead of the notice's department sees it", "lead", followupsPath, nil, 200, seesNotice(true)},
		{"an inspector on the visit's team sees their department's notice", "insp1", followupsPath, nil, 200, seesNotice(true)},
		{"an inspector of the department off the visit's team does not see it", "insp2", followupsPath, nil, 200, seesNotice(false)},
		{"an inspector of another department does not see it", "insp3", followupsPath, nil, 200, seesNotice(false)},
		{"a county lead does not see another county's notices", "scjg-lead-621022", followupsPath, nil, 200, seesNotice(false)},
		{"a lead of another department does not see it", "mzj-lead", followupsPath, nil, 200, seesNotice(false)},
		{"a department's office of the county does not see another department's notice", "wjw-office-621002", followupsPath, nil, 200, seesNotice(false)},
		{"the 联席办 sees every department's notices", "office", followupsPath, nil, 200, seesNotice(true)},
	}},
	"GET /api/v1/referrals": {action: authz.ReferralList},
	// 用户与设备: the scope cases are in users_test.go, which makes its own users.
	"POST /api/v1/me/password":                        {action: authz.SignedIn},
	"GET /api/v1/users":                               {action: authz.UserRead},
	"POST /api/v1/users":                              {action: authz.UserManage},
	"PATCH /api/v1/users/{id}":                        {action: authz.UserManage},
	"POST /api/v1/users/{id}/disable":                 {action: authz.UserManage},
	"POST /api/v1/users/{id}/enable":                  {action: authz.UserManage},
	"POST /api/v1/users/{id}/password":                {action: authz.UserManage},
	"GET /api/v1/users/{id}/devices":                  {action: authz.UserRead},
	"POST /api/v1/users/{id}/devices/{client}/retire": {action: authz.ClientRetire},
}

func followupsPath(*policyFixture) string { return "/api/v1/followups?status=due" }

// seesNotice checks whether the 复查 list holds the fixture's notice.
func seesNotice(want bool) func(f *policyFixture, body []byte) error {
	return func(f *policyFixture, body []byte) error {
		var l struct {
			Items []struct {
				NoticeID string `json:"notice_id"`
			}
		}
		if err := json.Unmarshal(body, &l); err != nil {
			return err
		}
		got := false
		for _, n := range l.Items {
			got = got || n.NoticeID == f.notice
		}
		if got != want {
			return fmt.Errorf("lists the notice: %v, want %v", got, want)
		}
		return nil
	}
}

// seesDevice checks whether the stale devices list holds the fixture's phone.
func seesDevice(want bool) func(f *policyFixture, body []byte) error {
	return func(f *policyFixture, body []byte) error {
		var l struct {
			Devices []struct {
				ClientID string `json:"client_id"`
			}
		}
		if err := json.Unmarshal(body, &l); err != nil {
			return err
		}
		got := false
		for _, d := range l.Devices {
			got = got || d.ClientID == f.silentPhone
		}
		if got != want {
			return fmt.Errorf("lists the phone: %v, want %v", got, want)
		}
		return nil
	}
}

// plansOf checks that a plan list is not empty and holds only plans dept
// initiates or takes part in.
func plansOf(dept string) func(f *policyFixture, body []byte) error {
	return func(f *policyFixture, body []byte) error {
		var l struct {
			Count int
			Plans []struct {
				Seq         int
				Initiator   string
				Departments []struct{ Code string }
			}
		}
		if err := json.Unmarshal(body, &l); err != nil {
			return err
		}
		if l.Count == 0 || l.Count >= f.plans {
			return fmt.Errorf("%d of %d plans listed", l.Count, f.plans)
		}
		for _, p := range l.Plans {
			in := p.Initiator == dept
			for _, d := range p.Departments {
				in = in || d.Code == dept
			}
			if !in {
				return fmt.Errorf("plan %d is not %s's", p.Seq, dept)
			}
		}
		return nil
	}
}

// routeKey is how a registered route is named in policyTable.
func routeKey(method, path string) string {
	return method + " " + paramRE.ReplaceAllString(path, "{$1}")
}

func TestEveryRouteHasARowOfThePolicy(t *testing.T) {
	ts := MustOpenServer(t)
	seen := map[string]bool{}
	var missing, wrong []string
	for _, r := range ts.Echo().Routes() {
		if r.Path == "/*" || strings.HasPrefix(r.Method, "echo_route_") {
			continue // the PWA fallback and Echo's internal any-route
		}
		k := routeKey(r.Method, r.Path)
		seen[k] = true
		row, ok := policyTable[k]
		switch {
		case !ok:
			missing = append(missing, k)
		case r.Name != string(row.action):
			wrong = append(wrong, fmt.Sprintf("%s declares %q, the table says %q", k, r.Name, row.action))
		}
	}
	var stale []string
	for k := range policyTable {
		if !seen[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(stale)
	if len(missing)+len(wrong)+len(stale) > 0 {
		t.Fatalf("routes without a row of the policy table: %v\nroutes declaring another action: %v\nrows without a route: %v", missing, wrong, stale)
	}
}

// policyFixture holds the ids the scope cases name.
type policyFixture struct {
	task66, draw66, visit66, visit8, freshTask string
	// notice is a live notice of 市场监管 on visit66, due for 复查; phone
	// and silentPhone are insp1's mobile clients (市场监管, 西峰区), the
	// second silent for a week; plans counts the plans of 2024.
	notice, phone, silentPhone string
	plans                      int
	wjwMember                  string // a 卫健委 inspector on visit66's team
}

// previewOf66 is the publish preview of 市场监管's result of visit66.
func previewOf66(f *policyFixture) string {
	return "/api/v1/publications/preview?visit_id=" + f.visit66 + "&dept=scjg"
}

// policyUsers are the users out of the demo's scope that the cases need.
var policyUsers = []sqlstore.NewUser{
	{Username: "mzj-lead", Name: "民政组长", Role: schema.RoleLead, Dept: "mzj", Region: schema.CityRegion},
	{Username: "scjg-lead-621022", Name: "环县组长", Role: schema.RoleLead, Dept: "scjg", Region: "621022"},
	{Username: "wjw-office-621021", Name: "庆城县卫健委", Role: schema.RoleOffice, Dept: "wjw", Region: "621021"},
	{Username: "wjw-office-621002", Name: "西峰区卫健委", Role: schema.RoleOffice, Dept: "wjw", Region: "621002"},
	{Username: "scjg-office-621021", Name: "庆城县市场监管局", Role: schema.RoleOffice, Dept: "scjg", Region: "621021"},
}

func addPolicyUsers(t *testing.T, ts *TestServer) {
	t.Helper()
	hash, err := auth.HashPassword(demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range policyUsers {
		u.PasswordHash = hash
		if _, err := ts.DB.AddUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	}
}

func loadPolicyFixture(t *testing.T, ts *TestServer, office string) *policyFixture {
	t.Helper()
	f := &policyFixture{}
	var tasks []struct {
		ID      string `json:"id"`
		PlanSeq int    `json:"plan_seq"`
		DrawID  string `json:"draw_id"`
	}
	if code := ts.Do(t, "GET", "/api/v1/tasks", office, nil, &tasks); code != 200 {
		t.Fatalf("tasks: %d", code)
	}
	var task8 string
	for _, tk := range tasks {
		switch tk.PlanSeq {
		case 66:
			f.task66, f.draw66 = tk.ID, tk.DrawID
		case 8:
			task8 = tk.ID
		}
	}
	var visits []struct {
		ID string `json:"id"`
	}
	if code := ts.Do(t, "GET", "/api/v1/visits?task="+f.task66, office, nil, &visits); code != 200 || len(visits) == 0 {
		t.Fatalf("visits of plan 66: %d", code)
	}
	f.visit66 = visits[0].ID
	if code := ts.Do(t, "GET", "/api/v1/visits?task="+task8, office, nil, &visits); code != 200 || len(visits) == 0 {
		t.Fatalf("visits of plan 8: %d", code)
	}
	f.visit8 = visits[0].ID
	var task struct {
		ID string `json:"id"`
	}
	if code := ts.Do(t, "POST", "/api/v1/tasks", office, map[string]string{"plan_id": planID(t, ts, office, 4), "region": "621002"}, &task); code != 201 {
		t.Fatalf("new task: %d", code)
	}
	f.freshTask = task.ID
	var plans struct{ Count int }
	if code := ts.Do(t, "GET", "/api/v1/plans?year=2024", office, nil, &plans); code != 200 || plans.Count == 0 {
		t.Fatalf("plans: %d", code)
	}
	f.plans = plans.Count
	f.notice, f.phone, f.silentPhone = "0190a0b0-0000-7000-8000-00000000a001", "0190a0b0-0000-7000-8000-00000000c001", "0190a0b0-0000-7000-8000-00000000c002"
	err := ts.DB.Write(context.Background(), func(tx *sql.Tx) error {
		var region string
		if err := tx.QueryRow(`SELECT t.region FROM visits v JOIN tasks t ON t.id = v.task_id WHERE v.id = ?`, f.visit66).Scan(&region); err != nil {
			return err
		}
		if err := tx.QueryRow(`SELECT user_id FROM visit_members WHERE visit_id = ? AND dept = 'wjw' AND active = 1 LIMIT 1`, f.visit66).Scan(&f.wjwMember); err != nil {
			return fmt.Errorf("a 卫健委 member of visit66: %w", err)
		}
		if region != "621002" {
			return fmt.Errorf("visit of plan 66 is in %s, the cases expect 621002", region)
		}
		for _, c := range []struct{ id, seen string }{{f.phone, "2030-01-01T00:00:00.000Z"}, {f.silentPhone, "2024-01-01T00:00:00.000Z"}} {
			if _, err := tx.Exec(`INSERT INTO clients (id, user_id, kind, registered_at, last_seen)
				SELECT ?, id, 'mobile', '2024-01-01T00:00:00.000Z', ? FROM users WHERE username = 'insp1'`, c.id, c.seen); err != nil {
				return err
			}
		}
		// insp1 on visit66's team and insp2 (same department and county)
		// off it, so that membership is what shows an inspector the notice.
		if _, err := tx.Exec(`INSERT INTO visit_members (visit_id, user_id, dept, active)
			SELECT ?, id, dept, 1 FROM users WHERE username = 'insp1'
			ON CONFLICT (visit_id, user_id) DO UPDATE SET active = 1`, f.visit66); err != nil {
			return err
		}
		if _, err := tx.Exec(`UPDATE visit_members SET active = 0 WHERE visit_id = ? AND user_id = (SELECT id FROM users WHERE username = 'insp2')`, f.visit66); err != nil {
			return err
		}
		_, err := tx.Exec(`INSERT INTO notices (id, visit_id, dept, year, number, number_text, provisional, items, problems, legal_basis,
			deadline, issued_at, user_id, client_id, channel, status, authority, inspectors, days)
			SELECT ?, ?, 'scjg', 2024, 900, '庆市监责改〔2024〕900号', '', '[]', '1. 未公示许可证', '《中华人民共和国食品安全法》第三十五条第一款',
				'2024-01-10', '2024-01-01T02:00:00.000Z', id, ?, 'mobile', 'issued', '庆阳市市场监督管理局', '[]', 10 FROM users WHERE username = 'insp1'`,
			f.notice, f.visit66, f.phone)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestEveryRouteByEveryRoleAndScope walks the one table: every route is
// called by every role (and by nobody), and the policy's answer must be the
// route's answer; then each scope case is called by its user.
func TestEveryRouteByEveryRoleAndScope(t *testing.T) {
	ts := MustOpenServer(t)
	addPolicyUsers(t, ts)
	tokens := map[string]string{}
	users := map[string]*schema.User{}
	for _, name := range []string{"insp1", "insp2", "insp3", "lead", "office", "admin", "mzj-lead", "scjg-lead-621022", "wjw-office-621021", "wjw-office-621002", "scjg-office-621021"} {
		tokens[name] = ts.Login(t, name).AccessToken
		u, err := ts.DB.UserByUsername(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		users[name] = u
	}
	const noID = "0190a0b0-0000-7000-8000-000000000000"
	fill := strings.NewReplacer("{id}", noID, "{sha256}", strings.Repeat("0", 64))
	keys := make([]string, 0, len(policyTable))
	for k := range policyTable {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		row := policyTable[k]
		method, path, _ := strings.Cut(k, " ")
		path = fill.Replace(path)
		t.Run(k+" without signing in", func(t *testing.T) {
			code, _ := call(ts, method, path, "")
			if row.action == authz.Public && code == 401 {
				t.Fatalf("a public route answered 401")
			}
			if row.action != authz.Public && code != 401 {
				t.Fatalf("status %d, want 401", code)
			}
		})
		for _, name := range []string{"insp1", "lead", "office", "admin"} {
			t.Run(k+" as "+name, func(t *testing.T) {
				code, msg := call(ts, method, path, tokens[name])
				denied := authz.Allow(users[name], row.action)
				if denied != nil && (code != 403 || msg != schema.ErrorMessage(denied)) {
					t.Fatalf("the policy refuses %s (%v) but the route answered %d %q", name, denied, code, msg)
				}
				rule, _ := authz.RuleOf(row.action)
				if denied == nil && code == 403 && strings.HasSuffix(msg, "不能"+rule.Label) && !strings.Contains(msg, "，") {
					t.Fatalf("the policy lets %s in but the route refused the role: %q", name, msg)
				}
			})
		}
	}
	f := loadPolicyFixture(t, ts, tokens["office"])
	for _, k := range keys {
		for _, sc := range policyTable[k].scope {
			method, _, _ := strings.Cut(k, " ")
			t.Run(k+": "+sc.name, func(t *testing.T) {
				var body any
				if sc.body != nil {
					body = sc.body(f)
				}
				var raw json.RawMessage
				var out any // decoded only when checked: not every answer is JSON (a snapshot is text)
				if sc.sees != nil {
					out = &raw
				}
				code := ts.Do(t, method, sc.path(f), tokens[sc.user], body, out)
				if code != sc.want {
					var e APIError
					ts.Do(t, method, sc.path(f), tokens[sc.user], body, &e)
					t.Fatalf("status %d, want %d (%s)", code, sc.want, e.Message)
				}
				if sc.sees != nil {
					if err := sc.sees(f, raw); err != nil {
						t.Fatal(err)
					}
				}
			})
		}
	}
}

// call sends a request with no body and returns the status and the error
// message, if any.
func call(ts *TestServer, method, path, token string) (int, string) {
	req := httptest.NewRequest(method, path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.RemoteAddr = "192.0.2.9:1234"
	rec := httptest.NewRecorder()
	ts.Handler().ServeHTTP(rec, req)
	var e APIError
	if rec.Code >= 400 && strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(rec.Body.Bytes(), &e)
	}
	return rec.Code, e.Message
}
