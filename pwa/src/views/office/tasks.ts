// 任务与抽取 at the desk: tasks of a plan per region (POST /tasks, or
// POST /tasks/batch for every region of a level at once), the population a
// draw would take (GET /tasks/{id}/population), the draw (POST
// /tasks/{id}/draw: no seed, the server makes it, DESIGN §8.7), its record
// (GET /draws/{id}), verify (GET /draws/{id}/verify) and the re-draw of one
// visit with a reason (POST /visits/{id}/redraw). Online only: a draw is
// the server's, never a phone's.
import { request } from '../../api/http'

export interface Task {
  id: string
  plan_id: string
  plan_seq: number
  plan_name: string
  region: string
  batch: number
  level: string
  initiator: string
  departments: string[]
  draw_id?: string
  visits: number
  done: number
  created_at: string
}

export interface Region {
  code: string
  name: string
  level: 'city' | 'county'
  parent?: string
}

export interface TaskBatch {
  created: Task[]
  skipped: { region: string; reason: string; task_id: string }[]
}

export interface Stratum {
  class: string
  population: number
  ratio: number
  drawn: number
}

export interface Population {
  task: Task
  ratio_text: string
  strata: Stratum[]
  population: number
  drawn: number
  risk_applicable: boolean
  pools: { dept: string; eligible: number; per_dept: number }[]
}

export interface DrawMember {
  user_id: string
  name: string
  dept: string
  cert_no: string
  active: boolean
}

export interface DrawVisit {
  id: string
  status: 'open' | 'complete' | 'replaced'
  uscc: string
  name: string
  address: string
  risk: string
  stratum: string
  scheduled_on: string
  team: DrawMember[]
}

export interface RedrawNote {
  id: string
  visit_id: string
  kind: 'entity' | 'inspector'
  old: string
  old_name: string
  new: string
  new_name: string
  reason: string
  by: string
  at: string
  dept?: string
  new_visit_id?: string
}

export interface DrawRecord {
  id: string
  task_id: string
  algorithm: string
  seed: string
  seed_source: string
  snapshot_hash: string
  population: number
  drawn: number
  strata: Stratum[]
  risk_applicable: boolean
  risk_stratified: boolean
  created_at: string
  task: Task
  plan_year: number
  ratio_text: string
  region_name: string
  departments: { code: string; name: string }[]
  operator: string
  visits: DrawVisit[]
  redraws: RedrawNote[]
}

export interface Verification {
  draw_id: string
  match: boolean
  reproduced: boolean
  reason?: string
  algorithm: string
  seed: string
  seed_source: string
  snapshot_hash: string
  visits: number
}

export function fetchTasks(year?: number): Promise<Task[]> {
  return request<Task[]>(year ? `/tasks?year=${year}` : '/tasks')
}

export function fetchRegions(): Promise<Region[]> {
  return request<Region[]>('/regions')
}

export function createTask(body: { plan_id: string; region: string; level: string; batch: number }): Promise<Task> {
  return request<Task>('/tasks', { method: 'POST', body })
}

export function createTasks(body: { plan_id: string; level: string; batch: number }): Promise<TaskBatch> {
  return request<TaskBatch>('/tasks/batch', { method: 'POST', body })
}

export function fetchPopulation(taskId: string): Promise<Population> {
  return request<Population>(`/tasks/${encodeURIComponent(taskId)}/population`)
}

/** runDraw asks the server to draw; the body is empty: nobody at the desk chooses the seed. */
export function runDraw(taskId: string): Promise<{ id: string }> {
  return request<{ id: string }>(`/tasks/${encodeURIComponent(taskId)}/draw`, { method: 'POST' })
}

export function fetchDraw(drawId: string): Promise<DrawRecord> {
  return request<DrawRecord>(`/draws/${encodeURIComponent(drawId)}`)
}

export function verifyDraw(drawId: string): Promise<Verification> {
  return request<Verification>(`/draws/${encodeURIComponent(drawId)}/verify`)
}

export interface RedrawRequest {
  kind: 'entity' | 'inspector'
  reason: string
  dept?: string
  inspector_id?: string
}

export function redrawVisit(visitId: string, body: RedrawRequest): Promise<unknown> {
  return request(`/visits/${encodeURIComponent(visitId)}/redraw`, { method: 'POST', body })
}

/** The levels a plan runs at, as a task names them (the seed's 市县级 is both). */
export function taskLevels(levels: string[]): string[] {
  const out: string[] = []
  for (const l of levels) {
    if (l === '市县级') out.push('市级', '县区级')
    else if (l === '市级' || l === '县区级') out.push(l)
  }
  return [...new Set(out)].sort((a, b) => (a === '市级' ? -1 : b === '市级' ? 1 : 0))
}

/** The regions of a level: 市级 is the city, 县区级 every county. */
export function regionsOfLevel(regions: Region[], level: string): Region[] {
  return regions.filter((r) => (level === '市级' ? r.level === 'city' : r.level === 'county'))
}

export type TaskState = 'new' | 'drawn' | 'done'

/** taskState: 未抽取 before the draw, 已抽取 while visits are open, 已完成 when every visit is done. */
export function taskState(t: Pick<Task, 'draw_id' | 'visits' | 'done'>): TaskState {
  if (!t.draw_id) return 'new'
  return t.visits > 0 && t.done >= t.visits ? 'done' : 'drawn'
}

export function taskStateText(t: Pick<Task, 'draw_id' | 'visits' | 'done'>): string {
  switch (taskState(t)) {
    case 'new':
      return '未抽取'
    case 'done':
      return `检查完毕（${t.done}/${t.visits} 户）`
    default:
      return `已抽取，检查 ${t.done}/${t.visits} 户`
  }
}

/** stratumName is a stratum's class in Chinese: A–D, 未分类, 保底补足 (以上), or an override population. */
export function stratumName(cls: string): string {
  if (/^[A-D]$/.test(cls)) return `${cls} 类`
  if (cls === 'unclassified') return '未分类'
  if (cls === 'floor') return '补足至计划比例'
  if (cls.startsWith('override:')) return `特定对象：${cls.slice('override:'.length)}`
  return cls
}

/** riskName is an entity's risk class for a table cell. */
export function riskName(risk: string): string {
  return /^[A-D]$/.test(risk) ? `${risk} 类` : '未分类'
}

/** ratioText writes a ratio in percent without trailing zeros: 10%, 2.5%. */
export function ratioText(r: number): string {
  return `${Number(r.toFixed(4))}%`
}

/** seedSourceText says where a seed came from, honestly (DESIGN §8.7). */
export function seedSourceText(source: string): string {
  switch (source) {
    case 'random':
      return '服务器在快照固定后随机生成'
    case 'witnessed':
      return '服务器随机数与见证人共同生成'
    case 'supplied':
      return '种子由操作人指定'
    default:
      return '种子来源未记录'
  }
}

export type VerifyState = 'match' | 'supplied' | 'failed'

/**
 * verifyState: 已核验 only when the result reproduces and the seed was the
 * server's; a reproduced draw whose seed someone chose proves less, and says so.
 */
export function verifyState(v: Verification): VerifyState {
  if (v.match) return 'match'
  return v.reproduced ? 'supplied' : 'failed'
}

export function verifyText(v: Verification): string {
  switch (verifyState(v)) {
    case 'match':
      return `已核验：按记录的种子和快照重新抽取，${v.visits} 户检查对象和检查人员与原结果一致；种子由服务器在快照固定后随机生成。`
    case 'supplied':
      return v.seed_source === 'supplied'
        ? '结果可以复现，但种子由操作人指定，不能排除反复试种子挑选结果，核验不能证明抽取是随机的。'
        : '结果可以复现，但种子来源未记录，不能证明种子不是人为指定的。'
    default:
      return '核验不通过：按记录的种子和快照重新抽取，结果与保存的结果不一致。'
  }
}

/** teamByDept groups a visit's active inspectors by department, in the task's order. */
export function teamByDept(team: DrawMember[], depts: string[]): { dept: string; names: string[] }[] {
  return depts.map((d) => ({ dept: d, names: team.filter((m) => m.dept === d && m.active).map((m) => m.name) }))
}

/** The reasons the re-draw dialog offers; the office may write its own. */
export const ENTITY_REASONS = ['对象已注销', '对象已迁出', '对象不在抽查范围']
export const INSPECTOR_REASONS = ['回避', '不在岗', '病假']

export interface PlanSummary {
  id: string
  year: number
  seq: number
  sub: number
  name: string
  ratio_text: string
  levels: string[]
  initiator: string
  initiator_name: string
  departments: { code?: string; name: string; placeholder: boolean; settled?: { code: string; name: string }[] }[]
}

/** A year's plans; without a year the server lists its newest year and names every year it has plans of. */
export function fetchPlanYear(year?: number): Promise<{ year: number; years?: number[]; plans: PlanSummary[] }> {
  return request(year ? `/plans?year=${year}` : '/plans')
}

export function fetchDepartmentNames(): Promise<Map<string, string>> {
  return request<{ code: string; name: string }[]>('/departments').then((ds) => new Map(ds.map((d) => [d.code, d.name])))
}

/** planLabel names a plan as the plan table numbers it: 第12项 劳动用工单位… (sub-plans 12-2). */
export function planLabel(p: Pick<PlanSummary, 'seq' | 'sub' | 'name'>): string {
  return `第${p.seq}${p.sub > 1 ? `-${p.sub}` : ''}项 ${p.name}`
}
