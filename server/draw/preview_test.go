package draw

import (
	"slices"
	"testing"
)

// The forecast shown before a draw must be what the draw then takes, for
// every seed: per stratum and in total, with and without a "以上" top-up and
// an override population.
func TestPreviewForecastsEveryDrawsCounts(t *testing.T) {
	es := population(map[Risk]int{RiskA: 37, RiskB: 120, RiskC: 41, RiskD: 9, Unclassified: 5})
	es[3].Flags = []string{"学校周边"}
	es[50].Flags = []string{"学校周边"}
	for _, sp := range []Spec{
		{Percent: 10, Depts: []string{"scjg", "wjw"}},
		{Percent: 5, Floor: true, Depts: []string{"scjg"}},
		{Percent: 10, Overrides: []Override{{Population: "学校周边", Percent: 100}}, Classes: map[Risk]float64{RiskA: 1}, Depts: []string{"scjg"}},
		{Percent: 100, Depts: []string{"scjg"}},
	} {
		s := &Snapshot{Spec: sp, Entities: es, Inspectors: slices.Concat(pool("scjg", 6), pool("wjw", 3))}
		f, err := Preview(s)
		if err != nil {
			t.Fatal(err)
		}
		if f.Population != len(es) {
			t.Errorf("%+v: population %d, want %d", sp, f.Population, len(es))
		}
		// Unclassified is listed even when a draw would omit it; here it has 5.
		if got := f.Strata[len(sp.Overrides)+4]; got.Class != ClassUnclassified || got.Population != 5 {
			t.Errorf("%+v: unclassified stratum %+v", sp, got)
		}
		for _, b := range []byte{1, 2, 3} {
			r := mustRun(t, seedOf(b), s)
			if len(r.Visits) != f.Drawn {
				t.Errorf("%+v seed %d: drew %d, forecast %d", sp, b, len(r.Visits), f.Drawn)
			}
			for _, st := range r.Strata {
				i := slices.IndexFunc(f.Strata, func(x Stratum) bool { return x.Class == st.Class })
				if i < 0 || f.Strata[i] != st {
					t.Errorf("%+v seed %d: stratum %+v, forecast %+v", sp, b, st, f.Strata)
				}
			}
		}
		want := map[string]int{"scjg": 6, "wjw": 3}
		for _, pc := range f.Pools {
			if pc.Eligible != want[pc.Dept] || pc.PerDept != 2 {
				t.Errorf("%+v: pool %+v", sp, pc)
			}
		}
	}
	if _, err := Preview(&Snapshot{Spec: Spec{Percent: 120, Depts: []string{"scjg"}}}); err == nil {
		t.Error("a ratio over 100% previewed")
	}
}
