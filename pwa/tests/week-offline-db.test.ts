// The outbox after a week offline (issue 15): the 待同步 figures come from
// the indexes and say the same as the rows; a push's bookkeeping reaches
// every mutation of its batch in one write; the checklist keeps the objects
// of what did not change.
import { describe, expect, it } from 'vitest'
import Dexie from 'dexie'
import { ZscDB, db } from '../src/db/index'
import { META, getMeta, setSyncState } from '../src/db/meta'
import { countUnsent, markSendFailed, markSending, recordFates, unsentMutations, unsentOfVisit, unsentTally } from '../src/db/outbox'
import { unsentByVisit, unsentCount, visitRecords } from '../src/db/queries'
import type { OutboxEntry, OutboxState } from '../src/db/types'
import { reuseUnchanged, sameSet } from '../src/visit/stable'

function entry(seq: number, visit: string, state: OutboxState): OutboxEntry {
  return {
    seq,
    id: `m-${seq}`,
    name: 'item.set',
    at: '2026-06-01T08:00:00Z',
    args: { visit_id: visit, item_id: `i-${seq}` },
    state,
    reason: '',
    attempts: 0,
    last_error: '',
    sent_at: null,
    settled_at: null,
    visit_id: visit,
    owner: 'u-1',
  }
}

/** A week's outbox: every state, over several visits, the unsent ones not contiguous. */
async function fillOutbox(): Promise<OutboxEntry[]> {
  const states: OutboxState[] = ['pending', 'sending', 'applied', 'conflict', 'rejected']
  const rows: OutboxEntry[] = []
  for (let seq = 1; seq <= 500; seq++) rows.push(entry(seq, `v-${seq % 7}`, states[(seq * 7919) % 13 < 8 ? 0 : (seq % 5) as 0 | 1 | 2 | 3 | 4]))
  await db.outbox.bulkAdd(rows)
  return rows
}

const unsent = (e: OutboxEntry) => e.state === 'pending' || e.state === 'sending'

describe('a week offline: the outbox', () => {
  it('counts the unsent mutations, in all and per visit, as the rows say', async () => {
    const rows = await fillOutbox()
    const expected: Record<string, number> = {}
    for (const e of rows.filter(unsent)) expected[e.visit_id] = (expected[e.visit_id] ?? 0) + 1
    expect(Object.keys(expected).length).toBeGreaterThan(3)
    expect(await countUnsent()).toBe(rows.filter(unsent).length)
    expect(await unsentCount()).toBe(rows.filter(unsent).length)
    expect(await unsentByVisit()).toEqual(expected)
    expect(await unsentTally()).toEqual({ total: rows.filter(unsent).length, byVisit: expected })
    for (const v of Object.keys(expected)) expect(await unsentOfVisit(v)).toBe(expected[v])
    expect(await unsentOfVisit('v-none')).toBe(0)
    expect((await visitRecords('v-3')).pending).toBe(expected['v-3'])
  })

  it('lists the unsent mutations in number order, the first N of them with a limit', async () => {
    const rows = await fillOutbox()
    const want = rows.filter(unsent).map((e) => e.seq)
    expect((await unsentMutations()).map((e) => e.seq)).toEqual(want)
    expect((await unsentMutations(50)).map((e) => e.seq)).toEqual(want.slice(0, 50))
  })

  it('marks a whole batch sending, then back to pending, in one pass each', async () => {
    await db.outbox.bulkAdd([1, 2, 3, 4].map((s) => entry(s, 'v-1', s === 4 ? 'applied' : 'pending')))
    await markSending([1, 2, 3], '2026-06-01T09:00:00Z')
    await markSending([2], '2026-06-01T09:01:00Z')
    const sent = await db.outbox.bulkGet([1, 2, 3, 4])
    expect(sent.map((e) => [e!.state, e!.attempts, e!.sent_at])).toEqual([
      ['sending', 1, '2026-06-01T09:00:00Z'],
      ['sending', 2, '2026-06-01T09:01:00Z'],
      ['sending', 1, '2026-06-01T09:00:00Z'],
      ['applied', 0, null],
    ])
    await markSendFailed([1, 2, 4], '离线')
    const back = await db.outbox.bulkGet([1, 2, 3, 4])
    expect(back.map((e) => [e!.state, e!.last_error])).toEqual([
      ['pending', '离线'],
      ['pending', '离线'],
      ['sending', ''],
      ['applied', '离线'],
    ])
  })

  it('records every fate of a 50-mutation batch, each with its own status and reason', async () => {
    await db.outbox.bulkAdd(Array.from({ length: 60 }, (_, i) => entry(i + 1, 'v-1', 'sending')))
    const fates = Array.from({ length: 50 }, (_, i) => ({
      seq: i + 1,
      status: (i % 10 === 3 ? 'rejected' : i % 10 === 7 ? 'conflict' : 'applied') as 'applied' | 'conflict' | 'rejected',
      reason: i % 10 === 3 ? `理由${i}` : undefined,
    }))
    // An answer for a mutation this phone no longer holds is skipped.
    await recordFates([...fates, { seq: 999, status: 'applied' }], 50, '2026-06-01T10:00:00Z')
    const after = await db.outbox.orderBy('seq').toArray()
    expect(after).toHaveLength(60)
    for (const f of fates) {
      const e = after[f.seq - 1]
      expect([e.state, e.reason, e.settled_at, e.last_error]).toEqual([f.status, f.reason ?? '', '2026-06-01T10:00:00Z', ''])
      expect(e.args).toEqual({ visit_id: 'v-1', item_id: `i-${f.seq}` })
    }
    expect(after.slice(50).every((e) => e.state === 'sending' && e.settled_at === null)).toBe(true)
    expect(await getMeta(META.lastSeq)).toBe(50)
    expect(await countUnsent()).toBe(10)
  })

  it('version 4 of the database keeps the outbox and indexes it by state and visit', async () => {
    db.close()
    await Dexie.delete('zsc')
    const v3 = new Dexie('zsc')
    v3.version(3).stores({ meta: '&key', outbox: '&seq, &id, state, visit_id, owner', blobs: '&sha256, uploaded, visit_id, owner' })
    await v3.open()
    await v3.table('outbox').bulkAdd([entry(1, 'v-1', 'pending'), entry(2, 'v-2', 'applied'), entry(3, 'v-1', 'sending'), entry(4, 'v-2', 'pending')])
    v3.close()
    const v4 = new ZscDB()
    await v4.open()
    expect(v4.verno).toBeGreaterThanOrEqual(4)
    expect((await v4.outbox.orderBy('seq').toArray()).map((e) => [e.seq, e.state])).toEqual([
      [1, 'pending'],
      [2, 'applied'],
      [3, 'sending'],
      [4, 'pending'],
    ])
    expect(await v4.outbox.where('[state+visit_id]').equals(['pending', 'v-2']).count()).toBe(1)
    v4.close()
  })
})

describe('a week offline: the sync state', () => {
  it('is not written again when nothing in it changes', async () => {
    await setSyncState({ phase: 'idle', last_error: '' })
    await setSyncState({ phase: 'syncing' })
    let writes = 0
    db.meta.hook('updating', () => {
      writes++
    })
    await setSyncState({ phase: 'syncing' })
    expect(writes).toBe(0)
    await setSyncState({ phase: 'idle' })
    expect(writes).toBe(1)
  })
})

describe('a week offline: the checklist keeps unchanged objects', () => {
  it('reuses the previous object of an unchanged result, and takes the changed one', () => {
    const a = { item_id: 'a', value: '符合', photos: [] as string[] }
    const b = { item_id: 'b', value: '符合', photos: ['x'] }
    const prev = { a, b }
    const next = reuseUnchanged(prev, { a: { ...a, photos: [] }, b: { ...b, value: '不符合' }, c: { item_id: 'c', value: '符合', photos: [] } })
    expect(next.a).toBe(a)
    expect(next.b).not.toBe(b)
    expect(next.b.value).toBe('不符合')
    expect(Object.keys(next)).toEqual(['a', 'b', 'c'])
    expect(reuseUnchanged(undefined, { a })).toEqual({ a })
  })

  it('keeps a set whose members did not change', () => {
    const s = new Set(['a', 'b'])
    expect(sameSet(s, new Set(['b', 'a']))).toBe(s)
    expect(sameSet(s, new Set(['a']))).not.toBe(s)
    expect(sameSet(s, new Set(['a', 'c']))).not.toBe(s)
  })
})
