package http_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestImportsOutsideTheCallersScopeAreRefusedWithTheirRow is issue 11 item
// 9: a county 卫健委 office marked a 市场监管 inspector 回避 with an entity,
// moved the city 市场监管 lead to its own department and region, and changed
// entities of another county. Each is refused with the file row, the column
// and a Chinese reason, and nothing of the file is written.
func TestImportsOutsideTheCallersScopeAreRefusedWithTheirRow(t *testing.T) {
	ts := MustOpenServer(t)
	addPolicyUsers(t, ts)
	county := ts.Login(t, "wjw-office-621021").AccessToken
	ctx := context.Background()
	one := func(q string, args ...any) string {
		t.Helper()
		var s string
		if err := ts.DB.Reader().QueryRowContext(ctx, q, args...).Scan(&s); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return s
	}
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := ts.DB.Reader().QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	ownEntity := one(`SELECT uscc FROM entities WHERE region = '621021' LIMIT 1`)
	otherEntity := one(`SELECT uscc FROM entities WHERE region = '621022' LIMIT 1`)
	scjgInspector := one(`SELECT username FROM users WHERE dept = 'scjg' AND region = '621021' AND role = 'inspector' LIMIT 1`)
	ownInspector := one(`SELECT username FROM users WHERE dept = 'wjw' AND region = '621021' AND role = 'inspector' LIMIT 1`)
	audits := func() int { return count(`SELECT count(*) FROM audit_log WHERE kind = 'directory'`) }
	auditsBefore := audits()

	type rowErr struct {
		Row     int    `json:"row"`
		Column  string `json:"column"`
		Message string `json:"message"`
	}
	refused := func(t *testing.T, path, file, body string) []rowErr {
		t.Helper()
		var e APIError
		code := ts.Do(t, "POST", path, county, Multipart(file, []byte(body), nil), &e)
		if code != 422 {
			t.Fatalf("status %d, want 422: %s", code, e.Message)
		}
		var rows []rowErr
		if err := json.Unmarshal(e.Details, &rows); err != nil {
			t.Fatalf("details %s: %v", e.Details, err)
		}
		return rows
	}
	want := func(t *testing.T, got []rowErr, row int, column, text string) {
		t.Helper()
		for _, r := range got {
			if r.Row == row && r.Column == column && strings.Contains(r.Message, text) {
				return
			}
		}
		t.Fatalf("no error on row %d, column %s saying %q in %+v", row, column, text, got)
	}

	t.Run("a 市场监管 inspector cannot be marked 回避 by a 卫健委 office", func(t *testing.T) {
		before := count(`SELECT count(*) FROM interest_conflicts`)
		rows := refused(t, "/api/v1/conflicts/import", "conflicts.csv",
			"inspector,uscc,reason\n"+ownInspector+","+ownEntity+",亲属关系\n"+scjgInspector+","+ownEntity+",亲属关系\n")
		want(t, rows, 3, "inspector", "市市场监管局")
		if len(rows) != 1 {
			t.Fatalf("the row of its own inspector was refused too: %+v", rows)
		}
		if n := count(`SELECT count(*) FROM interest_conflicts`); n != before {
			t.Fatalf("%d 回避 rows written by a refused import", n-before)
		}
	})

	t.Run("the city 市场监管 lead cannot be moved by a county 卫健委 office", func(t *testing.T) {
		rows := refused(t, "/api/v1/inspectors/import", "inspectors.csv",
			"username,name,dept,region,cert_no\nwjw-new-1,新人,wjw,621021,W-1\nlead,组长,wjw,621021,X-1\nscjg-new-1,新人,scjg,621021,S-1\n")
		want(t, rows, 3, "username", "市市场监管局")
		want(t, rows, 4, "dept", "只能导入本部门")
		if d := one(`SELECT dept || ' ' || region FROM users WHERE username = 'lead'`); d != "scjg 621000" {
			t.Fatalf("the lead is now %s", d)
		}
		if n := count(`SELECT count(*) FROM users WHERE username = 'wjw-new-1'`); n != 0 {
			t.Fatalf("the file's valid row was written although the import was refused")
		}
	})

	t.Run("entities of another county cannot be changed", func(t *testing.T) {
		risk := one(`SELECT risk FROM entities WHERE uscc = ?`, otherEntity)
		rows := refused(t, "/api/v1/entities/import", "entities.csv",
			"uscc,name,region,address,tags,risk,status,lat,lng,flags\n"+otherEntity+",某公司,621022,,,D,存续,,,\n")
		want(t, rows, 2, "region", "管辖区域")
		if r := one(`SELECT risk FROM entities WHERE uscc = ?`, otherEntity); r != risk {
			t.Fatalf("risk class changed from %s to %s", risk, r)
		}
	})

	if n := audits(); n != auditsBefore {
		t.Fatalf("%d audit rows written by refused imports", n-auditsBefore)
	}
}

// TestDirectoryImportAuditsTheDiff: an import's audit row names who and what
// was added and changed, not only counts (issue 11 item 9).
func TestDirectoryImportAuditsTheDiff(t *testing.T) {
	ts := MustOpenServer(t)
	office := ts.Login(t, "office").AccessToken
	ctx := context.Background()
	var uscc, name, risk, insp string
	if err := ts.DB.Reader().QueryRowContext(ctx, `SELECT uscc, name, risk FROM entities WHERE region = '621002' AND risk != 'D' LIMIT 1`).Scan(&uscc, &name, &risk); err != nil {
		t.Fatal(err)
	}
	if err := ts.DB.Reader().QueryRowContext(ctx, `SELECT username FROM users WHERE dept = 'scjg' AND region = '621002' AND role = 'inspector' AND id NOT IN
		(SELECT user_id FROM interest_conflicts ic JOIN entities e ON e.id = ic.entity_id WHERE e.uscc = ?) LIMIT 1`, uscc).Scan(&insp); err != nil {
		t.Fatal(err)
	}
	lastAudit := func(action string) string {
		t.Helper()
		var after string
		if err := ts.DB.Reader().QueryRowContext(ctx, `SELECT after FROM audit_log WHERE action = ? ORDER BY id DESC LIMIT 1`, action).Scan(&after); err != nil {
			t.Fatal(err)
		}
		return after
	}
	var tags, status string
	if err := ts.DB.Reader().QueryRowContext(ctx, `SELECT tags, status FROM entities WHERE uscc = ?`, uscc).Scan(&tags, &status); err != nil {
		t.Fatal(err)
	}
	file := "uscc,name,region,address,tags,risk,status,lat,lng,flags\n" + uscc + "," + name + ",621002,,\"" + strings.ReplaceAll(tags, "|", ";") + "\",D," + status + ",,,\n"
	var e APIError
	if code := ts.Do(t, "POST", "/api/v1/entities/import", office, Multipart("e.csv", []byte(file), nil), &e); code != 200 {
		t.Fatalf("entities: %d %s", code, e.Message)
	}
	if a := lastAudit("entities.import"); !strings.Contains(a, uscc) || !strings.Contains(a, `"risk":["`+risk+`","D"]`) {
		t.Fatalf("the audit row does not say the risk class of %s went from %s to D: %s", uscc, risk, a)
	}
	if code := ts.Do(t, "POST", "/api/v1/conflicts/import", office, Multipart("c.csv", []byte("inspector,uscc,reason\n"+insp+","+uscc+",亲属关系\n"), nil), &e); code != 200 {
		t.Fatalf("conflicts: %d %s", code, e.Message)
	}
	if a := lastAudit("conflicts.import"); !strings.Contains(a, `"inspector":"`+insp+`"`) || !strings.Contains(a, uscc) {
		t.Fatalf("the audit row does not name who was marked 回避 with whom: %s", a)
	}
}
