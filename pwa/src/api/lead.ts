// The team lead's online endpoints: tasks, a task's visits, and adjusting a
// visit's date or team (PATCH, audited on the server). These need the
// network; conflicts are settled through the outbox instead (conflict.settle).
import { request } from './http'
import { normalizeVisit } from '../sync/changes'
import type { Conflict, Visit } from '../db/types'

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
