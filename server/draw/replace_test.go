package draw

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

// nextUndrawn is the expected replacement: the smallest key among entities
// that match and are not in the draw.
func nextUndrawn(seed [32]byte, s *Snapshot, r *Result, match func(Entity) bool) string {
	best := ""
	for _, e := range s.Entities {
		if !match(e) || slices.ContainsFunc(r.Visits, func(v Visit) bool { return v.USCC == e.USCC }) {
			continue
		}
		if best == "" || bytes.Compare(fullKey(seed, e.USCC), fullKey(seed, best)) < 0 {
			best = e.USCC
		}
	}
	return best
}

func firstVisitOf(r *Result, stratum string) Visit {
	for _, v := range r.Visits {
		if v.Stratum == stratum {
			return v
		}
	}
	panic("no visit of stratum " + stratum)
}

func TestReplaceEntity(t *testing.T) {
	seed := seedOf(9)
	s := verifyFixture()
	r := mustRun(t, seed, s)
	flagged := func(e Entity) bool { return slices.Contains(e.Flags, "生产企业") }
	ofClass := func(c Risk) func(Entity) bool {
		return func(e Entity) bool { return !flagged(e) && e.Risk == c }
	}

	t.Run("the replacement is the next undrawn entity of the same stratum by key", func(t *testing.T) {
		for _, class := range []Risk{RiskA, RiskB, RiskC, RiskD} {
			before := cloneResult(r)
			old := firstVisitOf(r, class.String())
			v, err := ReplaceEntity(seed, s, r, old.USCC)
			if err != nil {
				t.Fatal(err)
			}
			if want := nextUndrawn(seed, s, r, ofClass(class)); v.USCC != want || v.Stratum != old.Stratum || v.Risk != class {
				t.Fatalf("class %s: replacement %+v, want %s of the same stratum", class, v, want)
			}
			checkTeams(t, s, []Visit{*v})
			if !equalResults(before, r) {
				t.Fatal("the original draw changed")
			}
		}
	})
	t.Run("an entity drawn then replaced is never drawn again", func(t *testing.T) {
		cur := cloneResult(r)
		var got []string
		for range 3 {
			old := firstVisitOf(cur, "B")
			v, err := ReplaceEntity(seed, s, cur, old.USCC)
			if err != nil {
				t.Fatal(err)
			}
			if slices.Contains(got, v.USCC) || slices.ContainsFunc(cur.Visits, func(w Visit) bool { return w.USCC == v.USCC }) {
				t.Fatalf("%s was drawn before", v.USCC)
			}
			got = append(got, v.USCC)
			// The store keeps the replaced visit in the draw and appends the new one.
			cur.Visits = append(cur.Visits, *v)
			cur.Visits[slices.IndexFunc(cur.Visits, func(w Visit) bool { return w.USCC == old.USCC })].Stratum = "replaced"
		}
	})
	t.Run("an override visit is replaced from the override stratum", func(t *testing.T) {
		s := verifyFixture()
		s.Spec.Overrides[0].Percent = 50
		r := mustRun(t, seed, s)
		v, err := ReplaceEntity(seed, s, r, firstVisitOf(r, "override:生产企业").USCC)
		if err != nil {
			t.Fatal(err)
		}
		if want := nextUndrawn(seed, s, r, flagged); v.USCC != want || v.Stratum != "override:生产企业" {
			t.Fatalf("replacement %+v, want %s", v, want)
		}
	})
	t.Run("a floor top-up is replaced by the next undrawn entity of the whole population", func(t *testing.T) {
		s := &Snapshot{Spec: Spec{Percent: 20, Floor: true, Depts: []string{"d"}},
			Entities: population(map[Risk]int{RiskA: 90, RiskB: 10}), Inspectors: pool("d", 3)}
		r := mustRun(t, seed, s)
		v, err := ReplaceEntity(seed, s, r, firstVisitOf(r, ClassFloor).USCC)
		if err != nil {
			t.Fatal(err)
		}
		if want := nextUndrawn(seed, s, r, func(Entity) bool { return true }); v.USCC != want || v.Stratum != ClassFloor {
			t.Fatalf("replacement %+v, want %s", v, want)
		}
	})
	t.Run("an entity gone from the directory (对象已注销) is replaced", func(t *testing.T) {
		old := firstVisitOf(r, "C")
		gone := *s
		gone.Entities = slices.DeleteFunc(slices.Clone(s.Entities), func(e Entity) bool { return e.USCC == old.USCC })
		v, err := ReplaceEntity(seed, &gone, r, old.USCC)
		if err != nil {
			t.Fatal(err)
		}
		if want := nextUndrawn(seed, s, r, ofClass(RiskC)); v.USCC != want {
			t.Fatalf("replacement %s, want %s", v.USCC, want)
		}
	})
	t.Run("a stratum drawn in full has no replacement", func(t *testing.T) {
		s := &Snapshot{Spec: Spec{Percent: 100, Depts: []string{"d"}}, Entities: population(map[Risk]int{RiskB: 3}), Inspectors: pool("d", 2)}
		r := mustRun(t, seed, s)
		if _, err := ReplaceEntity(seed, s, r, r.Visits[0].USCC); !errors.Is(err, ErrNoReplacement) {
			t.Fatalf("err = %v, want ErrNoReplacement", err)
		}
	})
	t.Run("a seed other than the draw's is rejected", func(t *testing.T) {
		if _, err := ReplaceEntity(seedOf(1), s, r, r.Visits[0].USCC); !errors.Is(err, ErrInvalid) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("an entity outside the draw is rejected", func(t *testing.T) {
		if _, err := ReplaceEntity(seed, s, r, "no such entity"); !errors.Is(err, ErrInvalid) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestReplaceInspector(t *testing.T) {
	seed := seedOf(5)
	s := verifyFixture()
	r := mustRun(t, seed, s)
	loads := func(r *Result) map[string]int {
		m := map[string]int{}
		for _, v := range r.Visits {
			for _, ids := range v.Team {
				for _, id := range ids {
					m[id]++
				}
			}
		}
		return m
	}(r)

	t.Run("the replacement is eligible, least loaded and not on the team", func(t *testing.T) {
		before := cloneResult(r)
		for _, v := range r.Visits {
			for _, dept := range s.Spec.Depts {
				team := v.Team[dept]
				got, err := ReplaceInspector(seed, s, r, v.USCC, dept, team[1])
				if err != nil {
					t.Fatal(err)
				}
				if slices.Contains(team, got) {
					t.Fatalf("%s, %s: replacement %s is already on the team %v", v.USCC, dept, got, team)
				}
				least := -1
				for _, in := range s.Inspectors {
					prev := slices.Contains(s.Previous, Previous{USCC: v.USCC, InspectorID: in.ID})
					if eligible(s, in, dept, v.USCC) && !slices.Contains(team, in.ID) && !prev && (least < 0 || loads[in.ID] < least) {
						least = loads[in.ID]
					}
				}
				if loads[got] != least {
					t.Fatalf("%s, %s: replacement %s has load %d, the least is %d", v.USCC, dept, got, loads[got], least)
				}
				newTeam := slices.Clone(team)
				newTeam[1] = got
				changed := v
				changed.Team = map[string][]string{}
				for d, ids := range v.Team {
					changed.Team[d] = ids
				}
				changed.Team[dept] = newTeam
				checkTeams(t, s, []Visit{changed})
				again, _ := ReplaceInspector(seed, s, r, v.USCC, dept, team[1])
				if again != got {
					t.Fatalf("a second identical re-draw gives %s, then %s", got, again)
				}
			}
		}
		if !equalResults(before, r) {
			t.Fatal("the original draw changed")
		}
	})
	t.Run("a conflict recorded for the re-draw (回避) is respected", func(t *testing.T) {
		v := r.Visits[0]
		dept := "市卫生健康委"
		withConflicts := *s
		withConflicts.Conflicts = slices.Clone(s.Conflicts)
		keep := ""
		for _, in := range s.Inspectors {
			switch {
			case in.Dept != dept || slices.Contains(v.Team[dept], in.ID):
			case keep == "":
				keep = in.ID
			default:
				withConflicts.Conflicts = append(withConflicts.Conflicts, Conflict{InspectorID: in.ID, USCC: v.USCC})
			}
		}
		got, err := ReplaceInspector(seed, &withConflicts, r, v.USCC, dept, v.Team[dept][0])
		if err != nil {
			t.Fatal(err)
		}
		if got != keep {
			t.Fatalf("got %s, the only inspector without a conflict is %s", got, keep)
		}
	})
	t.Run("a pool with no one left fails naming the department", func(t *testing.T) {
		s := &Snapshot{Spec: Spec{Percent: 100, Depts: []string{"市应急管理局"}}, Entities: population(map[Risk]int{RiskB: 1}), Inspectors: pool("市应急管理局", 2)}
		r := mustRun(t, seed, s)
		_, err := ReplaceInspector(seed, s, r, uscc(0), "市应急管理局", "市应急管理局-1")
		var pe *PoolError
		if !errors.As(err, &pe) || pe.Dept != "市应急管理局" || pe.Need != 1 || pe.Have != 0 {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("an inspector not on the team is rejected", func(t *testing.T) {
		v := r.Visits[0]
		if _, err := ReplaceInspector(seed, s, r, v.USCC, "市卫生健康委", "市市场监管局-1"); !errors.Is(err, ErrInvalid) {
			t.Fatalf("err = %v", err)
		}
	})
}
