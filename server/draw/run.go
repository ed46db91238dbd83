package draw

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"runtime"
	"slices"
	"sync"
)

// entityKey is SHA-256(seed || "E" || USCC). Sorting by it and taking the
// first n is a uniform sample without replacement that any language can
// reproduce and that does not depend on the order of the input.
func entityKey(seed *[32]byte, uscc string, buf []byte) ([32]byte, []byte) {
	buf = append(append(append(buf[:0], seed[:]...), 'E'), uscc...)
	return sha256.Sum256(buf), buf
}

// keyed is an entity with the first 8 bytes of its key; the full key is
// recomputed only when two prefixes tie.
type keyed struct {
	prefix uint64
	idx    int32 // index in Snapshot.Entities
	st     int32 // stratum index (prepared.stratumOf)
}

// keyedEntities returns every entity with its key prefix and stratum, in
// ascending key order.
func (p *prepared) keyedEntities(seed *[32]byte) []keyed {
	es := p.s.Entities
	ks := make([]keyed, len(es))
	fill := func(lo, hi int) {
		buf := make([]byte, 0, 64)
		var k [32]byte
		for i := lo; i < hi; i++ {
			k, buf = entityKey(seed, es[i].USCC, buf)
			ks[i] = keyed{binary.BigEndian.Uint64(k[:8]), int32(i), int32(p.stratumOf(&es[i]))}
		}
	}
	// Hashing a million USCCs is the largest single cost; the work is split
	// in fixed chunks, so the result does not depend on the scheduling.
	workers := min(runtime.GOMAXPROCS(0), 8)
	if len(es) < 1<<15 || workers < 2 {
		fill(0, len(es))
	} else {
		var wg sync.WaitGroup
		chunk := (len(es) + workers - 1) / workers
		for lo := 0; lo < len(es); lo += chunk {
			wg.Go(func() { fill(lo, min(lo+chunk, len(es))) })
		}
		wg.Wait()
	}
	return sortKeyed(ks, func(a, b int32) int {
		ka, _ := entityKey(seed, es[a].USCC, nil)
		kb, _ := entityKey(seed, es[b].USCC, nil)
		return bytes.Compare(ka[:], kb[:])
	})
}

// sortKeyed sorts by key: a bucket pass on the top bits (keys are uniform,
// so buckets hold a handful each), then each bucket by prefix, with full
// keys (tie) only when two prefixes are equal. It may reuse ks.
func sortKeyed(ks []keyed, tie func(a, b int32) int) []keyed {
	less := func(a, b keyed) int {
		if c := cmp.Compare(a.prefix, b.prefix); c != 0 {
			return c
		}
		return tie(a.idx, b.idx)
	}
	if len(ks) < 1024 {
		slices.SortFunc(ks, less)
		return ks
	}
	bits := 1
	for 1<<bits < len(ks)/4 && bits < 20 {
		bits++
	}
	shift := 64 - bits
	starts := make([]int32, 1<<bits+1)
	for _, k := range ks {
		starts[(k.prefix>>shift)+1]++
	}
	for i := 1; i < len(starts); i++ {
		starts[i] += starts[i-1]
	}
	out := make([]keyed, len(ks))
	next := slices.Clone(starts[:len(starts)-1])
	for _, k := range ks {
		b := k.prefix >> shift
		out[next[b]] = k
		next[b]++
	}
	for b := 0; b+1 < len(starts); b++ {
		part := out[starts[b]:starts[b+1]]
		if len(part) <= 16 {
			for i := 1; i < len(part); i++ { // insertion sort: buckets are tiny
				for j := i; j > 0 && less(part[j-1], part[j]) > 0; j-- {
					part[j-1], part[j] = part[j], part[j-1]
				}
			}
		} else {
			slices.SortFunc(part, less)
		}
	}
	return out
}

// Run draws the entities and their teams from the snapshot with the seed. It
// is deterministic: the same seed and an equal snapshot (in any input order)
// give the same Result. It fails with an error wrapping ErrInvalid for a
// malformed snapshot, and with a *PoolError when a department cannot staff a
// visit (R5).
func Run(seed [32]byte, s *Snapshot) (*Result, error) {
	p, err := prepare(s)
	if err != nil {
		return nil, err
	}
	// Hashing the snapshot is a third of the work and shares nothing with the
	// draw but read-only input, so it runs beside it. Run waits for it even on
	// failure, so that the caller may change the snapshot once Run returns.
	hashed := make(chan string, 1)
	go func() { hashed <- s.hash(p.order) }()
	res, err := p.draw(&seed)
	hash := <-hashed
	if err != nil {
		return nil, err
	}
	res.SnapshotHash = hash
	return res, nil
}

// draw is Run without the snapshot hash.
func (p *prepared) draw(seed *[32]byte) (*Result, error) {
	s := p.s
	res := &Result{
		Algorithm:      Algorithm,
		Seed:           hex.EncodeToString(seed[:]),
		RiskApplicable: p.planUnits < unitWhole,
	}

	// R4: sample each stratum by key order.
	names, ratios := p.strata()
	pop := make([]int, len(names))
	ks := p.keyedEntities(seed)
	for _, k := range ks {
		pop[k.st]++
	}
	quotas := make([]int, len(names))
	for i := range quotas {
		quotas[i] = quota(pop[i], ratios[i])
	}
	drawn := make([]int, len(names))
	taken := make([]int32, len(ks)) // per key position: stratum index + 1, or 0 when not drawn
	total := 0
	for pos, k := range ks {
		if drawn[k.st] < quotas[k.st] {
			drawn[k.st]++
			taken[pos] = k.st + 1
			total++
		}
	}
	// "以上": top up with the undrawn in key order until the plan's ratio of the whole population is met.
	floorIdx := int32(len(names))
	floorPop, floorDrawn := len(ks)-total, 0
	if s.Spec.Floor {
		target := quota(len(ks), p.planUnits)
		for pos := 0; pos < len(ks) && total < target; pos++ {
			if taken[pos] == 0 {
				taken[pos] = floorIdx + 1
				total++
				floorDrawn++
			}
		}
	}

	for i, name := range names {
		if i == len(names)-1 && pop[i] == 0 { // "unclassified" is reported only when it has entities
			break
		}
		res.Strata = append(res.Strata, Stratum{Class: name, Population: pop[i], Ratio: percentOf(ratios[i]), Drawn: drawn[i]})
	}
	if s.Spec.Floor {
		res.Strata = append(res.Strata, Stratum{Class: ClassFloor, Population: floorPop, Ratio: percentOf(p.planUnits), Drawn: floorDrawn})
	}
	ov := len(p.overrideUnits)
	res.RiskStratified = res.RiskApplicable && pop[ov+4] == 0 && slices.ContainsFunc(p.classUnits[1:], func(v int64) bool { return v != p.classUnits[0] })

	// R5: staff the visits in key order, so that load spreading is part of the reproducible draw.
	p.indexInspectors()
	res.Visits = make([]Visit, 0, total)
	usccs := make([]string, 0, total)
	for pos, k := range ks {
		if taken[pos] == 0 {
			continue
		}
		e := &s.Entities[k.idx]
		class := ClassFloor
		if taken[pos] <= int32(len(names)) {
			class = names[taken[pos]-1]
		}
		res.Visits = append(res.Visits, Visit{USCC: e.USCC, Risk: e.Risk, Stratum: class})
		usccs = append(usccs, e.USCC)
	}
	avoid := p.avoidanceFor(usccs)
	d := newTeamDrawer(seed, p, make([]int32, len(s.Inspectors)))
	// A PerDept beyond the pool fails at the first visit; it must not size the allocation.
	backing := make([]string, 0, total*len(p.depts)*min(p.perDept, len(s.Inspectors)))
	for vi := range res.Visits {
		v := &res.Visits[vi]
		v.Team = make(map[string][]string, len(p.depts))
		conflicts, previous := avoid.of(vi)
		for di, dept := range p.depts {
			picked, err := d.pick(v.USCC, di, p.perDept, conflicts, previous, nil, 'I', v.USCC, dept)
			if err != nil {
				return nil, err
			}
			start := len(backing)
			for _, i := range picked {
				backing = append(backing, s.Inspectors[i].ID)
				d.loads[i]++
			}
			v.Team[dept] = backing[start:len(backing):len(backing)]
		}
	}
	return res, nil
}

// teamDrawer picks inspectors for one department and visit at a time (R5).
type teamDrawer struct {
	seed   *[32]byte
	p      *prepared
	loads  []int32 // visits assigned so far, per inspector index
	cand   []int32
	rank   []uint64
	tier   []int32 // positions in cand of the lowest-ranked candidates left, in ID order
	picked []int32
	stream stream
}

func newTeamDrawer(seed *[32]byte, p *prepared, loads []int32) *teamDrawer {
	return &teamDrawer{seed: seed, p: p, loads: loads}
}

// gone marks a candidate already picked; no real rank reaches it.
const gone = ^uint64(0)

// pick returns k inspectors of department di for the entity, in draw order:
// the eligible (not in conflicts, not in exclude) are ranked by (in previous,
// current load); each pick takes the u-th, u = next stream number mod the
// tier size, of the lowest-ranked tier left, listed in ID order. The stream
// is named by label and fields.
func (d *teamDrawer) pick(uscc string, di, k int, conflicts, previous, exclude []int32, label byte, fields ...string) ([]int32, error) {
	d.cand, d.rank, d.tier = d.cand[:0], d.rank[:0], d.tier[:0]
	low := gone
	for _, i := range d.p.pools[di] {
		if slices.Contains(conflicts, i) || slices.Contains(exclude, i) {
			continue
		}
		r := uint64(d.loads[i])
		if slices.Contains(previous, i) {
			r |= 1 << 32
		}
		// The first tier is gathered on the way, which is all most picks need.
		switch {
		case r < low:
			low = r
			d.tier = append(d.tier[:0], int32(len(d.cand)))
		case r == low:
			d.tier = append(d.tier, int32(len(d.cand)))
		}
		d.cand = append(d.cand, i)
		d.rank = append(d.rank, r)
	}
	if len(d.cand) < k {
		return nil, &PoolError{Dept: d.p.depts[di], USCC: uscc, Need: k, Have: len(d.cand)}
	}
	d.stream.reset(d.seed, label, fields)
	d.picked = d.picked[:0]
	for range k {
		if len(d.tier) == 0 { // the tier is used up: gather the next one
			low = gone
			for j, r := range d.rank {
				switch {
				case r < low:
					low = r
					d.tier = append(d.tier[:0], int32(j))
				case r == low && r != gone:
					d.tier = append(d.tier, int32(j))
				}
			}
		}
		u := int(d.stream.next() % uint64(len(d.tier)))
		j := d.tier[u]
		d.picked = append(d.picked, d.cand[j])
		d.rank[j] = gone
		d.tier = slices.Delete(d.tier, u, u+1)
	}
	return d.picked, nil
}

// stream is the inspector draw's source of numbers: block j is
// SHA-256(seed || label || f1 || 0x00 || … || fn || 0x00 || uint32be(j)),
// read as four big-endian uint64s.
type stream struct {
	prefix []byte
	block  uint32
	buf    [32]byte
	used   int
}

func (st *stream) reset(seed *[32]byte, label byte, fields []string) {
	st.prefix = append(append(st.prefix[:0], seed[:]...), label)
	for _, f := range fields {
		st.prefix = append(append(st.prefix, f...), 0)
	}
	st.block, st.used = 0, 32
}

func (st *stream) next() uint64 {
	if st.used == 32 {
		n := len(st.prefix)
		st.prefix = binary.BigEndian.AppendUint32(st.prefix, st.block)
		st.buf = sha256.Sum256(st.prefix)
		st.prefix = st.prefix[:n]
		st.block++
		st.used = 0
	}
	v := binary.BigEndian.Uint64(st.buf[st.used:])
	st.used += 8
	return v
}
