package draw

import "fmt"

// R5 decides who may count toward a department's two inspectors on a visit.
// The draw, a lead's swap and a re-draw all ask it here, through Pool.Check
// and countsForR5, so that no path (SQL, a handler) carries its own copy
// that could drift — the swap once forgot the region.

// Pool is where one department's team is drawn from: that department's
// inspectors of the task's region, or of the whole city for a city task.
type Pool struct {
	Dept     string
	Region   string // the task's region
	CityWide bool   // a city task draws from every region
}

// Holds reports whether an inspector of dept and region belongs to the pool.
// The draw's snapshot lists exactly the pools' members.
func (p Pool) Holds(dept, region string) bool {
	return dept == p.Dept && (p.CityWide || region == p.Region)
}

// Candidate is what R5 needs to know of one inspector for one visit.
type Candidate struct {
	ID        string
	Inspector bool // has the inspector role and an enabled account
	Dept      string
	Region    string
	Cert      bool // holds a valid 执法证号
	Expert    bool
	OnDuty    bool
	Conflict  bool // a recorded 回避 with the visit's entity
}

// Why names the R5 condition a candidate fails.
type Why string

const (
	NotInspector Why = "not an inspector"
	OtherDept    Why = "another department"
	OtherRegion  Why = "another region"
	NoCert       Why = "no 执法证号"
	IsExpert     Why = "an expert"
	OffDuty      Why = "not on duty"
	Conflicted   Why = "回避"
)

// IneligibleError says why a candidate cannot count toward the pool's team.
type IneligibleError struct {
	ID   string
	Pool Pool
	Why  Why
	// Region is the candidate's region, for OtherRegion.
	Region string
}

func (e *IneligibleError) Error() string {
	if e.Why == OtherRegion {
		return fmt.Sprintf("R5: inspector %s is of region %s, outside the pool of %s in region %s", e.ID, e.Region, e.Pool.Dept, e.Pool.Region)
	}
	return fmt.Sprintf("R5: inspector %s cannot serve on the team of %s: %s", e.ID, e.Pool.Dept, e.Why)
}

// countsForR5 is the part of R5 an inspector carries alone: certified, on
// duty and not an expert (experts may join a team but never count).
func countsForR5(cert, expert, onDuty bool) bool { return cert && onDuty && !expert }

// Check returns nil when the candidate may be drawn or swapped into the
// pool's team for the visit the Conflict flag was read for, else an
// *IneligibleError naming the first condition that fails.
func (p Pool) Check(c Candidate) error {
	fail := func(w Why) error { return &IneligibleError{ID: c.ID, Pool: p, Why: w, Region: c.Region} }
	switch {
	case !c.Inspector:
		return fail(NotInspector)
	case c.Dept != p.Dept:
		return fail(OtherDept)
	case !p.Holds(c.Dept, c.Region):
		return fail(OtherRegion)
	case !c.Cert:
		return fail(NoCert)
	case c.Expert:
		return fail(IsExpert)
	case !c.OnDuty:
		return fail(OffDuty)
	case c.Conflict:
		return fail(Conflicted)
	}
	return nil
}
