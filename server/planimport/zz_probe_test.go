package planimport

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"
)

func TestProbeXLSXMutations(t *testing.T) {
	res := MustResolver(t, "testdata/departments.tsv")
	base := xlsxBytes(t, readTSVRows(t, "testdata/small.tsv"))
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 300; i++ {
		b := append([]byte(nil), base...)
		for k := 0; k < 1+rng.IntN(4); k++ {
			b[rng.IntN(len(b))] = byte(rng.Uint32())
		}
		start := time.Now()
		Parse(bytes.NewReader(b), "x.xlsx", res)
		if d := time.Since(start); d > 200*time.Millisecond {
			t.Logf("mutation %d took %v", i, d)
		}
	}
	start := time.Now()
	Parse(bytes.NewReader(base), "x.xlsx", res)
	t.Logf("base %v", time.Since(start))
}
