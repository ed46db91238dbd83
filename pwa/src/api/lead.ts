// The team lead's online endpoints: tasks, a task's visits, and adjusting a
// visit's date or team (PATCH, audited on the server), a visit's progress
// by department and what inspectors taken off its team sent afterwards.
// These need the network; conflicts are settled through the outbox instead
// (conflict.settle).
import { request } from './http'
import { normalizeVisit } from '../sync/changes'
import type { Conflict, DeptFinish, ItemResult, Outcome, Visit } from '../db/types'

export interface LeadTask {
  id: string
  plan_id: string
  plan_seq?: number
  plan_name: string
  region: string
  batch: number
  level?: string
  initiator?: string
  departments: string[]
  draw_id?: string
  visits: number
  /** visits complete */
  done?: number
  created_at: string
}

export async function fetchLeadTasks(): Promise<LeadTask[]> {
  return (await request<LeadTask[]>('/tasks')) ?? []
}

export async function fetchTaskVisits(taskId: string): Promise<Visit[]> {
  const list = (await request<Record<string, unknown>[]>(`/visits?task=${encodeURIComponent(taskId)}`)) ?? []
  return list.map((v) => normalizeVisit(String(v.id), v))
}

export interface VisitPatch {
  scheduled_on?: string
  swap?: { dept: string; out_user_id: string; in_user_id: string }
  reason?: string
}

export async function patchVisit(id: string, p: VisitPatch): Promise<Visit> {
  const v = await request<Record<string, unknown>>(`/visits/${encodeURIComponent(id)}`, { method: 'PATCH', body: p })
  return normalizeVisit(String(v.id), v)
}

export async function fetchOpenConflicts(): Promise<Conflict[]> {
  const res = await request<Conflict[] | { conflicts: Conflict[] }>('/conflicts?status=open')
  return Array.isArray(res) ? res : (res?.conflicts ?? [])
}

/** The part of GET /visits/{id}/state the lead's progress reads. */
export interface LeadVisitState {
  results: Pick<ItemResult, 'item_id' | 'dept' | 'value' | 'note'>[]
  outcomes: Pick<Outcome, 'dept' | 'categories'>[]
  finishes: Pick<DeptFinish, 'dept' | 'user_name' | 'at' | 'channel'>[]
}

/** fetchVisitProgress reads one visit's answers, outcomes and 本部门检查完毕 from the server. */
export async function fetchVisitProgress(visitId: string): Promise<LeadVisitState> {
  const st = await request<{
    results?: LeadVisitState['results'] | null
    outcomes?: LeadVisitState['outcomes'] | null
    dept_finishes?: LeadVisitState['finishes'] | null
  }>(`/visits/${encodeURIComponent(visitId)}/state`)
  return { results: st?.results ?? [], outcomes: st?.outcomes ?? [], finishes: st?.dept_finishes ?? [] }
}

/**
 * A record an inspector sent for a visit after the lead took him off its
 * team: refused by the server and kept for the lead (GET /visits/{id}/refused).
 */
export interface RefusedRecord {
  id: string
  user_id: string
  user_name: string
  /** The mutation's name (item.set, outcome.set, …). */
  name: string
  args: Record<string, unknown>
  client_at: string
  received_at: string
  reason: string
}

export async function fetchRefused(visitId: string): Promise<RefusedRecord[]> {
  return (await request<RefusedRecord[] | null>(`/visits/${encodeURIComponent(visitId)}/refused`)) ?? []
}
