// Applying a pull (DESIGN §5 step 4) and the rebase that follows it: the
// server's records replace the phone's copies, every row a pending mutation
// had changed is put back to the server's copy, and the mutations the server
// has not applied yet are applied again on top, in number order. After that
// the screens show server state + pending work, whatever order things
// arrived in.
import { db, SYNCED_TABLES, type SyncedTable } from './index'
import { META, getMeta, setMeta, updateRemovedVisits, type RemovedVisit } from './meta'
import { transactionRowStore, type RowStore } from './rows'
import type { OutboxEntry, Rejection } from './types'

/** A change as the pull delivers it (sync/protocol.go ChangeEntry). */
export interface ChangeEntry {
  kind: string
  op: 'put' | 'remove'
  id: string
  data: unknown
}

/** Where each change kind lives and how its record is shaped for the phone. */
export interface ChangeTarget {
  table: SyncedTable
  key: string
  record: Record<string, unknown> | null
}

/** The answer of one pull page, already decoded. */
export interface PullPage {
  cursor: number
  last_seq: number
  changes: ChangeEntry[]
  missing_blobs?: string[]
  /**
   * bootstrap is true when the page carries the whole current state (cursor
   * 0, a server whose log is behind our cursor, or the server's own
   * `bootstrap`: our cursor was of another epoch, DESIGN §8.5): every synced
   * row not in it is dropped first; the outbox never is.
   */
  bootstrap?: boolean
  /**
   * bootstrap_token names the next page of a bootstrap under way (sync
   * PROTOCOL §3), stored with the page so that a lost answer or a closed app
   * resumes where the pages stopped; '' when the bootstrap is done; absent
   * leaves the stored one alone.
   */
  bootstrap_token?: string
  /**
   * open_year (a lead's pull): the plan year whose open work the phone
   * keeps besides the visits of its user's own teams. A visit put that is
   * complete, replaced or of another year drops the visit and its records,
   * and a record of a visit the phone does not hold is not stored.
   */
  open_year?: number
  /**
   * The tombstones of this page (visits of ours it removes, or a bootstrap's
   * last page does not bring back) and the visits we are on again: stored in
   * the page's transaction, so that a page applied is never without them (a
   * reload right after the removal lost the note 你已被组长调出本次检查 for good:
   * the cursor had moved past the removal).
   */
  removed_visits?: { gone: RemovedVisit[]; back: string[] }
}

export interface ApplyPullOptions {
  /** toTarget maps a change to its store and record, or null for a kind the phone does not keep. */
  toTarget: (c: ChangeEntry) => ChangeTarget | null
  /** replay applies one pending mutation's local effect again. */
  replay: (entry: OutboxEntry, rows: RowStore) => Promise<void>
  /** at is the time recorded on outbox rows the pull reports as rejected. */
  at: string
  /** userId is who pulls: a visit of their own team is kept whatever open_year says. */
  userId?: string
}

/** keepsVisit says whether a phone told open_year keeps a pulled visit record (PROTOCOL §3). */
export function keepsVisit(v: Record<string, unknown>, openYear: number | undefined, userId: string | undefined): boolean {
  if (!openYear) return true
  const team = (v.team as { user_id?: string; active?: boolean }[] | null | undefined) ?? []
  if (userId && team.some((m) => m.user_id === userId && m.active !== false)) return true
  return v.status === 'open' && (v.plan as { year?: number } | undefined)?.year === openYear
}

/**
 * applyPull stores one page of a pull and rebases the pending mutations on it,
 * in one transaction. Offline: never called (a pull needs the server); the
 * phone keeps showing what it had, with its pending work on top.
 */
export async function applyPull(page: PullPage, opts: ApplyPullOptions): Promise<void> {
  const stores = [db.meta, db.outbox, db.rejections, db.blobs, db.departments, db.regions, ...SYNCED_TABLES.map((t) => db.table(t))]
  await db.transaction('rw', stores, async () => {
    // 1. The server's records replace ours whole; a row written here is clean.
    if (page.bootstrap) {
      for (const name of SYNCED_TABLES) await db.table(name).clear()
    }
    // Whether the phone holds a visit, asked once per visit of the page.
    const held = new Map<string, boolean>()
    const holds = async (visitId: string): Promise<boolean> => {
      let h = held.get(visitId)
      if (h === undefined) held.set(visitId, (h = (await db.visits.get(visitId)) !== undefined))
      return h
    }
    for (const c of page.changes) {
      if (c.kind === 'rejection') {
        const r = c.data as Rejection
        await db.rejections.put(r)
        await db.outbox.where('id').equals(r.mutation_id).modify((e) => {
          e.state = 'rejected'
          e.reason = r.reason
          e.settled_at = e.settled_at ?? opts.at
        })
        continue
      }
      if (c.kind === 'blob') {
        const sha = (c.data as { sha256?: string })?.sha256 ?? c.id
        await db.blobs.where('sha256').equals(sha).modify((b) => {
          b.uploaded = 1
          b.received = b.size
        })
        continue
      }
      if (c.kind === 'department' && c.op === 'put') {
        await db.departments.put(c.data as never)
        continue
      }
      if (c.kind === 'region' && c.op === 'put') {
        await db.regions.put(c.data as never)
        continue
      }
      const target = opts.toTarget(c)
      if (!target) continue
      const t = db.table(target.table)
      // A lead keeps the open work of the year: a visit leaving it goes
      // like a removal, and records of a visit not held stay off the phone.
      const dropped = c.kind === 'visit' && c.op === 'put' && !keepsVisit((c.data ?? {}) as Record<string, unknown>, page.open_year, opts.userId)
      if (c.op === 'remove' || !target.record || dropped) {
        await t.delete(target.key)
        if (target.table === 'visits') {
          await removeVisitRows(target.key)
          held.set(target.key, false)
        }
        continue
      }
      const visitId = target.record.visit_id
      if (page.open_year && target.table !== 'visits' && typeof visitId === 'string' && !(await holds(visitId))) continue
      if (target.table === 'visits') held.set(target.key, true)
      await t.put({ ...target.record, _base: target.record, _dirty: 0 })
    }

    // 2. Put every row a pending mutation touched back to the server's copy;
    // a row that only exists on the phone goes until its mutation re-creates it.
    for (const name of SYNCED_TABLES) {
      const t = db.table(name)
      const dirty = await t.where('_dirty').equals(1).toArray()
      for (const row of dirty) {
        const key = name === 'results' ? row.item_id : row.id
        if (row._base) await t.put({ ...row._base, _base: row._base, _dirty: 0 })
        else await t.delete(key)
      }
    }

    // 3. Drop what the server applied; apply the rest again, in order.
    const known = (await getMeta<number>(META.lastSeq)) ?? 0
    const lastSeq = Math.max(known, page.last_seq)
    await setMeta(META.lastSeq, lastSeq)
    const rest = await db.outbox.where('seq').above(page.last_seq).sortBy('seq')
    const rows = transactionRowStore()
    for (const e of rest) {
      if (e.state === 'rejected' || e.state === 'conflict') continue
      await opts.replay(e, rows)
    }
    if (page.removed_visits) await updateRemovedVisits(page.removed_visits.gone, page.removed_visits.back)
    await setMeta(META.cursor, page.cursor)
    if (page.bootstrap_token !== undefined) await setMeta(META_BOOTSTRAP_TOKEN, page.bootstrap_token)
    if (page.open_year !== undefined) await setMeta(META_OPEN_YEAR, page.open_year)
  })
}

/** Where a paged bootstrap stands, and the open_year of the last pull (meta keys). */
export const META_BOOTSTRAP_TOKEN = 'bootstrap_token'
export const META_OPEN_YEAR = 'open_year'

/** removeVisitRows drops the records of a visit the user no longer belongs to (a removal, not a deletion on the server). */
async function removeVisitRows(visitId: string): Promise<void> {
  for (const name of SYNCED_TABLES) {
    if (name === 'visits' || name === 'leases') continue
    await db.table(name).where('visit_id').equals(visitId).delete()
  }
}

/**
 * putServerRecords stores records fetched outside a pull (the lead's
 * conflict list from GET /conflicts) exactly as a pull would, then rebases.
 * Offline: never called.
 */
export async function putServerRecords(
  table: SyncedTable,
  records: Record<string, unknown>[],
  replay: ApplyPullOptions['replay'],
): Promise<void> {
  const lastSeq = (await getMeta<number>(META.lastSeq)) ?? 0
  const cursor = (await getMeta<number>(META.cursor)) ?? 0
  await applyPull(
    {
      cursor,
      last_seq: lastSeq,
      changes: records.map((r) => ({ kind: `local:${table}`, op: 'put', id: String(table === 'results' ? r.item_id : r.id), data: r })),
    },
    {
      toTarget: (c) => ({ table, key: c.id, record: c.data as Record<string, unknown> }),
      replay,
      at: new Date().toISOString(),
    },
  )
}
