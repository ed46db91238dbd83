package draw

// Forecast is what a draw of a snapshot will take, known before any seed
// exists: how many entities each stratum holds, at which ratio, and how many
// it will give. Which entities and which inspectors depend on the seed; the
// counts do not (R4's quotas are ceilings of population × ratio, and a
// "以上" plan's top-up is the plan's ratio of the whole minus what the
// strata gave). The office reads it before it draws (GET
// /tasks/{id}/population), so that a surprising population (an import not
// done, a class missing) is seen before a draw that cannot be undone.
type Forecast struct {
	// Strata are in Run's order: the overrides, A–D, "unclassified" (always,
	// even when empty, so that the screen shows every class), then "floor"
	// for a "以上" plan. Drawn is the count the draw will take.
	Strata         []Stratum   `json:"strata"`
	Population     int         `json:"population"`
	Drawn          int         `json:"drawn"`
	RiskApplicable bool        `json:"risk_applicable"`
	Pools          []PoolCount `json:"pools"`
}

// PoolCount is how many inspectors of a department count toward its two
// per visit (certified, on duty, not experts), before 回避 per entity.
type PoolCount struct {
	Dept     string `json:"dept"`
	Eligible int    `json:"eligible"`
	PerDept  int    `json:"per_dept"`
}

// Preview validates the snapshot as Run does and returns its Forecast.
func Preview(s *Snapshot) (*Forecast, error) {
	p, err := prepare(s)
	if err != nil {
		return nil, err
	}
	names, ratios := p.strata()
	pop := make([]int, len(names))
	for i := range s.Entities {
		pop[p.stratumOf(&s.Entities[i])]++
	}
	f := &Forecast{Population: len(s.Entities), RiskApplicable: p.planUnits < unitWhole}
	for i, name := range names {
		n := quota(pop[i], ratios[i])
		f.Strata = append(f.Strata, Stratum{Class: name, Population: pop[i], Ratio: percentOf(ratios[i]), Drawn: n})
		f.Drawn += n
	}
	if s.Spec.Floor {
		left := len(s.Entities) - f.Drawn
		top := max(0, quota(len(s.Entities), p.planUnits)-f.Drawn)
		f.Strata = append(f.Strata, Stratum{Class: ClassFloor, Population: left, Ratio: percentOf(p.planUnits), Drawn: top})
		f.Drawn += top
	}
	p.indexInspectors()
	for i, d := range p.depts {
		f.Pools = append(f.Pools, PoolCount{Dept: d, Eligible: len(p.pools[i]), PerDept: p.perDept})
	}
	return f, nil
}
