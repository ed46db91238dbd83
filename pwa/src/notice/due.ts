// Which notices are due for 复查 (R12), worked out on the phone from what it
// holds, by the rule the server's GET /followups uses
// (server/sqlstore/followups.go): a live (not voided) notice not yet followed
// up whose deadline has passed or comes within FOLLOWUP_DUE_WITHIN days, of
// the user's own department.
import type { Followup, Notice, Visit } from '../db/types'
import { addDays } from '../format/date'
import { numberView } from '../sync/numbering'
import type { WorkCalendar } from './calendar'
import { calendar as bundled } from './holidays'

/** FOLLOWUP_DUE_WITHIN is the server's FollowupDueWithin: calendar days before the deadline. */
export const FOLLOWUP_DUE_WITHIN = 3

/** One row of the 复查 lists, the same shape from IndexedDB or from the server. */
export interface FollowupRow {
  noticeId: string
  number: string
  provisional: boolean
  entityName: string
  dept: string
  deadline: string
  days: number
  servedTo: string
  /** Working days to the deadline: 0 on it, negative once passed. */
  daysLeft: number
  result: { corrected: boolean; action: string; note: string; at: string } | null
}

/** isDue tells whether a notice waits for its 复查 today. */
export function isDue(n: Pick<Notice, 'voided_at' | 'status' | 'deadline'>, today: string): boolean {
  return !n.voided_at && (n.status === 'issued' || n.status === 'served') && n.deadline <= addDays(today, FOLLOWUP_DUE_WITHIN)
}

/**
 * localFollowups lists the phone's notices of dept ('' for every department:
 * an admin) that are due (nearest deadline first) or done (newest 复查 first).
 */
export function localFollowups(
  status: 'due' | 'done',
  data: { notices: Notice[]; followups: Followup[]; visits: Pick<Visit, 'id' | 'entity'>[] },
  dept: string,
  today: string,
  cal: WorkCalendar = bundled,
): FollowupRow[] {
  const visits = new Map(data.visits.map((v) => [v.id, v]))
  const fu = new Map(data.followups.map((f) => [f.notice_id, f]))
  const mine = data.notices.filter((n) => !dept || n.dept === dept)
  const rows = mine
    .filter((n) => (status === 'due' ? isDue(n, today) : n.status === 'corrected' || n.status === 'not_corrected'))
    .map((n): FollowupRow => {
      const f = fu.get(n.id)
      const num = numberView(n)
      return {
        noticeId: n.id,
        number: num.main,
        provisional: num.isProvisional,
        entityName: visits.get(n.visit_id)?.entity.name ?? '',
        dept: n.dept,
        deadline: n.deadline,
        days: n.days ?? 0,
        servedTo: n.served_at ? n.served_to : '',
        daysLeft: cal.workingDaysBetween(today, n.deadline),
        result: f ? { corrected: f.corrected, action: f.action, note: f.note, at: f.at } : null,
      }
    })
  if (status === 'due') return rows.sort((a, b) => (a.deadline === b.deadline ? a.number.localeCompare(b.number) : a.deadline < b.deadline ? -1 : 1))
  return rows.sort((a, b) => ((a.result?.at ?? '') < (b.result?.at ?? '') ? 1 : -1))
}

/** dueText says how a deadline stands: 还剩 3 个工作日 / 今天到期 / 已逾期 2 个工作日. */
export function dueText(daysLeft: number): string {
  if (daysLeft > 0) return `还剩 ${daysLeft} 个工作日`
  if (daysLeft === 0) return '今天到期'
  return `已逾期 ${-daysLeft} 个工作日`
}
