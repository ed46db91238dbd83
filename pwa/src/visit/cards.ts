// 我的任务's cards (src/components/VisitCard.vue): each visit as its card
// shows it, as a plain object that stays the same while nothing on it
// changed, so that coming back to the list after answers on one visit
// re-draws that visit's card only (issue 15, a week offline).
import type { Visit } from '../db/types'
import { cnDate } from '../format/date'
import { reuseUnchanged } from './stable'

/** What a card shows, nothing else (not the visit's checklist). */
export interface VisitCardData {
  id: string
  name: string
  address: string
  status: { text: string; type: 'primary' | 'success' | 'warning' | 'default' }
  /** Unanswered mutations of the visit (the badge), 0 for none. */
  pending: number
  depts: { code: string; name: string; finished: boolean }[]
  /** 计划检查日期, shown for overdue and done visits; '' otherwise. */
  date: string
  team: string
  plan: string
}

export interface CardFacts {
  /** The signed-in user's department. */
  myDept: string
  today: string
  pendingByVisit: Record<string, number>
  /** visit → dept → whether the server holds its 本部门检查完毕 (true) or it waits on this phone (false). */
  finishedOf: Record<string, Record<string, boolean>>
  deptName: (code: string) => string
}

// 已完成 only when the server says so (R10a); before that, the state of the user's own department.
function statusOf(v: Visit, f: CardFacts): VisitCardData['status'] {
  if (v.status === 'complete') return { text: '已完成', type: 'success' }
  const mine = f.finishedOf[v.id]?.[f.myDept]
  if (mine !== undefined) return { text: mine ? '本部门已完毕' : '本部门已完毕（待同步）', type: 'default' }
  if (v.scheduled_on < f.today) return { text: '逾期', type: 'warning' }
  return { text: '待检查', type: 'primary' }
}

export function visitCard(v: Visit, f: CardFacts): VisitCardData {
  const finished = f.finishedOf[v.id] ?? {}
  return {
    id: v.id,
    name: v.entity.name,
    address: v.entity.address ?? '',
    status: statusOf(v, f),
    pending: f.pendingByVisit[v.id] ?? 0,
    depts: v.departments.map((d) => ({ code: d, name: f.deptName(d), finished: finished[d] !== undefined })),
    date: v.status === 'complete' || v.scheduled_on < f.today ? cnDate(v.scheduled_on) : '',
    team: v.team
      .filter((m) => m.dept === f.myDept && m.active !== false)
      .map((m) => m.name)
      .join('、'),
    plan: v.plan_name ?? '',
  }
}

/** visitCards gives each visit's card by id, keeping prev's object for each card that did not change. */
export function visitCards(prev: Record<string, VisitCardData> | undefined, visits: Visit[], f: CardFacts): Record<string, VisitCardData> {
  return reuseUnchanged(prev, Object.fromEntries(visits.map((v) => [v.id, visitCard(v, f)])))
}
