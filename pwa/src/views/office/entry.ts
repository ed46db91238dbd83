// 录入纸质检查结果: the office's entry of a check done on paper. Online only,
// through the app's one HTTP client (tokens and refresh as everywhere else);
// nothing is kept in IndexedDB. A module of its own, imported only by
// PaperEntry.vue, so that it lives in that lazy chunk (never precached on
// phones, see vite.config.ts) rather than in a chunk shared with OfficeHome.
import { request } from '../../api/http'
import { NO_PROBLEM, OUTCOME_CATEGORIES, type ItemValue } from '../../db/types'

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

export interface EntryDept {
  code: string
  name: string
  short?: string
}

export interface EntryVisit {
  id: string
  task_id: string
  status: string
  scheduled_on: string
  entity: { name: string; uscc: string; address: string }
  departments: (EntryDept | string)[]
  items: { id: string; dept: string; ord: number; name: string; class?: string }[]
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

export interface VisitResults {
  visit_id: string
  status: string
  visit: EntryVisit
  items: EntryAnswer[]
  outcomes: EntryOutcome[]
  missing: string[]
  fates?: EntryFate[]
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

export function enterResults(e: Entry): Promise<VisitResults> {
  return request<VisitResults>('/office/results', { method: 'POST', body: e })
}

export const deptCode = (d: EntryDept | string): string => (typeof d === 'string' ? d : d.code)

/** channelLabel names where an answer came from. */
export function channelLabel(channel: string): string {
  if (channel === 'web') return '办公室录入'
  if (channel === 'mobile') return '手机录入'
  if (channel === 'import') return '批量导入'
  return channel
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

/** FATE_TEXT names a mutation's fate in Chinese. */
export const FATE_TEXT: Record<string, string> = { applied: '已保存', conflict: '冲突（待组长处理）', rejected: '未保存' }
export const MUTATION_TEXT: Record<string, string> = { 'item.set': '检查事项', 'outcome.set': '检查结果', 'visit.complete': '完成检查' }
