package draw

import (
	"fmt"

	"zsc/schema"
)

// R5 decides who may count toward a department's two inspectors on a visit.
// The draw, a lead's swap and a re-draw all ask it here — the draw's
// snapshot through Pool.InPool, its inner loop through countsForR5 and its
// 回避 list, the swap and the re-draw through Pool.Join — so that no path
// (SQL, a handler) carries its own copy that could drift: the swap once
// forgot the region. The store only loads the plain values (Candidate, Seat)
// and says the refusal in Chinese.

// Pool is where one department's team is drawn from: that department's
// inspectors of the task's region, or of the whole city for a city task.
type Pool struct {
	Dept     string
	Region   string // the task's region
	CityWide bool   // a city task draws from every region
}

// TaskPool is the pool of dept for a task of region: a task of the city
// (市级) draws from every county's inspectors, a county task from its own.
func TaskPool(dept, region string) Pool {
	return Pool{Dept: dept, Region: region, CityWide: region == schema.CityRegion}
}

// Holds reports whether an inspector of dept and region belongs to the pool.
func (p Pool) Holds(dept, region string) bool {
	return dept == p.Dept && (p.CityWide || region == p.Region)
}

// Candidate is what R5 needs to know of one inspector for one visit, as the
// store reads it from the directory at that moment.
type Candidate struct {
	ID       string
	Role     string // only schema.RoleInspector serves on a team
	Disabled bool   // a disabled account (停用) serves on no team
	Dept     string
	Region   string
	Cert     bool // holds a valid 执法证号
	Expert   bool
	OnDuty   bool
	Conflict bool // a recorded 回避 with the visit's entity
}

// Seat is one membership of a visit's team; a swapped-out member keeps an
// inactive seat (their work stays attributed to them).
type Seat struct {
	ID     string
	Dept   string
	Active bool
}

// Why names the R5 condition a candidate fails.
type Why string

const (
	Unknown       Why = "no such person"
	Disabled      Why = "a disabled account"
	NotInspector  Why = "not an inspector"
	OtherDept     Why = "another department"
	OtherRegion   Why = "another region"
	NoCert        Why = "no 执法证号"
	IsExpert      Why = "an expert"
	OffDuty       Why = "not on duty"
	Conflicted    Why = "回避"
	AlreadyOnTeam Why = "already on the team"
	NotOnTeam     Why = "not on the department's team" // said of the one leaving
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

// InPool returns nil when the candidate is a member of the pool at all: an
// enabled inspector account of the pool's department and region. The draw's
// snapshot lists exactly these (experts and the off-duty included, with
// their flags, so that verify can see why they were passed over).
func (p Pool) InPool(c Candidate) error {
	fail := func(w Why) error { return &IneligibleError{ID: c.ID, Pool: p, Why: w, Region: c.Region} }
	switch {
	case c.Disabled:
		return fail(Disabled)
	case c.Role != schema.RoleInspector:
		return fail(NotInspector)
	case c.Dept != p.Dept:
		return fail(OtherDept)
	case !p.Holds(c.Dept, c.Region):
		return fail(OtherRegion)
	}
	return nil
}

// Check returns nil when the candidate may be drawn or swapped into the
// pool's team for the visit the Conflict flag was read for, else an
// *IneligibleError naming the first condition that fails.
func (p Pool) Check(c Candidate) error {
	if err := p.InPool(c); err != nil {
		return err
	}
	fail := func(w Why) error { return &IneligibleError{ID: c.ID, Pool: p, Why: w, Region: c.Region} }
	switch {
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

// Join returns nil when in may take out's seat on the pool department's team
// of a visit whose seats are team: out must hold an active seat of that
// department (a team adjusted meanwhile is refused, not silently widened),
// in must hold no active seat of any department (one person, one seat), and
// in must pass Check. A nil in is someone the directory does not know (or
// no longer knows). Both a lead's 换人 and a re-draw's pick come through
// here, so the directory as it is now has the last word over the snapshot.
func (p Pool) Join(team []Seat, out string, in *Candidate) error {
	id := ""
	if in != nil {
		id = in.ID
	}
	onTeam := false
	for _, s := range team {
		if in != nil && s.ID == id && s.Active {
			return &IneligibleError{ID: id, Pool: p, Why: AlreadyOnTeam}
		}
		if s.ID == out && s.Dept == p.Dept && s.Active {
			onTeam = true
		}
	}
	if !onTeam {
		return &IneligibleError{ID: out, Pool: p, Why: NotOnTeam}
	}
	if in == nil {
		return &IneligibleError{Pool: p, Why: Unknown}
	}
	return p.Check(*in)
}
