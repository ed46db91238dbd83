package http_test

import (
	"context"
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
	"zsc/server/sqlite"
)

// scopeCase is one call of a route by a user in or out of the resource's
// scope, with the status it must get.
type scopeCase struct {
	name string
	user string                        // a demo user or one of policyUsers
	path func(f *policyFixture) string // the request path, from the fixture's ids
	body func(f *policyFixture) any    // nil: no body
	want int
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
	"GET /healthz":                   {action: authz.Public},
	"POST /api/v1/auth/login":        {action: authz.Public},
	"POST /api/v1/auth/refresh":      {action: authz.Public},
	"POST /api/v1/auth/logout":       {action: authz.Public},
	"GET /api/v1/public/results":     {action: authz.Public},
	"GET /api/v1/public/draws":       {action: authz.Public},
	"GET /api/v1/me":                 {action: authz.SignedIn},
	"GET /api/v1/departments":        {action: authz.SignedIn},
	"GET /api/v1/regions":            {action: authz.SignedIn},
	"POST /api/v1/plans/import":      {action: authz.PlanImport},
	"GET /api/v1/plans":              {action: authz.PlanList},
	"POST /api/v1/entities/import":   {action: authz.EntityImport},
	"POST /api/v1/inspectors/import": {action: authz.InspectorImport},
	"POST /api/v1/conflicts/import":  {action: authz.ConflictImport},
	"GET /api/v1/tasks":              {action: authz.TaskList},
	"POST /api/v1/tasks":             {action: authz.TaskCreate},
	"POST /api/v1/tasks/{id}/draw": {action: authz.DrawRun, scope: []scopeCase{
		{"a county 卫健委 office cannot draw a task of the city 联席办", "wjw-office-621021", func(f *policyFixture) string { return "/api/v1/tasks/" + f.freshTask + "/draw" }, nil, 403},
	}},
	"GET /api/v1/draws/{id}/verify": {action: authz.DrawVerify, scope: []scopeCase{
		{"the lead of a participating department verifies the draw", "lead", func(f *policyFixture) string { return "/api/v1/draws/" + f.draw66 + "/verify" }, nil, 200},
		{"a lead whose department takes no part cannot verify it", "mzj-lead", func(f *policyFixture) string { return "/api/v1/draws/" + f.draw66 + "/verify" }, nil, 403},
		{"a county lead cannot verify a draw of another county", "scjg-lead-621022", func(f *policyFixture) string { return "/api/v1/draws/" + f.draw66 + "/verify" }, nil, 403},
	}},
	"GET /api/v1/draws/{id}/snapshot": {action: authz.DrawVerify, scope: []scopeCase{
		{"the lead of a participating department reads the snapshot", "lead", func(f *policyFixture) string { return "/api/v1/draws/" + f.draw66 + "/snapshot" }, nil, 200},
		{"a lead whose department takes no part cannot read the snapshot", "mzj-lead", func(f *policyFixture) string { return "/api/v1/draws/" + f.draw66 + "/snapshot" }, nil, 403},
	}},
	"GET /api/v1/visits": {action: authz.VisitList, scope: []scopeCase{
		{"a lead whose department takes no part cannot list the visits", "mzj-lead", func(f *policyFixture) string { return "/api/v1/visits?task=" + f.task66 }, nil, 403},
	}},
	"PATCH /api/v1/visits/{id}": {action: authz.VisitPatch, scope: []scopeCase{
		{"a county lead cannot adjust a visit of another county", "scjg-lead-621022", func(f *policyFixture) string { return "/api/v1/visits/" + f.visit66 }, func(*policyFixture) any { return map[string]string{"scheduled_on": "2024-06-20"} }, 403},
	}},
	"POST /api/v1/visits/{id}/redraw": {action: authz.VisitRedraw, scope: []scopeCase{
		{"a lead whose department takes no part cannot re-draw", "mzj-lead", func(f *policyFixture) string { return "/api/v1/visits/" + f.visit66 + "/redraw" }, func(*policyFixture) any { return map[string]string{"reason": "回避", "dept": "scjg"} }, 403},
	}},
	"GET /api/v1/visits/{id}/state": {action: authz.VisitRead, scope: []scopeCase{
		{"an inspector off the team cannot read the visit", "insp3", func(f *policyFixture) string { return "/api/v1/visits/" + f.visit8 + "/state" }, nil, 403},
	}},
	"GET /api/v1/visits/{id}/refused":       {action: authz.ConflictList},
	"POST /api/v1/checklists/import":        {action: authz.ChecklistImport},
	"GET /api/v1/checklists":                {action: authz.ChecklistRead},
	"GET /api/v1/checklists/{id}":           {action: authz.ChecklistRead},
	"POST /api/v1/sync/clients":             {action: authz.SyncClient},
	"POST /api/v1/sync/clients/{id}/retire": {action: authz.SyncClient},
	"POST /api/v1/sync/push":                {action: authz.SyncPush},
	"GET /api/v1/sync/pull":                 {action: authz.SyncPull},
	"PUT /api/v1/blobs/{sha256}":            {action: authz.BlobWrite},
	"HEAD /api/v1/blobs/{sha256}":           {action: authz.BlobWrite},
	"GET /api/v1/blobs/{sha256}":            {action: authz.VisitRead},
	"GET /api/v1/conflicts":                 {action: authz.ConflictList},
	"GET /api/v1/metrics":                   {action: authz.MetricsRead},
	"GET /api/v1/reports/progress":          {action: authz.MetricsRead},
	"GET /api/v1/devices/stale":             {action: authz.MetricsRead},
	"GET /api/v1/office/results":            {action: authz.ResultsRead},
	"POST /api/v1/office/results":           {action: authz.ResultsEnter},
	"POST /api/v1/publications": {action: authz.Publish, scope: []scopeCase{
		{"the 联席办 cannot publish a department's results (谁检查、谁公开)", "office", func(f *policyFixture) string { return "/api/v1/publications" },
			func(f *policyFixture) any {
				return map[string]any{"visit_id": f.visit66, "dept": "scjg", "channels": []string{"部门网站"}}
			}, 403},
	}},
	"GET /api/v1/publications": {action: authz.PublicationList},
	"GET /api/v1/trail":        {action: authz.TrailRead},
	"GET /api/v1/followups":    {action: authz.FollowupList},
	"GET /api/v1/referrals":    {action: authz.ReferralList},
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
}

// policyUsers are the users out of the demo's scope that the cases need.
var policyUsers = []sqlite.NewUser{
	{Username: "mzj-lead", Name: "民政组长", Role: schema.RoleLead, Dept: "mzj", Region: schema.CityRegion},
	{Username: "scjg-lead-621022", Name: "环县组长", Role: schema.RoleLead, Dept: "scjg", Region: "621022"},
	{Username: "wjw-office-621021", Name: "庆城县卫健委", Role: schema.RoleOffice, Dept: "wjw", Region: "621021"},
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
	for _, name := range []string{"insp1", "insp3", "lead", "office", "admin", "mzj-lead", "scjg-lead-621022", "wjw-office-621021"} {
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
				var e APIError
				code := ts.Do(t, method, sc.path(f), tokens[sc.user], body, nil)
				if code != sc.want {
					ts.Do(t, method, sc.path(f), tokens[sc.user], body, &e)
					t.Fatalf("status %d, want %d (%s)", code, sc.want, e.Message)
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
