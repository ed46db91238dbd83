// Package draw is the double-random draw of 双随机、一公开 (DESIGN.md R4–R6):
// it samples the entities of a task by risk stratum and gives every drawn
// entity a joint team of inspectors from each participating department.
//
// The package is pure: no SQL, no HTTP, no clock, no global state. Its input
// is a Snapshot (the population, the inspector pools and the plan's ratios),
// its randomness is a 32-byte seed, and the same seed and snapshot always give
// the same Result. The store keeps the seed, the snapshot bytes (Encode) and
// the Result; anyone holding the first two can re-run the draw (Verify).
// ALGORITHM.md beside this file describes the algorithm precisely enough to
// re-implement it in another language.
package draw

import (
	"errors"
	"fmt"
)

// Algorithm names the version of the draw algorithm and of the snapshot
// format; it is stored with every draw so that a later algorithm can never be
// mistaken for the one that made an old draw.
const Algorithm = "zsc-draw/1"

// ErrInvalid is wrapped by every error about a malformed snapshot, so that
// callers can map it to the "invalid" error code.
var ErrInvalid = errors.New("draw: invalid input")

// ErrNoReplacement is returned by ReplaceEntity when the stratum has no entity
// left that was never drawn.
var ErrNoReplacement = errors.New("draw: no undrawn entity left in the stratum")

// Risk is an entity's credit-risk class (企业信用风险分类): 'A' low, 'B' general,
// 'C' higher, 'D' high, or 0 for an entity not yet classified.
type Risk byte

// The credit-risk classes; Unclassified is the zero value so that an entity
// without a class is never silently given one.
const (
	Unclassified Risk = 0
	RiskA        Risk = 'A'
	RiskB        Risk = 'B'
	RiskC        Risk = 'C'
	RiskD        Risk = 'D'
)

// riskClasses lists the classes in stratum order.
var riskClasses = [4]Risk{RiskA, RiskB, RiskC, RiskD}

// Valid reports whether r is one of A–D or Unclassified.
func (r Risk) Valid() bool {
	return r == Unclassified || (r >= RiskA && r <= RiskD)
}

// String returns "A".."D", "-" for Unclassified (the snapshot's spelling), or
// a Go-syntax form for an invalid value so that error messages show it.
func (r Risk) String() string {
	switch {
	case r == Unclassified:
		return "-"
	case r.Valid():
		return string(rune(r))
	default:
		return fmt.Sprintf("Risk(%#02x)", byte(r))
	}
}

// MarshalText spells the class as String does, so that a stored Result reads
// "A" rather than 65.
func (r Risk) MarshalText() ([]byte, error) {
	if !r.Valid() {
		return nil, fmt.Errorf("%w: risk class %s", ErrInvalid, r)
	}
	return []byte(r.String()), nil
}

// UnmarshalText is the inverse of MarshalText.
func (r *Risk) UnmarshalText(b []byte) error {
	v, ok := parseRisk(string(b))
	if !ok {
		return fmt.Errorf("%w: risk class %q", ErrInvalid, b)
	}
	*r = v
	return nil
}

func parseRisk(s string) (Risk, bool) {
	switch s {
	case "-":
		return Unclassified, true
	case "A", "B", "C", "D":
		return Risk(s[0]), true
	}
	return 0, false
}

// Entity is one market entity of the population to draw from.
type Entity struct {
	// USCC is the 统一社会信用代码 that identifies the entity.
	USCC string
	// Risk is the credit-risk class snapshotted at draw time.
	Risk Risk
	// Flags names the sub-populations the entity belongs to (生产企业, 批发商),
	// matched against Spec.Overrides; order and repeats do not matter.
	Flags []string
}

// Inspector is one law-enforcement officer of a department's pool.
type Inspector struct {
	// ID identifies the inspector.
	ID string
	// Dept is the department whose pool the inspector belongs to.
	Dept string
	// Cert is true when the inspector holds a valid 执法证号.
	Cert bool
	// Expert marks a specialist who may join a team but never counts toward R5's two.
	Expert bool
	// OnDuty is false for an inspector who is away (不在岗).
	OnDuty bool
}

// Conflict records a conflict of interest (回避): the inspector is never drawn for the entity.
type Conflict struct {
	InspectorID string
	USCC        string
}

// Previous records that an inspector inspected the entity in the previous
// draw; such inspectors are drawn for it only when no one else is left.
type Previous struct {
	USCC        string
	InspectorID string
}

// Override is a sub-population rule of the plan's ratio, such as "生产企业100%".
type Override struct {
	// Population is the flag an entity must carry to fall under the override.
	Population string
	// Percent is the override's sampling ratio, 0–100.
	Percent float64
}

// Spec is the plan's parsed ratio (R2) and the task's departments.
//
// Ratios are percentages that must be whole multiples of 0.0001 % (at most
// four decimals), because the draw computes with exact integers.
type Spec struct {
	// Percent is the plan's base ratio, 0–100.
	Percent float64
	// Floor is true for a ratio written "…以上": the total drawn must reach Percent.
	Floor bool
	// Overrides are applied first, in this order; an entity falls under the first one it matches.
	Overrides []Override
	// Classes sets per-class ratios in percent; nil, or a missing class, takes the
	// defaults of R4 (A half the plan, B the plan, C twice, D four times, capped at 100).
	// A 100 % plan draws 100 % of every class whatever Classes says.
	Classes map[Risk]float64
	// Depts are the participating departments; each draws its own inspectors.
	// Order does not matter: the draw uses them in byte order.
	Depts []string
	// PerDept is the number of inspectors per department per visit; 0 means 2,
	// and anything else must be at least 2 (R5).
	PerDept int
}

// Snapshot is everything a draw depends on, frozen at draw time.
type Snapshot struct {
	Spec       Spec
	Entities   []Entity
	Inspectors []Inspector
	Conflicts  []Conflict
	Previous   []Previous
}

// Stratum reports one stratum of a draw: its size, its ratio and how many
// entities were drawn from it.
type Stratum struct {
	// Class is "A".."D", "unclassified", "override:<population>", or "floor"
	// for the top-up of a "以上" plan.
	Class string `json:"class"`
	// Population is the number of entities in the stratum; for "floor" it is
	// the number left undrawn by the other strata, from which it tops up.
	Population int `json:"population"`
	// Ratio is the stratum's ratio in percent.
	Ratio float64 `json:"ratio"`
	// Drawn is the number of entities drawn from the stratum.
	Drawn int `json:"drawn"`
}

// Stratum class names other than the risk classes.
const (
	ClassUnclassified   = "unclassified"
	ClassFloor          = "floor"
	ClassOverridePrefix = "override:"
)

// Visit is one drawn entity and its joint team.
type Visit struct {
	USCC string `json:"uscc"`
	Risk Risk   `json:"risk"`
	// Stratum is the Class of the stratum the entity was drawn from.
	Stratum string `json:"stratum"`
	// Team maps each participating department to its inspectors' IDs, in draw order.
	Team map[string][]string `json:"team"`
}

// Result is the outcome of a draw, as stored and as re-computed by Verify.
type Result struct {
	Algorithm    string `json:"algorithm"`
	Seed         string `json:"seed"`          // hex
	SnapshotHash string `json:"snapshot_hash"` // hex SHA-256 of the snapshot's Encode
	// Strata lists the override strata in Spec order, then A, B, C, D, then
	// "unclassified" when it is not empty, then "floor" for a "以上" plan.
	Strata []Stratum `json:"strata"`
	// Visits are in ascending entity-key order, the order of the inspector draw.
	Visits []Visit `json:"visits"`
	// RiskStratified feeds the target 信用风险分类结果应用率 (DESIGN.md §3): the
	// classes were drawn at different ratios and every entity outside the
	// overrides had a class.
	RiskStratified bool `json:"risk_stratified"`
	// RiskApplicable is false for a 100 % plan, where classes cannot change the draw.
	RiskApplicable bool `json:"risk_applicable"`
}

// PoolError reports that a department has too few eligible inspectors for an
// entity: certified, on duty, not experts and without a conflict (R5).
type PoolError struct {
	Dept string
	USCC string
	Need int
	Have int
}

// Error names the department and the entity, since that is what the office must fix.
func (e *PoolError) Error() string {
	return fmt.Sprintf("draw: department %s has %d eligible inspector(s) for entity %s, needs %d (certified, on duty, not expert, no conflict)",
		e.Dept, e.Have, e.USCC, e.Need)
}
