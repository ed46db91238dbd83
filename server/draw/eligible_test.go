package draw

import (
	"errors"
	"testing"

	"zsc/schema"
)

// R5 is one rule: the draw's pools and a lead's swap both ask Pool.
func TestPoolCheck(t *testing.T) {
	county := Pool{Dept: "wjw", Region: "621002"}
	city := Pool{Dept: "wjw", Region: "621000", CityWide: true}
	ok := Candidate{ID: "w1", Role: schema.RoleInspector, Dept: "wjw", Region: "621002", Cert: true, OnDuty: true}
	with := func(f func(*Candidate)) Candidate { c := ok; f(&c); return c }
	for _, tc := range []struct {
		name string
		pool Pool
		c    Candidate
		want Why
	}{
		{"eligible", county, ok, ""},
		{"a city task draws from every county", city, with(func(c *Candidate) { c.Region = "621021" }), ""},
		{"another county", county, with(func(c *Candidate) { c.Region = "621021" }), OtherRegion},
		{"another department", county, with(func(c *Candidate) { c.Dept = "scjg" }), OtherDept},
		{"not an inspector (a 带队 lead)", county, with(func(c *Candidate) { c.Role = schema.RoleLead }), NotInspector},
		{"停用 account", county, with(func(c *Candidate) { c.Disabled = true }), Disabled},
		{"no 执法证号", county, with(func(c *Candidate) { c.Cert = false }), NoCert},
		{"expert", county, with(func(c *Candidate) { c.Expert = true }), IsExpert},
		{"off duty", county, with(func(c *Candidate) { c.OnDuty = false }), OffDuty},
		{"回避", county, with(func(c *Candidate) { c.Conflict = true }), Conflicted},
	} {
		err := tc.pool.Check(tc.c)
		var ie *IneligibleError
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (!errors.As(err, &ie) || ie.Why != tc.want):
			t.Errorf("%s: got %v, want %s", tc.name, err, tc.want)
		}
		// The draw's own filter agrees with Check on the inspector's flags.
		if got := countsForR5(tc.c.Cert, tc.c.Expert, tc.c.OnDuty); got != (tc.want != NoCert && tc.want != IsExpert && tc.want != OffDuty) {
			t.Errorf("%s: countsForR5 = %v", tc.name, got)
		}
	}
}

// TaskPool: a 市级 task draws from every county, a county task from its own.
func TestTaskPool(t *testing.T) {
	if p := TaskPool("wjw", schema.CityRegion); !p.CityWide || !p.Holds("wjw", "621021") {
		t.Errorf("city task: %+v", p)
	}
	if p := TaskPool("wjw", "621002"); p.CityWide || p.Holds("wjw", "621021") || !p.Holds("wjw", "621002") || p.Holds("scjg", "621002") {
		t.Errorf("county task: %+v", p)
	}
}

// InPool is the snapshot's membership: who is listed at all, with flags
// that Check (and the draw's countsForR5) judge afterwards.
func TestPoolInPool(t *testing.T) {
	p := TaskPool("wjw", "621002")
	ok := Candidate{ID: "w1", Role: schema.RoleInspector, Dept: "wjw", Region: "621002"}
	for _, tc := range []struct {
		name string
		f    func(*Candidate)
		want Why
	}{
		{"an inspector without 执法证号, off duty, expert: still listed", func(c *Candidate) { c.Expert = true }, ""},
		{"停用", func(c *Candidate) { c.Disabled = true }, Disabled},
		{"office (办公室) account", func(c *Candidate) { c.Role = schema.RoleOffice }, NotInspector},
		{"另一部门", func(c *Candidate) { c.Dept = "scjg" }, OtherDept},
		{"另一县区", func(c *Candidate) { c.Region = "621021" }, OtherRegion},
	} {
		c := ok
		tc.f(&c)
		if got := whyOf(p.InPool(c)); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

// Join is 换人 and a re-draw's pick: seats first, then R5 of the one coming in.
func TestPoolJoin(t *testing.T) {
	p := TaskPool("wjw", "621002")
	team := []Seat{
		{ID: "w1", Dept: "wjw", Active: true},
		{ID: "w2", Dept: "wjw", Active: true},
		{ID: "s1", Dept: "scjg", Active: true},
		{ID: "w0", Dept: "wjw", Active: false}, // swapped out earlier (已换下)
	}
	in := func(id string, f func(*Candidate)) *Candidate {
		c := &Candidate{ID: id, Role: schema.RoleInspector, Dept: "wjw", Region: "621002", Cert: true, OnDuty: true}
		if f != nil {
			f(c)
		}
		return c
	}
	for _, tc := range []struct {
		name   string
		out    string
		in     *Candidate
		want   Why
		wantID string
	}{
		{"换人 with an eligible inspector", "w1", in("w3", nil), "", ""},
		{"one swapped out earlier may come back", "w1", in("w0", nil), "", ""},
		{"already on the team (同部门)", "w1", in("w2", nil), AlreadyOnTeam, "w2"},
		{"already on the team (另一部门的成员)", "w1", in("s1", func(c *Candidate) { c.Dept = "scjg" }), AlreadyOnTeam, "s1"},
		{"the one leaving is not on this department's team", "s1", in("w3", nil), NotOnTeam, "s1"},
		{"the one leaving was already swapped out", "w0", in("w3", nil), NotOnTeam, "w0"},
		{"unknown or 停用 person", "w1", nil, Unknown, ""},
		{"回避 with the entity", "w1", in("w3", func(c *Candidate) { c.Conflict = true }), Conflicted, "w3"},
		{"另一县区 (the swap once forgot the region)", "w1", in("w3", func(c *Candidate) { c.Region = "621021" }), OtherRegion, "w3"},
		{"不在岗", "w1", in("w3", func(c *Candidate) { c.OnDuty = false }), OffDuty, "w3"},
	} {
		err := p.Join(team, tc.out, tc.in)
		if got := whyOf(err); got != tc.want {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
			continue
		}
		var ie *IneligibleError
		if errors.As(err, &ie) && ie.ID != tc.wantID {
			t.Errorf("%s: names %q, want %q", tc.name, ie.ID, tc.wantID)
		}
	}
}

func whyOf(err error) Why {
	var ie *IneligibleError
	if errors.As(err, &ie) {
		return ie.Why
	}
	if err != nil {
		return Why("unexpected: " + err.Error())
	}
	return ""
}

func TestSeeds(t *testing.T) {
	a, err := NewSeed()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewSeed()
	if a == b || a == [32]byte{} {
		t.Fatal("two fresh seeds are equal or zero")
	}
	if _, err := ParseSeed("abcd"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a short seed: %v", err)
	}
	if !SeedRandom.Trusted() || !SeedWitnessed.Trusted() || SeedSupplied.Trusted() || SeedUnknown.Trusted() {
		t.Fatal("Trusted")
	}
}
