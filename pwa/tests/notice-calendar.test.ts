import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { WorkCalendar, parseHolidays } from '../src/notice/calendar'
import { calendar, holidayFiles } from '../src/notice/holidays'
import { HOLIDAY_FILES } from '../src/notice/holidays.data'
import { DEFAULT_DAYS, DAY_CHOICES, deadlineFor, workingDaysLeft } from '../src/notice/deadline'

describe('the holiday files bundled into the app', () => {
  it('are exactly testdata/holidays/*.tsv (run node scripts/gen-holidays.mjs after adding a year)', () => {
    const dir = join(__dirname, '..', '..', 'testdata', 'holidays')
    const onDisk = Object.fromEntries(
      readdirSync(dir)
        .filter((f) => f.endsWith('.tsv'))
        .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
    )
    expect(HOLIDAY_FILES).toEqual(onDisk)
  })

  it('are the testdata calendars, one per year from 2024', () => {
    expect(holidayFiles).toEqual(expect.arrayContaining(['2024.tsv', '2025.tsv', '2026.tsv']))
    expect(calendar.years()).toEqual(expect.arrayContaining([2024, 2025, 2026]))
  })

  it('count 调休 weekends as working days and holidays on weekdays as days off', () => {
    expect(calendar.isWorkingDay('2024-09-29')).toBe(true) // Sunday, 国庆节 调休
    expect(calendar.isWorkingDay('2024-10-12')).toBe(true) // Saturday, 国庆节 调休
    expect(calendar.isWorkingDay('2024-10-01')).toBe(false) // Tuesday, 国庆节
    expect(calendar.isWorkingDay('2024-10-07')).toBe(false) // Monday, 国庆节
    expect(calendar.isWorkingDay('2024-10-08')).toBe(true) // Tuesday
    expect(calendar.isWorkingDay('2024-06-15')).toBe(false) // a plain Saturday
    expect(calendar.isWorkingDay('2024-06-17')).toBe(true) // a plain Monday
  })
})

describe('整改期限 in working days', () => {
  it('crosses 国庆 2024 with its two 调休 weekends', () => {
    // Issued Friday 27 September: Sunday 29 (调休) and Monday 30 count, 1–7 October do not.
    expect(deadlineFor('2024-09-27', 5).date).toBe('2024-10-10')
    // … and Saturday 12 October (调休) counts again.
    expect(deadlineFor('2024-09-27', 10).date).toBe('2024-10-16')
    expect(deadlineFor('2024-09-27', 10).holidays).toEqual(['国庆节'])
  })

  it('crosses 春节 2025 (28 January – 4 February, 调休 on Sunday 26 January and Saturday 8 February)', () => {
    expect(deadlineFor('2025-01-24', 5).date).toBe('2025-02-07')
    expect(deadlineFor('2025-01-24', 6).date).toBe('2025-02-08')
    expect(deadlineFor('2025-01-24', 6).holidays).toEqual(['春节'])
  })

  it('never counts the day of issue, and a plain fortnight is 10 working days', () => {
    expect(deadlineFor('2024-06-03', 1).date).toBe('2024-06-04')
    // 端午节 2024: Monday 10 June is off.
    expect(deadlineFor('2024-06-03', 10).date).toBe('2024-06-18')
    expect(deadlineFor('2024-06-17', 10).date).toBe('2024-07-01')
  })

  it('says when a year has no holiday file and only weekends were skipped', () => {
    expect(deadlineFor('2024-06-03', 10).covered).toBe(true)
    expect(deadlineFor('2031-06-02', 10).covered).toBe(false)
  })

  it('offers 5, 10, 15 and 30 days, 10 by default, and refuses a period out of 1–90', () => {
    expect(DAY_CHOICES).toEqual([5, 10, 15, 30])
    expect(DEFAULT_DAYS).toBe(10)
    expect(() => deadlineFor('2024-06-03', 0)).toThrow('1–90')
    expect(() => deadlineFor('2024-06-03', 91)).toThrow('1–90')
    expect(() => deadlineFor('2024-06-03', 2.5)).toThrow()
  })

  it('counts working days left to a deadline, negative once passed', () => {
    expect(workingDaysLeft('2024-09-27', '2024-10-10')).toBe(5)
    expect(workingDaysLeft('2024-10-10', '2024-10-10')).toBe(0)
    expect(workingDaysLeft('2024-10-14', '2024-10-10')).toBe(-3) // Friday 11, Saturday 12 (调休), Monday 14
  })
})

describe('parseHolidays', () => {
  it('reads the header, holidays and 调休 workdays', () => {
    const cal = new WorkCalendar(parseHolidays('date\tkind\tname\n2030-10-01\tholiday\t国庆节\n2030-09-29\tworkday\t国庆节\n'))
    expect(cal.isWorkingDay('2030-10-01')).toBe(false)
    expect(cal.isWorkingDay('2030-09-29')).toBe(true)
    expect(cal.covers(2030)).toBe(true)
    expect(cal.holidayName('2030-10-01')).toBe('国庆节')
  })

  it('refuses a bad line with its file and line number', () => {
    expect(() => parseHolidays('date\tkind\tname\n2030-13-01\tholiday\tx\n', '2030.tsv')).toThrow('2030.tsv 第 2 行')
    expect(() => parseHolidays('2030-10-01\toff\tx', 'a.tsv')).toThrow('holiday 或 workday')
    // A 调休 working day is always a weekend day.
    expect(() => parseHolidays('2030-10-01\tworkday\tx', 'a.tsv')).toThrow('不是周末')
    expect(() => parseHolidays('2030-10-01', 'a.tsv')).toThrow('制表符')
  })
})
