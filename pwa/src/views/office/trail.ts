// 留痕: the audit trail (R15) from a task, visit, entity, user or any record of
// the chain plan → task → draw → visit → result → notice → follow-up →
// publication, both ways (GET /api/v1/trail), and its CSV.
import { request, send } from '../../api/http'

export interface TrailEntry {
  position: 'before' | 'self' | 'after'
  depth: number
  kind: string
  id: string
  label: string
  at: string
  action: string
  user_id: string
  user_name: string
  client_id: string
  channel: string
  office_entered: boolean
  reason?: string
}

export interface Trail {
  kind: string
  id: string
  entries: TrailEntry[]
  truncated: boolean
}

export interface TaskRow {
  id: string
  plan_seq: number
  plan_name: string
  region: string
  batch: number
  level: string
  draw_id?: string
  visits: number
  done: number
}

export interface VisitRow {
  id: string
  status: string
  scheduled_on: string
  entity: { uscc: string; name: string }
}

/** The kinds a trail can start from (server/sqlstore TrailKinds). */
export const TRAIL_KINDS = ['plan', 'task', 'draw', 'visit', 'result', 'notice', 'publication', 'entity', 'user']

// The words of the codes (the CSV has the same: server/report/trail.go).
export const KIND_NAMES: Record<string, string> = {
  plan: '抽查计划', plan_year: '年度计划', task: '抽查任务', draw: '双随机抽取', visit: '检查户', entity: '检查对象',
  checkin: '到场签到', signature: '签名', item_result: '检查结果', outcome: '检查结论', notice: '责令改正通知书',
  followup: '复查', publication: '结果公示', user: '用户', client: '设备', directory: '名录库',
  notice_number: '通知书编号', mutation: '同步记录', checklist_template: '检查表',
}

export const ACTION_NAMES: Record<string, string> = {
  'plan.import': '导入年度计划', 'plan.settle': '确定牵头部门', 'task.create': '创建任务', 'draw.run': '抽取', 'draw.redraw': '重新抽取',
  'visit.create': '生成检查户', 'visit.adjust': '调整检查组或日期', 'visit.checkin': '到场签到', 'item.set': '录入检查项',
  'outcome.set': '录入检查结论', 'signature.add': '签名', 'notice.issue': '开具通知书', 'notice.serve': '送达通知书',
  'notice.void': '作废通知书', 'followup.record': '记录复查', 'visit.complete': '完成检查', 'dept.finish': '部门录入完成',
  'conflict.settle': '处理冲突', 'publication.publish': '公示', 'entities.import': '导入检查对象名录',
  'inspectors.import': '导入执法检查人员名录', 'conflicts.import': '登记回避', 'checklists.import': '导入检查表',
  'client.register': '登记设备', 'client.retire': '停用设备', 'notice_number.lease': '领取通知书编号',
  'notice_number.void': '作废通知书编号', 'notice_number.fence': '通知书编号恢复校验',
  'user.create': '创建用户', 'user.update': '修改用户', 'user.disable': '停用账号', 'user.enable': '启用账号',
  'user.password_reset': '重置密码', 'user.password_change': '修改密码',
}

export const CHANNEL_NAMES: Record<string, string> = { mobile: '移动端', web: '网页', import: '导入' }
export const POSITION_NAMES: Record<string, string> = { before: '上游（逆向可溯）', self: '本条', after: '下游（顺向可追）' }

export const kindName = (k: string) => KIND_NAMES[k] ?? '其他记录'
export const actionName = (a: string) => ACTION_NAMES[a] ?? '其他操作'

/**
 * walkable says whether an entry can be the start of a new trail: the
 * records of the chain, so that a click on a notice walks back to its
 * visit, task, plan and draw (逆向可溯), a click on a task forward.
 */
export function walkable(e: TrailEntry): { kind: string; id: string } | null {
  const kind = e.kind === 'item_result' || e.kind === 'outcome' ? 'result' : e.kind
  if (!TRAIL_KINDS.includes(kind) || kind === 'user' || !e.id) return null
  return { kind, id: e.id }
}

/** groups splits a trail into its three parts, in order. */
export function groups(t: Trail): { position: string; entries: TrailEntry[] }[] {
  return (['before', 'self', 'after'] as const)
    .map((p) => ({ position: p, entries: t.entries.filter((e) => e.position === p) }))
    .filter((g) => g.entries.length > 0)
}

const qs = (kind: string, id: string, format = '') =>
  `/trail?kind=${encodeURIComponent(kind)}&id=${encodeURIComponent(id)}${format ? `&format=${format}` : ''}`

export const fetchTrail = (kind: string, id: string) => request<Trail>(qs(kind, id))
export const fetchTasks = () => request<TaskRow[]>('/tasks')
export const fetchVisits = (task: string) => request<VisitRow[]>(`/visits?task=${encodeURIComponent(task)}`)

/** downloadTrail saves the trail's CSV (UTF-8 with a BOM, Chinese headers: it opens in Excel). */
export async function downloadTrail(kind: string, id: string, name: string): Promise<void> {
  const res = await send(qs(kind, id, 'csv'), { headers: { Accept: 'text/csv' } })
  const blob = await res.blob()
  const a = document.createElement('a')
  a.href = URL.createObjectURL(blob)
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000)
}
