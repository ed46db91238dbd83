package draw

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// bigSnapshot is a city-sized directory: 1,000,000 entities (A 55 %, B 35 %,
// C 8 %, D 2 %) in no particular order, a 10 % plan, 4 departments of 40
// inspectors, with some conflicts and previous inspections.
var bigSnapshot = sync.OnceValue(func() *Snapshot {
	rng := rand.New(rand.NewPCG(621000, 2024))
	const n = 1_000_000
	depts := []string{"市市场监管局", "市卫生健康委", "市应急管理局", "市生态环境局"}
	s := &Snapshot{Spec: Spec{Percent: 10, Depts: depts}}
	s.Entities = make([]Entity, n)
	counties := []string{"621002", "621021", "621022", "621023", "621024", "621025", "621026", "621027"}
	for i := range s.Entities {
		var r Risk
		switch x := rng.IntN(100); {
		case x < 55:
			r = RiskA
		case x < 90:
			r = RiskB
		case x < 98:
			r = RiskC
		default:
			r = RiskD
		}
		s.Entities[i] = Entity{USCC: fmt.Sprintf("92%s%09d%c", counties[i%len(counties)], i, "0123456789ABCDEFGHJKLMNPQRTUWXY"[i%31]), Risk: r}
	}
	rng.Shuffle(n, func(i, j int) { s.Entities[i], s.Entities[j] = s.Entities[j], s.Entities[i] })
	relayout(s.Entities)
	for _, d := range depts {
		s.Inspectors = append(s.Inspectors, pool(d, 40)...)
	}
	for range 1_000 {
		in := s.Inspectors[rng.IntN(len(s.Inspectors))]
		s.Conflicts = append(s.Conflicts, Conflict{InspectorID: in.ID, USCC: s.Entities[rng.IntN(n)].USCC})
	}
	for range 100_000 {
		in := s.Inspectors[rng.IntN(len(s.Inspectors))]
		s.Previous = append(s.Previous, Previous{USCC: s.Entities[rng.IntN(n)].USCC, InspectorID: in.ID})
	}
	return s
})

// sortedBigSnapshot is bigSnapshot with its entities in USCC order, as a
// store reading them ORDER BY uscc would hand them over.
var sortedBigSnapshot = sync.OnceValue(func() *Snapshot {
	s := *bigSnapshot()
	s.Entities = slices.Clone(s.Entities)
	slices.SortFunc(s.Entities, func(a, b Entity) int { return strings.Compare(a.USCC, b.USCC) })
	relayout(s.Entities)
	return &s
})

// relayout copies the USCCs into memory in slice order, as a store reading
// rows one after the other would allocate them; without it the benchmark
// measures cache misses that a real snapshot does not have.
func relayout(es []Entity) {
	for i := range es {
		es[i].USCC = strings.Clone(es[i].USCC)
	}
}

func BenchmarkRun1M(b *testing.B) {
	for _, bc := range []struct {
		name string
		s    func() *Snapshot
	}{{"shuffled", bigSnapshot}, {"sorted", sortedBigSnapshot}} {
		b.Run(bc.name, func(b *testing.B) {
			s := bc.s()
			runtime.GC() // the garbage of building the snapshot is not the draw's
			b.ReportAllocs()
			var r *Result
			cpu := cpuTime()
			for b.Loop() {
				var err error
				if r, err = Run(seedOf(1), s); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(r.Visits)), "visits")
			reportCPU(b, cpu)
		})
	}
}

func BenchmarkEncodeHash1M(b *testing.B) {
	for _, bc := range []struct {
		name string
		s    func() *Snapshot
	}{{"shuffled", bigSnapshot}, {"sorted", sortedBigSnapshot}} {
		b.Run(bc.name, func(b *testing.B) {
			s := bc.s()
			runtime.GC()
			b.ReportAllocs()
			var n int
			cpu := cpuTime()
			for b.Loop() {
				n = len(s.Encode())
				_ = s.Hash()
			}
			b.ReportMetric(float64(n)/1e6, "MB-encoded")
			reportCPU(b, cpu)
		})
	}
}

func BenchmarkVerify1M(b *testing.B) {
	s := sortedBigSnapshot()
	snap := s.Encode()
	r, err := Run(seedOf(1), s)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		if ok, reason, err := Verify(seedOf(1), snap, r); !ok || err != nil {
			b.Fatal(reason, err)
		}
	}
	reportCPU(b, cpu)
}

// reportCPU adds the CPU time per operation since start, all threads and the
// garbage collector included.
func reportCPU(b *testing.B, start time.Duration) {
	if start > 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N)/1e6, "cpu-ms/op")
	}
}
