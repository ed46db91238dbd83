package report_test

import (
	"testing"

	"zsc/server/report"
)

// R13 (20 个工作日内公示): where a completed visit's publication stands on a day.
func TestDueOf(t *testing.T) {
	cal := mustCalendar(t)
	for _, c := range []struct {
		name, completed, today string
		want                   report.Due
	}{
		{"on the day of completion, 20 working days left", "2024-09-20", "2024-09-20", report.Due{Deadline: "2024-10-23", DaysLeft: 20}},
		// 10-8..11 (4), 10-12 Sat worked (5), 10-14..18 (10), 10-21..23 (13).
		{"国庆 does not count down", "2024-09-20", "2024-10-07", report.Due{Deadline: "2024-10-23", DaysLeft: 13}},
		{"on the deadline: 0 left, not overdue yet", "2024-09-20", "2024-10-23", report.Due{Deadline: "2024-10-23"}},
		{"the day after: overdue (逾期)", "2024-09-20", "2024-10-24", report.Due{Deadline: "2024-10-23", DaysLeft: -1, Overdue: true}},
		// 10-24, 10-25 (2); the weekend 10-26, 27 adds nothing.
		{"a weekend after the deadline counts no working day", "2024-09-20", "2024-10-27", report.Due{Deadline: "2024-10-23", DaysLeft: -2, Overdue: true}},
	} {
		got, err := cal.DueOf(c.completed, c.today)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
	if _, err := cal.DueOf("20.9.2024", "2024-10-01"); err == nil {
		t.Error("a completion date that is not a date is accepted")
	}
	if n := cal.WorkingDaysBetween("bad", "2024-10-01"); n != 0 {
		t.Errorf("WorkingDaysBetween of a bad date = %d, want 0", n)
	}
}

// The store's SQL finds overdue visits by completed_on <= LastCompletionDue
// (a value computed here); the list's status comes from DueOf. Both must say
// the same for every completion date.
func TestLastCompletionDueAgreesWithDueOf(t *testing.T) {
	cal := mustCalendar(t)
	for _, today := range []string{"2024-10-24", "2024-10-08", "2024-06-12", "2025-02-05"} {
		cutoff, err := cal.LastCompletionDue(today)
		if err != nil {
			t.Fatal(err)
		}
		start := day(today).AddDate(0, 0, -80)
		for d := start; d.Format(report.DateLayout) <= today; d = d.AddDate(0, 0, 1) {
			completed := d.Format(report.DateLayout)
			due, err := cal.DueOf(completed, today)
			if err != nil {
				t.Fatal(err)
			}
			if sqlSays := completed <= cutoff; sqlSays != due.Overdue {
				t.Errorf("today %s, completed %s: cutoff %s says overdue=%v, DueOf says %v", today, completed, cutoff, sqlSays, due.Overdue)
			}
		}
	}
}
