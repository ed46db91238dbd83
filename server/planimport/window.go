package planimport

import (
	"regexp"
	"strconv"
	"time"
)

// chinaTime is the zone of the plan's dates: a plan window is a span of calendar days in China (UTC+8, no DST).
var chinaTime = time.FixedZone("CST", 8*60*60)

var (
	// windowStartRE reads "2024年4月开始" (also "4月份开始", "4月起").
	windowStartRE = regexp.MustCompile(`(\d{4})年(\d{1,2})月份?(?:开始|起)`)
	// windowEndRE reads "11月前结束", "2025年1月前结束" and "11月底前结束". "前结" alone is accepted because the seed
	// prints plan 31's window cut off as "11月前结".
	windowEndRE = regexp.MustCompile(`(?:(\d{4})年)?(\d{1,2})月(底|末)?前(?:结束|结|完成)`)
)

// parseWindow reads an 抽查时间 such as "2024年4月开始，11月前结束" into its first and last day (here 2024-04-01 and
// 2024-10-31: "X月前结束" means finished before month X begins, "X月底前结束" by the end of month X). An end without a
// year takes the start's year, or the next one if it would otherwise end before it starts. A window that does not read
// this way ("2024年12月中旬前结束" names no start) gives zero times: the text is kept and the office settles the dates
// when it creates the task, so it is not an import error. Start and End are both set or both zero.
func parseWindow(text string) (start, end time.Time) {
	norm := removeSpace(toHalfWidth(text))
	sm := windowStartRE.FindStringSubmatch(norm)
	em := windowEndRE.FindStringSubmatch(norm)
	if sm == nil || em == nil {
		return time.Time{}, time.Time{}
	}
	sy, _ := strconv.Atoi(sm[1])
	smon, _ := strconv.Atoi(sm[2])
	emon, _ := strconv.Atoi(em[2])
	if sy < 2000 || sy > 2999 || smon < 1 || smon > 12 || emon < 1 || emon > 12 {
		return time.Time{}, time.Time{}
	}
	start = time.Date(sy, time.Month(smon), 1, 0, 0, 0, 0, chinaTime)
	lastDay := func(y int) time.Time {
		if em[3] != "" { // 月底前: the last day of the named month
			return time.Date(y, time.Month(emon)+1, 0, 0, 0, 0, 0, chinaTime)
		}
		return time.Date(y, time.Month(emon), 0, 0, 0, 0, 0, chinaTime) // 月前: the last day of the month before
	}
	if em[1] != "" {
		ey, _ := strconv.Atoi(em[1])
		end = lastDay(ey)
	} else if end = lastDay(sy); end.Before(start) {
		end = lastDay(sy + 1)
	}
	if end.Before(start) {
		return time.Time{}, time.Time{}
	}
	return start, end
}
