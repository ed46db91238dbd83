// Package report computes what the 联席办 watches and files: the six
// targets of DESIGN §3 with their drill-downs, the monthly progress table
// 附件3 (R14) as JSON, CSV and XLSX, the publication deadlines of R13 on the
// Chinese working-day calendar, and the audit trail's CSV. It is pure Go: it
// takes facts the store has read and returns figures and bytes, and knows no
// SQL and no HTTP, so every rule here is tested on small hand-made facts.
package report

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// China is the time zone every date of the office is counted in (UTC+8, no
// daylight saving): a visit completed at 23:30 on 31 May in 庆阳 belongs to
// May even though it is 15:30 UTC.
var China = time.FixedZone("CST", 8*3600)

// DateLayout is how dates are written: 2024-06-03.
const DateLayout = "2006-01-02"

// Calendar is the Chinese working-day calendar: Monday to Friday are working
// days, Saturday and Sunday are not, except for the dates its holiday files
// list: a public holiday (放假) is off even on a weekday, a 调休 make-up day
// (上班) is worked even on a weekend.
type Calendar struct {
	off   map[string]string // date → holiday name
	on    map[string]string // date → the holiday a make-up day is for
	years map[int]bool
}

// NewCalendar returns a calendar with only the weekend rule.
func NewCalendar() *Calendar {
	return &Calendar{off: map[string]string{}, on: map[string]string{}, years: map[int]bool{}}
}

// LoadCalendar reads every *.tsv file of dir in fsys (testdata.FS,
// "holidays"): header "date	kind	name", kind holiday or workday.
func LoadCalendar(fsys fs.FS, dir string) (*Calendar, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	c := NewCalendar()
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".tsv") {
			continue
		}
		f, err := fsys.Open(path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		err = c.Read(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
	}
	return c, nil
}

// Read adds the dates of one holiday file.
func (c *Calendar) Read(r io.Reader) error {
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if text == "" || line == 1 && strings.HasPrefix(text, "date\t") {
			continue
		}
		f := strings.Split(text, "\t")
		if len(f) < 2 {
			return fmt.Errorf("line %d: want date, kind and name separated by tabs", line)
		}
		d, err := time.Parse(DateLayout, f[0])
		if err != nil {
			return fmt.Errorf("line %d: %q is not a date", line, f[0])
		}
		name := ""
		if len(f) > 2 {
			name = f[2]
		}
		switch f[1] {
		case "holiday":
			c.off[f[0]] = name
		case "workday":
			if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
				return fmt.Errorf("line %d: make-up working day %s is not a weekend day", line, f[0])
			}
			c.on[f[0]] = name
		default:
			return fmt.Errorf("line %d: kind %q is neither holiday nor workday", line, f[1])
		}
		c.years[d.Year()] = true
	}
	return sc.Err()
}

// Years lists the years the calendar has holiday data for; outside them
// only the weekend rule applies.
func (c *Calendar) Years() []int {
	var ys []int
	for y := range c.years {
		ys = append(ys, y)
	}
	sort.Ints(ys)
	return ys
}

// Covers reports whether the calendar knows the holidays of year.
func (c *Calendar) Covers(year int) bool { return c.years[year] }

// Uncovered lists the years whose deadlines may be counted on today (a
// China date) without their holidays: today's year, and from November the
// next (a visit completed in December has its 20 working days in January;
// the State Council publishes a year's arrangement in November or
// December). Their working days then follow the weekend rule alone, which
// misses 元旦 and 春节: the operator adds the year's file and rebuilds.
func (c *Calendar) Uncovered(today time.Time) []int {
	var out []int
	years := []int{today.Year()}
	if today.Month() >= time.November {
		years = append(years, today.Year()+1)
	}
	for _, y := range years {
		if !c.Covers(y) {
			out = append(out, y)
		}
	}
	return out
}

// IsWorkingDay reports whether the calendar date of t (in t's location) is
// a working day.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	key := t.Format(DateLayout)
	if _, ok := c.on[key]; ok {
		return true
	}
	if _, ok := c.off[key]; ok {
		return false
	}
	wd := t.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkingDays returns the n-th working day after the calendar date of t
// (the day of t itself never counts), at midnight in t's location. n = 0
// returns the date of t. A visit completed on a Friday before a long holiday
// therefore gets its 20 days counted from the next working day on.
func (c *Calendar) AddWorkingDays(t time.Time, n int) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return d
}

// PublishWithin is R13's limit: results are published within 20 working
// days of the visit's completion.
const PublishWithin = 20

// Deadline is the last day to publish the results of a visit completed on
// the China date completedOn ("2024-09-20").
func (c *Calendar) Deadline(completedOn string) (string, error) {
	d, err := time.ParseInLocation(DateLayout, completedOn, China)
	if err != nil {
		return "", fmt.Errorf("completion date %q: %w", completedOn, err)
	}
	return c.AddWorkingDays(d, PublishWithin).Format(DateLayout), nil
}

// LastCompletionDue is the latest completion date whose deadline falls
// before today: a visit completed on or before it and still unpublished is
// overdue. Deadlines grow with the completion date, so the date is found by
// walking back from today.
func (c *Calendar) LastCompletionDue(today string) (string, error) {
	t, err := time.ParseInLocation(DateLayout, today, China)
	if err != nil {
		return "", fmt.Errorf("date %q: %w", today, err)
	}
	// 20 working days never span more than 20 weeks plus the longest holiday.
	for d := t.AddDate(0, 0, -1); d.After(t.AddDate(0, 0, -200)); d = d.AddDate(0, 0, -1) {
		if c.AddWorkingDays(d, PublishWithin).Before(t) {
			return d.Format(DateLayout), nil
		}
	}
	return t.AddDate(0, 0, -200).Format(DateLayout), nil
}

// ChinaDate is the China calendar date of an RFC 3339 timestamp ("" for "").
func ChinaDate(ts string) string {
	if ts == "" {
		return ""
	}
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		if len(ts) >= 10 {
			return ts[:10]
		}
		return ""
	}
	return t.In(China).Format(DateLayout)
}

// ChinaMonth is the China month ("2024-06") of an RFC 3339 timestamp.
func ChinaMonth(ts string) string {
	d := ChinaDate(ts)
	if len(d) < 7 {
		return ""
	}
	return d[:7]
}

// MonthEnd is the first instant after month ("2024-06") in China time, as
// the UTC text the store keeps timestamps in, so that "at < MonthEnd" selects
// everything up to the end of the month.
func MonthEnd(month string) (string, error) {
	t, err := time.ParseInLocation("2006-01", month, China)
	if err != nil {
		return "", fmt.Errorf("month %q is not YYYY-MM", month)
	}
	return t.AddDate(0, 1, 0).UTC().Format("2006-01-02T15:04:05.000Z07:00"), nil
}

// ValidMonth reports whether s is YYYY-MM.
func ValidMonth(s string) bool {
	if len(s) != 7 || s[4] != '-' {
		return false
	}
	y, err1 := strconv.Atoi(s[:4])
	m, err2 := strconv.Atoi(s[5:])
	return err1 == nil && err2 == nil && y >= 2000 && y <= 2100 && m >= 1 && m <= 12
}
