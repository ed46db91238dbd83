// What an inspector has already recorded on a visit (GET /visits/{id}/work),
// and the warning the lead reads before swapping them out. The words say
// what the server does on a swap (server/sqlstore/visits.go swapMember): the
// work stays on the visit, attributed to them, and the incoming inspector
// receives it; the outgoing one's phone drops the visit, and whatever it
// sends afterwards is kept by the server but not counted (shown in red on
// 检查户安排).
import { request } from '../../api/http'

export interface MemberWork {
  user_id: string
  name: string
  dept: string
  checkins: number
  answered: number
  failed: number
  signatures: number
  notices: number
  outcomes: number
  finished: boolean
}

export async function fetchMemberWork(visitId: string, userId: string): Promise<MemberWork> {
  return request<MemberWork>(`/visits/${encodeURIComponent(visitId)}/work?user=${encodeURIComponent(userId)}`)
}

/** workLines lists the work in words, one line per kind; empty when there is none. */
export function workLines(w: MemberWork): string[] {
  const out: string[] = []
  if (w.checkins) out.push(`到场签到 ${w.checkins} 次`)
  if (w.answered) out.push(`录入检查内容 ${w.answered} 项${w.failed ? `（其中不符合 ${w.failed} 项）` : ''}`)
  if (w.outcomes) out.push(`填写检查结果 ${w.outcomes} 项`)
  if (w.signatures) out.push(`签名 ${w.signatures} 个`)
  if (w.notices) out.push(`开具责令改正通知书 ${w.notices} 份`)
  if (w.finished) out.push('已确认本部门检查完毕')
  return out
}

/** hasWork says whether swapping the member out needs the warning. */
export const hasWork = (w: MemberWork | null | undefined): boolean => !!w && workLines(w).length > 0

/** workFate says what happens to that work when the member is swapped out for `incoming`. */
export function workFate(w: MemberWork, incoming: string): string {
  const who = w.name
  const by = incoming || '换上的人员'
  return (
    `调换后，这些记录仍保留在本次检查中，记在${who}名下，不会删除；${by}会收到这些记录并接着检查。` +
    `${who}的手机上将不再显示这户检查，此后再提交的记录服务器会保存，但不计入检查结果（在本页以红色列出，供核实）。`
  )
}
