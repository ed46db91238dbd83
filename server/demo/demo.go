// Package demo fills an empty database with the Qingyang 2024 plan, demo
// accounts, a synthetic entity directory with inspector pools, and a few
// tasks already drawn with fixed seeds, so that `make run` shows a working
// product at once.
package demo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"path"

	"zsc/schema"
	"zsc/server/auth"
	"zsc/server/checklists"
	"zsc/server/planimport"
	"zsc/server/sqlstore"
	"zsc/testdata"
)

// Password is the password of every demo account. It is printed by
// `zsc serve --demo` and documented in the README; --demo is for trying the
// product, never for production.
const Password = "zsc-demo-2024"

// Year is the plan year of the demo.
const Year = 2024

// Account is a demo account as printed at start-up.
type Account struct {
	Username, Name, Role, Dept, Region, Note string
}

// Accounts are the demo accounts of the issue: office, lead, insp1–3, admin.
var Accounts = []Account{
	{"office", "联席办 王主任", schema.RoleOffice, schema.OfficeDept, schema.CityRegion, "联席办（市级）：导入计划、抽取、指标、报表"},
	{"lead", "市场监管 李组长", schema.RoleLead, "scjg", schema.CityRegion, "市市场监管局 检查组组长"},
	{"insp1", "张检查", schema.RoleInspector, "scjg", "621002", "市市场监管局 执法人员（西峰区）"},
	{"insp2", "刘检查", schema.RoleInspector, "scjg", "621002", "市市场监管局 执法人员（西峰区）"},
	{"insp3", "陈卫监", schema.RoleInspector, "wjw", "621002", "市卫生健康委 执法人员（西峰区）"},
	{"admin", "系统管理员", schema.RoleAdmin, schema.OfficeDept, schema.CityRegion, "管理员"},
}

// Options tune the demo size (tests use small directories).
type Options struct {
	Entities int // default 20000
	// Photos is the server's photo folder (zsc serve --photos): the demo's
	// visits done by phone keep their signature images there. Without it
	// (tests) every demo visit that is done was done on paper.
	Photos string
}

// LoadReference loads departments and regions; every start calls it.
func LoadReference(ctx context.Context, db *sqlstore.DB) error {
	return db.LoadReference(ctx, testdata.FS)
}

// ImportSeedPlan imports the seed plan table of testdata for year 2024.
func ImportSeedPlan(ctx context.Context, db *sqlstore.DB, by *schema.User) (*sqlstore.ImportResult, error) {
	b, err := fs.ReadFile(testdata.FS, "plans/qingyang-2024.tsv")
	if err != nil {
		return nil, err
	}
	res, err := db.Resolver(ctx)
	if err != nil {
		return nil, err
	}
	plans, err := planimport.Parse(bytes.NewReader(b), "qingyang-2024.tsv", res)
	if err != nil {
		return nil, err
	}
	return db.ImportPlans(ctx, Year, plans, by, schema.ChannelImport)
}

// SeedChecklists is the checklist table (检查表) of testdata the demo imports.
const SeedChecklists = "checklists/qingyang-2024.tsv"

// ImportSeedChecklists imports the check-point templates of testdata for the
// 抽查事项 of the seed plan (R8a). The file ships with the binary, so any
// problem in it is a mistake to fix there: the error lists every row.
func ImportSeedChecklists(ctx context.Context, db *sqlstore.DB, by *schema.User) (*sqlstore.ChecklistImport, error) {
	b, err := fs.ReadFile(testdata.FS, SeedChecklists)
	if err != nil {
		return nil, err
	}
	res, err := db.Resolver(ctx)
	if err != nil {
		return nil, err
	}
	f, err := checklists.Parse(bytes.NewReader(b), path.Base(SeedChecklists), res)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", SeedChecklists, err)
	}
	out, err := db.ImportChecklists(ctx, f, by, schema.ChannelImport)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", SeedChecklists, err)
	}
	return out, nil
}

// Load fills an empty database; on a database that has users it does nothing.
// It loads on the clock of the plan year (tasks drawn and visits done in
// 2024, within the plans' windows) and gives the database its clock back
// when done.
func Load(ctx context.Context, db *sqlstore.DB, opt Options, out io.Writer) error {
	if n, err := db.UserCount(ctx); err != nil || n > 0 {
		return err
	}
	was := db.Now
	defer func() { db.Now = was }()
	clk := &clock{}
	if err := clk.at(fmt.Sprintf("%d-01-15", Year), 9); err != nil {
		return err
	}
	db.Now = clk.now
	if opt.Entities == 0 {
		opt.Entities = 20000
	}
	hash, err := auth.HashPassword(Password)
	if err != nil {
		return err
	}
	var admin *schema.User
	for _, a := range Accounts {
		id, err := db.AddUser(ctx, sqlstore.NewUser{Username: a.Username, Name: a.Name, PasswordHash: hash, Role: a.Role, Dept: a.Dept, Region: a.Region,
			CertNo: certFor(a), OnDuty: true})
		if err != nil {
			return fmt.Errorf("demo account %s: %w", a.Username, err)
		}
		if a.Username == "admin" {
			admin = &schema.User{ID: id, Username: a.Username, Role: a.Role, Dept: a.Dept, Region: a.Region}
		}
	}
	if _, err := ImportSeedPlan(ctx, db, admin); err != nil {
		return fmt.Errorf("seed plan: %w", err)
	}
	// Before the draws, so that the demo's visits carry check points.
	if _, err := ImportSeedChecklists(ctx, db, admin); err != nil {
		return fmt.Errorf("seed checklists: %w", err)
	}
	if err := loadDirectory(ctx, db, clk, opt, admin, hash); err != nil {
		return err
	}
	PrintAccounts(out)
	return nil
}

func certFor(a Account) string {
	if a.Role == schema.RoleInspector || a.Role == schema.RoleLead {
		return "62" + a.Region + "-" + a.Username
	}
	return ""
}

// PrintAccounts writes the demo accounts table.
func PrintAccounts(out io.Writer) {
	fmt.Fprintf(out, "\n演示账号 / demo accounts (password: %s)\n", Password)
	for _, a := range Accounts {
		fmt.Fprintf(out, "  %-7s %-10s %s\n", a.Username, a.Role, a.Note)
	}
	fmt.Fprintln(out)
}
