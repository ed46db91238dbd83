// The office's API: the six targets, stale devices, publications, 附件3.
// Online only (the office works at a desk); through the app's one HTTP
// client, so tokens and refresh behave as everywhere else.
import { request, send } from '../../api/http'

export interface Target {
  key: string
  name: string
  numerator: number
  denominator: number
  rate: number | null
  goal: number
  ok: boolean
}

export interface MetricsRow {
  key: string
  name: string
  targets: Target[]
}

export interface Metrics {
  year: number
  targets: Target[]
  by?: string
  rows?: MetricsRow[]
}

export type Breakdown = 'department' | 'region' | 'plan' | 'month'

export interface MetricsQuery {
  year: number
  month?: string
  region?: string
  department?: string
  plan?: string
  by?: Breakdown
}

function qs(q: Record<string, string | number | undefined>): string {
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.set(k, String(v))
  const s = p.toString()
  return s ? `?${s}` : ''
}

export function fetchMetrics(q: MetricsQuery): Promise<Metrics> {
  return request<Metrics>(`/metrics${qs({ ...q })}`)
}

export interface StaleDevice {
  client_id: string
  user_name: string
  username: string
  dept_name: string
  region: string
  platform: string
  installed: boolean
  app_version: string
  pending: number
  last_seen: string
  silent: boolean
}

export function fetchStaleDevices(): Promise<{ stale_after_days: number; devices: StaleDevice[] }> {
  return request('/devices/stale')
}

export interface Publication {
  visit_id: string
  dept: string
  dept_name: string
  entity_name: string
  uscc: string
  plan_name: string
  region: string
  completed_on: string
  deadline: string
  published_at?: string
  status: 'due' | 'overdue' | 'published'
  days_left: number
  channels: string[]
  /** On an unpublished item: the signed-in user may publish it (谁检查、谁公开). */
  can_publish?: boolean
}

export interface PublicationList {
  status: string
  today: string
  total: number
  items: Publication[]
}

export type PublicationStatus = 'due' | 'overdue' | 'unpublished' | 'published'

export function fetchPublications(
  status: PublicationStatus,
  limit = 50,
  filter: { dept?: string; region?: string } = {},
): Promise<PublicationList> {
  return request(`/publications${qs({ status, limit, dept: filter.dept, region: filter.region })}`)
}

/** The three channels of 附件3, in its order. */
export const PUBLICATION_CHANNELS = ['互联网+监管系统', '部门系统', '部门网站']

/** PublicResult is one result as the public search (/public) shows it. */
export interface PublicResult {
  entity_name: string
  uscc: string
  address: string
  plan_name: string
  department: string
  inspected_on: string
  published_on: string
  channels: string[]
  outcome: string[]
  items: { total: number; compliant: number; non_compliant: number; not_applicable: number }
  failed_items: string[]
  notices: string[]
  office_entered: boolean
}

/** fetchPreview asks the server what /public will show of a result once published on channels. */
export function fetchPreview(visitId: string, dept: string, channels: string[]): Promise<PublicResult> {
  const p = new URLSearchParams({ visit_id: visitId, dept })
  for (const c of channels) p.append('channels', c)
  return request(`/publications/preview?${p.toString()}`)
}

/** publish publishes a department's results of a visit on channels (POST /publications). */
export function publish(visitId: string, dept: string, channels: string[]): Promise<Publication> {
  return request('/publications', { method: 'POST', body: { visit_id: visitId, dept, channels } })
}

/** downloadProgress fetches 附件3 for month as xlsx or csv and saves it. */
export async function downloadProgress(month: string, format: 'xlsx' | 'csv'): Promise<void> {
  const res = await send(`/reports/progress${qs({ month, format })}`)
  const blob = await res.blob()
  const a = document.createElement('a')
  a.href = URL.createObjectURL(blob)
  a.download = `附件3-双随机抽查任务进展情况统计表-${month}.${format}`
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000)
}

/** percent formats a rate as 93.5%, or — when there is nothing to count. */
export function percent(rate: number | null): string {
  if (rate === null) return '—'
  const p = Math.round(rate * 1000) / 10
  return `${p}%`
}
