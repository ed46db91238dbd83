// 录入纸质检查结果: the office's entry of a check done on paper. Online only,
// through the app's one HTTP client (tokens and refresh as everywhere else);
// nothing is kept in IndexedDB. A module of its own, imported only by
// PaperEntry.vue, so that it lives in that lazy chunk (never precached on
// phones, see vite.config.ts) rather than in a chunk shared with OfficeHome.
//
// Issue 10: a visit's items are CHECK POINTS (检查内容) of its 事项' templates,
// grouped here as on the phone (src/visit/progress.ts) and on the paper
// 检查记录表; a 事项's result is derived from its points; 本部门录入完毕 is the
// department's 本部门检查完毕 (dept.finish), pushed by the server when the
// department's part is whole, and the server completes the visit itself.
import { request } from '../../api/http'
import { userReason } from '../../api/errors'
import { NO_PROBLEM, OUTCOME_CATEGORIES, type ChecklistItem, type DeptFinish, type ItemValue, type Visit } from '../../db/types'
import { derivedResult, groupByMatter, pointLabel, type Answers, type MatterGroup } from '../../visit/progress'

export interface EntryTask {
  id: string
  plan_id: string
  plan_seq?: number
  plan_name: string
  region: string
  batch: number
  level?: string
  departments: string[]
  draw_id?: string
  visits: number
  created_at: string
}

/** A visit as the task's list shows it (GET /visits?task=). */
export interface EntryVisit {
  id: string
  task_id: string
  status: string
  scheduled_on: string
  entity: { name: string; uscc: string; address: string }
}

export interface EntryAnswer {
  item_id: string
  dept: string
  name: string
  value: ItemValue | ''
  note: string
  version: number
  channel: string
  office_entered: boolean
}

export interface EntryOutcome {
  dept: string
  categories: string[]
  version: number
  channel: string
  office_entered: boolean
}

export interface EntryFate {
  name: string
  target: string
  status: 'applied' | 'conflict' | 'rejected' | string
  reason?: string
}

/** GET/POST /office/results: the visit record (with its check points) and every current answer. */
export interface VisitResults {
  visit_id: string
  status: string
  /** The visit record as the server sends it; read it with normalizeVisit. */
  visit: Record<string, unknown>
  items: EntryAnswer[]
  outcomes: EntryOutcome[]
  /** What keeps the visit from completion, in Chinese, departments named by name. */
  missing: string[]
  fates?: EntryFate[]
}

/** The part of GET /visits/{id}/state this screen reads: each department's 本部门检查完毕. */
export interface EntryState {
  dept_finishes?: Omit<DeptFinish, 'id'>[]
}

export interface Entry {
  visit_id: string
  dept: string
  items: { item_id: string; value: ItemValue; note: string }[]
  outcome: string[]
  completed: boolean
}

export async function fetchEntryTasks(): Promise<EntryTask[]> {
  return (await request<EntryTask[]>('/tasks')) ?? []
}

export async function fetchEntryVisits(taskId: string): Promise<EntryVisit[]> {
  return (await request<EntryVisit[]>(`/visits?task=${encodeURIComponent(taskId)}`)) ?? []
}

export function fetchVisitResults(visitId: string): Promise<VisitResults> {
  return request<VisitResults>(`/office/results?visit_id=${encodeURIComponent(visitId)}`)
}

/** fetchFinishes reads which departments confirmed 本部门检查完毕 (GET /visits/{id}/state). */
export async function fetchFinishes(visitId: string): Promise<DeptFinish[]> {
  const st = await request<EntryState>(`/visits/${encodeURIComponent(visitId)}/state`)
  return (st?.dept_finishes ?? []).map((f) => ({ ...f, id: `${f.visit_id}:${f.dept}` }))
}

export function enterResults(e: Entry): Promise<VisitResults> {
  return request<VisitResults>('/office/results', { method: 'POST', body: e })
}

/** channelLabel names where an answer came from. */
export function channelLabel(channel: string | undefined): string {
  if (channel === 'web') return '办公室录入'
  if (channel === 'mobile') return '手机录入'
  if (channel === 'import') return '批量导入'
  return channel ? '其他来源' : ''
}

/** normalizeOutcome enforces R9: 未发现问题 excludes the others (the newest choice wins). */
export function normalizeOutcome(next: string[], prev: string[]): string[] {
  const added = next.filter((c) => !prev.includes(c))
  if (added.includes(NO_PROBLEM)) return [NO_PROBLEM]
  if (next.includes(NO_PROBLEM) && next.length > 1) return next.filter((c) => c !== NO_PROBLEM)
  return OUTCOME_CATEGORIES.filter((c) => next.includes(c))
}

export interface Draft {
  values: Record<string, ItemValue | ''>
  notes: Record<string, string>
  outcome: string[]
  completed: boolean
}

/** draftOf starts an entry of dept from what the server holds. */
export function draftOf(r: VisitResults, dept: string): Draft {
  const d: Draft = { values: {}, notes: {}, outcome: [], completed: false }
  for (const a of r.items.filter((a) => a.dept === dept)) {
    d.values[a.item_id] = a.value
    d.notes[a.item_id] = a.note
  }
  d.outcome = [...(r.outcomes.find((o) => o.dept === dept)?.categories ?? [])]
  return d
}

/** draftAnswers reads a draft as the checklist's answers (for derived results and progress). */
export function draftAnswers(d: Draft): Answers {
  const out: Answers = {}
  for (const [id, value] of Object.entries(d.values)) if (value) out[id] = { value, note: d.notes[id] ?? '' }
  return out
}

/** serverAnswers reads what the server holds as the checklist's answers. */
export function serverAnswers(r: VisitResults): Answers {
  const out: Answers = {}
  for (const a of r.items) if (a.value) out[a.item_id] = { value: a.value, note: a.note }
  return out
}

/**
 * restPass is 其余全部符合 of a paper form: every point of the 事项 left
 * blank in the draft becomes 符合; points already answered keep their
 * answer. It returns how many points it set.
 */
export function restPass(d: Draft, points: ChecklistItem[]): number {
  let n = 0
  for (const p of points) {
    if (d.values[p.id]) continue
    d.values[p.id] = '符合'
    n++
  }
  return n
}

/** missingFindings lists the draft's 不符合 points without a 问题描述 (a finding is required). */
export function missingFindings(points: ChecklistItem[], d: Draft): ChecklistItem[] {
  return points.filter((p) => d.values[p.id] === '不符合' && !(d.notes[p.id] ?? '').trim())
}

/** findingsMessage says which 不符合 points still need their 问题描述, by 检查内容代码. */
export function findingsMessage(points: ChecklistItem[], missing: ChecklistItem[]): string {
  if (!missing.length) return ''
  const labels = missing.map((p) => pointLabel(p, points.indexOf(p)))
  return `第 ${labels.join('、')} 项为“不符合”，须填写问题描述后才能提交。`
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x))

/**
 * entryOf makes the request body of a draft: only the items and the outcome
 * that differ from what the server holds, so that a phone's answer the
 * office did not touch keeps its channel (移动端应用率 counts it).
 */
export function entryOf(r: VisitResults, dept: string, d: Draft): Entry {
  const items: Entry['items'] = []
  for (const a of r.items.filter((a) => a.dept === dept)) {
    const value = d.values[a.item_id] ?? ''
    const note = (d.notes[a.item_id] ?? '').trim()
    if (!value) continue
    if (value !== a.value || note !== a.note) items.push({ item_id: a.item_id, value, note })
  }
  const cur = r.outcomes.find((o) => o.dept === dept)?.categories ?? []
  const outcome = d.outcome.length && !sameSet(d.outcome, cur) ? [...d.outcome] : []
  return { visit_id: r.visit_id, dept, items, outcome, completed: d.completed }
}

/** The state of a department's part: confirmed 本部门检查完毕, under way, or not started. */
export type DeptState = 'finished' | 'in_progress' | 'not_started'

export interface MatterView {
  group: MatterGroup
  /** The 事项's result derived from its points (null: not all answered). */
  result: ItemValue | null
  answered: number
  failed: ChecklistItem[]
}

/** One department of the visit as the entry screen shows it. */
export interface DeptView {
  code: string
  name: string
  points: ChecklistItem[]
  matters: MatterView[]
  answered: number
  failed: number
  outcome: EntryOutcome | null
  finish: DeptFinish | null
  state: DeptState
}

/** mattersOf groups points by 事项 with each 事项's derived result under the given answers. */
export function mattersOf(points: ChecklistItem[], answers: Answers): MatterView[] {
  return groupByMatter(points).map((group) => ({
    group,
    result: derivedResult(group.points, answers),
    answered: group.points.filter((p) => answers[p.id]).length,
    failed: group.points.filter((p) => answers[p.id]?.value === '不符合'),
  }))
}

/** deptViews lays out each participating department of the visit with its points, answers and finish. */
export function deptViews(visit: Visit, r: VisitResults, finishes: DeptFinish[]): DeptView[] {
  const answers = serverAnswers(r)
  const names = new Map((visit.dept_info ?? []).map((d) => [d.code, d.name]))
  return visit.departments.map((code) => {
    const points = visit.checklist.filter((p) => p.dept === code).sort((a, b) => a.ord - b.ord)
    const answered = points.filter((p) => answers[p.id]).length
    const failed = points.filter((p) => answers[p.id]?.value === '不符合').length
    const finish = finishes.find((f) => f.dept === code) ?? null
    const state: DeptState = finish ? 'finished' : answered > 0 ? 'in_progress' : 'not_started'
    return {
      code,
      name: names.get(code) || code,
      points,
      matters: mattersOf(points, answers),
      answered,
      failed,
      outcome: r.outcomes.find((o) => o.dept === code) ?? null,
      finish,
      state,
    }
  })
}

/** deptStateText is a department's state in words: 已检查完毕, 进行中 3/22, 未开始 0/22. */
export function deptStateText(d: Pick<DeptView, 'state' | 'answered' | 'points'>): string {
  if (d.state === 'finished') return '已检查完毕'
  return `${d.state === 'in_progress' ? '进行中' : '未开始'} ${d.answered}/${d.points.length}`
}

/** FATE_TEXT names a mutation's fate in Chinese. */
export const FATE_TEXT: Record<string, string> = { applied: '已保存', conflict: '冲突（待组长处理）', rejected: '未保存' }
export const MUTATION_TEXT: Record<string, string> = {
  'item.set': '检查内容',
  'outcome.set': '检查结果',
  'dept.finish': '本部门检查完毕',
  'visit.complete': '完成检查',
}

/** fateReason is a fate's reason fit for the screen: Chinese, no ids. */
export function fateReason(f: EntryFate): string {
  return f.reason ? userReason(f.reason) : ''
}

export interface AnswerInput {
  deptName: string
  entry: Entry
  fates: EntryFate[]
  /** The server's answer after the entry (status, items and outcomes as they are now). */
  after: Pick<VisitResults, 'status' | 'items' | 'outcomes'>
  /** The visit's status before the entry. */
  statusBefore: string
  /** The department had confirmed 本部门检查完毕 before the entry. */
  finishedBefore: boolean
}

/**
 * answerMessage says what an entry did, in one or two sentences: what was
 * saved, whether the department's 本部门检查完毕 went through (the server
 * sends it only when the part is whole: every point answered and the
 * outcome recorded), and whether the visit is now complete.
 */
export function answerMessage(a: AnswerInput): { ok: boolean; message: string } {
  const bad = a.fates.filter((f) => f.status !== 'applied')
  if (bad.length) return { ok: false, message: `已提交，其中 ${bad.length} 项未直接保存，见下表。` }
  const saved = a.fates.filter((f) => f.name === 'item.set' || f.name === 'outcome.set').length
  const parts: string[] = [saved ? `已保存${a.deptName}的录入（${saved} 项）。` : '没有需要保存的修改。']
  let ok = true
  if (a.entry.completed && !a.finishedBefore) {
    if (a.fates.some((f) => f.name === 'dept.finish')) parts.push(`${a.deptName}已确认本部门检查完毕。`)
    else {
      const open = a.after.items.filter((x) => x.dept === a.entry.dept && !x.value).length
      const gaps: string[] = []
      if (open) gaps.push(`还有 ${open} 项检查内容未填写`)
      if (!a.after.outcomes.some((o) => o.dept === a.entry.dept && o.categories.length)) gaps.push('检查结果未选择')
      parts.push(`${a.deptName}${gaps.join('、')}，未能确认本部门检查完毕。`)
      ok = false
    }
  }
  if (a.after.status === 'complete' && a.statusBefore !== 'complete') parts.push('各部门均已检查完毕，检查已完成。')
  return { ok, message: parts.join('') }
}
