package draw

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"testing"
)

// verifyFixture is a small joint draw: two departments, risk strata and an override.
func verifyFixture() *Snapshot {
	es := population(map[Risk]int{RiskA: 40, RiskB: 30, RiskC: 20, RiskD: 10})
	for i := 0; i < len(es); i += 9 {
		es[i].Flags = []string{"生产企业"}
	}
	return &Snapshot{
		Spec: Spec{Percent: 10, Overrides: []Override{{Population: "生产企业", Percent: 100}},
			Depts: []string{"市市场监管局", "市卫生健康委"}},
		Entities:   es,
		Inspectors: append(pool("市市场监管局", 6), pool("市卫生健康委", 5)...),
		Conflicts:  []Conflict{{InspectorID: "市市场监管局-1", USCC: uscc(9)}},
		Previous:   []Previous{{USCC: uscc(18), InspectorID: "市卫生健康委-2"}},
	}
}

func TestVerify(t *testing.T) {
	seed := seedOf(42)
	s := verifyFixture()
	snap := s.Encode()
	stored := mustRun(t, seed, s)
	rehash := func(r *Result, b []byte) *Result {
		c := cloneResult(r)
		c.SnapshotHash = sha256Hex(b)
		return c
	}
	otherSeed := seed
	otherSeed[31] ^= 1
	changeEntity := func(f func(es []Entity) []Entity) []byte {
		c := *s
		c.Entities = f(slices.Clone(s.Entities))
		return c.Encode()
	}
	reclassified := changeEntity(func(es []Entity) []Entity { es[50].Risk = RiskD; return es })
	removed := changeEntity(func(es []Entity) []Entity { return slices.Delete(es, 50, 51) })
	swapped := bytes.Replace(snap, []byte("entity\t"+uscc(1)+"\tA\n"), nil, 1)
	swapped = append(swapped, []byte("entity\t"+uscc(1)+"\tA\n")...)
	viaJSON := func() *Result {
		b, err := json.Marshal(stored)
		if err != nil {
			t.Fatal(err)
		}
		var r Result
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		return &r
	}()
	tamperedTeam := cloneResult(stored)
	tamperedTeam.Visits[3].Team["市卫生健康委"][0] = "市卫生健康委-5"
	if slices.Equal(tamperedTeam.Visits[3].Team["市卫生健康委"], stored.Visits[3].Team["市卫生健康委"]) {
		tamperedTeam.Visits[3].Team["市卫生健康委"][0] = "市卫生健康委-4"
	}
	otherAlgorithm := cloneResult(stored)
	otherAlgorithm.Algorithm = "zsc-draw/0"
	forgedSeed := cloneResult(stored)
	forgedSeed.Seed = "00" + stored.Seed[2:]

	tests := []struct {
		name     string
		seed     [32]byte
		snapshot []byte
		stored   *Result
		ok       bool
		reason   string // a part of the reason
	}{
		{"the stored draw verifies", seed, snap, stored, true, ""},
		{"the stored draw verifies after a trip through JSON", seed, snap, viaJSON, true, ""},
		{"one byte of the seed changed fails", otherSeed, snap, stored, false, "seed"},
		{"a seed changed in the record too fails on the result", otherSeed, snap, func() *Result {
			c := cloneResult(stored)
			c.Seed = stored.Seed[:62] + "2b"
			return c
		}(), false, "re-run"},
		{"a stored seed that is not the one given fails", seed, snap, forgedSeed, false, "seed"},
		{"one entity's risk class changed fails", seed, reclassified, stored, false, "snapshot hash"},
		{"one entity removed fails", seed, removed, stored, false, "snapshot hash"},
		{"a changed entity with a forged hash fails on the strata", seed, reclassified, rehash(stored, reclassified), false, "stratum"},
		{"a removed entity with a forged hash fails on the strata", seed, removed, rehash(stored, removed), false, "stratum"},
		{"a snapshot out of canonical order fails", seed, swapped, rehash(stored, swapped), false, "canonical"},
		{"a changed team fails naming the department", seed, snap, tamperedTeam, false, "市卫生健康委"},
		{"another algorithm's draw fails", seed, snap, otherAlgorithm, false, "algorithm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := cloneResult(tt.stored)
			ok, reason, err := Verify(tt.seed, tt.snapshot, tt.stored)
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if ok != tt.ok || (!ok && !contains(reason, tt.reason)) || (ok && reason != "") {
				t.Fatalf("Verify = %v, %q; want %v with a reason mentioning %q", ok, reason, tt.ok, tt.reason)
			}
			if !equalResults(before, tt.stored) {
				t.Fatal("Verify changed the stored result")
			}
		})
	}
	t.Run("a missing stored result is an error", func(t *testing.T) {
		if _, _, err := Verify(seed, snap, nil); !errors.Is(err, ErrInvalid) {
			t.Fatalf("err = %v", err)
		}
	})
}

func equalResults(a, b *Result) bool {
	return diff(a, b) == "" && a.Seed == b.Seed && a.Algorithm == b.Algorithm
}

// sha256Hex is the content address of encoded bytes.
func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
