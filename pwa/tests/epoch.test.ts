// The phone's side of the change log's epoch (DESIGN §8.5) and of device
// numbers (§8.6): it stores the epoch of each pull and sends it back with
// the notice numbers it holds and issued; a page the server marks as a
// bootstrap replaces the pulled caches (never the unsynced outbox), even
// when its cursor is past ours (a restored server whose log grew again);
// provisional numbers carry the device number the server gave this phone.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { db } from '../src/db/index'
import { getMeta } from '../src/db/meta'
import type { ChangeEntry } from '../src/db/pull'
import { issueNotice, setItem } from '../src/sync/actions'
import { syncNow } from '../src/sync/engine'
import { META_DEVICE_NO, META_EPOCH, numberReport, planNoticeNumber } from '../src/sync/numbering'
import { isoDay } from '../src/format/date'
import { CLIENT, VISIT_ID, signIn, visitChange } from './fixtures'

const YEAR = Number(isoDay().slice(0, 4))

function leaseChange(n: number): ChangeEntry {
  return { kind: 'lease', op: 'put', id: `scjg:${YEAR}:${n}`, data: { dept: 'scjg', year: YEAR, number: n, text: `庆市监责改〔${YEAR}〕${n}号`, expires_at: '2999-01-01T00:00:00.000Z' } }
}

interface Answer {
  cursor: number
  epoch: string
  bootstrap: boolean
  changes: ChangeEntry[]
  device_no: number
}

let answer: Answer
let pulls: URL[]
/** unregistered: the server was restored from a backup older than this client's registration. */
let unregistered = false
let registrations = 0
/** serverEpoch: when set, a push naming another epoch is refused as the restored server does (409 epoch_changed). */
let serverEpoch = ''
/** requests: push and pull, in order, with the epoch each carried. */
let requests: { path: string; epoch: string }[]

beforeEach(async () => {
  pulls = []
  unregistered = false
  registrations = 0
  serverEpoch = ''
  requests = []
  vi.stubGlobal('fetch', async (input: string, init: RequestInit = {}) => {
    const url = new URL(input, 'http://zsc.test')
    const json = (v: unknown) => new Response(JSON.stringify(v), { status: 200, headers: { 'Content-Type': 'application/json' } })
    if (url.pathname === '/api/v1/sync/clients') {
      registrations++
      unregistered = false
      return json({ client_id: CLIENT, last_seq: 0 })
    }
    // The server acknowledges nothing: the outbox stays unsynced throughout.
    if (url.pathname === '/api/v1/sync/push') {
      const epoch = (JSON.parse(String(init.body)) as { epoch?: string }).epoch ?? ''
      requests.push({ path: 'push', epoch })
      if (serverEpoch && epoch && epoch !== serverEpoch) {
        return new Response(JSON.stringify({ code: 'epoch_changed', message: '服务器已从备份恢复，请先同步下载后再上传' }), { status: 409, headers: { 'Content-Type': 'application/json' } })
      }
      return json({ last_seq: 0, results: [] })
    }
    if (url.pathname === '/api/v1/sync/pull') {
      pulls.push(url)
      requests.push({ path: 'pull', epoch: url.searchParams.get('epoch') ?? '' })
      if (unregistered) return new Response(JSON.stringify({ code: 'not_found', message: 'client not registered' }), { status: 404, headers: { 'Content-Type': 'application/json' } })
      return json({ ...answer, has_more: false, last_seq: 0, missing_blobs: [] })
    }
    if (url.pathname === '/api/v1/departments' || url.pathname === '/api/v1/regions') return json([])
    throw new Error(`unexpected ${init.method ?? 'GET'} ${url.pathname}`)
  })
  await signIn()
})
afterEach(() => vi.unstubAllGlobals())

describe('the epoch of the change log on the phone', () => {
  it('sends its epoch and numbers, and a server bootstrap replaces the caches but keeps the outbox', async () => {
    answer = {
      cursor: 5,
      epoch: 'e-before',
      bootstrap: true,
      device_no: 7,
      changes: [
        visitChange(),
        leaseChange(1),
        leaseChange(2),
        leaseChange(3),
        { kind: 'notice', op: 'put', id: 'n-1', data: { id: 'n-1', visit_id: VISIT_ID, dept: 'scjg', year: YEAR, number: 4, number_text: 'x', provisional: '', items: [], client_id: CLIENT, status: 'issued' } },
      ],
    }
    await syncNow()
    expect(pulls[0].searchParams.get('epoch')).toBe('')
    expect(await getMeta(META_EPOCH)).toBe('e-before')
    expect(await getMeta(META_DEVICE_NO)).toBe(7)
    expect(await db.leases.count()).toBe(3)

    // Unsynced work, then a restore: the server's log has grown past our cursor in a new epoch.
    await setItem(VISIT_ID, 'i-1', { value: '不符合', note: '过期', photos: [] })
    answer = { cursor: 9, epoch: 'e-after', bootstrap: true, device_no: 7, changes: [visitChange(), leaseChange(30)] }
    // The restored server does not know this client: the pull registers it again.
    unregistered = true
    const before = registrations
    expect((await syncNow()).kind).toBe('ok')
    expect(registrations).toBe(before + 1)
    const last = pulls[pulls.length - 1]
    expect(last.searchParams.get('epoch')).toBe('e-before')
    expect(last.searchParams.get('held')).toBe(`scjg:${YEAR}:1-3`)
    expect(last.searchParams.get('issued')).toBe(`scjg:${YEAR}:4`)
    // The old leases and notice are gone; the server's state is what it sent.
    expect((await db.leases.toArray()).map((l) => l.number)).toEqual([30])
    expect(await db.notices.get('n-1')).toBeUndefined()
    // The outbox survives and its effect is applied again on top.
    expect(await db.outbox.count()).toBe(1)
    expect((await db.results.get('i-1'))?.value).toBe('不符合')
    expect(await getMeta(META_EPOCH)).toBe('e-after')
    expect(await getMeta<number>('cursor')).toBe(9)
  })
})

describe('a push after a restore', () => {
  it('is refused until the phone has pulled (which reports its numbers), then sent again in the new epoch', async () => {
    answer = { cursor: 5, epoch: 'e-before', bootstrap: true, device_no: 7, changes: [visitChange(), leaseChange(1), leaseChange(2)] }
    await syncNow()
    await setItem(VISIT_ID, 'i-1', { value: '不符合', note: '', photos: [] })
    // The server is restored: a new epoch, and pushes of the old one are refused.
    serverEpoch = 'e-after'
    answer = { cursor: 9, epoch: 'e-after', bootstrap: true, device_no: 7, changes: [visitChange(), leaseChange(1), leaseChange(2)] }
    requests = []
    expect((await syncNow()).kind).toBe('ok')
    expect(requests.slice(0, 3)).toEqual([
      { path: 'push', epoch: 'e-before' },
      { path: 'pull', epoch: 'e-before' },
      { path: 'push', epoch: 'e-after' },
    ])
    expect(pulls.find((u) => u.searchParams.get('epoch') === 'e-before' && u.searchParams.has('held'))?.searchParams.get('held')).toBe(`scjg:${YEAR}:1-2`)
    expect(await db.outbox.count()).toBe(1) // the fake acknowledges nothing: the work is still there
  })
})

describe('provisional numbers name the phone by its device number', () => {
  it('uses the device number the server gave, not the first digits of the client id', async () => {
    const plan = planNoticeNumber({ leases: [], notices: [{ dept: 'scjg', year: 2024, provisional: '临-7-2' }], dept: 'scjg', year: 2024, short: '庆市监', clientId: CLIENT, deviceNo: 7 })
    expect(plan).toMatchObject({ number: null, provisional: '临-7-3' })
    // Two phones installed in the same minute: same first 8 digits, different device numbers.
    const other = planNoticeNumber({ leases: [], notices: [], dept: 'scjg', year: 2024, short: '庆市监', clientId: CLIENT.slice(0, 8) + '-ffff-7000-8000-000000000001', deviceNo: 8 })
    expect(other.provisional).toBe('临-8-1')
  })

  it('a notice issued without a lease carries 临-{device number}-n', async () => {
    answer = { cursor: 2, epoch: 'e', bootstrap: true, device_no: 12, changes: [visitChange()] }
    await syncNow()
    const id = await issueNotice({ visitId: VISIT_ID, dept: 'scjg', short: '庆市监', items: ['i-2'], problems: 'p', legalBasis: 'b', deadline: '2099-06-18' })
    const entry = (await db.outbox.toArray()).find((e) => (e.args as { id?: string }).id === id)
    expect((entry?.args as { provisional: string }).provisional).toBe('临-12-1')
  })

  it('reports its numbers as ranges', () => {
    const r = numberReport(
      [1, 2, 3, 7, 9, 10].map((n) => ({ dept: 'scjg', year: 2024, number: n })),
      [
        { dept: 'scjg', year: 2024, number: 5, client_id: 'me' },
        { dept: 'scjg', year: 2024, number: 6, client_id: 'someone else' },
        { dept: 'scjg', year: 2024, number: null, client_id: 'me' },
      ],
      'me',
    )
    expect(r).toEqual({ held: 'scjg:2024:1-3,scjg:2024:7,scjg:2024:9-10', issued: 'scjg:2024:5' })
  })
})
