package draw

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"
)

// uscc returns a distinct 18-character code for i; the draw takes USCCs as
// given, so the check character need not be valid here.
func uscc(i int) string { return fmt.Sprintf("91621002MA%07dX", i) }

// seedOf returns a seed whose bytes are all b.
func seedOf(b byte) [32]byte {
	var s [32]byte
	for i := range s {
		s[i] = b
	}
	return s
}

// population returns entities with the given number of each class, numbered from 0.
func population(counts map[Risk]int) []Entity {
	var es []Entity
	for _, c := range []Risk{RiskA, RiskB, RiskC, RiskD, Unclassified} {
		for range counts[c] {
			es = append(es, Entity{USCC: uscc(len(es)), Risk: c})
		}
	}
	return es
}

// pool returns n certified, on-duty, non-expert inspectors of dept, named dept-1, dept-2, ….
func pool(dept string, n int) []Inspector {
	var ins []Inspector
	for i := range n {
		ins = append(ins, Inspector{ID: fmt.Sprintf("%s-%d", dept, i+1), Dept: dept, Cert: true, OnDuty: true})
	}
	return ins
}

// mustRun runs the draw and fails the test on an error.
func mustRun(t testing.TB, seed [32]byte, s *Snapshot) *Result {
	t.Helper()
	r, err := Run(seed, s)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return r
}

// drawnByStratum counts the visits of each stratum class.
func drawnByStratum(r *Result) map[string]int {
	m := map[string]int{}
	for _, v := range r.Visits {
		m[v.Stratum]++
	}
	return m
}

// stratum returns the stratum of class c, or a zero Stratum.
func stratum(r *Result, c string) Stratum {
	for _, s := range r.Strata {
		if s.Class == c {
			return s
		}
	}
	return Stratum{}
}

// fullKey is an independent spelling of the entity key for the tests.
func fullKey(seed [32]byte, u string) []byte {
	k := sha256.Sum256(slices.Concat(seed[:], []byte("E"), []byte(u)))
	return k[:]
}

// ceilPercent computes ceil(n × pct / 100) with exact rationals, independently of quota.
func ceilPercent(n int, pct float64) int {
	r := new(big.Rat).SetInt64(int64(n))
	p, _ := new(big.Rat).SetString(formatRatio(pct))
	r.Mul(r, p)
	r.Quo(r, big.NewRat(100, 1))
	q, m := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	if m.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	return int(q.Int64())
}

// eligible reports whether inspector in may be drawn for entity u in dept (R5).
func eligible(s *Snapshot, in Inspector, dept, u string) bool {
	if in.Dept != dept || !in.Cert || !in.OnDuty || in.Expert {
		return false
	}
	return !slices.Contains(s.Conflicts, Conflict{InspectorID: in.ID, USCC: u})
}

// checkTeams asserts R5 on every visit: PerDept distinct eligible inspectors per department.
func checkTeams(t testing.TB, s *Snapshot, visits []Visit) {
	t.Helper()
	byID := map[string]Inspector{}
	for _, in := range s.Inspectors {
		byID[in.ID] = in
	}
	want := effectivePerDept(s.Spec.PerDept)
	for _, v := range visits {
		if len(v.Team) != len(s.Spec.Depts) {
			t.Fatalf("visit %s has %d departments, want %d", v.USCC, len(v.Team), len(s.Spec.Depts))
		}
		for _, dept := range s.Spec.Depts {
			ids := v.Team[dept]
			if len(ids) != want {
				t.Fatalf("visit %s, %s: %d inspectors, want %d", v.USCC, dept, len(ids), want)
			}
			if len(slices.Compact(slices.Sorted(slices.Values(ids)))) != len(ids) {
				t.Fatalf("visit %s, %s: an inspector is drawn twice: %v", v.USCC, dept, ids)
			}
			for _, id := range ids {
				if in, ok := byID[id]; !ok || !eligible(s, in, dept, v.USCC) {
					t.Fatalf("visit %s, %s: inspector %s is not eligible (%+v)", v.USCC, dept, id, in)
				}
			}
		}
	}
}

// cloneResult deep-copies a result, to prove later that a function left it alone.
func cloneResult(r *Result) *Result {
	c := *r
	c.Strata = slices.Clone(r.Strata)
	c.Visits = slices.Clone(r.Visits)
	for i, v := range c.Visits {
		team := make(map[string][]string, len(v.Team))
		for d, ids := range v.Team {
			team[d] = slices.Clone(ids)
		}
		c.Visits[i].Team = team
	}
	return &c
}

// sortedByKey reports whether the visits are in ascending entity-key order.
func sortedByKey(seed [32]byte, vs []Visit) bool {
	return slices.IsSortedFunc(vs, func(a, b Visit) int {
		return bytes.Compare(fullKey(seed, a.USCC), fullKey(seed, b.USCC))
	})
}

// contains is strings.Contains for readable assertions.
func contains(s, sub string) bool { return strings.Contains(s, sub) }
