// The Chinese working-day calendar, as the server counts it
// (server/report/calendar.go): Monday to Friday are working days, Saturday
// and Sunday are not, except for the dates the holiday files list — a public
// holiday (放假) is off even on a weekday, a 调休 make-up day (上班) is worked
// even on a weekend. The phone counts a notice's 整改期限 on it offline, so
// the files (testdata/holidays/*.tsv) are bundled at build time
// (./holidays.ts); this module only parses and counts, and knows no files.

/** One line of a holiday file. */
export interface CalendarEntry {
  /** 2024-10-01 */
  date: string
  kind: 'holiday' | 'workday'
  /** The holiday the line belongs to: 国庆节. */
  name: string
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/

/** dayNumber turns 2024-10-01 into a count of days (UTC), so that arithmetic never meets a time zone. */
function dayNumber(day: string): number {
  const m = DAY.exec(day)
  if (!m) throw new Error(`日期“${day}”不是 YYYY-MM-DD 格式`)
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
  const back = new Date(t)
  // 2024-02-30 parses to 1 March: refuse it instead of moving on silently.
  if (back.getUTCFullYear() !== Number(m[1]) || back.getUTCMonth() !== Number(m[2]) - 1 || back.getUTCDate() !== Number(m[3])) {
    throw new Error(`日期“${day}”不存在`)
  }
  return t / 86400000
}

function dayText(n: number): string {
  return new Date(n * 86400000).toISOString().slice(0, 10)
}

function weekday(n: number): number {
  return new Date(n * 86400000).getUTCDay()
}

/**
 * parseHolidays reads one holiday file: UTF-8, tab-separated, header
 * "date	kind	name", kind holiday or workday (testdata/holidays/README.md).
 * A bad line throws, naming the file and line: the files are bundled, so a
 * mistake is caught by the tests, never met on a phone.
 */
export function parseHolidays(text: string, file = ''): CalendarEntry[] {
  const where = (line: number) => `${file ? `${file} ` : ''}第 ${line} 行`
  const out: CalendarEntry[] = []
  const lines = text.replace(/^\uFEFF/, '').split('\n')
  lines.forEach((raw, i) => {
    const line = i + 1
    const text = raw.replace(/\r$/, '')
    if (text.trim() === '' || (line === 1 && text.startsWith('date\t'))) return
    const f = text.split('\t')
    if (f.length < 2) throw new Error(`${where(line)}：应为以制表符分隔的日期、类型和名称`)
    const [date, kind, name = ''] = f
    let n: number
    try {
      n = dayNumber(date)
    } catch {
      throw new Error(`${where(line)}：“${date}”不是日期`)
    }
    if (kind === 'workday') {
      const wd = weekday(n)
      if (wd !== 0 && wd !== 6) throw new Error(`${where(line)}：调休上班日 ${date} 不是周末`)
    } else if (kind !== 'holiday') {
      throw new Error(`${where(line)}：类型“${kind}”应为 holiday 或 workday`)
    }
    out.push({ date, kind, name })
  })
  return out
}

/** WorkCalendar answers which days are working days and counts them. */
export class WorkCalendar {
  private readonly off = new Map<string, string>()
  private readonly on = new Map<string, string>()
  private readonly yearsKnown = new Set<number>()

  constructor(entries: CalendarEntry[] = []) {
    for (const e of entries) {
      ;(e.kind === 'holiday' ? this.off : this.on).set(e.date, e.name)
      this.yearsKnown.add(Number(e.date.slice(0, 4)))
    }
  }

  /** fromFiles parses every file of a {path: text} map (what import.meta.glob gives). */
  static fromFiles(files: Record<string, string>): WorkCalendar {
    const entries: CalendarEntry[] = []
    for (const [path, text] of Object.entries(files)) entries.push(...parseHolidays(text, path.split('/').pop()))
    return new WorkCalendar(entries)
  }

  /** years lists the years the calendar has holiday data for; outside them only the weekend rule applies. */
  years(): number[] {
    return [...this.yearsKnown].sort((a, b) => a - b)
  }

  /** covers says whether the calendar knows the holidays of year. */
  covers(year: number): boolean {
    return this.yearsKnown.has(year)
  }

  /** isWorkingDay says whether 2024-10-08 is a working day. */
  isWorkingDay(day: string): boolean {
    if (this.on.has(day)) return true
    if (this.off.has(day)) return false
    const wd = weekday(dayNumber(day))
    return wd !== 0 && wd !== 6
  }

  /** holidayName names the holiday a day belongs to ('' for none), for a hint under the deadline. */
  holidayName(day: string): string {
    return this.off.get(day) ?? ''
  }

  /**
   * addWorkingDays returns the n-th working day after day (the day itself
   * never counts), as server/report/calendar.go AddWorkingDays does: a notice
   * issued on the Friday before 国庆 gets its days counted from the first
   * working day after the holiday. n = 0 returns day.
   */
  addWorkingDays(day: string, n: number): string {
    if (!Number.isInteger(n) || n < 0) throw new Error(`工作日数应为非负整数，而不是 ${n}`)
    let d = dayNumber(day)
    let left = n
    while (left > 0) {
      d++
      if (this.isWorkingDay(dayText(d))) left--
    }
    return dayText(d)
  }

  /**
   * workingDaysBetween counts the working days after from up to and
   * including to; negative when to lies before from (a deadline passed).
   */
  workingDaysBetween(from: string, to: string): number {
    let a = dayNumber(from)
    let b = dayNumber(to)
    let sign = 1
    if (b < a) {
      ;[a, b] = [b, a]
      sign = -1
    }
    let n = 0
    for (let d = a + 1; d <= b; d++) if (this.isWorkingDay(dayText(d))) n++
    return sign * n
  }

  /** holidaysBetween names the holidays that fall after from up to and including to (国庆节, 中秋节…), in order. */
  holidaysBetween(from: string, to: string): string[] {
    const names: string[] = []
    for (let d = dayNumber(from) + 1; d <= dayNumber(to); d++) {
      const name = this.off.get(dayText(d))
      if (name && !names.includes(name)) names.push(name)
    }
    return names
  }
}
