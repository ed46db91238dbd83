// Package synth generates a synthetic directory for demos, tests and
// benchmarks (DESIGN §6): market entities with valid 统一社会信用代码, inspector
// pools per department and region, and conflicts of interest. It is
// deterministic (the same Config gives the same bytes: no clock, no global
// random source) and streams, so that a directory of millions of entities is
// written without being held in memory.
//
// Every entity is made from its own random stream, seeded by Config.Seed and
// its index, so that the conflicts generator can look entities up by index
// instead of keeping them.
package synth

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"zsc/schema"
	"zsc/server/directory"
)

// Config says what to generate. Zero values of the shares and of
// InspectorsPerPool mean their defaults; a negative share means none.
type Config struct {
	Seed     uint64
	Entities int // e.g. 20000 for the demo, 1000000 for benchmarks; at most MaxEntities

	// Regions are the county region codes entities belong to, e.g. 621002 ...
	// 621027. The city, 621000, is not an entity region.
	Regions []string
	// Tags are the target populations, one per plan (检查对象), e.g. 宾馆旅店.
	Tags []string
	// SubFlags maps a tag to its sub-population flags, e.g. 农资生产经营企业 ->
	// [生产企业]; about 20% of the entities of such a tag get one.
	SubFlags map[string][]string

	// Depts are the department codes that get inspector pools.
	Depts []string
	// InspectorRegions are the regions that get inspector pools; nil means
	// Regions. Add the city, 621000, to give city-level plans their pools.
	InspectorRegions []string
	// InspectorsPerPool is the size of each department's pool in each
	// region; default 8, at most 999.
	InspectorsPerPool int

	RiskMix       [4]float64 // shares of risk classes A, B, C, D; default 0.55, 0.35, 0.08, 0.02
	ClosedShare   float64    // share of entities not 存续 (注销, 吊销, 迁出); default 0.03
	ConflictShare float64    // share of entities with one conflict of interest; default 0.002
}

// MaxEntities bounds Config.Entities: the organization codes (positions
// 9–17 of the USCC) are a permutation of the entity indexes over 10⁸ values.
const MaxEntities = 100_000_000

// Defaults of the zero fields of Config.
const (
	DefaultInspectorsPerPool = 8
	DefaultClosedShare       = 0.03
	DefaultConflictShare     = 0.002
)

// DefaultRiskMix is the default share of each risk class A, B, C, D.
var DefaultRiskMix = [4]float64{0.55, 0.35, 0.08, 0.02}

// Generation constants.
const (
	perPairQuota     = 20   // entities per (tag, region) assigned round-robin before random ones
	secondTagShare   = 0.3  // entities with a second tag
	soleTraderShare  = 0.3  // 个体工商户 (type 92) among entities
	oldCodeShare     = 0.3  // entities whose organization code is of the pre-2015, all-digit kind
	noPositionShare  = 0.02 // entities without coordinates
	flaggedShare     = 0.2  // entities of a tag with sub-flags that get one
	expertShare      = 0.10
	certShare        = 0.95 // non-experts with a 执法证号 (with experts, about 90% of all)
	expertCertShare  = 0.20 // experts with one anyway
	onDutyShare      = 0.95
	minCountablePool = 4 // inspectors per pool with a cert, on duty and not experts
	maxPool          = 999
)

// Stream identifiers, mixed into the seed so that entities, inspectors,
// conflicts and the code permutation draw from unrelated streams.
const (
	streamEntity uint64 = iota + 1
	streamPool
	streamConflict
	streamPerm
)

// gen holds a normalized Config and what is derived from it once.
type gen struct {
	Config
	regionCDF []float64 // cumulative region weights for random regions
	riskCDF   [4]float64
	tagTrade  []*trade
	tagFlags  [][]string
	permA     uint64 // organization code = (permA*i + permB) mod 10⁸
	permB     uint64
	pcg       *rand.PCG
	r         *rand.Rand
}

func newGen(c Config) (*gen, error) {
	if c.Entities < 0 || c.Entities > MaxEntities {
		return nil, fmt.Errorf("synth: Entities is %d, want 0 to %d", c.Entities, MaxEntities)
	}
	if c.InspectorRegions == nil {
		c.InspectorRegions = c.Regions
	}
	for _, list := range [][]string{c.Regions, c.InspectorRegions} {
		seen := map[string]bool{}
		for _, r := range list {
			if len(r) != 6 || schema.USCCRegion("91"+r) != r {
				return nil, fmt.Errorf("synth: region %q is not a 6-digit code", r)
			}
			if seen[r] {
				return nil, fmt.Errorf("synth: region %s is listed twice", r)
			}
			seen[r] = true
		}
	}
	if c.Entities > 0 && (len(c.Regions) == 0 || len(c.Tags) == 0) {
		return nil, fmt.Errorf("synth: entities need at least one region and one tag")
	}
	for _, t := range c.Tags {
		if t == "" || strings.ContainsAny(t, "|｜") {
			return nil, fmt.Errorf("synth: tag %q is empty or holds a list separator", t)
		}
	}
	for _, d := range c.Depts {
		if d == "" || strings.ContainsAny(d, "-, ") {
			return nil, fmt.Errorf("synth: department code %q is empty or holds '-', ',' or a space", d)
		}
	}
	switch {
	case c.InspectorsPerPool == 0:
		c.InspectorsPerPool = DefaultInspectorsPerPool
	case c.InspectorsPerPool < 0 || c.InspectorsPerPool > maxPool:
		return nil, fmt.Errorf("synth: InspectorsPerPool is %d, want 1 to %d", c.InspectorsPerPool, maxPool)
	}
	if c.RiskMix == [4]float64{} {
		c.RiskMix = DefaultRiskMix
	}
	var share float64
	for _, s := range c.RiskMix {
		if !(s >= 0) {
			return nil, fmt.Errorf("synth: RiskMix %v has a negative share", c.RiskMix)
		}
		share += s
	}
	if share == 0 || math.IsInf(share, 0) {
		return nil, fmt.Errorf("synth: RiskMix %v does not add up", c.RiskMix)
	}
	var err error
	if c.ClosedShare, err = fraction("ClosedShare", c.ClosedShare, DefaultClosedShare); err != nil {
		return nil, err
	}
	if c.ConflictShare, err = fraction("ConflictShare", c.ConflictShare, DefaultConflictShare); err != nil {
		return nil, err
	}

	g := &gen{Config: c}
	var cum float64
	for i, s := range c.RiskMix {
		cum += s / share
		g.riskCDF[i] = cum
	}
	g.riskCDF[3] = 1
	cum = 0
	for _, r := range c.Regions {
		cum += countyOf(r).weight
		g.regionCDF = append(g.regionCDF, cum)
	}
	for _, t := range c.Tags {
		g.tagTrade = append(g.tagTrade, tradeOf(t))
		g.tagFlags = append(g.tagFlags, c.SubFlags[t])
	}
	g.pcg = rand.NewPCG(0, 0)
	g.r = rand.New(g.pcg)
	g.seed(streamPerm, 0, 0)
	g.permA = g.r.Uint64N(1e8) | 1 // odd
	if g.permA%5 == 0 {
		g.permA += 2 // and not a multiple of 5: coprime to 10⁸, so i -> code is one to one
	}
	g.permB = g.r.Uint64N(1e8)
	return g, nil
}

func fraction(name string, v, def float64) (float64, error) {
	switch {
	case v == 0:
		return def, nil
	case v < 0:
		return 0, nil
	case v <= 1:
		return v, nil
	}
	return 0, fmt.Errorf("synth: %s is %v, want at most 1", name, v)
}

// seed restarts the generator's random stream for one stream and index.
func (g *gen) seed(stream uint64, i, j uint64) {
	g.pcg.Seed(splitmix(g.Seed^splitmix(stream)), splitmix(splitmix(i)^j^stream<<56))
}

// splitmix is the SplitMix64 finalizer, spreading nearby inputs apart.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

func (g *gen) pick(list []string) string { return list[g.r.IntN(len(list))] }

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

func (g *gen) runes(list []rune, n int) string {
	var b strings.Builder
	for range n {
		b.WriteRune(list[g.r.IntN(len(list))])
	}
	return b.String()
}

// tradeName is a 字号 of two different characters.
func (g *gen) tradeName() string {
	a := g.r.IntN(len(tradeChars))
	b := (a + 1 + g.r.IntN(len(tradeChars)-1)) % len(tradeChars)
	return string([]rune{tradeChars[a], tradeChars[b]})
}

func countyOf(region string) county {
	if c, ok := counties[region]; ok {
		return c
	}
	return fallbackCounty
}

// Entities calls fn for each generated entity, in order, and stops at fn's
// first error, which it returns.
func Entities(c Config, fn func(directory.Entity) error) error {
	g, err := newGen(c)
	if err != nil {
		return err
	}
	for i := range g.Entities {
		if err := fn(g.entity(i)); err != nil {
			return err
		}
	}
	return nil
}

// entity makes entity i from its own stream.
//
// The first perPairQuota × regions × tags entities take (region, tag) pairs
// round-robin, so that every tag has entities in every region (a demo of
// 20,000 entities over 8 regions and up to 125 tags gets 20 per pair); the
// rest draw their region by weight and their tag at random.
func (g *gen) entity(i int) directory.Entity {
	g.seed(streamEntity, uint64(i), 0)
	nr, nt := len(g.Regions), len(g.Tags)
	var ri, ti int
	if pairs := nr * nt; i < perPairQuota*pairs {
		ri, ti = i%pairs%nr, i%pairs/nr
	} else {
		ri = g.weightedRegion()
		ti = g.r.IntN(nt)
	}
	region := g.Regions[ri]
	cty := countyOf(region)
	e := directory.Entity{Region: region, Tags: []string{g.Tags[ti]}}
	if nt > 1 && g.chance(secondTagShare) {
		t2 := (ti + 1 + g.r.IntN(nt-1)) % nt
		e.Tags = append(e.Tags, g.Tags[t2])
	}

	soleTrader := g.chance(soleTraderShare)
	typ := "91"
	if soleTrader {
		typ = "92"
	}
	e.USCC = g.uscc(typ, region, uint64(i))

	tr := g.tagTrade[ti]
	if soleTrader {
		e.Name = cty.name + g.tradeName() + g.pick(tr.shop)
	} else {
		suffix := "有限公司"
		if g.chance(0.2) {
			suffix = "有限责任公司"
		}
		e.Name = "庆阳市" + g.tradeName() + g.pick(tr.industry) + suffix
	}
	e.Address = cty.name + g.pick(cty.towns) + g.pick(roads) + strconv.Itoa(1+g.r.IntN(300)) + "号"

	x := g.r.Float64()
	e.Risk = directory.RiskD
	for k, p := range g.riskCDF {
		if x < p {
			e.Risk = [...]string{directory.RiskA, directory.RiskB, directory.RiskC, directory.RiskD}[k]
			break
		}
	}
	e.Status = directory.StatusActive
	if g.chance(g.ClosedShare) {
		e.Status = g.pick(closedStatuses)
	}

	if !g.chance(noPositionShare) {
		lat, lng := cty.lat+g.r.NormFloat64()*0.06, cty.lng+g.r.NormFloat64()*0.08
		if cty.name == fallbackCounty.name {
			lat, lng = minLat+g.r.Float64()*(maxLat-minLat), minLng+g.r.Float64()*(maxLng-minLng)
		}
		p := &[2]float64{round6(clamp(lat, minLat, maxLat)), round6(clamp(lng, minLng, maxLng))}
		e.Lat, e.Lng = &p[0], &p[1]
	}

	for _, t := range e.Tags {
		if flags := g.SubFlags[t]; len(flags) > 0 {
			if g.chance(flaggedShare) {
				e.Flags = []string{g.pick(flags)}
			}
			break
		}
	}
	return e
}

func (g *gen) weightedRegion() int {
	x := g.r.Float64() * g.regionCDF[len(g.regionCDF)-1]
	for i, c := range g.regionCDF {
		if x < c {
			return i
		}
	}
	return len(g.regionCDF) - 1
}

// uscc makes the code of entity i: 9, the type, the region, an organization
// code that is a one-to-one function of i (so codes never repeat), and the
// check character. Most organization codes take the post-2015 form MA + 6
// characters; some the older 8 digits. Both end in their GB 11714 check
// character.
func (g *gen) uscc(typ, region string, i uint64) string {
	n := (g.permA*i + g.permB) % 1e8
	var body [8]byte
	if g.chance(oldCodeShare) {
		for k := 7; k >= 0; k-- {
			body[k] = byte('0' + n%10)
			n /= 10
		}
	} else {
		body[0], body[1] = 'M', 'A'
		const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
		for k := 7; k >= 2; k-- {
			body[k] = alphabet[n%31]
			n /= 31
		}
	}
	first17 := typ + region + string(body[:]) + string(orgCheck(body))
	c, err := schema.USCCCheckChar(first17)
	if err != nil {
		panic("synth: made a bad USCC: " + err.Error()) // cannot happen: every part is from the alphabet
	}
	return first17 + string(c)
}

// orgCheck is the GB 11714 check character of an organization code body.
func orgCheck(body [8]byte) byte {
	weights := [8]int{3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for k, ch := range body {
		v := int(ch - '0')
		if ch >= 'A' {
			v = int(ch-'A') + 10
		}
		sum += v * weights[k]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X'
	case 11:
		return '0'
	default:
		return byte('0' + c)
	}
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// Inspectors calls fn for each inspector: for each department, for each
// region, a pool of InspectorsPerPool people with usernames
// {dept}-{region}-{nn}. Every pool has at least four (or all, if smaller)
// who hold a 执法证号, are on duty and are not experts, so that a draw of
// two per department can always succeed.
func Inspectors(c Config, fn func(directory.Inspector) error) error {
	g, err := newGen(c)
	if err != nil {
		return err
	}
	for di, dept := range g.Depts {
		for ri, region := range g.InspectorRegions {
			for _, in := range g.pool(di, dept, ri, region) {
				if err := fn(in); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (g *gen) pool(di int, dept string, ri int, region string) []directory.Inspector {
	g.seed(streamPool, uint64(di), uint64(ri))
	n := g.InspectorsPerPool
	pool := make([]directory.Inspector, n)
	countable := 0
	for k := range pool {
		in := &pool[k]
		in.Username = inspectorID(dept, region, k, n)
		in.Name = g.runes(surnames, 1) + g.runes(givenChars, 1+g.r.IntN(2))
		in.Dept, in.Region = dept, region
		in.Expert = g.chance(expertShare)
		certP := certShare
		if in.Expert {
			certP = expertCertShare
		}
		if g.chance(certP) {
			in.CertNo = certNo(region, di, k)
		}
		specs := deptSpecialities[dept]
		if specs == nil {
			specs = specialities
		}
		in.Specialities = []string{g.pick(specs)}
		if g.chance(0.4) {
			if s := g.pick(specs); s != in.Specialities[0] {
				in.Specialities = append(in.Specialities, s)
			}
		}
		in.OnDuty = g.chance(onDutyShare)
		if isCountable(in) {
			countable++
		}
	}
	for k := 0; countable < min(minCountablePool, n); k++ {
		if in := &pool[k]; !isCountable(in) {
			in.Expert, in.OnDuty, in.CertNo = false, true, certNo(region, di, k)
			countable++
		}
	}
	return pool
}

func isCountable(in *directory.Inspector) bool { return in.CertNo != "" && in.OnDuty && !in.Expert }

// inspectorID is {dept}-{region}-{nn}, nn counting from 01.
func inspectorID(dept, region string, k, poolSize int) string {
	width := max(2, len(strconv.Itoa(poolSize)))
	return fmt.Sprintf("%s-%s-%0*d", dept, region, width, k+1)
}

// certNo is 62 (甘肃), the region and six digits unique within the region.
func certNo(region string, di, k int) string {
	return fmt.Sprintf("62%s%03d%03d", region, di%1000, k)
}

// Conflicts calls fn for each conflict of interest: about ConflictShare of
// the entities, each with one inspector drawn from a pool of the entity's
// region (or of any region, if the entity's has no pools).
func Conflicts(c Config, fn func(directory.Conflict) error) error {
	g, err := newGen(c)
	if err != nil {
		return err
	}
	if len(g.Depts) == 0 || len(g.InspectorRegions) == 0 || g.ConflictShare == 0 {
		return nil
	}
	poolIn := map[string]bool{}
	for _, r := range g.InspectorRegions {
		poolIn[r] = true
	}
	// The choice of entities is one stream; each entity is then remade from
	// its own, which reseeds the generator, so the choosing stream has its
	// own generator.
	pick := rand.New(rand.NewPCG(splitmix(g.Seed^splitmix(streamConflict)), splitmix(streamConflict)))
	for i := range g.Entities {
		if pick.Float64() >= g.ConflictShare {
			continue
		}
		dept := g.Depts[pick.IntN(len(g.Depts))]
		k := pick.IntN(g.InspectorsPerPool)
		reason := conflictReasons[pick.IntN(len(conflictReasons))]
		anyRegion := g.InspectorRegions[pick.IntN(len(g.InspectorRegions))]
		e := g.entity(i)
		region := e.Region
		if !poolIn[region] {
			region = anyRegion
		}
		cf := directory.Conflict{Inspector: inspectorID(dept, region, k, g.InspectorsPerPool), USCC: e.USCC, Reason: reason}
		if err := fn(cf); err != nil {
			return err
		}
	}
	return nil
}

// WriteEntitiesCSV writes the entity directory as CSV in the format of
// directory.ParseEntities, streaming.
func WriteEntitiesCSV(w io.Writer, c Config) error {
	if _, err := newGen(c); err != nil {
		return err // before the header, so that a bad Config writes nothing
	}
	return writeCSV(w, directory.EntityColumns[:], func(emit func([]string) error) error {
		return Entities(c, func(e directory.Entity) error { return emit(e.Record()) })
	})
}

// WriteInspectorsCSV writes the inspector pools as CSV in the format of
// directory.ParseInspectors.
func WriteInspectorsCSV(w io.Writer, c Config) error {
	if _, err := newGen(c); err != nil {
		return err
	}
	return writeCSV(w, directory.InspectorColumns[:], func(emit func([]string) error) error {
		return Inspectors(c, func(in directory.Inspector) error { return emit(in.Record()) })
	})
}

// WriteConflictsCSV writes the conflicts of interest as CSV in the format of
// directory.ParseConflicts.
func WriteConflictsCSV(w io.Writer, c Config) error {
	if _, err := newGen(c); err != nil {
		return err
	}
	return writeCSV(w, directory.ConflictColumns[:], func(emit func([]string) error) error {
		return Conflicts(c, func(cf directory.Conflict) error { return emit(cf.Record()) })
	})
}

func writeCSV(w io.Writer, header []string, rows func(emit func([]string) error) error) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := csv.NewWriter(bw)
	if err := cw.Write(header); err != nil {
		return err
	}
	if err := rows(func(rec []string) error { return cw.Write(rec) }); err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}
