package draw

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestEncodeFormat(t *testing.T) {
	s := &Snapshot{
		Spec: Spec{Percent: 10, Floor: true, Overrides: []Override{{"生产企业", 100}},
			Classes: map[Risk]float64{RiskD: 50, RiskA: 2.5}, Depts: []string{"市卫生健康委", "市市场监管局"}},
		Entities: []Entity{{USCC: "91621002MA0000002X", Risk: RiskB}, {USCC: "91621002MA0000001X", Risk: Unclassified, Flags: []string{"批发商", "生产企业", "批发商"}}},
		Inspectors: []Inspector{{ID: "j2", Dept: "市市场监管局", Cert: true, OnDuty: true},
			{ID: "j1", Dept: "市市场监管局", Cert: true, Expert: true}},
		Conflicts: []Conflict{{"j2", "91621002MA0000001X"}, {"j1", "91621002MA0000001X"}, {"j2", "91621002MA0000001X"}},
		Previous:  []Previous{{"91621002MA0000002X", "j1"}},
	}
	want := `zsc-draw/1 snapshot
percent	10
floor	1
perdept	2
override	生产企业	100
class	A	2.5
class	D	50
dept	市卫生健康委
dept	市市场监管局
entity	91621002MA0000001X	-	批发商	生产企业
entity	91621002MA0000002X	B
inspector	j1	市市场监管局	1	1	0
inspector	j2	市市场监管局	1	0	1
conflict	j1	91621002MA0000001X
conflict	j2	91621002MA0000001X
previous	91621002MA0000002X	j1
`
	if got := string(s.Encode()); got != want {
		t.Fatalf("Encode:\n%s\nwant:\n%s", got, want)
	}
	if got, want := s.Hash(), sha256Hex([]byte(want)); got != want {
		t.Fatalf("Hash = %s, want the SHA-256 of the encoding %s", got, want)
	}
}

func TestDecodeSnapshotRejects(t *testing.T) {
	good := string(verifyFixture().Encode())
	tests := []struct {
		name  string
		input string
	}{
		{"empty input", ""},
		{"another header", strings.Replace(good, "zsc-draw/1", "zsc-draw/2", 1)},
		{"a last line without a newline", strings.TrimSuffix(good, "\n")},
		{"an unknown record", good + "auditor\tme\n"},
		{"a record with a missing field", strings.Replace(good, "perdept\t2", "perdept", 1)},
		{"a repeated percent", strings.Replace(good, "floor\t0\n", "floor\t0\npercent\t10\n", 1)},
		{"a missing percent", strings.Replace(good, "percent\t10\n", "", 1)},
		{"an unknown risk class", strings.Replace(good, "\tA\n", "\tE\n", 1)},
		{"a flag that is neither 0 nor 1", strings.Replace(good, "floor\t0", "floor\tno", 1)},
		{"a ratio that is not a number", strings.Replace(good, "percent\t10", "percent\tten", 1)},
		{"a ratio written with a trailing zero", strings.Replace(good, "percent\t10", "percent\t10.0", 1)},
		{"a duplicate entity", good + "entity\t" + uscc(1) + "\tA\n"},
		{"a duplicate conflict", strings.Replace(good, "conflict\t", "conflict\t市市场监管局-1\t"+uscc(9)+"\nconflict\t", 1)},
		{"a perdept of one", strings.Replace(good, "perdept\t2", "perdept\t1", 1)},
		{"entities out of order", strings.Replace(good, "entity\t"+uscc(0)+"\tA\t生产企业\n", "", 1) + "entity\t" + uscc(0) + "\tA\t生产企业\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is rejected", func(t *testing.T) {
			if _, err := DecodeSnapshot([]byte(tt.input)); !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
		})
	}
	t.Run("the fixture itself decodes", func(t *testing.T) {
		if _, err := DecodeSnapshot([]byte(good)); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzDecodeSnapshot(f *testing.F) {
	f.Add(verifyFixture().Encode())
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5 {
		s := randomSnapshot(rng)
		s.Entities = s.Entities[:min(len(s.Entities), 12)]
		f.Add(s.Encode())
	}
	f.Add([]byte(snapshotHeader + "\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeSnapshot(b)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if string(s.Encode()) != string(b) {
			t.Fatal("a decoded snapshot does not encode to its bytes")
		}
		if _, err := Run(seedOf(1), s); err != nil {
			var pe *PoolError
			if !errors.As(err, &pe) {
				t.Fatalf("a decoded snapshot fails to run: %v", err)
			}
		}
	})
}
