// What the lead's 检查户安排 shows of a visit beyond its team: each
// department's part on the check points (已检查完毕 / 进行中 x/y / 未开始,
// each 事项's derived result), and the records an inspector sent after being
// taken off the team, in words (who, when, which 检查内容, what value).
// Plain functions of the server's answers, tested on their own.
import type { ItemValue, Visit } from '../../db/types'
import { userReason } from '../../api/errors'
import { cnDateTime } from '../../format/date'
import { derivedResult, groupByMatter, type Answers } from '../../visit/progress'
import type { LeadVisitState, RefusedRecord } from '../../api/lead'

export type LeadDeptState = 'finished' | 'in_progress' | 'not_started'

export interface LeadMatter {
  name: string
  result: ItemValue | null
  answered: number
  total: number
}

export interface LeadDeptProgress {
  code: string
  name: string
  state: LeadDeptState
  answered: number
  total: number
  failed: number
  outcome: string[]
  matters: LeadMatter[]
  /** Who confirmed 本部门检查完毕 and when (finished only). */
  finishedBy: string
  finishedAt: string
}

/** deptProgress reads each participating department's part of a visit from its server state. */
export function deptProgress(visit: Visit, st: LeadVisitState, deptName: (code: string) => string): LeadDeptProgress[] {
  const answers: Answers = {}
  for (const r of st.results) if (r.value) answers[r.item_id] = { value: r.value, note: r.note ?? '' }
  return visit.departments.map((code) => {
    const points = visit.checklist.filter((p) => p.dept === code)
    const answered = points.filter((p) => answers[p.id]).length
    const failed = points.filter((p) => answers[p.id]?.value === '不符合').length
    const finish = st.finishes.find((f) => f.dept === code)
    const info = visit.dept_info?.find((d) => d.code === code)
    return {
      code,
      name: info?.name || deptName(code),
      state: finish ? 'finished' : answered > 0 ? 'in_progress' : 'not_started',
      answered,
      total: points.length,
      failed,
      outcome: st.outcomes.find((o) => o.dept === code)?.categories ?? [],
      matters: groupByMatter(points).map((g) => ({
        name: g.name,
        result: derivedResult(g.points, answers),
        answered: g.points.filter((p) => answers[p.id]).length,
        total: g.points.length,
      })),
      finishedBy: finish?.user_name ?? '',
      finishedAt: finish?.at ?? '',
    }
  })
}

/** progressText is a department's state in words: 已检查完毕, 进行中 3/22, 未开始 0/22. */
export function progressText(d: Pick<LeadDeptProgress, 'state' | 'answered' | 'total'>): string {
  if (d.state === 'finished') return '已检查完毕'
  return `${d.state === 'in_progress' ? '进行中' : '未开始'} ${d.answered}/${d.total}`
}

/** hasRemovedMembers: only a visit with someone taken off its team can have refused records. */
export function hasRemovedMembers(v: Visit): boolean {
  return v.team.some((m) => m.active === false)
}

/** One refused record in words. */
export interface RefusedLine {
  id: string
  who: string
  /** When it was recorded on the phone, and when the server got it. */
  recordedAt: string
  receivedAt: string
  /** What it was about: 检查内容 “1.1 …”, 市市场监管局检查结果, 现场签到… */
  what: string
  value: string
  note: string
  reason: string
}

const SIGNATURE_KIND: Record<string, string> = { inspector: '检查人员签名', entity: '被检查单位签字', refusal: '被检查单位拒绝签字记录' }

const str = (v: unknown) => (typeof v === 'string' ? v : '')

/** refusedLines says, for each refused record of a visit, who sent what and when, with no ids. */
export function refusedLines(visit: Visit, refused: RefusedRecord[], deptName: (code: string) => string): RefusedLine[] {
  const point = new Map(visit.checklist.map((p) => [p.id, p]))
  const nameOf = (code: string) => visit.dept_info?.find((d) => d.code === code)?.name || deptName(code)
  return refused.map((r) => {
    const a = r.args ?? {}
    let what = '其他记录'
    let value = ''
    let note = str(a.note)
    switch (r.name) {
      case 'item.set': {
        const p = point.get(str(a.item_id))
        what = p ? `检查内容“${p.code ? `${p.code} ` : ''}${p.name}”` : '检查内容（已不在本次检查中）'
        value = str(a.value)
        const photos = Array.isArray(a.photos) ? a.photos.length : 0
        if (photos) note = note ? `${note}（照片 ${photos} 张）` : `照片 ${photos} 张`
        break
      }
      case 'outcome.set':
        what = `${nameOf(str(a.dept))}检查结果`
        value = Array.isArray(a.categories) ? a.categories.map(String).join('、') : ''
        break
      case 'dept.finish':
        what = `${nameOf(str(a.dept))}本部门检查完毕`
        break
      case 'signature.add':
        what = SIGNATURE_KIND[str(a.kind)] ?? '签名'
        value = str(a.signer)
        break
      case 'visit.checkin':
        what = '现场签到'
        break
      case 'visit.complete':
        what = '完成检查'
        break
      case 'notice.issue':
        what = '开具责令改正通知书'
        break
      case 'notice.serve':
        what = '送达责令改正通知书'
        break
      case 'notice.void':
        what = '作废责令改正通知书'
        note = str(a.reason)
        break
      case 'followup.record':
        what = '复查结果'
        value = a.corrected === true ? '已改正' : a.corrected === false ? '未改正' : ''
        break
      case 'conflict.settle':
        what = '冲突裁定'
        break
    }
    return {
      id: r.id,
      who: r.user_name || '调出的检查人员',
      recordedAt: r.client_at ? cnDateTime(r.client_at) : '',
      receivedAt: r.received_at ? cnDateTime(r.received_at) : '',
      what,
      value,
      note,
      reason: r.reason ? userReason(r.reason) : '',
    }
  })
}
