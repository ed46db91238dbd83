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
	countyOffice = &schema.User{ID: "co", Role: schema.RoleOffice, Dept: schema.OfficeDept, Region: "621022"}
	officeLead   = &schema.User{ID: "ol", Role: schema.RoleLead, Dept: schema.OfficeDept, Region: schema.CityRegion}
	// Notices: 市场监管's on a visit of 西峰区 whose team holds inspector i,
	// and 市场监管's in 环县 on a visit of another team.
	noticeOfInsp   = authz.Scope{Region: "621002", Dept: "scjg", Members: []string{"i"}}
	noticeOfCounty = authz.Scope{Region: "621022", Dept: "scjg", Members: []string{"x"}}
	noticeOfWJW    = authz.Scope{Region: "621002", Dept: "swjw", Members: []string{"i"}}
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

		{"a county lead cannot read another county's follow-ups", countyLead, authz.FollowupList, noticeOfInsp, false},
		{"a county lead reads their county's follow-ups", countyLead, authz.FollowupList, noticeOfCounty, true},
		{"a city lead reads their department's follow-ups of every county", cityLead, authz.FollowupList, noticeOfCounty, true},
		{"a department's office never reads another department's notices", countyWJW, authz.FollowupList, authz.Scope{Region: "621021", Dept: "scjg"}, false},
		{"an inspector reads their department's notice on their visit", inspector, authz.FollowupList, noticeOfInsp, true},
		{"an inspector never reads a notice of a visit they are not on", inspector, authz.FollowupList, noticeOfCounty, false},
		{"an inspector on a joint visit never reads another department's notice", inspector, authz.FollowupList, noticeOfWJW, false},
		{"a county 联席办 cannot read another county's referrals", countyOffice, authz.ReferralList, noticeOfInsp, false},
		{"an inspector has no referral list", inspector, authz.ReferralList, noticeOfInsp, false},

		{"a lead sees a plan their department takes part in", countyLead, authz.PlanList, authz.Scope{Initiator: "lxb", Depts: []string{"scjg"}}, true},
		{"a lead never sees a plan their department takes no part in", countyLead, authz.PlanList, authz.Scope{Initiator: "lxb", Depts: []string{"smz"}}, false},
		{"a department's office never sees another department's plan", countyWJW, authz.PlanList, authz.Scope{Initiator: "scjg", Depts: []string{"scjg"}}, false},
		{"the 联席办 sees every plan", cityOffice, authz.PlanList, authz.Scope{Initiator: "scjg", Depts: []string{"scjg"}}, true},

		{"the city 联席办 retires any phone of the city", cityOffice, authz.ClientRetire, authz.Scope{Region: "621002", Dept: "scjg"}, true},
		{"a county office cannot retire a phone of another county", countyOffice, authz.ClientRetire, authz.Scope{Region: "621002", Dept: "scjg"}, false},
		{"a department's office cannot retire another department's phone", countyWJW, authz.ClientRetire, authz.Scope{Region: "621021", Dept: "scjg"}, false},
		{"a lead cannot retire another's phone", cityLead, authz.ClientRetire, authz.Scope{Region: "621002", Dept: "scjg"}, false},

		{"an inspector leases their department's numbers", inspector, authz.NumberLease, authz.Scope{Dept: "scjg"}, true},
		{"a lead of the 联席办 leases no numbers: it issues no notices", officeLead, authz.NumberLease, authz.Scope{Dept: schema.OfficeDept}, false},
		{"an admin leases no numbers", admin, authz.NumberLease, authz.Scope{Dept: schema.OfficeDept}, false},

		{"a lead settles conflicts", cityLead, authz.ConflictSettle, authz.Scope{}, true},
		{"an office user does not settle conflicts", cityOffice, authz.ConflictSettle, authz.Scope{}, false},
		{"an inspector does not settle conflicts", inspector, authz.ConflictSettle, authz.Scope{}, false},
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

func TestOnlyFieldRolesHoldMobileClients(t *testing.T) {
	// DESIGN §3: the channel is the client's kind, and a desk account,
	// admins included, never holds a client whose work counts as mobile.
	for _, u := range []*schema.User{inspector, cityLead, countyLead} {
		if err := authz.Allow(u, authz.FieldClient); err != nil {
			t.Errorf("%s (%s) refused a mobile client: %v", u.ID, u.Role, err)
		}
	}
	for _, u := range []*schema.User{cityOffice, countyWJW, admin} {
		if err := authz.Allow(u, authz.FieldClient); schema.ErrorCode(err) != schema.EFORBIDDEN {
			t.Errorf("%s (%s) may hold a mobile client: %v", u.ID, u.Role, err)
		}
		if f := authz.ListFilter(u, authz.FieldClient); !f.None || f.All {
			t.Errorf("%s (%s): list filter %+v, want none", u.ID, u.Role, f)
		}
	}
}

func TestListFilterOfNoticesAgreesWithCheck(t *testing.T) {
	// The 复查 and 待移交立案 lists: what the store writes as SQL from the
	// filter (a member, of MemberDept if set; or in Region and of Dept) must
	// be what Check says of each notice.
	notices := []authz.Scope{noticeOfInsp, noticeOfCounty, noticeOfWJW,
		{Region: "621021", Dept: "swjw"}, {Region: "621022", Dept: "scjg", Members: []string{"cl"}}}
	for _, a := range []authz.Action{authz.FollowupList, authz.ReferralList} {
		for _, u := range []*schema.User{cityOffice, countyOffice, countyWJW, cityLead, countyLead, officeLead, inspector, admin} {
			f := authz.ListFilter(u, a)
			for _, n := range notices {
				member := f.Members && slices.Contains(n.Members, u.ID) && (f.MemberDept == "" || f.MemberDept == n.Dept)
				listed := f.All || member ||
					!f.None && (f.Region == "" || f.Region == n.Region) && (f.Dept == "" || f.Dept == n.Dept)
				if listed != authz.Can(u, a, n) {
					t.Errorf("%s, %s and notice %+v: listed %v, check %v", a, u.ID, n, listed, !listed)
				}
			}
		}
	}
}
