package synth

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"

	"zsc/schema"
	"zsc/server/directory"
)

var counties8 = []string{"621002", "621021", "621022", "621023", "621024", "621025", "621026", "621027"}

// demoConfig is the demo's shape: 8 counties, 70 tags (the seed plan has 70
// plans), a few departments.
func demoConfig(entities int) Config {
	tags := []string{"全市宾馆旅店", "全市大中型餐饮服务企业", "农资生产经营企业"}
	for i := len(tags); i < 70; i++ {
		tags = append(tags, fmt.Sprintf("检查对象%02d", i+1))
	}
	return Config{
		Seed:     20240603,
		Entities: entities,
		Regions:  counties8,
		Tags:     tags,
		SubFlags: map[string][]string{"农资生产经营企业": {"生产企业"}},
		Depts:    []string{"scjg", "wjw", "yjj", "xf", "sthjj"},
	}
}

func write(t *testing.T, f func(*bytes.Buffer, Config) error, c Config) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := f(&b, c); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSameConfigGivesTheSameBytes(t *testing.T) {
	c := demoConfig(5000)
	c.ConflictShare = 0.01
	writers := map[string]func(*bytes.Buffer, Config) error{
		"entities":   func(b *bytes.Buffer, c Config) error { return WriteEntitiesCSV(b, c) },
		"inspectors": func(b *bytes.Buffer, c Config) error { return WriteInspectorsCSV(b, c) },
		"conflicts":  func(b *bytes.Buffer, c Config) error { return WriteConflictsCSV(b, c) },
	}
	for name, f := range writers {
		t.Run(name+" are byte-identical for the same seed", func(t *testing.T) {
			a, b := write(t, f, c), write(t, f, c)
			if !bytes.Equal(a, b) {
				t.Fatal("two runs differ")
			}
			if bytes.Count(a, []byte("\n")) < 2 {
				t.Fatalf("only %q", a)
			}
		})
		t.Run(name+" differ for another seed", func(t *testing.T) {
			d := c
			d.Seed++
			if bytes.Equal(write(t, f, c), write(t, f, d)) {
				t.Fatal("seed has no effect")
			}
		})
	}
	t.Run("entity i is the same whatever the total", func(t *testing.T) {
		// Entity i depends only on the seed and i, so callers can grow a directory.
		small, large := demoConfig(12000), demoConfig(13000)
		var a, b []directory.Entity
		_ = Entities(small, func(e directory.Entity) error { a = append(a, e); return nil })
		_ = Entities(large, func(e directory.Entity) error { b = append(b, e); return nil })
		for i := range a {
			if a[i].USCC != b[i].USCC || a[i].Name != b[i].Name {
				t.Fatalf("entity %d differs: %s vs %s", i, a[i].USCC, b[i].USCC)
			}
		}
	})
}

func TestEntities(t *testing.T) {
	c := demoConfig(20000)
	var all []directory.Entity
	if err := Entities(c, func(e directory.Entity) error { all = append(all, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(all) != c.Entities {
		t.Fatalf("got %d entities, want %d", len(all), c.Entities)
	}

	t.Run("every USCC is valid, unique and carries the entity's region", func(t *testing.T) {
		seen := map[string]bool{}
		types := map[string]int{}
		for _, e := range all {
			if err := schema.ValidUSCC(e.USCC); err != nil {
				t.Fatalf("%s: %v", e.USCC, err)
			}
			if schema.USCCRegion(e.USCC) != e.Region {
				t.Fatalf("%s in region %s", e.USCC, e.Region)
			}
			if seen[e.USCC] {
				t.Fatalf("%s repeated", e.USCC)
			}
			seen[e.USCC] = true
			types[e.USCC[:2]]++
		}
		if types["91"] == 0 || types["92"] == 0 || len(types) != 2 {
			t.Fatalf("types %v, want 91 and 92", types)
		}
	})

	t.Run("every organization code has a correct GB 11714 check character", func(t *testing.T) {
		for _, e := range all[:2000] {
			var body [8]byte
			copy(body[:], e.USCC[8:16])
			if got := orgCheck(body); got != e.USCC[16] {
				t.Fatalf("%s: organization check %c, want %c", e.USCC, e.USCC[16], got)
			}
		}
		// 华为技术有限公司's organization code 19220382-1, as a known answer.
		if got := orgCheck([8]byte([]byte("19220382"))); got != '1' {
			t.Fatalf("orgCheck(19220382) = %c, want 1", got)
		}
		if got := orgCheck([8]byte([]byte("M000100Y"))); got != '4' {
			t.Fatalf("orgCheck(M000100Y) = %c, want 4", got)
		}
	})

	t.Run("every tag has at least 20 entities in every region", func(t *testing.T) {
		count := map[[2]string]int{}
		for _, e := range all {
			for _, tag := range e.Tags {
				count[[2]string{tag, e.Region}]++
			}
		}
		for _, tag := range c.Tags {
			for _, r := range c.Regions {
				if n := count[[2]string{tag, r}]; n < 20 {
					t.Errorf("%s in %s: %d entities", tag, r, n)
				}
			}
		}
	})

	t.Run("names, addresses, tags, flags and positions look right", func(t *testing.T) {
		sole := regexp.MustCompile(`^(西峰区|庆城县|环县|华池县|合水县|正宁县|宁县|镇原县)\p{Han}{2}\p{Han}+$`)
		company := regexp.MustCompile(`^庆阳市\p{Han}+(有限公司|有限责任公司)$`)
		flagged, withFlagTag, noPos := 0, 0, 0
		for _, e := range all {
			if e.USCC[1] == '2' && !sole.MatchString(e.Name) || e.USCC[1] == '1' && !company.MatchString(e.Name) {
				t.Fatalf("%s named %q", e.USCC, e.Name)
			}
			if !strings.HasPrefix(e.Address, countyOf(e.Region).name) || !strings.HasSuffix(e.Address, "号") {
				t.Fatalf("%s at %q", e.USCC, e.Address)
			}
			if len(e.Tags) < 1 || len(e.Tags) > 2 || len(e.Tags) == 2 && e.Tags[0] == e.Tags[1] {
				t.Fatalf("%s tags %v", e.USCC, e.Tags)
			}
			if hasTag(e, "农资生产经营企业") {
				withFlagTag++
				if len(e.Flags) == 1 && e.Flags[0] == "生产企业" {
					flagged++
				}
			} else if len(e.Flags) > 0 {
				t.Fatalf("%s flags %v without the tag", e.USCC, e.Flags)
			}
			if e.Lat == nil {
				noPos++
				continue
			}
			if *e.Lat < minLat || *e.Lat > maxLat || *e.Lng < minLng || *e.Lng > maxLng {
				t.Fatalf("%s at %v,%v, outside 庆阳", e.USCC, *e.Lat, *e.Lng)
			}
		}
		near(t, "flagged share", float64(flagged)/float64(withFlagTag), flaggedShare, 0.04)
		near(t, "share without position", float64(noPos)/float64(len(all)), noPositionShare, 0.01)
	})

	t.Run("risk classes and statuses follow the mix", func(t *testing.T) {
		risk := map[string]int{}
		closed := 0
		for _, e := range all {
			risk[e.Risk]++
			if e.Status != directory.StatusActive {
				closed++
			}
		}
		for k, r := range []string{"A", "B", "C", "D"} {
			near(t, "risk "+r, float64(risk[r])/float64(len(all)), DefaultRiskMix[k], 0.015)
		}
		near(t, "closed share", float64(closed)/float64(len(all)), DefaultClosedShare, 0.006)
	})
}

func hasTag(e directory.Entity, tag string) bool {
	for _, t := range e.Tags {
		if t == tag {
			return true
		}
	}
	return false
}

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.4f, want %.4f ± %.4f", what, got, want, tol)
	}
}

func TestInspectors(t *testing.T) {
	c := demoConfig(0)
	c.InspectorRegions = append([]string{"621000"}, counties8...)
	var all []directory.Inspector
	if err := Inspectors(c, func(in directory.Inspector) error { all = append(all, in); return nil }); err != nil {
		t.Fatal(err)
	}
	if want := len(c.Depts) * 9 * DefaultInspectorsPerPool; len(all) != want {
		t.Fatalf("got %d inspectors, want %d", len(all), want)
	}
	id := regexp.MustCompile(`^[a-z]+-62\d{4}-\d{2}$`)
	pools := map[string]int{}
	seenID, seenCert := map[string]bool{}, map[string]bool{}
	certs, experts := 0, 0
	for _, in := range all {
		if !id.MatchString(in.Username) || !strings.HasPrefix(in.Username, in.Dept+"-"+in.Region+"-") {
			t.Fatalf("username %q for %s in %s", in.Username, in.Dept, in.Region)
		}
		if seenID[in.Username] || in.CertNo != "" && seenCert[in.CertNo] {
			t.Fatalf("%s or %s repeated", in.Username, in.CertNo)
		}
		seenID[in.Username], seenCert[in.CertNo] = true, true
		if in.CertNo != "" {
			certs++
			if !strings.HasPrefix(in.CertNo, "62"+in.Region) || len(in.CertNo) != 14 {
				t.Fatalf("执法证号 %q in %s", in.CertNo, in.Region)
			}
		}
		if in.Expert {
			experts++
		}
		if len([]rune(in.Name)) < 2 || len(in.Specialities) == 0 {
			t.Fatalf("%+v", in)
		}
		if isCountable(&in) {
			pools[in.Dept+in.Region]++
		}
	}
	t.Run("every pool has at least four who count toward the two of R5", func(t *testing.T) {
		if len(pools) != len(c.Depts)*9 {
			t.Fatalf("%d pools have countable inspectors, want %d", len(pools), len(c.Depts)*9)
		}
		for p, n := range pools {
			if n < minCountablePool {
				t.Errorf("pool %s: %d countable", p, n)
			}
		}
	})
	t.Run("about 90% hold a 执法证号 and about 10% are experts", func(t *testing.T) {
		near(t, "cert share", float64(certs)/float64(len(all)), 0.9, 0.05) // 0.9·0.95 + 0.1·0.2, then topped up
		near(t, "expert share", float64(experts)/float64(len(all)), expertShare, 0.05)
	})
	t.Run("a pool smaller than four is all countable", func(t *testing.T) {
		c := demoConfig(0)
		c.InspectorsPerPool = 3
		_ = Inspectors(c, func(in directory.Inspector) error {
			if !isCountable(&in) {
				t.Fatalf("%+v", in)
			}
			return nil
		})
	})
}

func TestConflicts(t *testing.T) {
	c := demoConfig(50000)
	c.ConflictShare = 0.01
	inspectors := map[string]directory.Inspector{}
	_ = Inspectors(c, func(in directory.Inspector) error { inspectors[in.Username] = in; return nil })
	entities := map[string]directory.Entity{}
	_ = Entities(c, func(e directory.Entity) error { entities[e.USCC] = e; return nil })
	n := 0
	err := Conflicts(c, func(cf directory.Conflict) error {
		n++
		in, ok := inspectors[cf.Inspector]
		if !ok {
			t.Fatalf("conflict names unknown inspector %s", cf.Inspector)
		}
		e, ok := entities[cf.USCC]
		if !ok {
			t.Fatalf("conflict names unknown entity %s", cf.USCC)
		}
		if in.Region != e.Region {
			t.Fatalf("inspector of %s for entity of %s", in.Region, e.Region)
		}
		if cf.Reason != "亲属关系" && cf.Reason != "曾任职" && cf.Reason != "利害关系" {
			t.Fatalf("reason %q", cf.Reason)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "conflict share", float64(n)/float64(c.Entities), c.ConflictShare, 0.002)

	t.Run("a negative share means none", func(t *testing.T) {
		c.ConflictShare = -1
		_ = Conflicts(c, func(directory.Conflict) error { t.Fatal("got a conflict"); return nil })
	})
}

func TestStreamingStopsAtTheCallersError(t *testing.T) {
	stop := errors.New("enough")
	n := 0
	err := Entities(demoConfig(1000), func(directory.Entity) error {
		n++
		if n == 10 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 10 {
		t.Fatalf("err %v after %d entities", err, n)
	}
}

func TestBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"rejects a negative entity count", func(c *Config) { c.Entities = -1 }, "Entities"},
		{"rejects more entities than codes", func(c *Config) { c.Entities = MaxEntities + 1 }, "Entities"},
		{"rejects a region that is not 6 digits", func(c *Config) { c.Regions = []string{"62100"} }, "6-digit"},
		{"rejects a region listed twice", func(c *Config) { c.Regions = []string{"621002", "621002"} }, "twice"},
		{"rejects entities without tags", func(c *Config) { c.Tags = nil }, "one tag"},
		{"rejects a tag holding the list separator", func(c *Config) { c.Tags = []string{"a|b"} }, "separator"},
		{"rejects a department code with a dash", func(c *Config) { c.Depts = []string{"sc-jg"} }, "department"},
		{"rejects a pool of 1000", func(c *Config) { c.InspectorsPerPool = 1000 }, "InspectorsPerPool"},
		{"rejects a negative risk share", func(c *Config) { c.RiskMix = [4]float64{1, -1, 0, 0} }, "negative"},
		{"rejects a closed share over 1", func(c *Config) { c.ClosedShare = 1.5 }, "ClosedShare"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := demoConfig(10)
			tc.edit(&c)
			var b bytes.Buffer
			err := WriteEntitiesCSV(&b, c)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one about %s", err, tc.want)
			}
			if b.Len() != 0 {
				t.Fatalf("wrote %q before failing", b.String())
			}
		})
	}
}

func BenchmarkWriteEntitiesCSV(b *testing.B) {
	c := demoConfig(100000)
	for b.Loop() {
		var n countWriter
		if err := WriteEntitiesCSV(&n, c); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(n))
	}
}

type countWriter int

func (w *countWriter) Write(p []byte) (int, error) { *w += countWriter(len(p)); return len(p), nil }
