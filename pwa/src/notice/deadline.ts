// 整改期限 (R11): a number of working days, turned into the date printed on
// the notice by counting on the holiday calendar from the day of issue.
import type { WorkCalendar } from './calendar'
import { calendar as bundled } from './holidays'

/**
 * DAY_CHOICES are the periods the form offers. Real 责令改正通知书 of the
 * market-supervision bureaus give anything from 立即 to 30 days; most routine
 * findings (a licence not displayed, a health certificate expired) get 10 to
 * 15. 10 working days (two calendar weeks) is the form's default.
 */
export const DAY_CHOICES = [5, 10, 15, 30] as const
export const DEFAULT_DAYS = 10
/** The server accepts 1–90 working days (sync/PROTOCOL.md §4). */
export const MIN_DAYS = 1
export const MAX_DAYS = 90

export interface Deadline {
  /** The last day to correct, 2024-10-16. */
  date: string
  days: number
  /** Holidays the period spans (国庆节…), for the hint under the picker. */
  holidays: string[]
  /** False when the calendar has no holiday file for the deadline's year: only weekends were skipped. */
  covered: boolean
}

/** deadlineFor counts days working days after issuedOn (2024-09-27) on cal. */
export function deadlineFor(issuedOn: string, days: number, cal: WorkCalendar = bundled): Deadline {
  if (!Number.isInteger(days) || days < MIN_DAYS || days > MAX_DAYS) {
    throw new Error(`整改期限应为 ${MIN_DAYS}–${MAX_DAYS} 个工作日`)
  }
  const date = cal.addWorkingDays(issuedOn, days)
  const years = new Set([Number(issuedOn.slice(0, 4)), Number(date.slice(0, 4))])
  return {
    date,
    days,
    holidays: cal.holidaysBetween(issuedOn, date),
    covered: [...years].every((y) => cal.covers(y)),
  }
}

/** workingDaysLeft is the number of working days from today to a deadline (0 on it, negative once passed). */
export function workingDaysLeft(today: string, deadline: string, cal: WorkCalendar = bundled): number {
  return cal.workingDaysBetween(today, deadline)
}
