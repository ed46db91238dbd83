package http_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"zsc/server/auth"
	"zsc/server/demo"
)

type userAnswer struct {
	User struct {
		ID                 string `json:"id"`
		Username           string `json:"username"`
		Role               string `json:"role"`
		Disabled           bool   `json:"disabled"`
		MustChangePassword bool   `json:"must_change_password"`
	} `json:"user"`
	Password string `json:"password"`
}

func userID(t *testing.T, ts *TestServer, username string) string {
	t.Helper()
	u, err := ts.DB.UserByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func loginAs(t *testing.T, ts *TestServer, username, password string) (auth.Tokens, int, APIError) {
	t.Helper()
	var tk auth.Tokens
	code := ts.Do(t, "POST", "/api/v1/auth/login", "", map[string]string{"username": username, "password": password}, &tk)
	var e APIError
	if code != 200 {
		ts.Do(t, "POST", "/api/v1/auth/login", "", map[string]string{"username": username, "password": password}, &e)
	}
	return tk, code, e
}

// audits returns the audit rows of a user account, oldest first.
func userAudits(t *testing.T, ts *TestServer, id string) []struct{ Action, Actor, Before, After, Reason string } {
	t.Helper()
	rows, err := ts.DB.Reader().Query(`SELECT action, coalesce(user_id, ''), coalesce(before, ''), coalesce(after, ''), reason FROM audit_log WHERE kind = 'user' AND entity_id = ? ORDER BY id`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []struct{ Action, Actor, Before, After, Reason string }
	for rows.Next() {
		var r struct{ Action, Actor, Before, After, Reason string }
		if err := rows.Scan(&r.Action, &r.Actor, &r.Before, &r.After, &r.Reason); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// An admin creates an account; its one-time password opens nothing but
// its own change; after the change the user works and the old sessions end.
func TestOneTimePasswordMustBeChangedFirst(t *testing.T) {
	ts := MustOpenServer(t)
	admin := ts.Login(t, "admin").AccessToken
	var created userAnswer
	if code := ts.Do(t, "POST", "/api/v1/users", admin, map[string]string{"username": "zhao.liu", "name": "赵六", "role": "inspector",
		"dept": "scjg", "region": "621002", "cert_no": "62100299001"}, &created); code != 201 {
		t.Fatalf("create: %d", code)
	}
	if len(created.Password) != 12 || !created.User.MustChangePassword {
		t.Fatalf("created %+v", created)
	}
	if a := userAudits(t, ts, created.User.ID); len(a) != 1 || a[0].Action != "user.create" || a[0].Actor != userID(t, ts, "admin") ||
		strings.Contains(a[0].After, created.Password) || strings.Contains(a[0].After, "$2") {
		t.Fatalf("audit of the creation: %+v", a)
	}
	tk, code, _ := loginAs(t, ts, "zhao.liu", created.Password)
	if code != 200 || !tk.MustChangePassword {
		t.Fatalf("login with the one-time password: %d %+v", code, tk.MustChangePassword)
	}
	var e APIError
	if code := ts.Do(t, "GET", "/api/v1/checklists", tk.AccessToken, nil, &e); code != 403 || !strings.Contains(string(e.Details), "must_change_password") {
		t.Fatalf("another route before the change: %d %+v", code, e)
	}
	var me struct {
		Name               string `json:"name"`
		MustChangePassword bool   `json:"must_change_password"`
	}
	if code := ts.Do(t, "GET", "/api/v1/me", tk.AccessToken, nil, &me); code != 200 || !me.MustChangePassword || me.Name != "赵六" {
		t.Fatalf("me: %d %+v", code, me)
	}
	for name, body := range map[string]map[string]string{
		"a wrong old password":   {"old_password": "wrong-password", "new_password": "a-good-password"},
		"a short new password":   {"old_password": created.Password, "new_password": "short"},
		"the username":           {"old_password": created.Password, "new_password": "zhao.liu"},
		"the one-time one again": {"old_password": created.Password, "new_password": created.Password},
	} {
		if code := ts.Do(t, "POST", "/api/v1/me/password", tk.AccessToken, body, &e); code != 400 {
			t.Fatalf("%s: %d %+v", name, code, e)
		}
	}
	var fresh auth.Tokens
	if code := ts.Do(t, "POST", "/api/v1/me/password", tk.AccessToken, map[string]string{"old_password": created.Password, "new_password": "赵六的新密码2024"}, &fresh); code != 200 || fresh.MustChangePassword {
		t.Fatalf("change: %d %+v", code, fresh.MustChangePassword)
	}
	if code := ts.Do(t, "GET", "/api/v1/checklists", fresh.AccessToken, nil, nil); code != 200 {
		t.Fatalf("working after the change: %d", code)
	}
	if code := ts.Do(t, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": tk.RefreshToken}, nil); code != 401 {
		t.Fatalf("the one-time session's refresh after the change: %d", code)
	}
	if _, code, _ := loginAs(t, ts, "zhao.liu", created.Password); code != 401 {
		t.Fatalf("the one-time password after the change: %d", code)
	}
	if tk, code, _ := loginAs(t, ts, "zhao.liu", "赵六的新密码2024"); code != 200 || tk.MustChangePassword {
		t.Fatalf("the new password: %d", code)
	}

	// A reset gives a new one-time password and ends the user's sessions.
	var reset userAnswer
	if code := ts.Do(t, "POST", "/api/v1/users/"+created.User.ID+"/password", admin, nil, &reset); code != 200 || reset.Password == "" || !reset.User.MustChangePassword {
		t.Fatalf("reset: %d %+v", code, reset)
	}
	if code := ts.Do(t, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": fresh.RefreshToken}, nil); code != 401 {
		t.Fatalf("refresh after a reset: %d", code)
	}
	if tk, code, _ := loginAs(t, ts, "zhao.liu", reset.Password); code != 200 || !tk.MustChangePassword {
		t.Fatalf("login after the reset: %d", code)
	}
	actions := []string{}
	for _, a := range userAudits(t, ts, created.User.ID) {
		actions = append(actions, a.Action)
	}
	if got := strings.Join(actions, ","); got != "user.create,user.password_change,user.password_reset" {
		t.Fatalf("audit: %s", got)
	}
}

// A disabled user can neither sign in nor refresh, and the audit row says
// who, why, before and after; re-enabled, they sign in again.
func TestADisabledUserIsRefused(t *testing.T) {
	ts := MustOpenServer(t)
	admin := ts.Login(t, "admin").AccessToken
	insp := ts.Login(t, "insp2")
	id := userID(t, ts, "insp2")
	var e APIError
	if code := ts.Do(t, "POST", "/api/v1/users/"+id+"/disable", admin, map[string]string{}, &e); code != 400 || !strings.Contains(e.Message, "原因") {
		t.Fatalf("disable without a reason: %d %+v", code, e)
	}
	if code := ts.Do(t, "GET", "/api/v1/me", insp.AccessToken, nil, nil); code != 200 {
		t.Fatalf("me before disabling: %d", code)
	}
	if code := ts.Do(t, "POST", "/api/v1/users/"+id+"/disable", admin, map[string]string{"reason": "调离"}, nil); code != 200 {
		t.Fatalf("disable: %d", code)
	}
	// The access token the user still holds is refused at once, not when it expires.
	if code := ts.Do(t, "GET", "/api/v1/me", insp.AccessToken, nil, &e); code != 401 || !strings.Contains(e.Message, "停用") {
		t.Fatalf("a disabled user's unexpired access token: %d %+v", code, e)
	}
	if _, code, e := loginAs(t, ts, "insp2", demo.Password); code != 401 || !strings.Contains(e.Message, "停用") {
		t.Fatalf("login of a disabled user: %d %+v", code, e)
	}
	if code := ts.Do(t, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": insp.RefreshToken}, nil); code != 401 {
		t.Fatalf("refresh of a disabled user: %d", code)
	}
	var revoked int
	if err := ts.DB.Reader().QueryRow(`SELECT count(*) FROM refresh_tokens WHERE user_id = ? AND revoked_at IS NULL`, id).Scan(&revoked); err != nil || revoked != 0 {
		t.Fatalf("live refresh tokens of a disabled user: %d %v", revoked, err)
	}
	a := userAudits(t, ts, id)
	if len(a) != 1 || a[0].Action != "user.disable" || a[0].Reason != "调离" || !strings.Contains(a[0].Before, `"disabled":false`) || !strings.Contains(a[0].After, `"disabled":true`) {
		t.Fatalf("audit: %+v", a)
	}
	if code := ts.Do(t, "POST", "/api/v1/users/"+id+"/disable", admin, map[string]string{"reason": "again"}, nil); code != 400 {
		t.Fatalf("disabling twice: %d", code)
	}
	if code := ts.Do(t, "POST", "/api/v1/users/"+id+"/enable", admin, map[string]string{"reason": "返岗"}, nil); code != 200 {
		t.Fatalf("enable: %d", code)
	}
	if _, code, _ := loginAs(t, ts, "insp2", demo.Password); code != 200 {
		t.Fatalf("login after re-enabling: %d", code)
	}
	office := ts.Login(t, "office").AccessToken
	if code := ts.Do(t, "POST", "/api/v1/users/"+userID(t, ts, "office")+"/disable", office, map[string]string{"reason": "test"}, &e); code != 403 {
		t.Fatalf("disabling oneself: %d", code)
	}
}

// The office manages the users of its region and department only, never an
// admin; a change is audited before → after, and a change of nothing is
// refused without an audit row.
func TestUserScopeAndAudit(t *testing.T) {
	ts := MustOpenServer(t)
	addPolicyUsers(t, ts)
	wjw := ts.Login(t, "wjw-office-621021").AccessToken
	office := ts.Login(t, "office").AccessToken
	insp1 := userID(t, ts, "insp1")
	var e APIError
	for name, c := range map[string]struct {
		method, path string
		body         any
	}{
		"create a 市场监管 user":              {"POST", "/api/v1/users", map[string]string{"username": "x.scjg", "name": "甲", "role": "inspector", "dept": "scjg", "region": "621021"}},
		"create a user of another county": {"POST", "/api/v1/users", map[string]string{"username": "x.wjw", "name": "乙", "role": "inspector", "dept": "wjw", "region": "621022"}},
		"reset a 市场监管 inspector":          {"POST", "/api/v1/users/" + insp1 + "/password", nil},
		"disable a 市场监管 inspector":        {"POST", "/api/v1/users/" + insp1 + "/disable", map[string]string{"reason": "x"}},
		"read a 市场监管 inspector's devices": {"GET", "/api/v1/users/" + insp1 + "/devices", nil},
	} {
		if code := ts.Do(t, c.method, c.path, wjw, c.body, &e); code != 403 {
			t.Errorf("a county 卫健委 office may not %s: %d %+v", name, code, e)
		}
	}
	var mine userAnswer
	if code := ts.Do(t, "POST", "/api/v1/users", wjw, map[string]string{"username": "wjw.qc", "name": "庆城卫健检查员", "role": "inspector", "dept": "wjw", "region": "621021"}, &mine); code != 201 {
		t.Fatalf("a county 卫健委 office creates its own inspector: %d", code)
	}
	if code := ts.Do(t, "PATCH", "/api/v1/users/"+mine.User.ID, wjw, map[string]string{"region": "621022"}, &e); code != 403 {
		t.Fatalf("moving a user out of one's county: %d", code)
	}
	if code := ts.Do(t, "POST", "/api/v1/users", office, map[string]string{"username": "boss", "name": "老板", "role": "admin", "dept": "lxb", "region": "621000"}, &e); code != 403 {
		t.Fatalf("the office made an admin: %d", code)
	}
	if code := ts.Do(t, "POST", "/api/v1/users/"+userID(t, ts, "admin")+"/password", office, nil, &e); code != 403 {
		t.Fatalf("the office reset an admin's password: %d", code)
	}
	var list struct {
		Total int
		Items []struct{ Username, Dept, Region string }
	}
	if code := ts.Do(t, "GET", "/api/v1/users", wjw, nil, &list); code != 200 || len(list.Items) == 0 {
		t.Fatalf("list: %d", code)
	}
	for _, u := range list.Items {
		if u.Dept != "wjw" || u.Region != "621021" {
			t.Fatalf("a county 卫健委 office lists %+v", u)
		}
	}
	if code := ts.Do(t, "GET", "/api/v1/users?q=insp", office, nil, &list); code != 200 || len(list.Items) < 3 {
		t.Fatalf("the 联席办's search: %d %d", code, len(list.Items))
	}
	// A page at a time: the pages together are the whole list, once each.
	var all struct{ Total int }
	if code := ts.Do(t, "GET", "/api/v1/users", office, nil, &all); code != 200 || all.Total < 4 {
		t.Fatalf("the 联席办's list: %d, %d accounts", code, all.Total)
	}
	seen := map[string]bool{}
	for page := 1; len(seen) < all.Total; page++ {
		if code := ts.Do(t, "GET", fmt.Sprintf("/api/v1/users?size=3&page=%d", page), office, nil, &list); code != 200 || len(list.Items) == 0 || len(list.Items) > 3 {
			t.Fatalf("page %d: %d, %d rows", page, code, len(list.Items))
		}
		for _, u := range list.Items {
			if seen[u.Username] {
				t.Fatalf("%s on two pages", u.Username)
			}
			seen[u.Username] = true
		}
	}
	if code := ts.Do(t, "GET", "/api/v1/users?page=0", office, nil, &e); code != 400 {
		t.Fatalf("page 0: %d", code)
	}

	if code := ts.Do(t, "PATCH", "/api/v1/users/"+mine.User.ID, wjw, map[string]string{"role": "lead", "reason": "任命组长"}, nil); code != 200 {
		t.Fatalf("change the role: %d", code)
	}
	before := len(userAudits(t, ts, mine.User.ID))
	if code := ts.Do(t, "PATCH", "/api/v1/users/"+mine.User.ID, wjw, map[string]string{"role": "lead"}, &e); code != 400 {
		t.Fatalf("a change of nothing: %d", code)
	}
	a := userAudits(t, ts, mine.User.ID)
	if len(a) != before {
		t.Fatalf("a change of nothing wrote an audit row")
	}
	last := a[len(a)-1]
	var b, af map[string]any
	if err := json.Unmarshal([]byte(last.Before), &b); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(last.After), &af); err != nil {
		t.Fatal(err)
	}
	if last.Action != "user.update" || b["role"] != "inspector" || af["role"] != "lead" || last.Reason != "任命组长" || last.Actor != userID(t, ts, "wjw-office-621021") {
		t.Fatalf("audit of the role change: %+v", last)
	}
}

// Retiring a lost phone at the desk asks a reason, voids its leased numbers
// and audits both; the device list shows it retired.
func TestRetireAUsersPhoneWithAReason(t *testing.T) {
	ts := MustOpenServer(t)
	addPolicyUsers(t, ts)
	office := ts.Login(t, "office").AccessToken
	insp1 := userID(t, ts, "insp1")
	const phone = "0190a0b0-0000-7000-8000-00000000c009"
	err := ts.DB.Write(context.Background(), func(tx *sql.Tx) error {
		if _, err := tx.Exec(`INSERT INTO clients (id, user_id, kind, platform, app_version, pending, registered_at, last_seen)
			VALUES (?, ?, 'mobile', 'Android', '1.4.0', 3, '2024-05-01T00:00:00.000Z', '2024-06-01T00:00:00.000Z')`, phone, insp1); err != nil {
			return err
		}
		_, err := tx.Exec(`INSERT INTO notice_numbers (dept, year, number, client_id, state, leased_at, expires_at)
			VALUES ('scjg', 2024, 901, ?, 'leased', '2024-06-01T00:00:00.000Z', '2024-07-01T00:00:00.000Z')`, phone)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var devs struct {
		Devices []struct {
			ID        string  `json:"id"`
			Pending   int     `json:"pending"`
			Leases    int     `json:"leases"`
			RetiredAt *string `json:"retired_at"`
		} `json:"devices"`
	}
	if code := ts.Do(t, "GET", "/api/v1/users/"+insp1+"/devices", office, nil, &devs); code != 200 || len(devs.Devices) != 1 || devs.Devices[0].Pending != 3 || devs.Devices[0].Leases != 1 {
		t.Fatalf("devices: %d %+v", code, devs)
	}
	path := "/api/v1/users/" + insp1 + "/devices/" + phone + "/retire"
	if code := ts.Do(t, "POST", path, office, map[string]string{"reason": " "}, nil); code != 400 {
		t.Fatalf("retire without a reason: %d", code)
	}
	if code := ts.Do(t, "POST", path, ts.Login(t, "scjg-office-621021").AccessToken, map[string]string{"reason": "丢失"}, nil); code != 403 {
		t.Fatalf("another county's office retired the phone: %d", code)
	}
	if code := ts.Do(t, "POST", path, office, map[string]string{"reason": "手机丢失"}, &devs); code != 200 || devs.Devices[0].RetiredAt == nil || devs.Devices[0].Leases != 0 {
		t.Fatalf("retire: %d %+v", code, devs)
	}
	var reason, state string
	if err := ts.DB.Reader().QueryRow(`SELECT reason FROM audit_log WHERE action = 'client.retire' AND entity_id = ?`, phone).Scan(&reason); err != nil || reason != "手机丢失" {
		t.Fatalf("audit of the retirement: %q %v", reason, err)
	}
	if err := ts.DB.Reader().QueryRow(`SELECT state FROM notice_numbers WHERE client_id = ?`, phone).Scan(&state); err != nil || state != "voided" {
		t.Fatalf("the phone's lease: %q %v", state, err)
	}
	if code := ts.Do(t, "POST", path, office, map[string]string{"reason": "again"}, nil); code != 400 {
		t.Fatalf("retiring twice: %d", code)
	}
}

// The trail of a user shows what they did and what was done to their
// account; the trail of an entity its visits with the task that drew them
// (逆向) and their results (顺向); the CSV opens in Excel (BOM, Chinese).
func TestTrailOfAUserAndAnEntity(t *testing.T) {
	ts := MustOpenServer(t)
	addPolicyUsers(t, ts)
	office := ts.Login(t, "office").AccessToken
	insp2 := userID(t, ts, "insp2")
	if code := ts.Do(t, "POST", "/api/v1/users/"+insp2+"/disable", office, map[string]string{"reason": "调离"}, nil); code != 200 {
		t.Fatalf("disable: %d", code)
	}
	type trail struct {
		ID      string `json:"id"`
		Entries []struct {
			Position, Kind, Action, Label, Reason, UserName string
		} `json:"entries"`
	}
	var tr trail
	if code := ts.Do(t, "GET", "/api/v1/trail?kind=user&id=insp2", office, nil, &tr); code != 200 || tr.ID != insp2 || len(tr.Entries) == 0 {
		t.Fatalf("trail of a user: %d %+v", code, tr)
	}
	if e := tr.Entries[0]; e.Action != "user.disable" || e.Reason != "调离" || e.Position != "before" || !strings.Contains(e.Label, "insp2") {
		t.Fatalf("the newest entry: %+v", e)
	}
	var e APIError
	if code := ts.Do(t, "GET", "/api/v1/trail?kind=user&id=insp2", ts.Login(t, "wjw-office-621002").AccessToken, nil, &e); code != 403 {
		t.Fatalf("another department's office read the trail of a user: %d", code)
	}
	f := loadPolicyFixture(t, ts, office)
	var uscc string
	if err := ts.DB.Reader().QueryRow(`SELECT e.uscc FROM visits v JOIN entities e ON e.id = v.entity_id WHERE v.id = ?`, f.visit66).Scan(&uscc); err != nil {
		t.Fatal(err)
	}
	if code := ts.Do(t, "GET", "/api/v1/trail?kind=entity&id="+uscc, office, nil, &tr); code != 200 {
		t.Fatalf("trail of an entity: %d", code)
	}
	pos := map[string]string{}
	for _, x := range tr.Entries {
		pos[x.Kind] = x.Position
	}
	if pos["entity"] != "self" || pos["task"] != "before" || pos["draw"] != "before" || pos["visit"] != "after" {
		t.Fatalf("positions of the entity's trail: %v", pos)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/api/v1/trail?kind=visit&id="+f.visit66+"&format=csv", nil)
	req.Header.Set("Authorization", "Bearer "+office)
	ts.Handler().ServeHTTP(rec, req)
	body := rec.Body.String()
	if rec.Code != 200 || !strings.HasPrefix(body, "\uFEFF位置,层级,类型") || !strings.Contains(body, "抽查任务") || strings.Contains(body, ",task,") {
		t.Fatalf("CSV: %d %q", rec.Code, body[:min(len(body), 300)])
	}
}

// A user moved to another role, department or region loses the scope their
// unexpired access token still names at once; a refresh gives the new one.
func TestAMovedUsersTokenIsRefusedUntilRefreshed(t *testing.T) {
	ts := MustOpenServer(t)
	admin := ts.Login(t, "admin").AccessToken
	insp := ts.Login(t, "insp2")
	id := userID(t, ts, "insp2")
	if code := ts.Do(t, "PATCH", "/api/v1/users/"+id, admin, map[string]string{"region": "621021", "reason": "调往庆城县"}, nil); code != 200 {
		t.Fatalf("move: %d", code)
	}
	var e APIError
	if code := ts.Do(t, "GET", "/api/v1/me", insp.AccessToken, nil, &e); code != 401 || !strings.Contains(e.Message, "已变更") {
		t.Fatalf("the old token after a move: %d %+v", code, e)
	}
	var fresh struct {
		AccessToken string `json:"access_token"`
	}
	if code := ts.Do(t, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": insp.RefreshToken}, &fresh); code != 200 {
		t.Fatalf("refresh after a move: %d", code)
	}
	var me struct{ Region string }
	if code := ts.Do(t, "GET", "/api/v1/me", fresh.AccessToken, nil, &me); code != 200 || me.Region != "621021" {
		t.Fatalf("me after the refresh: %d %+v", code, me)
	}
}
