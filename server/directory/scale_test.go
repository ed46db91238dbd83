package directory_test

import (
	"bytes"
	"context"
	"os"
	"runtime"
	"testing"
	"time"

	"zsc/schema"
	"zsc/server/directory"
	"zsc/server/sqlstore"
	"zsc/server/sqlstore/storetest"
	"zsc/server/synth"
	"zsc/testdata"
)

// TestDirectory100k measures the desk's preview and import of a
// 100,000-entity file (issue 12 item 2): parse, dry run, import, then a
// preview of the same file again (all unchanged). Run it with
// ZSC_SCALE=1 go test ./server/directory -run TestDirectory100k -v.
func TestDirectory100k(t *testing.T) {
	if os.Getenv("ZSC_SCALE") == "" {
		t.Skip("set ZSC_SCALE=1 to measure")
	}
	ctx := context.Background()
	db, err := sqlstore.Open(storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.LoadReference(ctx, testdata.FS); err != nil {
		t.Fatal(err)
	}
	nu := sqlstore.NewUser{Username: "office", Name: "联席办", Role: schema.RoleOffice, Dept: schema.OfficeDept, Region: schema.CityRegion, PasswordHash: "x", OnDuty: true}
	if _, err := db.AddUser(ctx, nu); err != nil {
		t.Fatal(err)
	}
	office, err := db.UserByUsername(ctx, "office")
	if err != nil {
		t.Fatal(err)
	}
	var file bytes.Buffer
	if err := synth.WriteEntitiesCSV(&file, synth.Config{Seed: 12, Entities: 100_000, Regions: []string{"621002", "621021", "621022", "621023", "621024", "621025", "621026", "621027"}, Tags: []string{"全市宾馆旅店", "全市大中型餐饮服务企业"}}); err != nil {
		t.Fatal(err)
	}
	valid, err := db.RegionSet(ctx)
	if err != nil {
		t.Fatal(err)
	}
	step := func(name string, fn func() error) {
		t.Helper()
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		start := time.Now()
		if err := fn(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		runtime.ReadMemStats(&m1)
		t.Logf("%-28s %7.2f s  allocated %6.1f MB  heap in use after %6.1f MB", name, time.Since(start).Seconds(),
			float64(m1.TotalAlloc-m0.TotalAlloc)/(1<<20), float64(m1.HeapInuse)/(1<<20))
	}
	t.Logf("file: %.1f MB", float64(file.Len())/(1<<20))
	var es []directory.Entity
	step("parse", func() (err error) {
		es, err = directory.ParseEntitiesFile(file.Bytes(), "e.csv", valid)
		return err
	})
	var p *sqlstore.DirectoryPreview
	step("preview (dry run), empty db", func() (err error) {
		p, err = db.EntityImport(ctx, es, office, schema.ChannelWeb, true)
		return err
	})
	if p.Created != len(es) {
		t.Fatalf("preview: %d created of %d", p.Created, len(es))
	}
	var n int
	if err := db.Reader().QueryRow(`SELECT count(*) FROM entities`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("the dry run wrote %d entities", n)
	}
	step("import", func() (err error) {
		_, err = db.EntityImport(ctx, es, office, schema.ChannelWeb, false)
		return err
	})
	step("preview again (unchanged)", func() (err error) {
		p, err = db.EntityImport(ctx, es, office, schema.ChannelWeb, true)
		return err
	})
	if p.Unchanged != len(es) || p.Absent != 0 {
		t.Fatalf("second preview: %+v", p.DirectoryResult)
	}
}
