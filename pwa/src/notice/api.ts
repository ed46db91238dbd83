// The server's 复查 lists, for the screens that read them online: desk roles
// (the 联席办, admin), who keep no local copy of their city-wide scope, and
// the office's 待移交立案. Phones read their own notices from IndexedDB.
import { request } from '../api/http'

/** The recorded 复查 of a notice. */
export interface FollowupOutcome {
  id: string
  corrected: boolean
  action: '' | '立案' | '移送'
  penalty: number
  note: string
  user_id: string
  user_name: string
  channel: string
  at: string
}

/** One notice of a 复查 list (server/sqlstore/followups.go FollowupNotice). */
export interface FollowupNotice {
  notice_id: string
  number_text: string
  provisional: boolean
  visit_id: string
  task_id: string
  plan_name: string
  region: string
  entity_name: string
  uscc: string
  address: string
  dept: string
  dept_name: string
  authority: string
  problems: string
  legal_basis: string
  issued_at: string
  deadline: string
  days: number
  served_at: string | null
  served_to: string
  status: 'issued' | 'served' | 'corrected' | 'not_corrected'
  days_left: number
  overdue: boolean
  followup: FollowupOutcome | null
}

export interface FollowupList {
  status: string
  today: string
  total: number
  items: FollowupNotice[]
}

/** fetchFollowups lists the notices due for 复查 (deadline passed or within 3 days) or followed up, in the caller's scope. */
export function fetchFollowups(status: 'due' | 'done', noticeId?: string): Promise<FollowupList> {
  const q = new URLSearchParams({ status })
  if (noticeId) q.set('notice_id', noticeId)
  return request<FollowupList>(`/followups?${q}`)
}

/** fetchReferrals lists the notices found not corrected (立案 or 移送): the office's 待移交立案. */
export function fetchReferrals(): Promise<FollowupList> {
  return request<FollowupList>('/referrals')
}

/** fetchNotice finds one notice in the caller's 复查 lists (due first, then done), or null. */
export async function fetchNotice(noticeId: string): Promise<FollowupNotice | null> {
  const due = await fetchFollowups('due', noticeId)
  if (due.items[0]) return due.items[0]
  const done = await fetchFollowups('done', noticeId)
  return done.items[0] ?? null
}
