package authz_test

import (
	"slices"
	"testing"

	"zsc/schema"
	"zsc/server/authz"
)

var (
	cityOffice   = &schema.User{ID: "o", Role: schema.RoleOffice, Dept: schema.OfficeDept, Region: schema.CityRegion}
	countyWJW    = &schema.User{ID: "w", Role: schema.RoleOffice, Dept: "swjw", Region: "621021"}
	cityLead     = &schema.User{ID: "l", Role: schema.RoleLead, Dept: "scjg", Region: schema.CityRegion}
	countyLead   = &schema.User{ID: "cl", Role: schema.RoleLead, Dept: "scjg", Region: "621022"}
	inspector    = &schema.User{ID: "i", Role: schema.RoleInspector, Dept: "scjg", Region: "621002"}
	admin        = &schema.User{ID: "a", Role: schema.RoleAdmin, Dept: schema.OfficeDept, Region: schema.CityRegion}
	scjgTask     = authz.Scope{Region: "621002", Initiator: "scjg", Depts: []string{"scjg", "smz"}}
	visitOfInsp  = authz.Scope{Region: "621002", Depts: []string{"scjg"}, Members: []string{"i"}}
	visitOfOther = authz.Scope{Region: "621002", Depts: []string{"scjg"}, Members: []string{"x"}}
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name  string
		u     *schema.User
		a     authz.Action
		s     authz.Scope
		allow bool
	}{
		{"the city office draws a task of any department", cityOffice, authz.DrawRun, scjgTask, true},
		{"a county 卫健委 office cannot draw a 市场监管 task", countyWJW, authz.DrawRun, scjgTask, false},
		{"a lead cannot draw at all", cityLead, authz.DrawRun, scjgTask, false},
		{"a city lead of a participating department verifies the draw", cityLead, authz.DrawVerify, scjgTask, true},
		{"a lead of another county cannot verify the draw", countyLead, authz.DrawVerify, scjgTask, false},
		{"a lead whose department takes no part cannot verify", &schema.User{ID: "l2", Role: schema.RoleLead, Dept: "swjw", Region: schema.CityRegion}, authz.DrawVerify, scjgTask, false},
		{"a county 卫健委 office cannot import 市场监管 inspectors", countyWJW, authz.InspectorImport, authz.Scope{Region: "621021", Dept: "scjg"}, false},
		{"a county 卫健委 office cannot import inspectors of another county", countyWJW, authz.InspectorImport, authz.Scope{Region: "621022", Dept: "swjw"}, false},
		{"a county 卫健委 office imports its own inspectors", countyWJW, authz.InspectorImport, authz.Scope{Region: "621021", Dept: "swjw"}, true},
		{"a county office cannot change entities of another county", countyWJW, authz.EntityImport, authz.Scope{Region: "621022"}, false},
		{"the 联席办 cannot publish for a department (谁公开)", cityOffice, authz.Publish, authz.Scope{Region: "621002", Dept: "scjg"}, false},
		{"a lead publishes their own department's results", cityLead, authz.Publish, authz.Scope{Region: "621002", Dept: "scjg"}, true},
		{"the 联席办 enters paper results for any department", cityOffice, authz.ResultsEnter, authz.Scope{Dept: "scjg"}, true},
		{"an inspector cannot enter another department's results", inspector, authz.ResultsEnter, authz.Scope{Dept: "smz"}, false},
		{"an inspector sees a visit whose team they are on", inspector, authz.VisitRead, visitOfInsp, true},
		{"an inspector never sees a visit of another team", inspector, authz.VisitRead, visitOfOther, false},
		{"a lead sees the visits of their department", cityLead, authz.VisitRead, visitOfOther, true},
		{"an admin does anything", admin, authz.Publish, authz.Scope{Region: "621002", Dept: "scjg"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := authz.Check(tc.u, tc.a, tc.s)
			if tc.allow && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tc.allow && schema.ErrorCode(err) != schema.EFORBIDDEN {
				t.Fatalf("want forbidden, got %v", err)
			}
		})
	}
}

func TestCheckNeedsTheScopeItsRuleNames(t *testing.T) {
	// A service that forgets to pass the task must fail loudly (internal
	// error), even for an admin, never pass silently.
	if err := authz.Check(admin, authz.DrawRun, authz.Scope{Region: "621002"}); err == nil || schema.ErrorCode(err) != schema.EINTERNAL {
		t.Fatalf("want an internal error, got %v", err)
	}
}

func TestEveryActionHasALabelAndRoles(t *testing.T) {
	for _, a := range authz.Actions() {
		r, _ := authz.RuleOf(a)
		if r.Label == "" {
			t.Errorf("%s has no label", a)
		}
		if a != authz.Public && len(r.Roles) == 0 {
			t.Errorf("%s names no role", a)
		}
	}
}

func TestListFilterAgreesWithCheck(t *testing.T) {
	// For every user and visit of the table above, the list filter a store
	// turns into SQL must say what Check says of the one visit.
	visits := []authz.Scope{visitOfInsp, visitOfOther,
		{Region: "621022", Depts: []string{"scjg"}}, {Region: "621002", Depts: []string{"smz"}}}
	for _, u := range []*schema.User{cityOffice, countyWJW, cityLead, countyLead, inspector, admin} {
		f := authz.ListFilter(u, authz.VisitRead)
		for _, v := range visits {
			listed := f.All || f.Members && slices.Contains(v.Members, u.ID) ||
				!f.None && (f.Region == "" || f.Region == v.Region) && (f.Dept == "" || slices.Contains(v.Depts, f.Dept))
			if listed != authz.Can(u, authz.VisitRead, v) {
				t.Errorf("%s and visit %+v: listed %v, check %v", u.ID, v, listed, !listed)
			}
		}
	}
}
