package draw

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
)

// Verify re-runs a stored draw (R6): it decodes the snapshot bytes, checks
// that they are the ones the draw hashed, runs the draw again with the seed
// and compares the whole result. ok is false with a reason naming the first
// difference; err is reserved for a missing stored result.
func Verify(seed [32]byte, snapshot []byte, stored *Result) (ok bool, reason string, err error) {
	if stored == nil {
		return false, "", fmt.Errorf("%w: nil stored result", ErrInvalid)
	}
	if stored.Algorithm != Algorithm {
		return false, fmt.Sprintf("the draw used algorithm %q, this verifier implements %q", stored.Algorithm, Algorithm), nil
	}
	if got := hex.EncodeToString(seed[:]); got != stored.Seed {
		return false, fmt.Sprintf("seed %s is not the stored seed %s", got, stored.Seed), nil
	}
	sum := sha256.Sum256(snapshot)
	if got := hex.EncodeToString(sum[:]); got != stored.SnapshotHash {
		return false, fmt.Sprintf("snapshot hash %s is not the stored hash %s: the snapshot is not the one drawn from", got, stored.SnapshotHash), nil
	}
	s, err := DecodeSnapshot(snapshot)
	if err != nil {
		return false, fmt.Sprintf("snapshot does not decode: %v", err), nil
	}
	again, err := Run(seed, s)
	if err != nil {
		return false, fmt.Sprintf("re-running the draw fails: %v", err), nil
	}
	if reason := diff(stored, again); reason != "" {
		return false, reason, nil
	}
	return true, "", nil
}

// diff names the first difference between a stored and a re-run result, or
// returns "". Nil and empty collections are equal, so that a result that went
// through JSON compares equal to a fresh one.
func diff(stored, again *Result) string {
	switch {
	case stored.SnapshotHash != again.SnapshotHash:
		return fmt.Sprintf("snapshot hash: stored %s, re-run %s", stored.SnapshotHash, again.SnapshotHash)
	case stored.RiskApplicable != again.RiskApplicable:
		return fmt.Sprintf("risk applicable: stored %v, re-run %v", stored.RiskApplicable, again.RiskApplicable)
	case stored.RiskStratified != again.RiskStratified:
		return fmt.Sprintf("risk stratified: stored %v, re-run %v", stored.RiskStratified, again.RiskStratified)
	case len(stored.Strata) != len(again.Strata):
		return fmt.Sprintf("strata: stored %d, re-run %d", len(stored.Strata), len(again.Strata))
	}
	for i, a := range stored.Strata {
		if b := again.Strata[i]; a != b {
			return fmt.Sprintf("stratum %d: stored %+v, re-run %+v", i+1, a, b)
		}
	}
	if len(stored.Visits) != len(again.Visits) {
		return fmt.Sprintf("visits: stored %d, re-run %d", len(stored.Visits), len(again.Visits))
	}
	for i := range stored.Visits {
		a, b := &stored.Visits[i], &again.Visits[i]
		if a.USCC != b.USCC || a.Risk != b.Risk || a.Stratum != b.Stratum {
			return fmt.Sprintf("visit %d: stored %s (%s, %s), re-run %s (%s, %s)", i+1, a.USCC, a.Risk, a.Stratum, b.USCC, b.Risk, b.Stratum)
		}
		if len(a.Team) != len(b.Team) {
			return fmt.Sprintf("visit %d (%s): stored %d departments, re-run %d", i+1, a.USCC, len(a.Team), len(b.Team))
		}
		for dept, ids := range b.Team {
			if got, ok := a.Team[dept]; !ok || !slices.Equal(got, ids) {
				return fmt.Sprintf("visit %d (%s), department %s: stored team %v, re-run %v", i+1, a.USCC, dept, got, ids)
			}
		}
	}
	return ""
}
