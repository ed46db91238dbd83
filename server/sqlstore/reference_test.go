package sqlstore_test

import (
	"context"
	"testing"
	"testing/fstest"

	"zsc/server/sqlstore"
	"zsc/server/sqlstore/storetest"
	"zsc/testdata"
)

func departmentsByCode(t *testing.T, db *sqlstore.DB) map[string]sqlstore.Department {
	t.Helper()
	depts, err := db.Departments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]sqlstore.Department{}
	for _, d := range depts {
		out[d.Code] = d
	}
	return out
}

// A notice names its issuer by the 执法主体全称 (R11), so every member
// department of the shipped reference data carries one.
func TestLoadReferenceStoresAuthorities(t *testing.T) {
	db, err := sqlstore.Open(storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.LoadReference(context.Background(), testdata.FS); err != nil {
		t.Fatal(err)
	}
	depts := departmentsByCode(t, db)
	members := 0
	for _, d := range depts {
		if d.Kind != "member" {
			continue
		}
		members++
		if d.Authority == "" {
			t.Errorf("%s (%s) has no authority", d.Code, d.Name)
		}
	}
	if members != 30 {
		t.Errorf("got %d member departments, want the 30 of 附件2", members)
	}
	for code, want := range map[string]string{"scjg": "庆阳市市场监督管理局", "wjw": "庆阳市卫生健康委员会", "zjj": "庆阳市住房和城乡建设局", "xf": "庆阳市消防救援支队"} {
		if got := depts[code].Authority; got != want {
			t.Errorf("%s authority %q, want %q", code, got, want)
		}
	}
}

// The loader finds the authority column by its header, wherever it stands,
// and a file without the column still loads (with empty authorities); a
// second load with a changed name updates the stored one.
func TestLoadReferenceReadsAuthorityByHeader(t *testing.T) {
	db, err := sqlstore.Open(storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	regions := &fstest.MapFile{Data: []byte("code\tname\tlevel\tparent\n621000\t庆阳市\tcity\t\n")}
	load := func(departments string) {
		t.Helper()
		fsys := fstest.MapFS{"departments.tsv": {Data: []byte(departments)}, "regions.tsv": regions}
		if err := db.LoadReference(ctx, fsys); err != nil {
			t.Fatal(err)
		}
	}

	load("authority\tcode\tname\tshort\n庆阳市市场监督管理局\tscjg\t市市场监管局\t庆市监\n")
	if got := departmentsByCode(t, db)["scjg"]; got.Authority != "庆阳市市场监督管理局" || got.Short != "庆市监" {
		t.Errorf("authority first: got %+v", got)
	}

	load("code\tname\tshort\tauthority\nscjg\t市市场监管局\t庆市监\t庆阳市市场监督管理局（新）\n")
	if got := departmentsByCode(t, db)["scjg"].Authority; got != "庆阳市市场监督管理局（新）" {
		t.Errorf("a reload keeps %q, want the new name", got)
	}

	load("code\tname\tshort\nwjw\t市卫生健康委\t庆卫健\n")
	if got := departmentsByCode(t, db)["wjw"]; got.Name != "市卫生健康委" || got.Authority != "" {
		t.Errorf("no authority column: got %+v", got)
	}
}
