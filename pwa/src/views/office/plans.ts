// 年度计划 (附件1) at the desk: GET /api/v1/plans (a year's plans with their
// departments and items, and the years that have plans), POST
// /api/v1/plans/import?dry_run=1 (the preview: what an import would do,
// nothing written), POST /api/v1/plans/import (the import, all or nothing;
// 422 lists every row error) and POST /api/v1/plans/{id}/settle (the member
// departments chosen for a placeholder 待定 / 相关成员单位). Online only.
import { request, send } from '../../api/http'
import { ApiError, errorText, isOffline } from '../../api/errors'

export type { RowError } from './checklists'
export { rowErrors } from './checklists'

export interface PlanItem {
  id: string
  name: string
  class: string
}

export interface PlanDepartment {
  ord: number
  code?: string
  name: string
  raw: string
  placeholder: boolean
  items: PlanItem[]
  settled?: { code: string; name: string }[]
}

export interface Plan {
  id: string
  year: number
  seq: number
  sub: number
  domain: string
  target: string
  name: string
  ratio_text: string
  delegated: boolean
  levels: string[]
  initiator: string
  initiator_name: string
  window: string
  start?: string
  end?: string
  note: string
  departments: PlanDepartment[]
}

export interface PlanYear {
  year: number
  years: number[]
  count: number
  plans: Plan[]
}

/** One plan of the year that an import changes. */
export interface PlanChange {
  kind: 'added' | 'removed' | 'changed'
  seq: number
  name: string
  fields?: string[]
}

/** What importing a table would do (server/sqlstore PlanPreview). */
export interface PlanPreview {
  year: number
  plans: number
  numbers: number
  departments: number
  items: number
  placeholders: number
  existing: number
  tasks: number
  settled: number
  changes: PlanChange[]
}

/** What an import wrote (server/sqlstore ImportResult). */
export interface PlanImport {
  year: number
  plans: number
  numbers: number
  departments: number
  items: number
  catalogue_items: number
  replaced: number
}

export interface Department {
  code: string
  name: string
  kind: string
}

/** The largest table the server takes (server/planimport MaxSize, 5 MB). */
export const MAX_SIZE = 5 << 20

export function fetchPlans(year?: number): Promise<PlanYear> {
  return request<PlanYear>(year ? `/plans?year=${year}` : '/plans')
}

export function fetchDepartments(): Promise<Department[]> {
  return request<Department[]>('/departments')
}

async function upload<T>(file: File, year: number, dryRun: boolean): Promise<T> {
  const form = new FormData()
  form.append('year', String(year))
  form.append('file', file, file.name)
  const res = await send(`/plans/import${dryRun ? '?dry_run=1' : ''}`, { method: 'POST', rawBody: form })
  return (await res.json()) as T
}

export const previewPlans = (file: File, year: number) => upload<PlanPreview>(file, year, true)
export const importPlans = (file: File, year: number) => upload<PlanImport>(file, year, false)

export function settlePlaceholder(planId: string, ord: number, departments: string[]): Promise<Plan> {
  return request<Plan>(`/plans/${encodeURIComponent(planId)}/settle`, { method: 'POST', body: { ord, departments } })
}

/** checkFile refuses, before any upload, what the server would refuse for its kind or size; '' when it may go. */
export function checkFile(file: { name: string; size: number }): string {
  if (!/\.(tsv|txt|csv|xlsx)$/i.test(file.name)) return '只能导入 TSV、CSV 或 Excel（.xlsx）格式的计划表'
  if (file.size === 0) return '所选文件是空的'
  if (file.size > MAX_SIZE) return '文件超过 5 MB，不像是抽查计划表'
  return ''
}

/** summary says in Chinese what a table holds. */
export function summary(p: { plans: number; numbers: number; departments: number; items: number }): string {
  return `计划 ${p.plans} 项（序号 ${p.numbers} 个），责任部门 ${p.departments} 个，抽查事项 ${p.items} 项`
}

export const CHANGE_TEXT: Record<PlanChange['kind'], string> = { added: '新增', changed: '修改', removed: '删除' }

/** importErrorText is one Chinese sentence for an upload that failed without a list of rows. */
export function importErrorText(err: unknown): string {
  if (isOffline(err)) return '网络未连接，导入计划需要联网'
  if (err instanceof ApiError) {
    if (err.status === 413 || err.code === 'too_large') return '文件超过 5 MB，不像是抽查计划表'
    if (err.status === 409) return '该年度的计划已有抽查任务，不能重新导入'
  }
  return `导入失败：${errorText(err)}`
}

export function loadErrorText(err: unknown): string {
  if (isOffline(err)) return '网络未连接，年度计划需要联网查看'
  return `加载失败：${errorText(err)}`
}

/** settleErrorText is the sentence for a refused choice: the server's Chinese reason. */
export function settleErrorText(err: unknown): string {
  if (isOffline(err)) return '网络未连接，请联网后再确定部门'
  if (err instanceof ApiError && err.status === 403) return '只有联席办或计划的发起部门可以确定待定部门'
  return errorText(err)
}

/** levelText joins a plan's 抽查层级. */
export function levelText(levels: string[] | null | undefined): string {
  return levels && levels.length ? levels.join('、') : '—'
}
