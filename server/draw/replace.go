package draw

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"slices"
)

// Re-draws (R6) replace one entity or one inspector of a stored draw and
// leave the rest, and the stored Result, untouched. The caller records the
// reason in the snapshot it passes (a Conflict for 回避, OnDuty false for
// 不在岗, the entity removed for 对象已注销), passes the draw as it stands
// with every earlier re-draw applied, and stores what comes back as a new
// record beside the original draw.

// ReplaceEntity draws the replacement for the visit of uscc: the entity of the
// same stratum with the smallest key that does not appear in r.Visits (for a
// "floor" visit, of the whole population), with its team drawn by the rule of
// Run and loads counted over r's other visits. A visit that was replaced must
// stay in r.Visits (it was drawn), so that it is never drawn again. It
// returns ErrNoReplacement when the stratum is exhausted.
func ReplaceEntity(seed [32]byte, s *Snapshot, r *Result, uscc string) (*Visit, error) {
	p, old, err := prepareRedraw(seed, s, r, uscc)
	if err != nil {
		return nil, err
	}
	names, _ := p.strata()
	inDraw := make(map[string]bool, len(r.Visits))
	for _, v := range r.Visits {
		inDraw[v.USCC] = true
	}
	// The first undrawn entity by key, as Run would have taken next.
	var best *Entity
	var bestKey [32]byte
	buf := make([]byte, 0, 64)
	for i := range s.Entities {
		e := &s.Entities[i]
		if inDraw[e.USCC] || (old.Stratum != ClassFloor && names[p.stratumOf(e)] != old.Stratum) {
			continue
		}
		var k [32]byte
		k, buf = entityKey(&seed, e.USCC, buf)
		if best == nil || bytes.Compare(k[:], bestKey[:]) < 0 {
			best, bestKey = e, k
		}
	}
	if best == nil {
		return nil, fmt.Errorf("%w: stratum %s, replacing %s", ErrNoReplacement, old.Stratum, uscc)
	}

	p.indexInspectors()
	conflicts, previous := p.avoidanceFor([]string{best.USCC}).of(0)
	d := newTeamDrawer(&seed, p, p.loadsOf(r, old))
	v := &Visit{USCC: best.USCC, Risk: best.Risk, Stratum: old.Stratum, Team: make(map[string][]string, len(p.depts))}
	for di, dept := range p.depts {
		picked, err := d.pick(best.USCC, di, p.perDept, conflicts, previous, nil, 'I', best.USCC, dept)
		if err != nil {
			return nil, err
		}
		ids := make([]string, len(picked))
		for j, i := range picked {
			ids[j] = s.Inspectors[i].ID
			d.loads[i]++
		}
		v.Team[dept] = ids
	}
	return v, nil
}

// ReplaceInspector draws the inspector who replaces inspectorID on the team
// of department dept for the visit of uscc: the next eligible inspector by
// Run's ranking (previous draw, then load over r's visits) who is not on that
// team, from a stream of its own named by the replaced inspector.
func ReplaceInspector(seed [32]byte, s *Snapshot, r *Result, uscc, dept, inspectorID string) (string, error) {
	p, v, err := prepareRedraw(seed, s, r, uscc)
	if err != nil {
		return "", err
	}
	team, ok := v.Team[dept]
	if !ok {
		return "", fmt.Errorf("%w: department %s is not on the team of %s", ErrInvalid, dept, uscc)
	}
	if !slices.Contains(team, inspectorID) {
		return "", fmt.Errorf("%w: inspector %s is not on the %s team of %s", ErrInvalid, inspectorID, dept, uscc)
	}
	di, ok := slices.BinarySearch(p.depts, dept)
	if !ok {
		return "", fmt.Errorf("%w: department %s does not take part in the snapshot", ErrInvalid, dept)
	}
	p.indexInspectors()
	var exclude []int32
	for _, id := range team {
		if i, ok := p.inspIdx[id]; ok {
			exclude = append(exclude, i)
		}
	}
	conflicts, previous := p.avoidanceFor([]string{uscc}).of(0)
	d := newTeamDrawer(&seed, p, p.loadsOf(r, nil))
	picked, err := d.pick(uscc, di, 1, conflicts, previous, exclude, 'R', uscc, dept, inspectorID)
	if err != nil {
		return "", err
	}
	return s.Inspectors[picked[0]].ID, nil
}

// prepareRedraw validates the inputs shared by both re-draws and finds the visit.
func prepareRedraw(seed [32]byte, s *Snapshot, r *Result, uscc string) (*prepared, *Visit, error) {
	if r == nil {
		return nil, nil, fmt.Errorf("%w: nil result", ErrInvalid)
	}
	if r.Algorithm != Algorithm {
		return nil, nil, fmt.Errorf("%w: the draw used algorithm %q, this package implements %q", ErrInvalid, r.Algorithm, Algorithm)
	}
	// A re-draw reuses the draw's seed, so that it too can be replayed from the stored record.
	if hex.EncodeToString(seed[:]) != r.Seed {
		return nil, nil, fmt.Errorf("%w: seed is not the draw's seed", ErrInvalid)
	}
	p, err := prepare(s)
	if err != nil {
		return nil, nil, err
	}
	for i := range r.Visits {
		if r.Visits[i].USCC == uscc {
			return p, &r.Visits[i], nil
		}
	}
	return nil, nil, fmt.Errorf("%w: entity %s is not in the draw", ErrInvalid, uscc)
}

// loadsOf counts, per inspector of the snapshot, the visits of r whose team
// holds them, leaving out skip (the visit being replaced).
func (p *prepared) loadsOf(r *Result, skip *Visit) []int32 {
	loads := make([]int32, len(p.s.Inspectors))
	for i := range r.Visits {
		if &r.Visits[i] == skip {
			continue
		}
		for _, ids := range r.Visits[i].Team {
			for _, id := range ids {
				if j, ok := p.inspIdx[id]; ok {
					loads[j]++
				}
			}
		}
	}
	return loads
}
