// The first screen's reads (issue 15, cold start): 我的任务 and the sync
// indicator each read in one transaction (src/db/startup.ts) what a dozen
// live queries read before; they must give the same answers, and as live
// queries follow a write to any store they read.
import { liveQuery } from 'dexie'
import { describe, expect, it } from 'vitest'
import { db } from '../src/db/index'
import { META, removedVisits, setMeta, setSyncState, updateRemovedVisits } from '../src/db/meta'
import { allDeptFinishes, allVisits, getSyncState, openNotices, rejectedOutbox, unsentByVisit, unsentCount } from '../src/db/queries'
import { prefetchTasksScreen, statusFacts, takeTasksScreen, tasksScreen } from '../src/db/startup'
import type { OutboxEntry, OutboxState } from '../src/db/types'

const visit = (id: string, scheduled_on: string, status = 'open') =>
  ({ id, task_id: 't', scheduled_on, status, entity: { id: `e-${id}`, name: id, uscc: '', address: '' }, team: [], departments: ['scjg'], checklist: [], _dirty: 0 }) as never
const notice = (id: string, deadline: string, status: string) => ({ id, visit_id: 'v-1', dept: 'scjg', year: 2024, number: 1, deadline, status, _dirty: 0 }) as never
let seq = 0
const entry = (state: OutboxState, visit_id: string): OutboxEntry => {
  seq++
  return { seq, id: `m-${seq}`, name: 'item.set', at: `2024-06-03T0${seq % 10}:00:00Z`, args: {}, state, reason: state === 'rejected' ? '不在范围内' : '', attempts: 0, last_error: '', sent_at: null, settled_at: null, visit_id }
}

async function seed() {
  seq = 0
  await db.visits.bulkPut([visit('v-2', '2024-06-05'), visit('v-1', '2024-06-03'), visit('v-old', '2024-06-01', 'replaced')])
  await db.notices.bulkPut([notice('n-1', '2024-06-20', 'issued'), notice('n-2', '2024-06-10', 'served'), notice('n-3', '2024-06-01', 'followed_up')])
  await db.outbox.bulkPut([entry('pending', 'v-1'), entry('sending', 'v-1'), entry('pending', 'v-2'), entry('rejected', 'v-2'), entry('applied', 'v-1'), entry('rejected', 'v-1')])
  await db.dept_finishes.put({ id: 'v-1:scjg', visit_id: 'v-1', dept: 'scjg', user_id: 'u', user_name: '张三', at: '2024-06-03T08:00:00Z', _dirty: 1 } as never)
  await updateRemovedVisits([{ visit_id: 'v-9', entity_name: '某店', scheduled_on: '2024-06-02', removed_at: new Date().toISOString(), seen: false }], [])
}

describe('我的任务 in one read', () => {
  it('gives what the separate queries gave', async () => {
    await seed()
    const s = await tasksScreen()
    expect(s.visits).toEqual(await allVisits())
    expect(s.visits.map((v) => v.id)).toEqual(['v-1', 'v-2'])
    expect(s.notices).toEqual(await openNotices())
    expect(s.notices.map((n) => n.id)).toEqual(['n-2', 'n-1'])
    expect(s.pendingByVisit).toEqual(await unsentByVisit())
    expect(s.pendingByVisit).toEqual({ 'v-1': 2, 'v-2': 1 })
    expect(s.pending).toBe(await unsentCount())
    expect(s.rejected).toEqual(await rejectedOutbox())
    expect(s.rejected.map((e) => e.seq)).toEqual([6, 4])
    expect(s.removed).toEqual(await removedVisits())
    expect(Object.keys(s.removed)).toEqual(['v-9'])
    expect(s.finishes).toEqual(await allDeptFinishes())
  })

  it('reads an empty phone', async () => {
    expect(await tasksScreen()).toEqual({ visits: [], notices: [], pendingByVisit: {}, pending: 0, rejected: [], removed: {}, finishes: [] })
  })

  it('as a live query, follows a write to any store it reads', async () => {
    await seed()
    const seen: Awaited<ReturnType<typeof tasksScreen>>[] = []
    const sub = liveQuery(tasksScreen).subscribe((v) => seen.push(v))
    try {
      await expect.poll(() => seen.length).toBe(1)
      await db.outbox.put(entry('pending', 'v-2'))
      await expect.poll(() => seen.at(-1)?.pendingByVisit['v-2']).toBe(2)
      await db.visits.put(visit('v-3', '2024-06-04'))
      await expect.poll(() => seen.at(-1)?.visits.map((v) => v.id)).toEqual(['v-1', 'v-3', 'v-2'])
      await setMeta(META.removedVisits, {})
      await expect.poll(() => seen.at(-1)?.removed).toEqual({})
    } finally {
      sub.unsubscribe()
    }
  })
})

describe('the read the app starts with', () => {
  it('is handed over once, with what the screen would read', async () => {
    await seed()
    expect(takeTasksScreen()).toBeUndefined()
    prefetchTasksScreen()
    const early = takeTasksScreen()
    expect(early).toBeDefined()
    expect(await early).toEqual(await tasksScreen())
    expect(takeTasksScreen()).toBeUndefined()
  })
})

describe("the indicator's read", () => {
  it('gives the sync state and the unsent count together, and follows both', async () => {
    expect(await statusFacts()).toEqual({ state: await getSyncState(), pending: 0 })
    const seen: Awaited<ReturnType<typeof statusFacts>>[] = []
    const sub = liveQuery(statusFacts).subscribe((v) => seen.push(v))
    try {
      await expect.poll(() => seen.length).toBe(1)
      await db.outbox.put(entry('pending', 'v-1'))
      await expect.poll(() => seen.at(-1)?.pending).toBe(1)
      await setSyncState({ phase: 'unreachable', last_error: 'x' })
      await expect.poll(() => seen.at(-1)?.state.phase).toBe('unreachable')
      expect(seen.at(-1)?.pending).toBe(await unsentCount())
    } finally {
      sub.unsubscribe()
    }
  })
})
