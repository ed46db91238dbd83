package planimport

import (
	"strings"
	"testing"
	"time"
)

func TestParseRatio(t *testing.T) {
	production := []Override{{Population: "生产企业", Percent: 100}}
	for _, tc := range []struct {
		name string
		in   string
		want Ratio
	}{
		{"a plain percentage is the base", "10%", Ratio{Percent: 10}},
		{"everything is 100%", "100%", Ratio{Percent: 100}},
		{"twenty percent", "20%", Ratio{Percent: 20}},
		{"以上 makes a floor", "3%以上", Ratio{Percent: 3, Floor: true}},
		{"20%以上 is a floor of 20", "20%以上", Ratio{Percent: 20, Floor: true}},
		{"10%以上 is a floor of 10", "10%以上", Ratio{Percent: 10, Floor: true}},
		{"a sub-population rule in full-width parentheses is an override", "10%（生产企业100%抽查）", Ratio{Percent: 10, Overrides: production}},
		{"a space and half-width parentheses are tolerated", "10% (生产企业100%抽查)", Ratio{Percent: 10, Overrides: production}},
		{"wholesalers can be the sub-population", "10%（批发商100%抽查）", Ratio{Percent: 10, Overrides: []Override{{Population: "批发商", Percent: 100}}}},
		{"a floor and an override combine", "10%以上(生产企业100%抽查)", Ratio{Percent: 10, Floor: true, Overrides: production}},
		{"full-width digits and percent sign are read", "１０％", Ratio{Percent: 10}},
		{"surrounding and ideographic spaces are tolerated", "\u3000 10 % 以上 ", Ratio{Percent: 10, Floor: true}},
		{"a decimal percentage is read", "0.5%", Ratio{Percent: 0.5}},
		{"及以上 is a floor too", "5%及以上", Ratio{Percent: 5, Floor: true}},
		{"不低于 in front is a floor", "不低于10%", Ratio{Percent: 10, Floor: true}},
		{"several overrides are read in order", "10%（生产企业100%抽查；批发企业50%）",
			Ratio{Percent: 10, Overrides: []Override{{"生产企业", 100}, {"批发企业", 50}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseRatio(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			tc.want.Text = tc.in
			if dump(got) != dump(tc.want) {
				t.Errorf("ParseRatio(%q) = %s, want %s", tc.in, dump(got), dump(tc.want))
			}
		})
	}

	for _, tc := range []struct{ name, in string }{
		{"words are not a ratio", "十分之一"},
		{"an empty cell is not a ratio", ""},
		{"spaces are not a ratio", " \u3000 "},
		{"more than everybody is not a ratio", "110%"},
		{"nobody is not a ratio", "0%"},
		{"letters are not a ratio", "abc"},
		{"a number without % is not a ratio", "10"},
		{"a fraction is not a ratio", "1/10"},
		{"two percentages are not a ratio", "10%20%"},
		{"an override without population is rejected", "10%（100%抽查）"},
		{"an override over 100% is rejected", "10%（生产企业200%抽查）"},
		{"empty parentheses are rejected", "10%（）"},
		{"an override in words is rejected", "10%（生产企业全部抽查）"},
		{"an unclosed parenthesis is rejected", "10%（生产企业100%抽查"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseRatio(tc.in)
			if err == nil {
				t.Fatalf("ParseRatio(%q) = %s, want an error", tc.in, dump(r))
			}
			if !strings.Contains(err.Error(), "抽查比例") || !strings.Contains(err.Error(), "“"+tc.in+"”") {
				t.Errorf("error %q should name the column and quote the cell", err)
			}
		})
	}
}

func TestParseWindow(t *testing.T) {
	var zero time.Time
	for _, tc := range []struct {
		name       string
		in         string
		start, end time.Time
	}{
		{"X月前结束 ends on the last day of the month before", "2024年4月开始，11月前结束", day(2024, 4, 1), day(2024, 10, 31)},
		{"a half-width comma reads the same", "2024年4月开始,11月前结束", day(2024, 4, 1), day(2024, 10, 31)},
		{"an end before March of a leap year ends on the 29th", "2024年1月开始，3月前结束", day(2024, 1, 1), day(2024, 2, 29)},
		{"the seed's truncated 前结 still reads", "2024年7月开始，11月前结", day(2024, 7, 1), day(2024, 10, 31)},
		{"月底前 ends on the last day of that month", "2024年4月开始，11月底前结束", day(2024, 4, 1), day(2024, 11, 30)},
		{"an end with its own year uses it", "2024年10月开始，2025年3月前结束", day(2024, 10, 1), day(2025, 2, 28)},
		{"an end month before the start month is next year", "2024年11月开始，2月前结束", day(2024, 11, 1), day(2025, 1, 31)},
		{"1月前结束 ends on New Year's Eve", "2024年4月开始，1月前结束", day(2024, 4, 1), day(2024, 12, 31)},
		{"spaces and full-width digits are tolerated", "2024 年 ４ 月开始， 10 月前结束", day(2024, 4, 1), day(2024, 9, 30)},
		{"a window without start is not read", "2024年12月中旬前结束", zero, zero},
		{"a window without end is not read", "2024年4月开始", zero, zero},
		{"month 13 is not read", "2024年13月开始，11月前结束", zero, zero},
		{"an explicit end before the start is not read", "2024年4月开始，2023年11月前结束", zero, zero},
		{"an empty window is not read", "", zero, zero},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start, end := parseWindow(tc.in)
			if !start.Equal(tc.start) || !end.Equal(tc.end) {
				t.Errorf("parseWindow(%q) = %v..%v, want %v..%v", tc.in, start, end, tc.start, tc.end)
			}
		})
	}
}
