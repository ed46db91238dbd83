package authz_test

import (
	"testing"

	"zsc/schema"
	"zsc/server/authz"
)

// The scope of user management (issue 12 item 5): a user is judged by their
// region and department, and only an admin makes or touches an admin.
func TestUserManageScope(t *testing.T) {
	scjgCounty := authz.Scope{Region: "621022", Dept: "scjg"}
	wjwCounty := authz.Scope{Region: "621021", Dept: "swjw"}
	scjgCity := authz.Scope{Region: schema.CityRegion, Dept: "scjg"}
	for _, tc := range []struct {
		name  string
		u     *schema.User
		s     authz.Scope
		allow bool
	}{
		{"the city 联席办 manages a county's 市场监管 user", cityOffice, scjgCounty, true},
		{"a county 联席办 manages its county's users of any department", countyOffice, scjgCounty, true},
		{"a county 联席办 cannot manage a city user", countyOffice, scjgCity, false},
		{"a county 卫健委 office manages its own department's users in its county", countyWJW, wjwCounty, true},
		{"a county 卫健委 office cannot manage a 市场监管 user", countyWJW, authz.Scope{Region: "621021", Dept: "scjg"}, false},
		{"a county 卫健委 office cannot manage another county's users", countyWJW, authz.Scope{Region: "621022", Dept: "swjw"}, false},
		{"a lead manages nobody", cityLead, scjgCounty, false},
		{"an inspector manages nobody", inspector, scjgCounty, false},
		{"an admin manages everyone", admin, scjgCity, true},
	} {
		for _, a := range []authz.Action{authz.UserManage, authz.UserRead} {
			if got := authz.Can(tc.u, a, tc.s); got != tc.allow {
				t.Errorf("%s (%s): got %v, want %v", tc.name, a, got, tc.allow)
			}
		}
	}
	// A list shows what a single check allows.
	scopes := []authz.Scope{scjgCounty, wjwCounty, scjgCity, {Region: "621021", Dept: "scjg"}, {Region: "621022", Dept: "swjw"}}
	for _, u := range []*schema.User{cityOffice, countyOffice, countyWJW, cityLead, inspector, admin} {
		f := authz.ListFilter(u, authz.UserRead)
		for _, s := range scopes {
			listed := f.All || !f.None && (f.Region == "" || f.Region == s.Region) && (f.Dept == "" || f.Dept == s.Dept)
			if listed != authz.Can(u, authz.UserRead, s) {
				t.Errorf("%s and user %+v: listed %v, check %v", u.ID, s, listed, !listed)
			}
		}
	}
}

func TestOnlyAnAdminGrantsAdmin(t *testing.T) {
	if err := authz.GrantRole(cityOffice, schema.RoleAdmin); err == nil {
		t.Error("the 联席办 made an admin")
	}
	if err := authz.GrantRole(cityOffice, schema.RoleLead); err != nil {
		t.Errorf("the 联席办 cannot make a lead: %v", err)
	}
	if err := authz.GrantRole(admin, schema.RoleAdmin); err != nil {
		t.Errorf("an admin cannot make an admin: %v", err)
	}
	if err := authz.GrantRole(cityLead, schema.RoleInspector); err == nil {
		t.Error("a lead granted a role")
	}
}
