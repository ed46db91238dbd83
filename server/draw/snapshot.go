package draw

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// snapshotHeader is the first line of an encoded snapshot; it names the
// format so that a future format can never be decoded as this one.
const snapshotHeader = Algorithm + " snapshot"

// Encode returns the snapshot's canonical bytes, the line format documented
// in ALGORITHM.md: one record per line, fields separated by tabs, every
// section sorted and de-duplicated, so that equal inputs give equal bytes
// whatever the order they were built in. A snapshot that Run would reject
// still encodes, but may not decode.
func (s *Snapshot) Encode() []byte {
	var buf bytes.Buffer
	buf.Grow(64 + 32*len(s.Entities) + 48*len(s.Inspectors) + 40*(len(s.Conflicts)+len(s.Previous)))
	order, _ := entityOrder(s.Entities)
	s.encodeTo(&buf, order)
	return buf.Bytes()
}

// Hash returns the hex SHA-256 of Encode(), the snapshot's content address.
func (s *Snapshot) Hash() string {
	order, _ := entityOrder(s.Entities)
	return s.hash(order)
}

func (s *Snapshot) hash(order []int32) string {
	h := sha256.New()
	s.encodeTo(h, order)
	return hex.EncodeToString(h.Sum(nil))
}

// encoder batches small appends into large writes; the writers used here
// (bytes.Buffer, hash.Hash) never fail, so errors are not carried.
type encoder struct {
	w   io.Writer
	buf []byte
}

func (e *encoder) line(fields ...string) {
	for i, f := range fields {
		if i > 0 {
			e.buf = append(e.buf, '\t')
		}
		e.buf = append(e.buf, f...)
	}
	e.buf = append(e.buf, '\n')
	e.maybeFlush()
}

func (e *encoder) maybeFlush() {
	if len(e.buf) >= 1<<16 {
		e.flush()
	}
}

func (e *encoder) flush() {
	_, _ = e.w.Write(e.buf)
	e.buf = e.buf[:0]
}

func bit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// effectivePerDept applies R5's default of two.
func effectivePerDept(n int) int {
	if n == 0 {
		return 2
	}
	return n
}

// encodeTo writes the canonical form; order is the entities' USCC order from
// entityOrder (nil when they already are in that order).
func (s *Snapshot) encodeTo(w io.Writer, order []int32) {
	e := &encoder{w: w, buf: make([]byte, 0, 1<<16+4096)}
	sp := &s.Spec
	e.line(snapshotHeader)
	e.line("percent", formatRatio(sp.Percent))
	e.line("floor", bit(sp.Floor))
	e.line("perdept", strconv.Itoa(effectivePerDept(sp.PerDept)))
	// Overrides keep Spec order: an entity falls under the first one it matches.
	for _, o := range sp.Overrides {
		e.line("override", o.Population, formatRatio(o.Percent))
	}
	classes := make([]Risk, 0, len(sp.Classes))
	for c := range sp.Classes {
		classes = append(classes, c)
	}
	slices.Sort(classes)
	for _, c := range classes {
		e.line("class", c.String(), formatRatio(sp.Classes[c]))
	}
	for _, d := range sortedUnique(slices.Clone(sp.Depts)) {
		e.line("dept", d)
	}
	var flags []string
	for i := range s.Entities {
		en := &s.Entities[i]
		if order != nil {
			en = &s.Entities[order[i]]
		}
		e.buf = append(e.buf, "entity\t"...)
		e.buf = append(e.buf, en.USCC...)
		e.buf = append(e.buf, '\t')
		if en.Risk.Valid() && en.Risk != Unclassified {
			e.buf = append(e.buf, byte(en.Risk))
		} else {
			e.buf = append(e.buf, en.Risk.String()...)
		}
		if len(en.Flags) > 0 {
			flags = sortedUnique(append(flags[:0], en.Flags...))
			for _, f := range flags {
				e.buf = append(e.buf, '\t')
				e.buf = append(e.buf, f...)
			}
		}
		e.buf = append(e.buf, '\n')
		e.maybeFlush()
	}
	for _, i := range inspectorOrder(s.Inspectors) {
		in := &s.Inspectors[i]
		e.line("inspector", in.ID, in.Dept, bit(in.Cert), bit(in.Expert), bit(in.OnDuty))
	}
	for _, c := range sortedConflicts(s.Conflicts) {
		e.line("conflict", c.InspectorID, c.USCC)
	}
	for _, p := range sortedPrevious(s.Previous) {
		e.line("previous", p.USCC, p.InspectorID)
	}
	e.flush()
}

func sortedUnique(ss []string) []string {
	slices.Sort(ss)
	return slices.Compact(ss)
}

func sortedConflicts(cs []Conflict) []Conflict {
	return sortedSet(cs, func(a, b Conflict) int {
		return cmp.Or(strings.Compare(a.InspectorID, b.InspectorID), strings.Compare(a.USCC, b.USCC))
	})
}

func sortedPrevious(ps []Previous) []Previous {
	return sortedSet(ps, func(a, b Previous) int {
		return cmp.Or(strings.Compare(a.USCC, b.USCC), strings.Compare(a.InspectorID, b.InspectorID))
	})
}

// sortedSet returns the items sorted and without repeats; input that is
// already so is returned as it is, without a copy.
func sortedSet[T comparable](items []T, compare func(a, b T) int) []T {
	strict := true
	for i := 1; i < len(items) && strict; i++ {
		strict = compare(items[i-1], items[i]) < 0
	}
	if strict {
		return items
	}
	out := slices.Clone(items)
	slices.SortFunc(out, compare)
	return slices.Compact(out)
}

func inspectorOrder(ins []Inspector) []int32 {
	order := make([]int32, len(ins))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(a, b int32) int { return strings.Compare(ins[a].ID, ins[b].ID) })
	return order
}

// entityOrder returns the entities' indices in USCC byte order, or nil when
// they already are in that order (a store reading ORDER BY uscc pays
// nothing), and a USCC that occurs more than once, if any.
func entityOrder(es []Entity) (order []int32, dup string) {
	sorted := true
	for i := 1; i < len(es) && sorted; i++ {
		switch a, b := es[i-1].USCC, es[i].USCC; {
		case a > b:
			sorted = false
		case a == b && dup == "":
			dup = a
		}
	}
	if sorted {
		return nil, dup
	}
	dup = ""
	items := make([]usccItem, len(es))
	for i := range es {
		items[i] = packUSCC(es[i].USCC, int32(i))
	}
	radixSortUSCC(items)
	// Codes longer than 18 bytes that agree on the first 18 are ordered by
	// the whole string; a USCC is 18 characters, so this is a formality.
	// Equal strings are adjacent after it.
	for lo := 0; lo < len(items); {
		hi := lo + 1
		for hi < len(items) && items[hi].sameKey(items[lo]) {
			hi++
		}
		if hi-lo > 1 {
			run := items[lo:hi]
			if items[lo].tail&1 == 1 {
				slices.SortStableFunc(run, func(a, b usccItem) int { return strings.Compare(es[a.idx].USCC, es[b.idx].USCC) })
			}
			for i := 1; i < len(run) && dup == ""; i++ {
				if u := es[run[i].idx].USCC; u == es[run[i-1].idx].USCC {
					dup = u
				}
			}
		}
		lo = hi
	}
	order = make([]int32, len(es))
	for i, it := range items {
		order[i] = it.idx
	}
	return order, dup
}

// usccItem packs the first 18 bytes of a USCC into integers that compare
// like the string: sorting a million strings directly is several times
// slower. Zero padding orders a shorter string first, which is right since
// the text never contains NUL; the last bit of tail marks a longer string.
type usccItem struct {
	hi, lo uint64
	tail   uint32 // bytes 16 and 17, then the "longer than 18 bytes" bit
	idx    int32
}

func packUSCC(u string, idx int32) usccItem {
	var b [18]byte
	copy(b[:], u)
	it := usccItem{hi: binary.BigEndian.Uint64(b[:8]), lo: binary.BigEndian.Uint64(b[8:16]),
		tail: uint32(b[16])<<9 | uint32(b[17])<<1, idx: idx}
	if len(u) > 18 {
		it.tail |= 1
	}
	return it
}

func (a usccItem) sameKey(b usccItem) bool { return a.hi == b.hi && a.lo == b.lo && a.tail == b.tail }

// digit returns byte d of the 20-byte key, counting from the least significant.
func (a usccItem) digit(d int) uint8 {
	switch {
	case d < 3:
		return uint8(a.tail >> (8 * d))
	case d < 11:
		return uint8(a.lo >> (8 * (d - 3)))
	default:
		return uint8(a.hi >> (8 * (d - 11)))
	}
}

// radixSortUSCC is a stable LSD radix sort on the packed key, one byte at a
// time, skipping the bytes every code shares (such as the region prefix).
func radixSortUSCC(items []usccItem) {
	const digits = 19
	var counts [digits][256]int
	for _, it := range items {
		for d := range digits {
			counts[d][it.digit(d)]++
		}
	}
	buf := make([]usccItem, len(items))
	src, dst := items, buf
	for d := range digits {
		c := &counts[d]
		if slices.Contains(c[:], len(items)) {
			continue // every item has the same byte here
		}
		var next [256]int
		sum := 0
		for v, n := range c {
			next[v] = sum
			sum += n
		}
		for _, it := range src {
			v := it.digit(d)
			dst[next[v]] = it
			next[v]++
		}
		src, dst = dst, src
	}
	if &src[0] != &items[0] {
		copy(items, src)
	}
}

// checkText rejects what would break the line format or make the inspector
// key ambiguous: empty strings, invalid UTF-8, and control characters (tab,
// newline and NUL among them).
func checkText(what, s string) error {
	if s == "" {
		return fmt.Errorf("%w: empty %s", ErrInvalid, what)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f {
			return fmt.Errorf("%w: %s %q contains a control character", ErrInvalid, what, s)
		}
		if c >= utf8.RuneSelf {
			if !utf8.ValidString(s) {
				return fmt.Errorf("%w: %s %q is not valid UTF-8", ErrInvalid, what, s)
			}
			break
		}
	}
	return nil
}

// DecodeSnapshot parses bytes written by Encode. It accepts only the
// canonical form (re-encoding must give the same bytes) and only a snapshot
// that Run would accept, so that one snapshot has exactly one content address.
func DecodeSnapshot(b []byte) (*Snapshot, error) {
	s, err := parseSnapshot(b)
	if err != nil {
		return nil, err
	}
	if _, err := prepare(s); err != nil {
		return nil, err
	}
	if !bytes.Equal(s.Encode(), b) {
		return nil, fmt.Errorf("%w: snapshot is not in canonical form (sorted, de-duplicated, as Encode writes it)", ErrInvalid)
	}
	return s, nil
}

func parseSnapshot(b []byte) (*Snapshot, error) {
	// One conversion, then every field is a substring of it: no allocation per entity.
	text := string(b)
	s := &Snapshot{}
	if n := bytes.Count(b, []byte("\nentity\t")); n > 0 {
		s.Entities = make([]Entity, 0, n) // a million appends would copy the slice twenty times
	}
	var fields []string
	lineNo := 0
	seen := map[string]bool{}
	for len(text) > 0 {
		line, rest, ok := strings.Cut(text, "\n")
		if !ok {
			return nil, fmt.Errorf("%w: snapshot line %d is not terminated by a newline", ErrInvalid, lineNo+1)
		}
		text = rest
		lineNo++
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%w: snapshot line %d: %s", ErrInvalid, lineNo, fmt.Sprintf(format, args...))
		}
		if lineNo == 1 {
			if line != snapshotHeader {
				return nil, bad("header is %q, want %q", line, snapshotHeader)
			}
			continue
		}
		fields = splitTabs(fields[:0], line)
		kind := fields[0]
		switch n, known := recordFields(kind); {
		case kind == "entity":
			if len(fields) < 3 {
				return nil, bad("entity needs a USCC and a risk class")
			}
		case !known:
			return nil, bad("unknown record %q", kind)
		case len(fields) != n:
			return nil, bad("%s has %d fields, want %d", kind, len(fields), n)
		}
		switch kind {
		case "percent", "floor", "perdept":
			if seen[kind] {
				return nil, bad("%s repeated", kind)
			}
			seen[kind] = true
		}
		switch kind {
		case "percent":
			p, err := parseRatio(fields[1])
			if err != nil {
				return nil, bad("%v", err)
			}
			s.Spec.Percent = p
		case "floor":
			v, err := parseBit(fields[1])
			if err != nil {
				return nil, bad("%v", err)
			}
			s.Spec.Floor = v
		case "perdept":
			n, err := strconv.Atoi(fields[1])
			if err != nil {
				return nil, bad("perdept %q is not a number", fields[1])
			}
			s.Spec.PerDept = n
		case "override":
			p, err := parseRatio(fields[2])
			if err != nil {
				return nil, bad("%v", err)
			}
			s.Spec.Overrides = append(s.Spec.Overrides, Override{Population: fields[1], Percent: p})
		case "class":
			r, ok := parseRisk(fields[1])
			if !ok || r == Unclassified {
				return nil, bad("unknown risk class %q", fields[1])
			}
			p, err := parseRatio(fields[2])
			if err != nil {
				return nil, bad("%v", err)
			}
			if s.Spec.Classes == nil {
				s.Spec.Classes = map[Risk]float64{}
			}
			if _, dup := s.Spec.Classes[r]; dup {
				return nil, bad("class %s repeated", r)
			}
			s.Spec.Classes[r] = p
		case "dept":
			s.Spec.Depts = append(s.Spec.Depts, fields[1])
		case "entity":
			r, ok := parseRisk(fields[2])
			if !ok {
				return nil, bad("unknown risk class %q", fields[2])
			}
			e := Entity{USCC: fields[1], Risk: r}
			if len(fields) > 3 {
				e.Flags = slices.Clone(fields[3:])
			}
			s.Entities = append(s.Entities, e)
		case "inspector":
			var bits [3]bool
			for i := range bits {
				v, err := parseBit(fields[3+i])
				if err != nil {
					return nil, bad("%v", err)
				}
				bits[i] = v
			}
			s.Inspectors = append(s.Inspectors, Inspector{ID: fields[1], Dept: fields[2], Cert: bits[0], Expert: bits[1], OnDuty: bits[2]})
		case "conflict":
			s.Conflicts = append(s.Conflicts, Conflict{InspectorID: fields[1], USCC: fields[2]})
		case "previous":
			s.Previous = append(s.Previous, Previous{USCC: fields[1], InspectorID: fields[2]})
		}
	}
	if lineNo == 0 {
		return nil, fmt.Errorf("%w: empty snapshot", ErrInvalid)
	}
	for _, k := range []string{"percent", "floor", "perdept"} {
		if !seen[k] {
			return nil, fmt.Errorf("%w: snapshot has no %s record", ErrInvalid, k)
		}
	}
	return s, nil
}

// recordFields gives the number of fields of each fixed-size record kind.
func recordFields(kind string) (int, bool) {
	switch kind {
	case "percent", "floor", "perdept", "dept":
		return 2, true
	case "override", "class", "conflict", "previous":
		return 3, true
	case "inspector":
		return 6, true
	}
	return 0, false
}

func splitTabs(dst []string, line string) []string {
	for {
		f, rest, ok := strings.Cut(line, "\t")
		dst = append(dst, f)
		if !ok {
			return dst
		}
		line = rest
	}
}

func parseBit(s string) (bool, error) {
	switch s {
	case "0":
		return false, nil
	case "1":
		return true, nil
	}
	return false, fmt.Errorf("flag %q is neither 0 nor 1", s)
}

func parseRatio(s string) (float64, error) {
	p, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("ratio %q is not a number", s)
	}
	return p, nil
}
