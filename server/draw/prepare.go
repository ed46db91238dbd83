package draw

import (
	"fmt"
	"math"
	"slices"
)

// prepared is a validated snapshot with its ratios in exact units (ratio.go) and its lookup
// tables, shared by Run, the re-draws and DecodeSnapshot.
type prepared struct {
	s             *Snapshot
	order         []int32 // entities in USCC order; nil when already in that order
	planUnits     int64
	overrideUnits []int64
	overrideOf    map[string]int // override population → its index in Spec.Overrides
	classUnits    [4]int64       // A–D
	perDept       int
	depts         []string // byte order

	// Filled by indexInspectors, which only the draws need.
	inspIdx map[string]int32 // inspector ID → index in s.Inspectors
	pools   [][]int32        // per depts[i]: certified, on-duty, non-expert inspectors in ID order
}

// prepare validates the snapshot (unknown risk class, duplicate USCC or
// inspector ID, ratios outside 0–100, text that would break the format).
func prepare(s *Snapshot) (*prepared, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: nil snapshot", ErrInvalid)
	}
	p := &prepared{s: s}
	sp := &s.Spec
	var err error
	if p.planUnits, err = ratioUnits(sp.Percent); err != nil {
		return nil, fmt.Errorf("plan ratio: %w", err)
	}
	p.overrideOf = make(map[string]int, len(sp.Overrides))
	for i, o := range sp.Overrides {
		if err := checkText("override population", o.Population); err != nil {
			return nil, err
		}
		if _, dup := p.overrideOf[o.Population]; dup {
			return nil, fmt.Errorf("%w: override %q repeated", ErrInvalid, o.Population)
		}
		p.overrideOf[o.Population] = i
		v, err := ratioUnits(o.Percent)
		if err != nil {
			return nil, fmt.Errorf("override %s: %w", o.Population, err)
		}
		p.overrideUnits = append(p.overrideUnits, v)
	}
	classes := make(map[Risk]int64, len(sp.Classes))
	for c, v := range sp.Classes {
		if c < RiskA || c > RiskD {
			return nil, fmt.Errorf("%w: class ratio for unknown risk class %s", ErrInvalid, c)
		}
		if classes[c], err = ratioUnits(v); err != nil {
			return nil, fmt.Errorf("class %s: %w", c, err)
		}
	}
	p.classUnits = classRatios(p.planUnits, classes)
	p.perDept = effectivePerDept(sp.PerDept)
	if p.perDept < 2 {
		return nil, fmt.Errorf("%w: %d inspectors per department, R5 needs at least 2", ErrInvalid, sp.PerDept)
	}
	if len(sp.Depts) == 0 {
		return nil, fmt.Errorf("%w: no participating department", ErrInvalid)
	}
	p.depts = slices.Clone(sp.Depts)
	slices.Sort(p.depts)
	for i, d := range p.depts {
		if err := checkText("department", d); err != nil {
			return nil, err
		}
		if i > 0 && p.depts[i-1] == d {
			return nil, fmt.Errorf("%w: department %q repeated", ErrInvalid, d)
		}
	}

	if len(s.Entities) > math.MaxInt32 || len(s.Inspectors) > math.MaxInt32 {
		return nil, fmt.Errorf("%w: more than %d entities or inspectors", ErrInvalid, math.MaxInt32) // indices are int32 to halve the draw's memory
	}
	for i := range s.Entities {
		e := &s.Entities[i]
		if err := checkText("USCC", e.USCC); err != nil {
			return nil, err
		}
		if !e.Risk.Valid() {
			return nil, fmt.Errorf("%w: entity %s has unknown risk class %s", ErrInvalid, e.USCC, e.Risk)
		}
		for _, f := range e.Flags {
			if err := checkText("flag of "+e.USCC, f); err != nil {
				return nil, err
			}
		}
	}
	var dup string
	if p.order, dup = entityOrder(s.Entities); dup != "" {
		return nil, fmt.Errorf("%w: duplicate USCC %s", ErrInvalid, dup)
	}

	ids := make(map[string]struct{}, len(s.Inspectors))
	for i := range s.Inspectors {
		in := &s.Inspectors[i]
		if err := checkText("inspector ID", in.ID); err != nil {
			return nil, err
		}
		if err := checkText("department of inspector "+in.ID, in.Dept); err != nil {
			return nil, err
		}
		if _, dup := ids[in.ID]; dup {
			return nil, fmt.Errorf("%w: duplicate inspector ID %s", ErrInvalid, in.ID)
		}
		ids[in.ID] = struct{}{}
	}
	for _, c := range s.Conflicts {
		if err := checkText("inspector ID of a conflict", c.InspectorID); err != nil {
			return nil, err
		}
		if err := checkText("USCC of a conflict", c.USCC); err != nil {
			return nil, err
		}
	}
	for _, pr := range s.Previous {
		if err := checkText("inspector ID of a previous draw", pr.InspectorID); err != nil {
			return nil, err
		}
		if err := checkText("USCC of a previous draw", pr.USCC); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// indexInspectors builds the lookups of the inspector draw.
func (p *prepared) indexInspectors() {
	s := p.s
	p.inspIdx = make(map[string]int32, len(s.Inspectors))
	for i := range s.Inspectors {
		p.inspIdx[s.Inspectors[i].ID] = int32(i)
	}
	p.pools = make([][]int32, len(p.depts))
	for _, i := range inspectorOrder(s.Inspectors) {
		in := &s.Inspectors[i]
		if !countsForR5(in.Cert, in.Expert, in.OnDuty) {
			continue
		}
		if d, ok := slices.BinarySearch(p.depts, in.Dept); ok {
			p.pools[d] = append(p.pools[d], i)
		}
	}
}

// avoidance lists, per visit, the inspectors with a conflict (回避) and those
// of the previous draw, as index ranges into two flat arrays: a million-entity
// directory can carry a long history, and one small slice per entity would
// cost more than the draw. Entries naming someone outside the snapshot are
// ignored: they cannot change who is drawn.
type avoidance struct {
	conflictStart, previousStart []int32 // per visit, len(visits)+1
	conflicts, previous          []int32 // inspector indices
}

func (a *avoidance) of(v int) (conflicts, previous []int32) {
	return a.conflicts[a.conflictStart[v]:a.conflictStart[v+1]], a.previous[a.previousStart[v]:a.previousStart[v+1]]
}

// avoidanceFor builds the lists for the visits of the given USCCs.
func (p *prepared) avoidanceFor(visits []string) *avoidance {
	visitOf := make(map[string]int32, len(visits))
	for i, u := range visits {
		visitOf[u] = int32(i)
	}
	a := &avoidance{}
	type entry struct{ visit, insp int32 }
	group := func(entries []entry) (start, flat []int32) {
		start = make([]int32, len(visits)+1)
		for _, e := range entries {
			start[e.visit+1]++
		}
		for i := 1; i < len(start); i++ {
			start[i] += start[i-1]
		}
		flat = make([]int32, len(entries))
		next := slices.Clone(start)
		for _, e := range entries {
			flat[next[e.visit]] = e.insp
			next[e.visit]++
		}
		return start, flat
	}
	var entries []entry
	for _, c := range p.s.Conflicts {
		v, ok1 := visitOf[c.USCC]
		i, ok2 := p.inspIdx[c.InspectorID]
		if ok1 && ok2 {
			entries = append(entries, entry{v, i})
		}
	}
	a.conflictStart, a.conflicts = group(entries)
	entries = entries[:0]
	for _, pr := range p.s.Previous {
		v, ok1 := visitOf[pr.USCC]
		i, ok2 := p.inspIdx[pr.InspectorID]
		if ok1 && ok2 {
			entries = append(entries, entry{v, i})
		}
	}
	a.previousStart, a.previous = group(entries)
	return a
}

// stratumOf returns the entity's stratum index: the first override whose
// population it carries (in Spec order), else len(Overrides) + 0..3 for
// A–D, else len(Overrides) + 4 for an unclassified entity.
func (p *prepared) stratumOf(e *Entity) int {
	best := -1
	for _, f := range e.Flags {
		if i, ok := p.overrideOf[f]; ok && (best < 0 || i < best) {
			best = i
		}
	}
	if best >= 0 {
		return best
	}
	n := len(p.overrideUnits)
	if e.Risk == Unclassified {
		return n + 4
	}
	return n + int(e.Risk-RiskA)
}

// strata returns the class name and ratio of every stratum index.
func (p *prepared) strata() (names []string, units []int64) {
	for i, o := range p.s.Spec.Overrides {
		names = append(names, ClassOverridePrefix+o.Population)
		units = append(units, p.overrideUnits[i])
	}
	for i, c := range riskClasses {
		names = append(names, c.String())
		units = append(units, p.classUnits[i])
	}
	// Unclassified entities are drawn at the plan's ratio: without a class
	// there is nothing to raise or lower it by.
	names = append(names, ClassUnclassified)
	units = append(units, p.planUnits)
	return names, units
}
