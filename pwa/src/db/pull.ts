// Applying a pull (DESIGN §5 step 4) and the rebase that follows it: the
// server's records replace the phone's copies, every row a pending mutation
// had changed is put back to the server's copy, and the mutations the server
// has not applied yet are applied again on top, in number order. After that
// the screens show server state + pending work, whatever order things
// arrived in.
import { db, SYNCED_TABLES, type SyncedTable } from './index'
import { META, getMeta, setMeta } from './meta'
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
}

export interface ApplyPullOptions {
  /** toTarget maps a change to its store and record, or null for a kind the phone does not keep. */
  toTarget: (c: ChangeEntry) => ChangeTarget | null
  /** replay applies one pending mutation's local effect again. */
  replay: (entry: OutboxEntry, rows: RowStore) => Promise<void>
  /** at is the time recorded on outbox rows the pull reports as rejected. */
  at: string
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
      if (c.op === 'remove' || !target.record) {
        await t.delete(target.key)
        if (target.table === 'visits') await removeVisitRows(target.key)
        continue
      }
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
    await setMeta(META.cursor, page.cursor)
  })
}

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
