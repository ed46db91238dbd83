package draw

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

var (
	testFlags = []string{"生产企业", "批发商", "零售商", "餐饮"}
	testDepts = []string{"市市场监管局", "市卫生健康委", "市应急管理局", "市教育局", "市商务局"}
)

// randomSnapshot builds a random directory, pools, conflict lists and spec.
func randomSnapshot(rng *rand.Rand) *Snapshot {
	percents := []float64{0, 0.05, 1, 2.5, 3, 5, 10, 12.5, 20, 33.3333, 50, 99.99, 100}
	pick := func() float64 { return percents[rng.IntN(len(percents))] }
	s := &Snapshot{}
	sp := &s.Spec
	sp.Percent = pick()
	sp.Floor = rng.IntN(3) == 0
	for _, f := range testFlags {
		if rng.IntN(4) == 0 {
			sp.Overrides = append(sp.Overrides, Override{Population: f, Percent: pick()})
		}
	}
	rng.Shuffle(len(sp.Overrides), func(i, j int) { sp.Overrides[i], sp.Overrides[j] = sp.Overrides[j], sp.Overrides[i] })
	if rng.IntN(3) == 0 {
		sp.Classes = map[Risk]float64{}
		for _, c := range riskClasses {
			if rng.IntN(2) == 0 {
				sp.Classes[c] = pick()
			}
		}
	}
	depts := slices.Clone(testDepts)
	rng.Shuffle(len(depts), func(i, j int) { depts[i], depts[j] = depts[j], depts[i] })
	sp.Depts = depts[:1+rng.IntN(4)]
	sp.PerDept = []int{0, 2, 2, 3}[rng.IntN(4)]

	n := rng.IntN(300)
	if rng.IntN(10) == 0 {
		n = rng.IntN(5)
	}
	for i := range n {
		e := Entity{USCC: uscc(rng.IntN(1_000_000)*1000 + i), Risk: riskClasses[rng.IntN(4)]}
		if rng.IntN(20) == 0 {
			e.Risk = Unclassified
		}
		for _, f := range testFlags {
			if rng.IntN(8) == 0 {
				e.Flags = append(e.Flags, f)
			}
		}
		s.Entities = append(s.Entities, e)
	}
	for _, d := range testDepts { // including departments that do not take part
		size := 4 + rng.IntN(12)
		if rng.IntN(15) == 0 { // now and then a pool too small
			size = rng.IntN(4)
		}
		for i := range size {
			s.Inspectors = append(s.Inspectors, Inspector{
				ID: fmt.Sprintf("%s-%02d", d, i), Dept: d,
				Cert: rng.IntN(12) != 0, Expert: rng.IntN(12) == 0, OnDuty: rng.IntN(12) != 0,
			})
		}
	}
	if len(s.Entities) > 0 && len(s.Inspectors) > 0 {
		for range rng.IntN(40) {
			s.Conflicts = append(s.Conflicts, Conflict{
				InspectorID: s.Inspectors[rng.IntN(len(s.Inspectors))].ID, USCC: s.Entities[rng.IntN(len(s.Entities))].USCC})
		}
		for range rng.IntN(80) {
			s.Previous = append(s.Previous, Previous{
				USCC: s.Entities[rng.IntN(len(s.Entities))].USCC, InspectorID: s.Inspectors[rng.IntN(len(s.Inspectors))].ID})
		}
		s.Conflicts = append(s.Conflicts, Conflict{InspectorID: "离职人员", USCC: s.Entities[0].USCC}) // someone outside the pools
	}
	return s
}

// shuffled returns a copy of s with every section and list in another order.
func shuffled(rng *rand.Rand, s *Snapshot) *Snapshot {
	c := *s
	c.Spec.Depts = slices.Clone(s.Spec.Depts)
	c.Entities = slices.Clone(s.Entities)
	c.Inspectors = slices.Clone(s.Inspectors)
	c.Conflicts = slices.Clone(s.Conflicts)
	c.Previous = slices.Clone(s.Previous)
	sh := func(n int, swap func(i, j int)) { rng.Shuffle(n, swap) }
	sh(len(c.Spec.Depts), func(i, j int) { c.Spec.Depts[i], c.Spec.Depts[j] = c.Spec.Depts[j], c.Spec.Depts[i] })
	sh(len(c.Entities), func(i, j int) { c.Entities[i], c.Entities[j] = c.Entities[j], c.Entities[i] })
	sh(len(c.Inspectors), func(i, j int) { c.Inspectors[i], c.Inspectors[j] = c.Inspectors[j], c.Inspectors[i] })
	sh(len(c.Conflicts), func(i, j int) { c.Conflicts[i], c.Conflicts[j] = c.Conflicts[j], c.Conflicts[i] })
	sh(len(c.Previous), func(i, j int) { c.Previous[i], c.Previous[j] = c.Previous[j], c.Previous[i] })
	for i := range c.Entities {
		if f := c.Entities[i].Flags; len(f) > 0 {
			f = slices.Clone(f)
			sh(len(f), func(i, j int) { f[i], f[j] = f[j], f[i] })
			c.Entities[i].Flags = append(f, f[0]) // a repeated flag changes nothing
		}
	}
	if len(c.Conflicts) > 0 {
		c.Conflicts = append(c.Conflicts, c.Conflicts[0]) // nor does a repeated conflict
	}
	return &c
}

// canonical is what DecodeSnapshot(s.Encode()) must give back.
func canonical(s *Snapshot) *Snapshot {
	c := &Snapshot{Spec: s.Spec}
	c.Spec.PerDept = effectivePerDept(s.Spec.PerDept)
	c.Spec.Depts = slices.Sorted(slices.Values(s.Spec.Depts))
	c.Spec.Overrides = slices.Clone(s.Spec.Overrides)
	if len(s.Spec.Classes) == 0 {
		c.Spec.Classes = nil
	}
	for _, e := range s.Entities {
		if len(e.Flags) > 0 {
			e.Flags = sortedUnique(slices.Clone(e.Flags))
		} else {
			e.Flags = nil
		}
		c.Entities = append(c.Entities, e)
	}
	slices.SortFunc(c.Entities, func(a, b Entity) int { return bytes.Compare([]byte(a.USCC), []byte(b.USCC)) })
	c.Inspectors = slices.Clone(s.Inspectors)
	slices.SortFunc(c.Inspectors, func(a, b Inspector) int { return bytes.Compare([]byte(a.ID), []byte(b.ID)) })
	if cs := sortedConflicts(s.Conflicts); len(cs) > 0 {
		c.Conflicts = cs
	}
	if ps := sortedPrevious(s.Previous); len(ps) > 0 {
		c.Previous = ps
	}
	return c
}

// expectedDraw recomputes R4 independently: membership by a plain loop,
// counts with exact rationals, the sample by sorting full keys. It returns
// the entities drawn per stratum and every drawn entity in key order.
func expectedDraw(seed [32]byte, s *Snapshot) (drawn map[string][]string, all []string, floorTarget int) {
	member := func(e Entity) string {
		for _, o := range s.Spec.Overrides {
			if slices.Contains(e.Flags, o.Population) {
				return ClassOverridePrefix + o.Population
			}
		}
		if e.Risk == Unclassified {
			return ClassUnclassified
		}
		return e.Risk.String()
	}
	ratio := func(class string) float64 {
		for _, o := range s.Spec.Overrides {
			if class == ClassOverridePrefix+o.Population {
				return o.Percent
			}
		}
		p := s.Spec.Percent
		if p == 100 || class == ClassUnclassified {
			return p
		}
		if v, ok := s.Spec.Classes[Risk(class[0])]; ok {
			return v
		}
		return min(100, map[string]float64{"A": p / 2, "B": p, "C": 2 * p, "D": 4 * p}[class])
	}
	byKey := func(a, b string) int { return bytes.Compare(fullKey(seed, a), fullKey(seed, b)) }
	members := map[string][]string{}
	var everyone []string
	for _, e := range s.Entities {
		members[member(e)] = append(members[member(e)], e.USCC)
		everyone = append(everyone, e.USCC)
	}
	drawn = map[string][]string{}
	for class, us := range members {
		slices.SortFunc(us, byKey)
		drawn[class] = us[:ceilPercent(len(us), ratio(class))]
		all = append(all, drawn[class]...)
	}
	if s.Spec.Floor {
		floorTarget = ceilPercent(len(s.Entities), s.Spec.Percent)
		slices.SortFunc(everyone, byKey)
		for _, u := range everyone {
			if len(all) >= floorTarget {
				break
			}
			if !slices.Contains(all, u) {
				all = append(all, u)
			}
		}
	}
	slices.SortFunc(all, byKey)
	return drawn, all, floorTarget
}

// referenceTeams is a plain re-implementation of the inspector draw from
// ALGORITHM.md, as an auditor would write it, to check the optimised one.
func referenceTeams(seed [32]byte, s *Snapshot, visits []string) []map[string][]string {
	k := effectivePerDept(s.Spec.PerDept)
	depts := slices.Sorted(slices.Values(s.Spec.Depts))
	ins := slices.Clone(s.Inspectors)
	slices.SortFunc(ins, func(a, b Inspector) int { return bytes.Compare([]byte(a.ID), []byte(b.ID)) })
	load := map[string]int{}
	var teams []map[string][]string
	for _, u := range visits {
		team := map[string][]string{}
		for _, d := range depts {
			var cands []string
			rank := map[string]int{}
			for _, in := range ins {
				if eligible(s, in, d, u) {
					cands = append(cands, in.ID)
					rank[in.ID] = load[in.ID]
					if slices.Contains(s.Previous, Previous{USCC: u, InspectorID: in.ID}) {
						rank[in.ID] += 1 << 40
					}
				}
			}
			var numbers []uint64
			for j := uint32(0); len(numbers) < k; j++ {
				msg := slices.Concat(seed[:], []byte("I"), []byte(u), []byte{0}, []byte(d), []byte{0}, binary.BigEndian.AppendUint32(nil, j))
				sum := sha256.Sum256(msg)
				for o := 0; o < 32; o += 8 {
					numbers = append(numbers, binary.BigEndian.Uint64(sum[o:]))
				}
			}
			for i := range k {
				low := -1
				for _, id := range cands {
					if low < 0 || rank[id] < low {
						low = rank[id]
					}
				}
				var tier []string
				for _, id := range cands {
					if rank[id] == low {
						tier = append(tier, id)
					}
				}
				chosen := tier[numbers[i]%uint64(len(tier))]
				team[d] = append(team[d], chosen)
				cands = slices.DeleteFunc(cands, func(id string) bool { return id == chosen })
			}
			for _, id := range team[d] {
				load[id]++
			}
		}
		teams = append(teams, team)
	}
	return teams
}

// firstShortage finds, independently, the first visit in key order and its
// first department in byte order with too few eligible inspectors.
func firstShortage(s *Snapshot, visits []string) *PoolError {
	need := effectivePerDept(s.Spec.PerDept)
	depts := slices.Sorted(slices.Values(s.Spec.Depts))
	for _, u := range visits {
		for _, d := range depts {
			n := 0
			for _, in := range s.Inspectors {
				if eligible(s, in, d, u) {
					n++
				}
			}
			if n < need {
				return &PoolError{Dept: d, USCC: u, Need: need, Have: n}
			}
		}
	}
	return nil
}

func TestRunProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(2024, 621000))
	failures := 0
	for i := range 300 {
		s := randomSnapshot(rng)
		var seed [32]byte
		for j := range seed {
			seed[j] = byte(rng.UintN(256))
		}
		name := fmt.Sprintf("case %d: %d entities at %v%% floor %v, %d overrides, %d departments", i, len(s.Entities), s.Spec.Percent, s.Spec.Floor, len(s.Spec.Overrides), len(s.Spec.Depts))
		t.Run(name, func(t *testing.T) {
			enc := s.Encode()
			t.Run("encoding ignores input order", func(t *testing.T) {
				other := shuffled(rng, s)
				if !bytes.Equal(other.Encode(), enc) || other.Hash() != s.Hash() {
					t.Fatalf("shuffled snapshot encodes differently:\n%s\n---\n%s", other.Encode(), enc)
				}
			})
			t.Run("decoding the encoding gives the snapshot back", func(t *testing.T) {
				dec, err := DecodeSnapshot(enc)
				if err != nil {
					t.Fatal(err)
				}
				if want := canonical(s); !reflect.DeepEqual(dec, want) {
					t.Fatalf("decoded\n%+v\nwant\n%+v", dec, want)
				}
				if !bytes.Equal(dec.Encode(), enc) {
					t.Fatal("re-encoding the decoded snapshot changes the bytes")
				}
			})

			drawnWant, allWant, floorTarget := expectedDraw(seed, s)
			r, err := Run(seed, s)
			if want := firstShortage(s, allWant); want != nil || err != nil {
				var pe *PoolError
				if !errors.As(err, &pe) || want == nil || *pe != *want {
					t.Fatalf("Run: %v, want the pool error %+v", err, want)
				}
				failures++
				return
			}
			t.Run("the visits are the expected entities in key order", func(t *testing.T) {
				var got []string
				for _, v := range r.Visits {
					got = append(got, v.USCC)
				}
				if !slices.Equal(got, allWant) {
					t.Fatalf("visits %v, want %v", got, allWant)
				}
			})
			t.Run("each stratum draws R4's count of its smallest keys", func(t *testing.T) {
				got := map[string][]string{}
				for _, v := range r.Visits {
					got[v.Stratum] = append(got[v.Stratum], v.USCC)
				}
				floor := got[ClassFloor]
				delete(got, ClassFloor)
				for class, us := range drawnWant {
					if !slices.Equal(got[class], us) && len(us)+len(got[class]) > 0 {
						t.Errorf("stratum %s drew %v, want %v", class, got[class], us)
					}
					if st := stratum(r, class); st.Drawn != len(us) {
						t.Errorf("stratum %s reports %d drawn, want %d", class, st.Drawn, len(us))
					}
				}
				before := len(r.Visits) - len(floor)
				switch {
				case !s.Spec.Floor && len(floor) > 0:
					t.Errorf("no floor, yet %d top-ups", len(floor))
				case s.Spec.Floor && before >= floorTarget && len(floor) > 0:
					t.Errorf("floor %d already met by %d, yet %d top-ups", floorTarget, before, len(floor))
				case s.Spec.Floor && before < floorTarget && len(r.Visits) != floorTarget:
					t.Errorf("floor %d: drew %d", floorTarget, len(r.Visits))
				}
				if !sortedByKey(seed, r.Visits) {
					t.Error("visits are not in key order")
				}
			})
			t.Run("every visit has R5's team from each department", func(t *testing.T) { checkTeams(t, s, r.Visits) })
			t.Run("the teams are those of the reference implementation", func(t *testing.T) {
				want := referenceTeams(seed, s, allWant)
				for i, v := range r.Visits {
					if !reflect.DeepEqual(v.Team, want[i]) {
						t.Fatalf("visit %d (%s): team %v, reference %v", i, v.USCC, v.Team, want[i])
					}
				}
			})
			t.Run("running twice gives the same result", func(t *testing.T) {
				if again := mustRun(t, seed, shuffled(rng, s)); !reflect.DeepEqual(again, r) {
					t.Fatal("a second run on the shuffled snapshot differs")
				}
			})
			t.Run("the draw verifies", func(t *testing.T) {
				if ok, reason, err := Verify(seed, enc, r); !ok || err != nil {
					t.Fatalf("Verify: %v %s %v", ok, reason, err)
				}
			})
		})
	}
	t.Logf("%d of 300 random cases hit a pool shortage", failures)
	if failures > 100 {
		t.Errorf("%d of 300 random cases hit a pool shortage: the generator tests too little", failures)
	}
}
