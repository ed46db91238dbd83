package report_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"zsc/server/report"
	"zsc/testdata"
)

func mustCalendar(t *testing.T) *report.Calendar {
	t.Helper()
	cal, err := report.LoadCalendar(testdata.FS, "holidays")
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

func day(s string) time.Time {
	d, err := time.ParseInLocation(report.DateLayout, s, report.China)
	if err != nil {
		panic(err)
	}
	return d
}

func TestWorkingDays(t *testing.T) {
	cal := mustCalendar(t)
	for _, y := range []int{2024, 2025, 2026} {
		if !cal.Covers(y) {
			t.Fatalf("the calendar does not cover %d", y)
		}
	}
	cases := []struct {
		name    string
		date    string
		working bool
	}{
		{"Sunday 2024-02-04 is a make-up working day for 春节", "2024-02-04", true},
		{"Sunday 2024-09-29 is a make-up working day for 国庆节", "2024-09-29", true},
		{"Saturday 2024-10-12 is a make-up working day for 国庆节", "2024-10-12", true},
		{"Tuesday 2024-10-01 is 国庆节", "2024-10-01", false},
		{"Wednesday 2024-10-02 is 国庆节", "2024-10-02", false},
		{"Thursday 2024-10-03 is 国庆节", "2024-10-03", false},
		{"Friday 2024-10-04 is 国庆节", "2024-10-04", false},
		{"Saturday 2024-10-05 is 国庆节", "2024-10-05", false},
		{"Sunday 2024-10-06 is 国庆节", "2024-10-06", false},
		{"Monday 2024-10-07 is 国庆节", "2024-10-07", false},
		{"an ordinary Saturday is off", "2024-06-01", false},
		{"an ordinary Monday is worked", "2024-06-03", true},
		{"Monday 2024-06-10 is 端午节", "2024-06-10", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := cal.IsWorkingDay(day(c.date)); got != c.working {
				t.Fatalf("IsWorkingDay(%s) = %v, want %v", c.date, got, c.working)
			}
		})
	}
}

func TestDeadline(t *testing.T) {
	cal := mustCalendar(t)
	cases := []struct {
		name, completed, deadline string
	}{
		// Counted by hand: 9-23..27 (5), 9-29 Sun worked (6), 9-30 (7),
		// 10-1..7 off, 10-8..11 (11), 10-12 Sat worked (12), 10-14..18 (17),
		// 10-21, 22, 23 (20).
		{"a deadline spanning 国庆节 skips the holiday and counts both make-up days", "2024-09-20", "2024-10-23"},
		// 6-4..7 (4), 6-10 端午 off, 6-11..14 (8), 6-17..21 (13), 6-24..28 (18), 7-1, 7-2 (20).
		{"a deadline spanning 端午节 skips the Monday off", "2024-06-03", "2024-07-02"},
		// A visit completed on a Saturday counts from the Monday: 6-3..7 (5),
		// 6-11..14 (9), 6-17..21 (14), 6-24..28 (19), 7-1 (20).
		{"a visit completed on a weekend counts from the next working day", "2024-06-01", "2024-07-01"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := cal.Deadline(c.completed)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.deadline {
				t.Fatalf("Deadline(%s) = %s, want %s", c.completed, got, c.deadline)
			}
		})
	}
	t.Run("adding no working days keeps the date", func(t *testing.T) {
		if got := cal.AddWorkingDays(day("2024-10-01"), 0).Format(report.DateLayout); got != "2024-10-01" {
			t.Fatalf("got %s", got)
		}
	})
	t.Run("the last completion date due is the latest whose deadline has passed", func(t *testing.T) {
		got, err := cal.LastCompletionDue("2024-10-24")
		if err != nil {
			t.Fatal(err)
		}
		// 2024-09-20 ends on 10-23 (passed); 09-21 and 09-22 are a weekend and end on 10-23 too; 09-23 ends on 10-24.
		if got != "2024-09-22" {
			t.Fatalf("got %s, want 2024-09-22", got)
		}
	})
	t.Run("dates are China dates", func(t *testing.T) {
		if got := report.ChinaDate("2024-05-31T16:30:00.000Z"); got != "2024-06-01" {
			t.Fatalf("16:30 UTC on 31 May is %s in China, want 2024-06-01", got)
		}
	})
}

func TestUncoveredYears(t *testing.T) {
	cal := report.NewCalendar()
	if err := cal.Read(strings.NewReader("date\tkind\tname\n2026-01-01\tholiday\t元旦\n")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		today string
		want  []int
	}{
		{"2026-06-30", nil},         // its own year is known; December is far
		{"2026-11-01", []int{2027}}, // from November the next year's deadlines are near
		{"2027-01-04", []int{2027}}, // a year without its file
		{"2025-12-31", []int{2025}}, // an older year without its file, the next one known
	} {
		if got := cal.Uncovered(day(tc.today)); !slices.Equal(got, tc.want) {
			t.Errorf("Uncovered(%s) = %v, want %v", tc.today, got, tc.want)
		}
	}
}
