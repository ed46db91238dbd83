package draw

import (
	"errors"
	"testing"
)

// R5 is one rule: the draw's pools and a lead's swap both ask Pool.
func TestPoolCheck(t *testing.T) {
	county := Pool{Dept: "wjw", Region: "621002"}
	city := Pool{Dept: "wjw", Region: "621000", CityWide: true}
	ok := Candidate{ID: "w1", Inspector: true, Dept: "wjw", Region: "621002", Cert: true, OnDuty: true}
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
		{"not an inspector", county, with(func(c *Candidate) { c.Inspector = false }), NotInspector},
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
