// The checklist templates (检查表, R8a) as the desk reads and imports them:
// GET /api/v1/checklists (each 抽查事项's latest version, scoped by the
// server: a lead gets his department's), GET /api/v1/checklists/{id} (one
// version with its points and the 事项's versions) and POST
// /api/v1/checklists/import (all or nothing; 422 lists every row error).
// Online only, through the app's one HTTP client.
import { request, send } from '../../api/http'
import { ApiError, errorText, isOffline } from '../../api/errors'

/** One check point (检查内容) of a template version. */
export interface TemplatePoint {
  ord: number
  group_code: string
  group_name: string
  code: string
  text: string
  method: string
  key: boolean
  basis: string
  violation: string
  notice_text: string
}

/** One version of a 事项's template, without its points. */
export interface TemplateVersion {
  id: string
  version: number
  point_count: number
  source: string
  created_at: string
}

/** A 事项's template: in the list its latest version; alone one version with its points and history. */
export interface ChecklistTemplate {
  id: string
  catalogue_id: string
  dept: string
  dept_name: string
  item_name: string
  class: string
  version: number
  latest: boolean
  point_count: number
  key_count: number
  source: string
  created_by_name: string
  created_at: string
  points?: TemplatePoint[]
  versions?: TemplateVersion[]
}

/** What an import did (server/sqlstore ChecklistImport). */
export interface ChecklistImport {
  source: string
  items: number
  versions: number
  unchanged: number
  points: number
}

/** One problem of a refused table, as the server lists it; row 0 or no column: the whole file. */
export interface RowError {
  row: number
  column?: string
  message: string
}

/** The largest table the server takes (server/checklists MaxSize, 5 MB). */
export const MAX_SIZE = 5 << 20

/** The header of a checklist table, in its usual order (testdata/checklists/README.md). */
export const COLUMNS = ['部门', '抽查事项', '检查项目代码', '检查项目', '检查内容代码', '检查内容', '参考检查方法', '重点项', '检查依据', '违反条款', '通知书表述']

export async function fetchChecklists(): Promise<ChecklistTemplate[]> {
  const r = await request<{ count: number; templates: ChecklistTemplate[] }>('/checklists')
  return r.templates ?? []
}

export function fetchChecklist(id: string): Promise<ChecklistTemplate> {
  return request<ChecklistTemplate>(`/checklists/${encodeURIComponent(id)}`)
}

export async function importChecklists(file: File): Promise<ChecklistImport> {
  const form = new FormData()
  form.append('file', file, file.name)
  const res = await send('/checklists/import', { method: 'POST', rawBody: form })
  return (await res.json()) as ChecklistImport
}

/** checkFile refuses, before any upload, what the server would refuse for its kind or size; '' when it may go. */
export function checkFile(file: { name: string; size: number }): string {
  if (!/\.(tsv|txt|csv|xlsx)$/i.test(file.name)) return '只能导入 TSV、CSV 或 Excel（.xlsx）格式的检查表'
  if (file.size === 0) return '所选文件是空的'
  if (file.size > MAX_SIZE) return '文件超过 5 MB：请按部门拆分后分别导入'
  return ''
}

/** importSummary says in Chinese what an import did. */
export function importSummary(r: ChecklistImport): string {
  return `${r.items} 个事项，新增版本 ${r.versions} 个，未变 ${r.unchanged} 个，检查点 ${r.points} 个`
}

/** rowErrors is the list of a 422 answer (every problem of the table), or null for any other error. */
export function rowErrors(err: unknown): RowError[] | null {
  if (!(err instanceof ApiError) || err.status !== 422) return null
  const details = err.body.details
  if (!Array.isArray(details) || details.length === 0) return null
  return details
    .filter((d): d is Record<string, unknown> => typeof d === 'object' && d !== null)
    .map((d) => ({
      row: typeof d.row === 'number' ? d.row : 0,
      column: typeof d.column === 'string' ? d.column : '',
      message: typeof d.message === 'string' ? d.message : '',
    }))
}

/**
 * importErrorText is one Chinese sentence for an import that failed without
 * a list of rows: no network, a file too large, or the server's reason in
 * Chinese (errorText keeps it only when it is Chinese).
 */
export function importErrorText(err: unknown): string {
  if (isOffline(err)) return '网络未连接，导入检查表需要联网'
  if (err instanceof ApiError) {
    // The server's size message is English; say it with the limit.
    if (err.status === 413 || err.code === 'too_large') return '文件超过 5 MB：请按部门拆分后分别导入'
  }
  return `导入失败：${errorText(err)}`
}

/** loadErrorText is the sentence for a list or a template that could not be read. */
export function loadErrorText(err: unknown): string {
  if (isOffline(err)) return '网络未连接，检查表需要联网查看'
  if (err instanceof ApiError && err.status === 404) return '找不到这份检查表，可能已被删除'
  return `加载失败：${errorText(err)}`
}

/** A department's templates in the list, in the server's (附件2) order. */
export interface DeptTemplates {
  dept: string
  dept_name: string
  templates: ChecklistTemplate[]
}

/** byDepartment groups the list by department, keeping the server's order of departments and of 事项. */
export function byDepartment(list: ChecklistTemplate[]): DeptTemplates[] {
  const out: DeptTemplates[] = []
  const at = new Map<string, DeptTemplates>()
  for (const t of list) {
    let g = at.get(t.dept)
    if (!g) {
      g = { dept: t.dept, dept_name: t.dept_name || '未知部门', templates: [] }
      at.set(t.dept, g)
      out.push(g)
    }
    g.templates.push(t)
  }
  return out
}

/** A group of points (检查项目) of one template version, in the points' order. */
export interface PointGroup {
  code: string
  name: string
  points: TemplatePoint[]
}

/** groupPoints cuts the ordered points into their 检查项目, each group where it first appears. */
export function groupPoints(points: TemplatePoint[]): PointGroup[] {
  const out: PointGroup[] = []
  for (const p of points) {
    const last = out[out.length - 1]
    if (last && last.code === p.group_code && last.name === p.group_name) last.points.push(p)
    else out.push({ code: p.group_code, name: p.group_name, points: [p] })
  }
  return out
}
