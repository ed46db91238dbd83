package report

import "time"

// R13 in one place: the store keeps the completion date and the deadline it
// recorded; whether a publication is due, overdue or was late, and how many
// working days are left, is decided here on the calendar and today's China
// date, never in SQL (the store's WHERE gets LastCompletionDue as a value).

// Due is where a department's publication of one completed visit stands.
type Due struct {
	Deadline string // the last day to publish (R13: PublishWithin working days)
	DaysLeft int    // working days from today to the deadline; 0 on it, negative after
	Overdue  bool   // today is past the deadline: published now, it is late
}

// DueOf is R13 for a visit completed on completedOn, seen on today (both
// China dates).
func (c *Calendar) DueOf(completedOn, today string) (Due, error) {
	d, err := c.Deadline(completedOn)
	if err != nil {
		return Due{}, err
	}
	return c.DueBy(d, today), nil
}

// DueBy is Due for a deadline already recorded (a publication keeps the
// deadline it was given, so a later holiday file does not move it).
func (c *Calendar) DueBy(deadline, today string) Due {
	return Due{Deadline: deadline, DaysLeft: c.WorkingDaysBetween(today, deadline), Overdue: today > deadline}
}

// WorkingDaysBetween counts the working days after from up to and including
// to, negative when to lies before from; 0 when either is not a date, so a
// damaged row shows no countdown rather than failing a whole list.
func (c *Calendar) WorkingDaysBetween(from, to string) int {
	a, err1 := time.ParseInLocation(DateLayout, from, China)
	b, err2 := time.ParseInLocation(DateLayout, to, China)
	if err1 != nil || err2 != nil {
		return 0
	}
	sign := 1
	if b.Before(a) {
		a, b, sign = b, a, -1
	}
	n := 0
	for d := a.AddDate(0, 0, 1); !d.After(b); d = d.AddDate(0, 0, 1) {
		if c.IsWorkingDay(d) {
			n++
		}
	}
	return sign * n
}
