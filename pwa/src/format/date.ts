// Dates as people in 庆阳 read them: 2024年6月3日, in China time (UTC+8)
// whatever the phone's zone, since every visit happens there.

const CN_OFFSET_MS = 8 * 3600 * 1000

function cnParts(d: Date) {
  const c = new Date(d.getTime() + CN_OFFSET_MS)
  return {
    y: c.getUTCFullYear(),
    m: c.getUTCMonth() + 1,
    d: c.getUTCDate(),
    hh: c.getUTCHours(),
    mm: c.getUTCMinutes(),
    ss: c.getUTCSeconds(),
    ms: c.getUTCMilliseconds(),
    wd: c.getUTCDay(),
  }
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0')

/** toDate reads an ISO timestamp or a plain 2024-06-03 date (taken as a China calendar day). */
export function toDate(v: string | Date): Date {
  if (v instanceof Date) return v
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return new Date(`${v}T00:00:00+08:00`)
  return new Date(v)
}

/** cnDate formats as 2024年6月3日. */
export function cnDate(v: string | Date): string {
  const d = toDate(v)
  if (Number.isNaN(d.getTime())) return ''
  const p = cnParts(d)
  return `${p.y}年${p.m}月${p.d}日`
}

/** cnDateTime formats as 2024年6月3日 10:12. */
export function cnDateTime(v: string | Date): string {
  const d = toDate(v)
  if (Number.isNaN(d.getTime())) return ''
  const p = cnParts(d)
  return `${p.y}年${p.m}月${p.d}日 ${pad(p.hh)}:${pad(p.mm)}`
}

/** cnTime formats as 10:12. */
export function cnTime(v: string | Date): string {
  const p = cnParts(toDate(v))
  return `${pad(p.hh)}:${pad(p.mm)}`
}

const WEEKDAYS = ['星期日', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六']

/** cnWeekday names the weekday of a day: 星期一. */
export function cnWeekday(v: string | Date): string {
  return WEEKDAYS[cnParts(toDate(v)).wd]
}

/** isoDay returns the China calendar day of v as 2024-06-03. */
export function isoDay(v: string | Date = new Date()): string {
  const p = cnParts(toDate(v))
  return `${p.y}-${pad(p.m)}-${pad(p.d)}`
}

/** addDays shifts a 2024-06-03 day by n days. */
export function addDays(day: string, n: number): string {
  const d = toDate(day)
  return isoDay(new Date(d.getTime() + n * 86400000))
}

/** nowISO is now as RFC 3339 with the +08:00 offset, the wire format's "at". */
export function nowISO(now: Date = new Date()): string {
  const p = cnParts(now)
  return `${p.y}-${pad(p.m)}-${pad(p.d)}T${pad(p.hh)}:${pad(p.mm)}:${pad(p.ss)}.${pad(p.ms, 3)}+08:00`
}

/** relativeDayLabel names a day relative to today: 今天, 明天, 后天, 昨天, or ''. */
export function relativeDayLabel(day: string, today: string = isoDay()): string {
  const diff = Math.round((toDate(day).getTime() - toDate(today).getTime()) / 86400000)
  return ({ [-1]: '昨天', 0: '今天', 1: '明天', 2: '后天' } as Record<number, string>)[diff] ?? ''
}
