package draw

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Ratios are computed in exact integers, in units of 1/20,000 of a percent
// (two per ppm), so that counts are exact ceilings (a float ceil of 0.1 × 30
// gives 4) and so that the default A ratio, half the plan's, is exact for
// every ratio the snapshot can hold (at most four decimals of a percent).
const (
	unitWhole  = 2_000_000 // 100 %
	unitsPerPc = 20_000    // 1 %
)

// ratioUnits converts a percentage to units. It accepts only values whose shortest
// decimal form has at most four decimals, so that the ratio written in the
// snapshot is exactly the ratio computed with, with no rounding to explain.
func ratioUnits(p float64) (int64, error) {
	if math.IsNaN(p) || p < 0 || p > 100 {
		return 0, fmt.Errorf("%w: ratio %v%% is outside 0–100", ErrInvalid, p)
	}
	if p == 0 { // also -0, whose decimal form has a sign
		return 0, nil
	}
	s := strconv.FormatFloat(p, 'f', -1, 64)
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 4 {
		return 0, fmt.Errorf("%w: ratio %s%% has more than four decimals", ErrInvalid, s)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: ratio %s%%", ErrInvalid, s)
	}
	f := int64(0)
	if frac != "" {
		f, err = strconv.ParseInt(frac+strings.Repeat("0", 4-len(frac)), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%w: ratio %s%%", ErrInvalid, s)
		}
	}
	return (w*10_000 + f) * 2, nil
}

// formatUnits writes a ratio as the snapshot spells it: a percentage in
// decimal without trailing zeros ("10", "2.5", "0.0125"). Every ratio of a
// snapshot is a whole number of 0.0001 %, that is an even number of units.
func formatUnits(u int64) string {
	s := strconv.FormatInt(u/unitsPerPc, 10)
	if f := (u % unitsPerPc) / 2; f != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%04d", f), "0")
	}
	return s
}

// formatRatio spells a percentage for the snapshot; a value ratioUnits rejects
// (which Run never accepts) is written in Go's shortest form so that Encode
// stays total.
func formatRatio(p float64) string {
	u, err := ratioUnits(p)
	if err != nil {
		return strconv.FormatFloat(p, 'g', -1, 64)
	}
	return formatUnits(u)
}

// percentOf turns units back into a percentage for reports; the division is
// correctly rounded, so it equals the decimal written in the snapshot.
func percentOf(u int64) float64 { return float64(u) / unitsPerPc }

// quota is R4's count: ceil(n × ratio / 100 %), exact in integers. It is at
// most n, and at least 1 when n > 0 and the ratio is not 0.
func quota(n int, u int64) int {
	return int((int64(n)*u + unitWhole - 1) / unitWhole)
}

// classRatios returns the ratio of each risk class A–D (R4): a 100 % plan
// draws everyone; otherwise Spec.Classes, else the defaults A = half,
// B = the plan, C = twice, D = four times, capped at 100 %.
func classRatios(plan int64, classes map[Risk]int64) [4]int64 {
	var out [4]int64
	if plan == unitWhole {
		for i := range out {
			out[i] = unitWhole
		}
		return out
	}
	def := [4]int64{plan / 2, plan, min(2*plan, unitWhole), min(4*plan, unitWhole)}
	for i, c := range riskClasses {
		if v, ok := classes[c]; ok {
			out[i] = v
		} else {
			out[i] = def[i]
		}
	}
	return out
}
