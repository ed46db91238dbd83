package draw

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
)

func TestRunStrata(t *testing.T) {
	const dept = "市市场监管局"
	flagged := func(es []Entity, flag string, n int) []Entity {
		for i := range n {
			es[i].Flags = []string{"其他", flag}
		}
		return es
	}
	tests := []struct {
		name           string
		spec           Spec
		entities       []Entity
		want           map[string]int // stratum class → drawn
		wantVisits     int
		wantStratified bool
		wantApplicable bool
	}{
		{
			name:     "a 10% plan draws 5, 10, 20 and 40% of classes A, B, C and D",
			spec:     Spec{Percent: 10},
			entities: population(map[Risk]int{RiskA: 100, RiskB: 100, RiskC: 100, RiskD: 100}),
			want:     map[string]int{"A": 5, "B": 10, "C": 20, "D": 40}, wantVisits: 75,
			wantStratified: true, wantApplicable: true,
		},
		{
			name:     "counts round up",
			spec:     Spec{Percent: 10},
			entities: population(map[Risk]int{RiskA: 30, RiskB: 31, RiskC: 7, RiskD: 3}),
			want:     map[string]int{"A": 2, "B": 4, "C": 2, "D": 2}, wantVisits: 10,
			wantStratified: true, wantApplicable: true,
		},
		{
			name:     "10% of 30 is exactly 3, not the float ceil of 3.0000000000000004",
			spec:     Spec{Percent: 10},
			entities: population(map[Risk]int{RiskB: 30}),
			want:     map[string]int{"B": 3}, wantVisits: 3,
			wantStratified: true, wantApplicable: true,
		},
		{
			name:     "a stratum of one at 5% yields one and an empty stratum yields none",
			spec:     Spec{Percent: 10},
			entities: population(map[Risk]int{RiskA: 1}),
			want:     map[string]int{"A": 1, "B": 0, "C": 0, "D": 0}, wantVisits: 1,
			wantStratified: true, wantApplicable: true,
		},
		{
			name:     "a 30% plan caps classes C and D at 100%",
			spec:     Spec{Percent: 30},
			entities: population(map[Risk]int{RiskA: 10, RiskB: 10, RiskC: 10, RiskD: 10}),
			want:     map[string]int{"A": 2, "B": 3, "C": 6, "D": 10}, wantVisits: 21,
			wantStratified: true, wantApplicable: true,
		},
		{
			name:     "a 100% plan takes everyone and is not risk-applicable",
			spec:     Spec{Percent: 100, Classes: map[Risk]float64{RiskA: 10}},
			entities: population(map[Risk]int{RiskA: 7, RiskB: 5, RiskC: 3, RiskD: 1}),
			want:     map[string]int{"A": 7, "B": 5, "C": 3, "D": 1}, wantVisits: 16,
			wantStratified: false, wantApplicable: false,
		},
		{
			name:     "生产企业 100% takes every flagged entity first and the rest by class",
			spec:     Spec{Percent: 10, Overrides: []Override{{Population: "生产企业", Percent: 100}}},
			entities: flagged(population(map[Risk]int{RiskA: 40, RiskB: 60}), "生产企业", 25),
			want:     map[string]int{"override:生产企业": 25, "A": 1, "B": 6}, wantVisits: 32,
			wantStratified: true, wantApplicable: true,
		},
		{
			name: "an entity falls under the first matching override in Spec order",
			spec: Spec{Percent: 10, Overrides: []Override{{Population: "批发商", Percent: 50}, {Population: "生产企业", Percent: 100}}},
			entities: func() []Entity {
				es := population(map[Risk]int{RiskB: 20})
				for i := range 10 {
					es[i].Flags = []string{"生产企业", "批发商"}
				}
				return es
			}(),
			want:       map[string]int{"override:批发商": 5, "override:生产企业": 0, "B": 1},
			wantVisits: 6, wantStratified: true, wantApplicable: true,
		},
		{
			name:     "a 20%以上 floor tops up with the undrawn until 20% of everyone is drawn",
			spec:     Spec{Percent: 20, Floor: true},
			entities: population(map[Risk]int{RiskA: 90, RiskB: 10}),
			want:     map[string]int{"A": 9, "B": 2, "floor": 9}, wantVisits: 20,
			wantStratified: true, wantApplicable: true,
		},
		{
			name:     "a floor already met draws nothing more",
			spec:     Spec{Percent: 10, Floor: true},
			entities: population(map[Risk]int{RiskD: 10}),
			want:     map[string]int{"D": 4, "floor": 0}, wantVisits: 4,
			wantStratified: true, wantApplicable: true,
		},
		{
			name:     "equal class ratios are not risk-stratified",
			spec:     Spec{Percent: 10, Classes: map[Risk]float64{RiskA: 10, RiskC: 10, RiskD: 10}},
			entities: population(map[Risk]int{RiskA: 10, RiskB: 10, RiskC: 10, RiskD: 10}),
			want:     map[string]int{"A": 1, "B": 1, "C": 1, "D": 1}, wantVisits: 4,
			wantStratified: false, wantApplicable: true,
		},
		{
			name:     "unclassified entities are drawn at the plan ratio and make the draw not risk-stratified",
			spec:     Spec{Percent: 10},
			entities: population(map[Risk]int{RiskB: 10, Unclassified: 20}),
			want:     map[string]int{"B": 1, "unclassified": 2}, wantVisits: 3,
			wantStratified: false, wantApplicable: true,
		},
		{
			name:     "an empty population draws nothing",
			spec:     Spec{Percent: 10, Floor: true},
			entities: nil,
			want:     map[string]int{"A": 0, "B": 0, "C": 0, "D": 0, "floor": 0}, wantVisits: 0,
			wantStratified: true, wantApplicable: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.spec.Depts = []string{dept}
			s := &Snapshot{Spec: tt.spec, Entities: tt.entities, Inspectors: pool(dept, 4)}
			r := mustRun(t, seedOf(7), s)
			got := map[string]int{}
			for _, st := range r.Strata {
				got[st.Class] = st.Drawn
			}
			for class, n := range tt.want {
				if got[class] != n {
					t.Errorf("stratum %s drew %d, want %d (strata %+v)", class, got[class], n, r.Strata)
				}
			}
			if byVisit := drawnByStratum(r); !maps.Equal(byVisit, func() map[string]int {
				m := map[string]int{}
				for c, n := range got {
					if n > 0 {
						m[c] = n
					}
				}
				return m
			}()) {
				t.Errorf("visits per stratum %v disagree with strata %+v", byVisit, r.Strata)
			}
			if len(r.Visits) != tt.wantVisits {
				t.Errorf("%d visits, want %d", len(r.Visits), tt.wantVisits)
			}
			if r.RiskStratified != tt.wantStratified || r.RiskApplicable != tt.wantApplicable {
				t.Errorf("stratified %v applicable %v, want %v %v", r.RiskStratified, r.RiskApplicable, tt.wantStratified, tt.wantApplicable)
			}
			if !sortedByKey(seedOf(7), r.Visits) {
				t.Error("visits are not in entity-key order")
			}
			checkTeams(t, s, r.Visits)
		})
	}
}

func TestRunDrawsTheSmallestKeysOfEachStratum(t *testing.T) {
	s := &Snapshot{Spec: Spec{Percent: 10, Depts: []string{"d"}}, Entities: population(map[Risk]int{RiskB: 50}), Inspectors: pool("d", 2)}
	seed := seedOf(3)
	r := mustRun(t, seed, s)
	all := slices.Clone(s.Entities)
	slices.SortFunc(all, func(a, b Entity) int { return slices.Compare(fullKey(seed, a.USCC), fullKey(seed, b.USCC)) })
	var got []string
	for _, v := range r.Visits {
		got = append(got, v.USCC)
	}
	want := []string{all[0].USCC, all[1].USCC, all[2].USCC, all[3].USCC, all[4].USCC}
	if !slices.Equal(got, want) {
		t.Errorf("drew %v, want the five smallest keys %v", got, want)
	}
}

func TestRunInspectors(t *testing.T) {
	const dept = "市卫生健康委"
	one := []Entity{{USCC: uscc(1), Risk: RiskB}}
	tests := []struct {
		name       string
		inspectors []Inspector
		conflicts  []Conflict
		previous   []Previous
		perDept    int
		wantTeam   []string // sorted; nil to skip
		wantPool   *PoolError
	}{
		{
			name: "experts never count toward the two",
			inspectors: append(pool(dept, 2), Inspector{ID: "e1", Dept: dept, Cert: true, OnDuty: true, Expert: true},
				Inspector{ID: "e2", Dept: dept, Cert: true, OnDuty: true, Expert: true}),
			wantTeam: []string{dept + "-1", dept + "-2"},
		},
		{
			name:       "one certified inspector and experts cannot staff a visit",
			inspectors: append(pool(dept, 1), Inspector{ID: "e1", Dept: dept, Cert: true, OnDuty: true, Expert: true}),
			wantPool:   &PoolError{Dept: dept, USCC: uscc(1), Need: 2, Have: 1},
		},
		{
			name: "inspectors without a 执法证号 or away are never drawn",
			inspectors: append(pool(dept, 2), Inspector{ID: "nocert", Dept: dept, OnDuty: true},
				Inspector{ID: "away", Dept: dept, Cert: true}),
			wantTeam: []string{dept + "-1", dept + "-2"},
		},
		{
			name:       "inspectors of another department are never drawn",
			inspectors: append(pool(dept, 2), pool("市教育局", 5)...),
			wantTeam:   []string{dept + "-1", dept + "-2"},
		},
		{
			name:       "an inspector with a conflict is never drawn for the entity",
			inspectors: pool(dept, 3),
			conflicts:  []Conflict{{InspectorID: dept + "-2", USCC: uscc(1)}},
			wantTeam:   []string{dept + "-1", dept + "-3"},
		},
		{
			name:       "conflicts that leave one inspector fail naming the department",
			inspectors: pool(dept, 3),
			conflicts:  []Conflict{{InspectorID: dept + "-2", USCC: uscc(1)}, {InspectorID: dept + "-3", USCC: uscc(1)}},
			wantPool:   &PoolError{Dept: dept, USCC: uscc(1), Need: 2, Have: 1},
		},
		{
			name:       "inspectors of the previous draw give way to the others",
			inspectors: pool(dept, 4),
			previous:   []Previous{{USCC: uscc(1), InspectorID: dept + "-1"}, {USCC: uscc(1), InspectorID: dept + "-3"}},
			wantTeam:   []string{dept + "-2", dept + "-4"},
		},
		{
			name:       "inspectors of the previous draw are drawn when no one else is left",
			inspectors: pool(dept, 3),
			previous:   []Previous{{USCC: uscc(1), InspectorID: dept + "-1"}, {USCC: uscc(1), InspectorID: dept + "-3"}},
			perDept:    3,
			wantTeam:   []string{dept + "-1", dept + "-2", dept + "-3"},
		},
		{
			name:       "a department with no inspectors fails naming it",
			inspectors: pool("市教育局", 5),
			wantPool:   &PoolError{Dept: dept, USCC: uscc(1), Need: 2, Have: 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Snapshot{Spec: Spec{Percent: 100, Depts: []string{dept}, PerDept: tt.perDept},
				Entities: one, Inspectors: tt.inspectors, Conflicts: tt.conflicts, Previous: tt.previous}
			for i := range byte(20) { // the rule holds whatever the seed
				r, err := Run(seedOf(i), s)
				if tt.wantPool != nil {
					var pe *PoolError
					if !errors.As(err, &pe) || *pe != *tt.wantPool {
						t.Fatalf("err = %v, want %+v", err, tt.wantPool)
					}
					if !contains(err.Error(), dept) || !contains(err.Error(), uscc(1)) {
						t.Fatalf("error %q does not name the department and the entity", err)
					}
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				got := slices.Sorted(slices.Values(r.Visits[0].Team[dept]))
				if !slices.Equal(got, tt.wantTeam) {
					t.Fatalf("seed %d: team %v, want %v", i, got, tt.wantTeam)
				}
			}
		})
	}
}

func TestRunSpreadsTheLoad(t *testing.T) {
	for _, tc := range []struct{ inspectors, perDept, entities int }{{7, 2, 1000}, {40, 2, 333}, {5, 3, 101}, {2, 2, 50}} {
		t.Run(fmt.Sprintf("%d inspectors, %d per visit, %d visits: loads differ by at most one", tc.inspectors, tc.perDept, tc.entities), func(t *testing.T) {
			s := &Snapshot{Spec: Spec{Percent: 100, Depts: []string{"甲", "乙"}, PerDept: tc.perDept},
				Entities:   population(map[Risk]int{RiskC: tc.entities}),
				Inspectors: append(pool("甲", tc.inspectors), pool("乙", tc.inspectors+1)...)}
			r := mustRun(t, seedOf(1), s)
			checkTeams(t, s, r.Visits)
			for _, dept := range s.Spec.Depts {
				load := map[string]int{}
				for _, in := range s.Inspectors {
					if in.Dept == dept {
						load[in.ID] = 0
					}
				}
				for _, v := range r.Visits {
					for _, id := range v.Team[dept] {
						load[id]++
					}
				}
				lo, hi := slices.Min(slices.Collect(maps.Values(load))), slices.Max(slices.Collect(maps.Values(load)))
				if hi-lo > 1 {
					t.Errorf("%s: loads range from %d to %d: %v", dept, lo, hi, load)
				}
			}
		})
	}
}

func TestRunRejectsInvalidInput(t *testing.T) {
	valid := func() *Snapshot {
		return &Snapshot{Spec: Spec{Percent: 10, Depts: []string{"d"}}, Entities: population(map[Risk]int{RiskA: 3}), Inspectors: pool("d", 2)}
	}
	tests := []struct {
		name   string
		change func(s *Snapshot)
	}{
		{"an unknown risk class", func(s *Snapshot) { s.Entities[1].Risk = 'E' }},
		{"a duplicate USCC", func(s *Snapshot) { s.Entities[2].USCC = s.Entities[0].USCC }},
		{"an empty USCC", func(s *Snapshot) { s.Entities[2].USCC = "" }},
		{"a tab in a USCC", func(s *Snapshot) { s.Entities[2].USCC = "9162\t1002" }},
		{"invalid UTF-8 in a flag", func(s *Snapshot) { s.Entities[2].Flags = []string{"\xff生产"} }},
		{"a duplicate inspector ID", func(s *Snapshot) { s.Inspectors[1].ID = s.Inspectors[0].ID }},
		{"a plan ratio above 100", func(s *Snapshot) { s.Spec.Percent = 100.5 }},
		{"a negative plan ratio", func(s *Snapshot) { s.Spec.Percent = -1 }},
		{"a plan ratio with five decimals", func(s *Snapshot) { s.Spec.Percent = 0.00001 }},
		{"an override ratio above 100", func(s *Snapshot) { s.Spec.Overrides = []Override{{"生产企业", 150}} }},
		{"a repeated override", func(s *Snapshot) { s.Spec.Overrides = []Override{{"生产企业", 50}, {"生产企业", 100}} }},
		{"a class ratio above 100", func(s *Snapshot) { s.Spec.Classes = map[Risk]float64{RiskD: 101} }},
		{"a class ratio for an unknown class", func(s *Snapshot) { s.Spec.Classes = map[Risk]float64{'E': 10} }},
		{"one inspector per department", func(s *Snapshot) { s.Spec.PerDept = 1 }},
		{"no department", func(s *Snapshot) { s.Spec.Depts = nil }},
		{"a repeated department", func(s *Snapshot) { s.Spec.Depts = []string{"d", "d"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is rejected", func(t *testing.T) {
			s := valid()
			tt.change(s)
			if _, err := Run(seedOf(1), s); !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
		})
	}
	t.Run("the valid snapshot is accepted", func(t *testing.T) { mustRun(t, seedOf(1), valid()) })
}

func TestRatios(t *testing.T) {
	tests := []struct {
		in    float64
		units int64
		text  string
	}{{10, 200_000, "10"}, {2.5, 50_000, "2.5"}, {0.1, 2_000, "0.1"}, {0.0125, 250, "0.0125"}, {100, 2_000_000, "100"}, {0, 0, "0"}, {33.3333, 666_666, "33.3333"}}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v%% is %d units, written %s", tt.in, tt.units, tt.text), func(t *testing.T) {
			u, err := ratioUnits(tt.in)
			if err != nil || u != tt.units || formatUnits(u) != tt.text || percentOf(u) != tt.in {
				t.Fatalf("ratioUnits = %d, %v; formatUnits = %s; percentOf = %v", u, err, formatUnits(u), percentOf(u))
			}
		})
	}
	t.Run("the default A ratio is exactly half the plan's", func(t *testing.T) {
		// 0.0001 % is 2 units: half of it is 1 unit, 0.00005 %.
		if got := classRatios(2, nil); got != [4]int64{1, 2, 4, 8} {
			t.Fatalf("classRatios(0.0001 %%) = %v", got)
		}
		if got := quota(2_000_000, 1); got != 1 {
			t.Fatalf("0.00005 %% of 2,000,000 = %d, want 1", got)
		}
		if got := quota(2_000_001, 1); got != 2 {
			t.Fatalf("0.00005 %% of 2,000,001 = %d, want 2", got)
		}
	})
}
