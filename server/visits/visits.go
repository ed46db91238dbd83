// Package visits holds the rules of a visit's date and of a lead's
// adjustment (改期, 换人) of a drawn visit. It is pure Go — no SQL, no HTTP —
// so that the store only loads and writes and every rule is tested on plain
// values. Who may take a seat on the team is R5's, in server/draw
// (Pool.Join); who may adjust which visit is the policy's, in server/authz.
package visits

import (
	"strings"
	"time"

	"zsc/schema"
	"zsc/server/report"
)

// PerDay is how many visits the draw's default schedule puts on one day: a
// team can do about five 进一次门 a day; the lead moves single visits after.
const PerDay = 5

// ScheduleDay is the default date of the i-th visit (0-based, in the draw's
// order) of a draw made at base: PerDay a day on weekdays, from the draw's
// China date on. It skips weekends only — holidays are the lead's to move
// around, and the draw must not depend on a holiday file to be replayed.
func ScheduleDay(base time.Time, i int) string {
	d := base.In(report.China)
	for n := i / PerDay; ; d = d.AddDate(0, 0, 1) {
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			continue
		}
		if n == 0 {
			return d.Format(report.DateLayout)
		}
		n--
	}
}

// Adjustment is a lead's request to move a visit's date, swap a member of
// its team, or both, with the reason kept in the trail.
type Adjustment struct {
	ScheduledOn string // the new date, "" to keep it
	Swap        bool   // a member is swapped (checked by draw.Pool.Join)
	Reason      string
}

// Asked refuses an adjustment that asks for nothing, before anything is
// loaded: such a PATCH writes nothing, not even an audit row (DESIGN §8.10).
func (a Adjustment) Asked() error {
	if a.ScheduledOn == "" && !a.Swap {
		return schema.Errorf(schema.EINVALID, "没有要调整的内容：请给出新的检查日期（scheduled_on）或要调换的检查人员（swap）")
	}
	return nil
}

// Check is the adjustment's rules once the visit's current date is known:
// it must change something, say why (留痕: a later reader learns why the
// team or the date differs from the draw), and a new date must be a date.
func (a Adjustment) Check(current string) error {
	if err := a.Asked(); err != nil {
		return err
	}
	if a.ScheduledOn == current && !a.Swap {
		return schema.Errorf(schema.EINVALID, "检查日期已是 %s，没有要调整的内容", a.ScheduledOn)
	}
	if strings.TrimSpace(a.Reason) == "" {
		what := "改期"
		if a.Swap {
			what = "换人"
		}
		return schema.Errorf(schema.EINVALID, "请填写%s的原因（reason），原因将记入留痕", what)
	}
	if a.Reschedules(current) {
		if _, err := time.Parse(report.DateLayout, a.ScheduledOn); err != nil {
			return schema.Errorf(schema.EINVALID, "新的检查日期应为 2024-06-03 这样的日期，收到的是“%s”", a.ScheduledOn)
		}
	}
	return nil
}

// Reschedules reports whether the adjustment moves the visit's date.
func (a Adjustment) Reschedules(current string) bool {
	return a.ScheduledOn != "" && a.ScheduledOn != current
}

// Adjustable refuses to adjust or re-draw a visit that is no longer open:
// a completed visit's team and date are what happened, and a replaced one
// lives on as its replacement. entity names the visit for the lead.
func Adjustable(status, entity string) error {
	switch status {
	case "open":
		return nil
	case "replaced":
		return schema.Errorf(schema.ECONFLICT, "%s这户检查已被重新抽取替换，不能再调整", entity)
	}
	return schema.Errorf(schema.ECONFLICT, "%s这户检查已完成，不能再调整", entity)
}
