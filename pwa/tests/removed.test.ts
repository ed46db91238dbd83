// A visit taken off the phone by a swap (issue 10, item 7): the phone keeps
// a tombstone that says so, its unsent work stays in the outbox and is still
// pushed, and what the server rejects stays listed with a Chinese reason.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import Dexie, { type Transaction } from 'dexie'
import { db } from '../src/db/index'
import { markRemovedSeen, removedVisit, removedVisits } from '../src/db/meta'
import { setItem } from '../src/sync/actions'
import { pull, push, syncNow } from '../src/sync/engine'
import { FakeServer } from './fakeserver'
import { VISIT_ID, signIn, visitChange } from './fixtures'

const UUID = '0190c3a2-7d1e-7c3a-9f1e-3b2a1c0d9e8f'
let server: FakeServer

beforeEach(async () => {
  server = new FakeServer()
  server.put(visitChange())
  vi.stubGlobal('fetch', server.fetch)
  await signIn()
  await syncNow()
})
afterEach(() => vi.unstubAllGlobals())

describe('a visit taken off the phone', () => {
  it('leaves a tombstone, keeps the unsent work and pushes it; the rejection stays, in Chinese', async () => {
    await setItem(VISIT_ID, 'i-1', { value: '不符合', note: '健康证过期', photos: [] })
    // The lead swaps this inspector out before the phone sends its work.
    server.put({ kind: 'visit', op: 'remove', id: VISIT_ID, data: {} })
    server.outOfScope.set(VISIT_ID, `市市场监管局本次检查不在你的范围内（${UUID}）`)

    await pull()
    expect(await db.visits.get(VISIT_ID)).toBeUndefined()
    expect(await db.results.where('visit_id').equals(VISIT_ID).filter((r) => r._dirty === 0).count()).toBe(0)
    expect(await removedVisit(VISIT_ID)).toMatchObject({
      visit_id: VISIT_ID,
      entity_name: '庆阳市西峰区好味食品店',
      scheduled_on: '2024-06-03',
      seen: false,
    })
    // Still in the outbox, still to be sent.
    expect(await db.outbox.get(1)).toMatchObject({ state: 'pending', visit_id: VISIT_ID })

    const count = await push()
    expect(count).toEqual({ sent: 1, rejected: 1, conflicts: 0 })
    const pushed = server.requests.filter((r) => r.path === '/api/v1/sync/push').at(-1)!.body as { mutations: { args: { visit_id: string } }[] }
    expect(pushed.mutations[0].args.visit_id).toBe(VISIT_ID)
    expect(await db.outbox.get(1)).toMatchObject({ state: 'rejected', reason: '市市场监管局本次检查不在你的范围内' })

    // A whole run later (pruning answered mutations) the rejection is still listed.
    expect(await syncNow()).toMatchObject({ kind: 'ok' })
    expect((await db.outbox.get(1))?.state).toBe('rejected')
  })

  it('forgets the tombstone when the user is put back on the visit', async () => {
    server.put({ kind: 'visit', op: 'remove', id: VISIT_ID, data: {} })
    await syncNow()
    expect(Object.keys(await removedVisits())).toEqual([VISIT_ID])
    await markRemovedSeen([VISIT_ID])
    expect((await removedVisit(VISIT_ID))?.seen).toBe(true)
    server.put(visitChange())
    await syncNow()
    expect(await db.visits.get(VISIT_ID)).toBeDefined()
    expect(await removedVisits()).toEqual({})
  })

  it('stores the tombstone in the transaction that removes the visit (a reload right after cannot lose it)', async () => {
    // A page closed between two transactions loses the second: refuse any
    // write of the tombstones outside the transaction that removes visits.
    const put = db.meta.put.bind(db.meta)
    const spy = vi.spyOn(db.meta, 'put').mockImplementation(((row: { key: string }, ...rest: unknown[]) => {
      let tx = Dexie.currentTransaction as (Transaction & { parent?: Transaction }) | null
      while (tx?.parent) tx = tx.parent // a nested transaction commits with its parent
      if (row.key === 'removed_visits' && !tx?.storeNames.includes('visits')) {
        return Dexie.Promise.reject(new Error('the page was closed before the tombstone was written'))
      }
      return (put as (...a: unknown[]) => Promise<unknown>)(row, ...rest)
    }) as typeof db.meta.put)
    try {
      server.put({ kind: 'visit', op: 'remove', id: VISIT_ID, data: {} })
      await pull()
    } finally {
      spy.mockRestore()
    }
    expect(await db.visits.get(VISIT_ID)).toBeUndefined()
    expect(await removedVisit(VISIT_ID)).toMatchObject({ visit_id: VISIT_ID, entity_name: '庆阳市西峰区好味食品店', seen: false })
  })

  it('leaves a tombstone for a visit of the user missing from a new bootstrap', async () => {
    server.state.delete(`visit:${VISIT_ID}`)
    const { setMeta, META } = await import('../src/db/meta')
    await setMeta(META.cursor, 0)
    await syncNow()
    expect(await db.visits.get(VISIT_ID)).toBeUndefined()
    expect(await removedVisit(VISIT_ID)).toBeDefined()
  })
})
