package http_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"zsc/schema"
	"zsc/server/sqlstore"
)

// seesDirectory checks a directory page: every row of the region and, when
// dept is set, of the department (the policy's list filter).
func seesDirectory(region, dept string) func(*policyFixture, []byte) error {
	return func(_ *policyFixture, body []byte) error {
		var p struct {
			Items []struct{ Region, Dept string }
		}
		if err := json.Unmarshal(body, &p); err != nil {
			return err
		}
		for _, it := range p.Items {
			if it.Region != region || dept != "" && it.Dept != dept {
				return fmt.Errorf("sees a row of %s/%s, want only %s/%s", it.Region, it.Dept, region, dept)
			}
		}
		return nil
	}
}

// uscc completes 17 characters with their check character.
func uscc(t *testing.T, first17 string) string {
	t.Helper()
	c, err := schema.USCCCheckChar(first17)
	if err != nil {
		t.Fatal(err)
	}
	return first17 + string(c)
}

type dirPreview struct {
	sqlstore.DirectoryPreview
}

// TestDirectoryImportPreview: ?dry_run=1 answers what the import would do
// (added, changed field by field, absent) and writes nothing, not even an
// audit row; the import then does exactly that.
func TestDirectoryImportPreview(t *testing.T) {
	ts := MustOpenServer(t)
	office := ts.Login(t, "office").AccessToken
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		scanRow(t, ts.DB.Reader().QueryRow(q, args...), &n)
		return n
	}
	var old, oldName, oldRisk string
	scanRow(t, ts.DB.Reader().QueryRow(`SELECT uscc, name, risk FROM entities WHERE region = '621027' ORDER BY uscc LIMIT 1`), &old, &oldName, &oldRisk)
	newRisk := map[string]string{"A": "B", "B": "C", "C": "D", "D": "A"}[oldRisk]
	fresh := uscc(t, "91621027MA7DR0001")
	inRegion := count(`SELECT count(*) FROM entities WHERE region = '621027'`)
	file := "uscc,name,region,address,tags,risk,status,lat,lng,flags\n" +
		fresh + ",镇原县预览测试商行,621027,镇原县城关镇1号,全市宾馆旅店,B,存续,,,\n" +
		old + "," + oldName + ",621027,,全市宾馆旅店," + newRisk + ",存续,,,\n"
	before := map[string]int{
		"entities": count(`SELECT count(*) FROM entities`),
		"history":  count(`SELECT count(*) FROM entity_history`),
		"audit":    count(`SELECT count(*) FROM audit_log`),
	}

	var p dirPreview
	if code := ts.Do(t, "POST", "/api/v1/entities/import?dry_run=1", office, Multipart("e.csv", []byte(file), nil), &p); code != 200 {
		t.Fatalf("dirPreview: status %d", code)
	}
	if !p.DryRun || p.Created != 1 || p.Updated != 1 || len(p.Added) != 1 || p.Added[0].Key != fresh || p.Added[0].Row != 2 {
		t.Fatalf("dirPreview %+v", p)
	}
	if len(p.Changed) != 1 || p.Changed[0].Key != old || p.Changed[0].Row != 3 {
		t.Fatalf("changed %+v", p.Changed)
	}
	var risk *sqlstore.FieldChange
	for i, f := range p.Changed[0].Fields {
		if f.Field == "risk" {
			risk = &p.Changed[0].Fields[i]
		}
	}
	if risk == nil || risk.Before != oldRisk || risk.After != newRisk {
		t.Fatalf("risk change %+v in %+v", risk, p.Changed[0].Fields)
	}
	if p.Absent != inRegion-1 || len(p.AbsentRows) != min(inRegion-1, sqlstore.PreviewRows) {
		t.Fatalf("absent %d (%d listed), want %d", p.Absent, len(p.AbsentRows), inRegion-1)
	}
	for k, n := range map[string]int{
		"entities": count(`SELECT count(*) FROM entities`),
		"history":  count(`SELECT count(*) FROM entity_history`),
		"audit":    count(`SELECT count(*) FROM audit_log`),
	} {
		if n != before[k] {
			t.Fatalf("the dry run wrote %s: %d rows, was %d", k, n, before[k])
		}
	}

	var res dirPreview
	if code := ts.Do(t, "POST", "/api/v1/entities/import", office, Multipart("e.csv", []byte(file), nil), &res); code != 200 {
		t.Fatalf("import: status %d", code)
	}
	if res.DryRun || res.Created != 1 || res.Updated != 1 || count(`SELECT count(*) FROM entities WHERE uscc = ? AND risk = 'B'`, fresh) != 1 ||
		count(`SELECT count(*) FROM entities WHERE uscc = ? AND risk = ?`, old, newRisk) != 1 {
		t.Fatalf("import %+v", res)
	}

	// The search finds the new entity by part of its name and by its code.
	for _, q := range []string{"q=预览测试", "q=" + fresh[:12] + "&region=621027&risk=B"} {
		var page sqlstore.Page[sqlstore.EntityInfo]
		if code := ts.Do(t, "GET", "/api/v1/entities?"+q, office, nil, &page); code != 200 || page.Total != 1 || page.Items[0].USCC != fresh || page.Items[0].RegionName != "镇原县" {
			t.Fatalf("search %s: %d %+v", q, code, page)
		}
	}
	if code := ts.Do(t, "GET", "/api/v1/entities?risk=E", office, nil, nil); code != 400 {
		t.Fatalf("risk=E: status %d, want 400", code)
	}
}

// TestDirectoryImportRowErrors: a bad row of an inspector file is answered
// 422 with its row, column and a Chinese message, in a dry run as in an
// import; an XLSX-less TSV file is read too.
func TestDirectoryImportRowErrors(t *testing.T) {
	ts := MustOpenServer(t)
	office := ts.Login(t, "office").AccessToken
	tsv := "username\tname\tdept\tregion\tcert_no\tspecialities\texpert\ton_duty\n" +
		"scjg-621027-d2a\t测试甲\tscjg\t621027\t62000000000001\t食品安全|计量\t0\t1\n" +
		"scjg-621027-d2b\t测试乙\tscjg\t629999\t\t\t0\t1\n"
	for _, path := range []string{"/api/v1/inspectors/import?dry_run=1", "/api/v1/inspectors/import"} {
		var e APIError
		if code := ts.Do(t, "POST", path, office, Multipart("i.tsv", []byte(tsv), nil), &e); code != 422 {
			t.Fatalf("%s: status %d", path, code)
		}
		var rows []schema.RowError
		if err := json.Unmarshal(e.Details, &rows); err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].Row != 3 || rows[0].Column != "region" || !strings.Contains(rows[0].Message, "未知的区划代码 629999") {
			t.Fatalf("%s: %+v", path, rows)
		}
	}
	fixed := strings.Replace(tsv, "629999", "621027", 1)
	var p dirPreview
	if code := ts.Do(t, "POST", "/api/v1/inspectors/import?dry_run=1", office, Multipart("i.tsv", []byte(fixed), nil), &p); code != 200 || p.Created != 2 {
		t.Fatalf("dirPreview: %d %+v", code, p)
	}
	var n int
	scanRow(t, ts.DB.Reader().QueryRow(`SELECT count(*) FROM users WHERE username LIKE 'scjg-621027-d2%'`), &n)
	if n != 0 {
		t.Fatal("the dry run created users")
	}
	if code := ts.Do(t, "POST", "/api/v1/inspectors/import", office, Multipart("i.tsv", []byte(fixed), nil), &p); code != 200 || p.Created != 2 {
		t.Fatalf("import: %d %+v", code, p)
	}
	var page sqlstore.Page[sqlstore.InspectorInfo]
	if code := ts.Do(t, "GET", "/api/v1/inspectors?tag=计量&region=621027&q=测试", office, nil, &page); code != 200 || page.Total != 1 ||
		page.Items[0].Username != "scjg-621027-d2a" || page.Items[0].CertNo != "62000000000001" || strings.Join(page.Items[0].Specialities, "|") != "食品安全|计量" {
		t.Fatalf("search: %d %+v", code, page)
	}

	// 回避: previewed, recorded, then found on the inspector and in the list.
	var entity string
	scanRow(t, ts.DB.Reader().QueryRow(`SELECT uscc FROM entities WHERE region = '621027' ORDER BY uscc LIMIT 1`), &entity)
	cf := "inspector,uscc,reason\nscjg-621027-d2a," + entity + ",亲属关系\n"
	if code := ts.Do(t, "POST", "/api/v1/conflicts/import?dry_run=1", office, Multipart("c.csv", []byte(cf), nil), &p); code != 200 || p.Created != 1 || len(p.Added) != 1 {
		t.Fatalf("conflict dirPreview: %d %+v", code, p)
	}
	if code := ts.Do(t, "POST", "/api/v1/conflicts/import", office, Multipart("c.csv", []byte(cf), nil), &p); code != 200 || p.Created != 1 {
		t.Fatalf("conflict import: %d %+v", code, p)
	}
	if code := ts.Do(t, "GET", "/api/v1/inspectors?q=scjg-621027-d2a", office, nil, &page); code != 200 || len(page.Items) != 1 ||
		len(page.Items[0].Conflicts) != 1 || page.Items[0].Conflicts[0].USCC != entity || page.Items[0].Conflicts[0].Reason != "亲属关系" {
		t.Fatalf("inspector's 回避: %d %+v", code, page)
	}
	var pairs sqlstore.Page[sqlstore.Pair]
	if code := ts.Do(t, "GET", "/api/v1/recusals?q=测试甲", office, nil, &pairs); code != 200 || pairs.Total != 1 {
		t.Fatalf("回避 list: %d %+v", code, pairs)
	}
}
