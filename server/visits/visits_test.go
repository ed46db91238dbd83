package visits

import (
	"errors"
	"strings"
	"testing"
	"time"

	"zsc/schema"
)

// The draw's default dates: five a day (每天五户), weekdays only, from the
// draw's China date — a draw at 17:00 UTC on a Friday is Saturday in China.
func TestScheduleDay(t *testing.T) {
	fri := time.Date(2024, 6, 7, 3, 0, 0, 0, time.UTC)   // Friday 11:00 in China
	late := time.Date(2024, 6, 7, 17, 0, 0, 0, time.UTC) // Saturday 01:00 in China
	for _, c := range []struct {
		name string
		base time.Time
		i    int
		want string
	}{
		{"the first five on the draw's day", fri, 4, "2024-06-07"},
		{"the sixth on the next weekday (周一)", fri, 5, "2024-06-10"},
		{"the eleventh on Tuesday", fri, 10, "2024-06-11"},
		{"a draw on a Saturday in China starts on Monday", late, 0, "2024-06-10"},
	} {
		if got := ScheduleDay(c.base, c.i); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}

func TestAdjustment(t *testing.T) {
	const current = "2024-06-10"
	for _, c := range []struct {
		name string
		a    Adjustment
		want string // a piece of the refusal, "" for none
	}{
		{"改期 with a reason", Adjustment{ScheduledOn: "2024-06-12", Reason: "企业停产"}, ""},
		{"换人 with a reason", Adjustment{Swap: true, Reason: "回避"}, ""},
		{"换人 keeping the same date", Adjustment{ScheduledOn: current, Swap: true, Reason: "不在岗"}, ""},
		{"nothing asked", Adjustment{Reason: "x"}, "没有要调整的内容"},
		{"the same date, nothing else", Adjustment{ScheduledOn: current, Reason: "x"}, "检查日期已是 2024-06-10"},
		{"改期 without a reason", Adjustment{ScheduledOn: "2024-06-12", Reason: "  "}, "请填写改期的原因"},
		{"换人 without a reason", Adjustment{Swap: true}, "请填写换人的原因"},
		{"not a date", Adjustment{ScheduledOn: "6月12日", Reason: "x"}, "2024-06-03 这样的日期"},
	} {
		err := c.a.Check(current)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
		case c.want != "":
			var se *schema.Error
			if !errors.As(err, &se) || se.Code != schema.EINVALID {
				t.Errorf("%s: %v is not EINVALID", c.name, err)
			}
		}
	}
	if (Adjustment{}).Asked() == nil || (Adjustment{Swap: true}).Asked() != nil {
		t.Error("Asked")
	}
	if !(Adjustment{ScheduledOn: "2024-06-12"}).Reschedules(current) || (Adjustment{ScheduledOn: current}).Reschedules(current) || (Adjustment{Swap: true}).Reschedules(current) {
		t.Error("Reschedules")
	}
}

func TestAdjustable(t *testing.T) {
	if err := Adjustable("open", "甲公司"); err != nil {
		t.Error(err)
	}
	for status, want := range map[string]string{"complete": "已完成", "replaced": "已被重新抽取替换"} {
		err := Adjustable(status, "甲公司")
		var se *schema.Error
		if !errors.As(err, &se) || se.Code != schema.ECONFLICT || !strings.Contains(se.Message, want) {
			t.Errorf("%s: %v", status, err)
		}
	}
}
