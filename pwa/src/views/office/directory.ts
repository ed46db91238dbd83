// 名录库 at the desk (issue 12 item 2): the three directories of 一单两库 —
// 检查对象名录库 (entities), 执法检查人员名录库 (inspectors) — and the 回避
// pairs. POST /api/v1/{entities,inspectors,conflicts}/import?dry_run=1 is the
// preview (counts, the first 50 rows added, changed field by field and left
// out of the file, nothing written); without dry_run the same file is
// imported, all or nothing; 422 lists every row error. GET /entities,
// /inspectors and /recusals search, a page at a time. Online only.
// Uploads go through XMLHttpRequest (api/http.ts upload) for the progress bar.
import { request, upload } from '../../api/http'
import { ApiError, errorText, isOffline } from '../../api/errors'

export type { RowError } from './checklists'
export { rowErrors } from './checklists'

export type Kind = 'entities' | 'inspectors' | 'conflicts'

/** One record of a preview: an entity (key USCC), an inspector (username) or a 回避 pair. */
export interface PreviewRow {
  row?: number
  key: string
  name: string
  region?: string
  dept?: string
  detail?: string
}

export interface FieldChange {
  field: string
  before: string
  after: string
}

export interface PreviewChange {
  row: number
  key: string
  name: string
  fields: FieldChange[]
}

/** What an import does or, in a dry run, would do (server/sqlstore DirectoryPreview). */
export interface DirectoryPreview {
  created: number
  updated: number
  unchanged: number
  dry_run: boolean
  absent: number
  added: PreviewRow[]
  changed: PreviewChange[]
  absent_rows: PreviewRow[]
}

/** One 回避: an inspector never drawn for an entity. */
export interface Pair {
  username: string
  inspector: string
  dept_name: string
  uscc: string
  entity_name: string
  region_name: string
  reason: string
}

export interface EntityInfo {
  uscc: string
  name: string
  region: string
  region_name: string
  address: string
  risk: string
  status: string
  tags: string[]
  flags: string[]
  updated_at: string
  conflicts: Pair[]
}

export interface InspectorInfo {
  username: string
  name: string
  role: string
  dept: string
  dept_name: string
  region: string
  region_name: string
  cert_no: string
  specialities: string[]
  expert: boolean
  on_duty: boolean
  disabled: boolean
  conflicts: Pair[]
}

export interface Page<T> {
  total: number
  page: number
  size: number
  items: T[]
}

export interface Region {
  code: string
  name: string
  level?: string
}

export interface Department {
  code: string
  name: string
  kind: string
}

/** The tabs' names and what each file is called. */
export const KIND_TITLE: Record<Kind, string> = {
  entities: '检查对象名录库',
  inspectors: '执法检查人员名录库',
  conflicts: '回避名单',
}

/** The file columns of each directory in Chinese (server/directory/README.md), for row errors and changes. */
export const FIELD_LABEL: Record<Kind, Record<string, string>> = {
  entities: {
    uscc: '统一社会信用代码',
    name: '名称',
    region: '所属区划',
    address: '地址',
    tags: '检查对象',
    risk: '信用风险分类',
    status: '登记状态',
    lat: '纬度',
    lng: '经度',
    flags: '子类',
  },
  inspectors: {
    username: '用户名',
    name: '姓名',
    dept: '部门',
    region: '所属区划',
    cert_no: '执法证号',
    specialities: '专业领域',
    expert: '专家',
    on_duty: '在岗',
  },
  conflicts: { inspector: '检查人员', uscc: '统一社会信用代码', reason: '回避原因' },
}

/** The header line of each file, as the help shows it (English names; the Chinese aliases work too). */
export const HEADER: Record<Kind, string> = {
  entities: 'uscc,name,region,address,tags,risk,status,lat,lng,flags',
  inspectors: 'username,name,dept,region,cert_no,specialities,expert,on_duty',
  conflicts: 'inspector,uscc,reason',
}

/** fieldLabel names a column in Chinese; an unknown one (a misspelt header) is shown as written. */
export function fieldLabel(kind: Kind, column: string | undefined): string {
  if (!column) return '—'
  return FIELD_LABEL[kind][column] ?? column
}

/**
 * valueText shows a changed field's value: region and department codes with
 * their names, lists with 、, an empty value as （空）.
 */
export function valueText(field: string, v: string, names: { regions: Map<string, string>; depts: Map<string, string> }): string {
  if (v === '') return '（空）'
  if (field === 'region') return names.regions.get(v) ? `${names.regions.get(v)}（${v}）` : v
  if (field === 'dept') return names.depts.get(v) ?? v
  if (field === 'tags' || field === 'flags' || field === 'specialities') return v.split('|').join('、')
  return v
}

/** The largest file the server reads (server/directory MaxSize, 200 MB). */
export const MAX_SIZE = 200 << 20

/** checkFile refuses, before any upload, what the server would refuse for its kind or size; '' when it may go. */
export function checkFile(file: { name: string; size: number }): string {
  if (!/\.(csv|tsv|tab|txt|xlsx|xlsm)$/i.test(file.name)) return '只能导入 CSV、TSV 或 Excel（.xlsx）格式的名录文件'
  if (file.size === 0) return '所选文件是空的'
  if (file.size > MAX_SIZE) return '文件超过 200 MB，请分区县导入'
  return ''
}

const IMPORT_PATH: Record<Kind, string> = {
  entities: '/entities/import',
  inspectors: '/inspectors/import',
  conflicts: '/conflicts/import',
}

/** importFile sends the file for a preview (dryRun) or the import, reporting the upload's progress as 0–1. */
export function importFile(kind: Kind, file: File, dryRun: boolean, onProgress?: (fraction: number) => void, signal?: AbortSignal): Promise<DirectoryPreview> {
  const form = new FormData()
  form.append('file', file, file.name)
  return upload<DirectoryPreview>(IMPORT_PATH[kind] + (dryRun ? '?dry_run=1' : ''), form, {
    signal,
    onProgress: onProgress && ((loaded, total) => onProgress(total > 0 ? Math.min(1, loaded / total) : 0)),
  })
}

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v))
  const s = q.toString()
  return s ? `?${s}` : ''
}

export function searchEntities(p: { q?: string; region?: string; risk?: string; page?: number; size?: number }): Promise<Page<EntityInfo>> {
  return request<Page<EntityInfo>>('/entities' + query(p))
}

export function searchInspectors(p: { q?: string; dept?: string; region?: string; tag?: string; page?: number; size?: number }): Promise<Page<InspectorInfo>> {
  return request<Page<InspectorInfo>>('/inspectors' + query(p))
}

export function searchRecusals(p: { q?: string; page?: number; size?: number }): Promise<Page<Pair>> {
  return request<Page<Pair>>('/recusals' + query(p))
}

export const fetchRegions = () => request<Region[]>('/regions')
export const fetchDepartments = () => request<Department[]>('/departments')

/** The measure word of each directory's records: 户 entities, 名 inspectors, 条 回避. */
export const UNIT: Record<Kind, string> = { entities: '户', inspectors: '名', conflicts: '条' }

/** summary says in Chinese what a preview or an import counts. */
export function summary(kind: Kind, p: DirectoryPreview): string {
  const u = UNIT[kind]
  const parts = [`新增 ${p.created} ${u}`, `变更 ${p.updated} ${u}`, `不变 ${p.unchanged} ${u}`]
  if (p.dry_run) parts.push(`文件中未列出 ${p.absent} ${u}`)
  return parts.join('，')
}

export const RISK_TEXT: Record<string, string> = { A: 'A 类（低风险）', B: 'B 类（一般风险）', C: 'C 类（较高风险）', D: 'D 类（高风险）' }

/** importErrorText is one Chinese sentence for an upload that failed without a list of rows. */
export function importErrorText(err: unknown): string {
  if (isOffline(err)) return '网络未连接，导入名录需要联网'
  if (err instanceof ApiError && (err.status === 413 || err.code === 'too_large')) return '文件超过 200 MB，请分区县导入'
  return `导入失败：${errorText(err)}`
}

export function loadErrorText(err: unknown): string {
  if (isOffline(err)) return '网络未连接，名录库需要联网查看'
  return `加载失败：${errorText(err)}`
}
