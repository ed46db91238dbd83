// Reading a conflict record (sync/PROTOCOL.md §6, §7) for a screen: both
// values in words, who wrote each (by name, never an id), which came first
// by the real times, and which one the lead kept. Shared by the lead's
// 冲突处理 and the inspectors' note on a check point (ConflictNote.vue).
import type { Conflict, TeamMember } from '../db/types'
import { cnDateTime } from '../format/date'

export type Side = 'server' | 'client'

/** A value of a conflict: {value, note, photos} for a check point, {categories, note} for an outcome. */
export interface ConflictValue {
  value?: string
  categories?: string[]
  note?: string
  photos?: string[]
}

/** parseValue reads a value as the server sent it (an object, or its JSON text). */
export function parseValue(v: unknown): ConflictValue {
  if (typeof v === 'string') {
    try {
      return JSON.parse(v) as ConflictValue
    } catch {
      return { value: v }
    }
  }
  return (v ?? {}) as ConflictValue
}

/** describe says a value in words: the answer, the note, the number of photos. */
export function describe(v: unknown): { main: string; note: string; photos: number } {
  const o = parseValue(v)
  const parts: string[] = []
  if (Array.isArray(o.categories)) parts.push(o.categories.join('、'))
  if (o.value) parts.push(String(o.value))
  return { main: parts.join(' ') || '（空）', note: o.note ? String(o.note) : '', photos: Array.isArray(o.photos) ? o.photos.length : 0 }
}

/** sameValue tells whether two values say the same (answer, note and photos, or categories and note). */
export function sameValue(a: unknown, b: unknown): boolean {
  const x = parseValue(a)
  const y = parseValue(b)
  const list = (l?: string[]) => [...(l ?? [])].sort().join('\n')
  return (
    (x.value ?? '') === (y.value ?? '') &&
    (x.note ?? '') === (y.note ?? '') &&
    list(x.photos) === list(y.photos) &&
    list(x.categories) === list(y.categories)
  )
}

/** nameOf is the name of the user who wrote one side, from the record or the team; never an id. */
export function nameOf(c: Conflict, side: Side, team: TeamMember[] = []): string {
  const given = side === 'server' ? c.server_user_name : c.client_user_name
  if (given) return given
  const id = side === 'server' ? c.server_user : c.client_user
  return team.find((m) => m.user_id === id)?.name ?? (side === 'server' ? '另一位检查人员' : '另一位检查人员')
}

/**
 * timeOf is the real time of one side, with what it means: the server's
 * value was recorded on the server at server_at (its arrival); the other
 * was entered on the phone at client_at (the phone's clock), and reached the
 * server later.
 */
export function timeOf(c: Conflict, side: Side): { at: string; label: string } {
  return side === 'server' ? { at: c.server_at, label: '提交于' } : { at: c.client_at, label: '填写于' }
}

/**
 * order tells which side was submitted first. Always the server's value: a
 * conflict is recorded when a phone's edit reaches the server after another
 * value was already there (PROTOCOL §6). The times cannot decide it:
 * server_at is when the first value arrived, client_at when the second was
 * typed, possibly offline and long before it arrived.
 */
export function order(_c: Conflict): { first: Side; second: Side } {
  return { first: 'server', second: 'client' }
}

/** keptSide tells whose value a settled conflict kept, or null when open or neither matches. */
export function keptSide(c: Conflict): Side | null {
  if (c.status !== 'settled' || c.settled_value == null) return null
  if (sameValue(c.settled_value, c.client_value)) return 'client'
  if (sameValue(c.settled_value, c.server_value)) return 'server'
  return null
}

/** settledText is what every phone of the visit shows once the lead decided: 组长已裁定：采用…（某某的结果）. */
export function settledText(c: Conflict, team: TeamMember[] = []): string {
  const kept = keptSide(c)
  const value = describe(c.settled_value ?? (kept ? (kept === 'server' ? c.server_value : c.client_value) : null)).main
  const whose = kept ? `（${nameOf(c, kept, team)}的结果）` : ''
  return `组长已裁定：采用${value}${whose}`
}

/** whenText is a time to the second (2024年6月3日 10:12:05): two edits of one point are often a minute apart. */
export function whenText(t: string | null | undefined): string {
  if (!t || !Number.isFinite(Date.parse(t))) return ''
  return `${cnDateTime(t)}:${String(new Date(t).getUTCSeconds()).padStart(2, '0')}`
}
