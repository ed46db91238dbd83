// A bootstrap in pages (sync PROTOCOL §3): the phone asks for each next
// page with the token of the last, clears its caches on the first page
// only, resumes after a lost answer, and a lead's phone keeps only the open
// work of open_year.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { db } from '../src/db/index'
import { getMeta } from '../src/db/meta'
import { META_BOOTSTRAP_TOKEN } from '../src/db/pull'
import { pull } from '../src/sync/engine'
import { FakeServer } from './fakeserver'
import { signIn, visitChange } from './fixtures'

let server: FakeServer

function visit(id: string, year = 2024, status = 'open', mine = true) {
  const v = visitChange()
  const team = mine ? (v.data as { team: unknown[] }).team : [{ user_id: 'u-other', name: '赵六', dept: 'scjg', active: true }]
  return { ...v, id, data: { ...(v.data as object), status, team, plan: { id: 'p', year, name: '计划' } } }
}
function result(visitId: string, itemId: string, version = 1) {
  return { kind: 'item_result', op: 'put' as const, id: itemId, data: { item_id: itemId, visit_id: visitId, dept: 'scjg', value: '符合', note: '', photos: [], version } }
}

beforeEach(async () => {
  server = new FakeServer()
  server.bootstrapPage = 2
  for (const id of ['v-1', 'v-2', 'v-3', 'v-4', 'v-5']) {
    server.put(visit(id))
    server.put(result(id, `${id}-i`))
  }
  vi.stubGlobal('fetch', server.fetch)
  await signIn()
})
afterEach(() => vi.unstubAllGlobals())

describe('a bootstrap in pages', () => {
  it('fetches every page with the last token and holds the whole state', async () => {
    await pull()
    expect(server.bootstrapPages).toBe(3)
    expect((await db.visits.toCollection().primaryKeys()).sort()).toEqual(['v-1', 'v-2', 'v-3', 'v-4', 'v-5'])
    expect(await db.results.count()).toBe(5)
    const pulls = server.requests.filter((r) => r.path.startsWith('/api/v1/sync/pull'))
    expect(pulls[1].path).toContain('bootstrap=b.')
    expect(await getMeta(META_BOOTSTRAP_TOKEN)).toBe('')
  })

  it('resumes after a lost answer without dropping the pages it has', async () => {
    let n = 0
    server.failNext = (_m, p) => p === '/api/v1/sync/pull' && ++n === 2
    await expect(pull()).rejects.toThrow()
    expect((await db.visits.toCollection().primaryKeys()).sort()).toEqual(['v-1', 'v-2'])
    expect(await getMeta(META_BOOTSTRAP_TOKEN)).toMatch(/^b\./)
    server.put(result('v-1', 'v-1-i', 2)) // written between pages
    await pull()
    expect((await db.visits.toCollection().primaryKeys()).sort()).toEqual(['v-1', 'v-2', 'v-3', 'v-4', 'v-5'])
    expect((await db.results.get('v-1-i'))?.version).toBe(2)
  })

  it("keeps a lead's open work of open_year only", async () => {
    server.openYear = 2024
    await pull()
    expect(await db.visits.count()).toBe(5)
    // v-1 is completed, a visit of 2023 changes, a result of it arrives.
    server.put(visit('v-1', 2024, 'complete', false))
    server.put(visit('v-0', 2023, 'open', false))
    server.put(result('v-0', 'v-0-i'))
    await pull()
    expect(await db.visits.get('v-1')).toBeUndefined()
    expect(await db.results.get('v-1-i')).toBeUndefined()
    expect(await db.visits.get('v-0')).toBeUndefined()
    expect(await db.results.get('v-0-i')).toBeUndefined()
    expect(await db.visits.count()).toBe(4)
  })
})
