package http_test

import (
	"encoding/json"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
)

// jsonRoutes are the routes whose body is a JSON object; bodyless lists the
// writing routes that take another body (a file, a photo) or none. Every
// POST, PUT and PATCH route is in one of them, so that a new route is
// checked here as soon as it is registered.
var (
	jsonRoutes = []string{
		"POST /api/v1/auth/login", "POST /api/v1/auth/refresh", "POST /api/v1/auth/logout",
		"POST /api/v1/tasks", "POST /api/v1/tasks/batch", "POST /api/v1/tasks/{id}/draw", "PATCH /api/v1/visits/{id}", "POST /api/v1/visits/{id}/redraw",
		"POST /api/v1/office/results", "POST /api/v1/plans/{id}/settle", "POST /api/v1/publications", "POST /api/v1/sync/clients", "POST /api/v1/sync/push",
		"POST /api/v1/me/password", "POST /api/v1/users", "PATCH /api/v1/users/{id}", "POST /api/v1/users/{id}/disable",
		"POST /api/v1/users/{id}/enable", "POST /api/v1/users/{id}/devices/{client}/retire",
	}
	bodyless = []string{
		"POST /api/v1/plans/import", "POST /api/v1/entities/import", "POST /api/v1/inspectors/import", "POST /api/v1/conflicts/import",
		"POST /api/v1/checklists/import", "PUT /api/v1/blobs/{sha256}", "POST /api/v1/sync/clients/{id}/retire",
		"POST /api/v1/users/{id}/password",
	}
)

// TestEveryJSONRouteDecodesStrictly sends each JSON route the bodies of
// issue 11 item 12 — null, two objects, an unknown field with a number out
// of any range — and more; each must be a 400 before anything is done.
func TestEveryJSONRouteDecodesStrictly(t *testing.T) {
	ts := MustOpenServer(t)
	admin := ts.Login(t, "admin").AccessToken
	known := map[string]bool{}
	for _, k := range append(append([]string{}, jsonRoutes...), bodyless...) {
		known[k] = true
	}
	var forgotten []string
	for k := range policyTable {
		if m, _, _ := strings.Cut(k, " "); (m == "POST" || m == "PUT" || m == "PATCH") && !known[k] {
			forgotten = append(forgotten, k)
		}
	}
	sort.Strings(forgotten)
	if len(forgotten) > 0 {
		t.Fatalf("writing routes neither in jsonRoutes nor in bodyless: %v", forgotten)
	}
	bodies := map[string]string{
		"null":                    `null`,
		"two objects":             `{}{}`,
		"an unknown field":        `{"x":1e999999}`,
		"trailing data":           `{"client_id":"x"} 1`,
		"an array":                `[{}]`,
		"nothing":                 ``,
		"a number out of range":   `{"schema_version":1e999999,"batch":1e999999,"seq":1e999999}`,
		"a misspelled field only": `{"usernme":"office","password":"zsc-demo-2024"}`,
	}
	const id = "0190a0b0-0000-7000-8000-000000000000"
	for _, k := range jsonRoutes {
		method, path, _ := strings.Cut(k, " ")
		path = strings.ReplaceAll(path, "{id}", id)
		for name, body := range bodies {
			if body == "" && k == "POST /api/v1/tasks/{id}/draw" {
				continue // a draw needs no body at all
			}
			t.Run(k+" refuses "+name, func(t *testing.T) {
				if code, e := sendJSON(t, ts, method, path, admin, body); code != 400 {
					t.Fatalf("status %d, want 400: %+v", code, e)
				}
			})
		}
	}
}

// TestAPatchThatChangesNothingIsRefusedAndWritesNothing is issue 11 item
// 12a: PATCH /visits/{id} answered 200 to null, {}{} and {"x":1e999999} and
// wrote an audit row with no change and no reason.
func TestAPatchThatChangesNothingIsRefusedAndWritesNothing(t *testing.T) {
	ts := MustOpenServer(t)
	lead := ts.Login(t, "lead").AccessToken
	office := ts.Login(t, "office").AccessToken
	f := loadPolicyFixture(t, ts, office)
	var v struct {
		ScheduledOn string `json:"scheduled_on"`
		Version     int    `json:"version"`
	}
	audits := func() int {
		var n int
		if err := ts.DB.Reader().QueryRow(`SELECT count(*) FROM audit_entries WHERE entity_id = ?`, f.visit66).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var visits []struct {
		ID          string `json:"id"`
		ScheduledOn string `json:"scheduled_on"`
	}
	if code := ts.Do(t, "GET", "/api/v1/visits?task="+f.task66, lead, nil, &visits); code != 200 {
		t.Fatalf("visits: %d", code)
	}
	for _, x := range visits {
		if x.ID == f.visit66 {
			v.ScheduledOn = x.ScheduledOn
		}
	}
	before := audits()
	for name, body := range map[string]string{
		"null":              `null`,
		"two objects":       `{}{}`,
		"an unknown number": `{"x":1e999999}`,
		"an empty object":   `{}`,
		"a reason alone":    `{"reason":"调整"}`,
		"the same date":     `{"scheduled_on":"` + v.ScheduledOn + `"}`,
	} {
		t.Run(name, func(t *testing.T) {
			code, e := sendJSON(t, ts, "PATCH", "/api/v1/visits/"+f.visit66, lead, body)
			if code != 400 {
				t.Fatalf("status %d, want 400 (%s)", code, e.Message)
			}
			if e.Code != "invalid" || e.Message == "" {
				t.Fatalf("answer %+v, want code invalid with a reason", e)
			}
			if n := audits(); n != before {
				t.Fatalf("%d audit rows written for a refused PATCH", n-before)
			}
		})
	}
	// A real change still goes through, audited once.
	if code := ts.Do(t, "PATCH", "/api/v1/visits/"+f.visit66, lead, map[string]string{"scheduled_on": "2024-06-28", "reason": "企业停业装修"}, nil); code != 200 {
		t.Fatalf("a real change: %d", code)
	}
	if n := audits(); n != before+1 {
		t.Fatalf("%d audit rows for one change, want 1", n-before)
	}
}

// sendJSON sends body as it is, as application/json, and decodes an error.
func sendJSON(t *testing.T, ts *TestServer, method, path, token, body string) (int, APIError) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.RemoteAddr = "192.0.2.7:1234"
	rec := httptest.NewRecorder()
	ts.Handler().ServeHTTP(rec, req)
	var e APIError
	if rec.Code >= 400 {
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
			t.Fatalf("decode %q: %v", rec.Body.String(), err)
		}
	}
	return rec.Code, e
}
