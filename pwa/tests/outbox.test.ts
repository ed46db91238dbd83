import { afterEach, describe, expect, it, vi } from 'vitest'
import { db } from '../src/db/index'
import { META, getMeta, clearUserData } from '../src/db/meta'
import { markSendFailed, markSending, realignSequence, recordFates, unsentMutations } from '../src/db/outbox'
import { setItem, checkIn } from '../src/sync/actions'
import { push } from '../src/sync/engine'
import { CLIENT, VISIT_ID, pullPage, signIn, visitChange } from './fixtures'

async function seqs() {
  return (await db.outbox.orderBy('seq').toArray()).map((e) => e.seq)
}

describe('the outbox', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('numbers mutations 1, 2, 3: each one exactly one above the last', async () => {
    await signIn()
    await pullPage({ cursor: 1, last_seq: 0, changes: [visitChange()] })
    await setItem(VISIT_ID, 'i-1', { value: '符合', note: '', photos: [] })
    await setItem(VISIT_ID, 'i-2', { value: '不符合', note: '过期', photos: [] })
    await checkIn(VISIT_ID, { lat: 35.7, lng: 107.6, accuracy: 12 })
    expect(await seqs()).toEqual([1, 2, 3])
    expect(await getMeta(META.nextSeq)).toBe(4)
  })

  it('keeps counting after the outbox was cleared, so the server never sees a number twice', async () => {
    await signIn()
    await setItem(VISIT_ID, 'i-1', { value: '符合', note: '', photos: [] })
    await setItem(VISIT_ID, 'i-1', { value: '不涉及', note: '', photos: [] })
    await clearUserData()
    await signIn()
    await setItem(VISIT_ID, 'i-2', { value: '符合', note: '', photos: [] })
    expect(await seqs()).toEqual([3])
  })

  it('stores a new mutation as pending with the args the server decodes, and applies it on screen at once', async () => {
    await signIn()
    await pullPage({ cursor: 1, last_seq: 0, changes: [visitChange()] })
    await setItem(VISIT_ID, 'i-2', { value: '不符合', note: '健康证过期', photos: [] })
    const [e] = await db.outbox.toArray()
    expect(e.state).toBe('pending')
    expect(e.name).toBe('item.set')
    expect(e.args).toEqual({ visit_id: VISIT_ID, item_id: 'i-2', value: '不符合', note: '健康证过期', photos: [], base_version: 0 })
    const row = await db.results.get('i-2')
    expect(row?.value).toBe('不符合')
    expect(row?.dept).toBe('scjg')
    expect(row?._dirty).toBe(1)
  })

  it('moves through pending → sending → pending on a failed send, counting attempts, then to each fate', async () => {
    await signIn()
    await setItem(VISIT_ID, 'i-1', { value: '符合', note: '', photos: [] })
    await setItem(VISIT_ID, 'i-2', { value: '不符合', note: '', photos: [] })
    await setItem(VISIT_ID, 'i-3', { value: '不涉及', note: '', photos: [] })
    await markSending([1, 2, 3], 'now')
    expect((await db.outbox.toArray()).map((e) => [e.state, e.attempts])).toEqual([
      ['sending', 1],
      ['sending', 1],
      ['sending', 1],
    ])
    await markSendFailed([1, 2, 3], '离线')
    expect((await unsentMutations()).map((e) => e.state)).toEqual(['pending', 'pending', 'pending'])
    await markSending([1, 2, 3], 'later')
    await recordFates(
      [
        { seq: 1, status: 'applied' },
        { seq: 2, status: 'conflict' },
        { seq: 3, status: 'rejected', reason: 'item i-3 belongs to another department' },
      ],
      3,
      'later',
    )
    const all = await db.outbox.orderBy('seq').toArray()
    expect(all.map((e) => [e.state, e.attempts, e.reason])).toEqual([
      ['applied', 2, ''],
      ['conflict', 2, ''],
      ['rejected', 2, 'item i-3 belongs to another department'],
    ])
    expect(await getMeta(META.lastSeq)).toBe(3)
  })

  it('never edits a sent mutation: a later edit is a new mutation, the first keeps its args', async () => {
    await signIn()
    await setItem(VISIT_ID, 'i-1', { value: '符合', note: '', photos: [] })
    const first = structuredClone(await db.outbox.get(1))
    await markSending([1], 'now')
    await setItem(VISIT_ID, 'i-1', { value: '不符合', note: '改了', photos: [] })
    await recordFates([{ seq: 1, status: 'applied' }], 1, 'now')
    const after = await db.outbox.get(1)
    expect(after?.args).toEqual(first?.args)
    expect(after?.id).toBe(first?.id)
    expect(after?.at).toBe(first?.at)
    expect(after?.name).toBe(first?.name)
    const second = await db.outbox.get(2)
    expect(second?.args.value).toBe('不符合')
    expect(second?.state).toBe('pending')
  })

  it('retries a failed push with the same numbers, ids and args', async () => {
    await signIn()
    await setItem(VISIT_ID, 'i-1', { value: '符合', note: '', photos: [] })
    await setItem(VISIT_ID, 'i-2', { value: '不符合', note: 'x', photos: [] })
    const bodies: unknown[] = []
    let fail = true
    vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
      bodies.push(JSON.parse(String(init.body)))
      if (fail) throw new TypeError('Failed to fetch')
      return new Response(JSON.stringify({ last_seq: 2, results: [{ seq: 1, status: 'applied' }, { seq: 2, status: 'applied' }] }), {
        status: 200,
      })
    })
    await expect(push()).rejects.toThrow('offline')
    expect((await db.outbox.toArray()).map((e) => [e.state, e.attempts, e.last_error])).toEqual([
      ['pending', 1, '服务器无法连接'],
      ['pending', 1, '服务器无法连接'],
    ])
    fail = false
    await push()
    expect(bodies).toHaveLength(2)
    expect(bodies[1]).toEqual(bodies[0])
    const body = bodies[0] as { client_id: string; schema_version: number; mutations: { seq: number }[] }
    expect(body.client_id).toBe(CLIENT)
    expect(body.schema_version).toBe(1)
    expect(body.mutations.map((m) => m.seq)).toEqual([1, 2])
    expect((await db.outbox.toArray()).map((e) => e.state)).toEqual(['applied', 'applied'])
  })

  it('answers 409 sequence_gap by sending again from expected_seq', async () => {
    await signIn()
    for (const id of ['i-1', 'i-2', 'i-3']) await setItem(VISIT_ID, id, { value: '符合', note: '', photos: [] })
    // The phone believes 1 and 2 were applied, but the server only has 1.
    await recordFates([{ seq: 1, status: 'applied' }, { seq: 2, status: 'applied' }], 2, 'now')
    const sent: number[][] = []
    vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
      const body = JSON.parse(String(init.body)) as { mutations: { seq: number }[] }
      const s = body.mutations.map((m) => m.seq)
      sent.push(s)
      if (s[0] !== 2) {
        return new Response(JSON.stringify({ code: 'sequence_gap', message: 'gap', expected_seq: 2 }), { status: 409 })
      }
      return new Response(JSON.stringify({ last_seq: 3, results: s.map((seq) => ({ seq, status: 'applied' })) }), { status: 200 })
    })
    await push()
    expect(sent).toEqual([[3], [2, 3]])
    expect((await db.outbox.orderBy('seq').toArray()).map((e) => e.state)).toEqual(['applied', 'applied', 'applied'])
  })

  it('renumbers unsent mutations from expected_seq when the outbox no longer holds that number', async () => {
    await signIn()
    for (const id of ['i-1', 'i-2']) await setItem(VISIT_ID, id, { value: '符合', note: '', photos: [] })
    await clearUserData() // the user discarded unsynced work on logout
    await signIn()
    await setItem(VISIT_ID, 'i-3', { value: '不涉及', note: '', photos: [] })
    await setItem(VISIT_ID, 'i-1', { value: '不符合', note: '', photos: [] })
    expect(await seqs()).toEqual([3, 4])
    const ids = (await db.outbox.orderBy('seq').toArray()).map((e) => e.id)
    expect(await realignSequence(1)).toBe(2)
    const after = await db.outbox.orderBy('seq').toArray()
    expect(after.map((e) => [e.seq, e.id, e.state])).toEqual([
      [1, ids[0], 'pending'],
      [2, ids[1], 'pending'],
    ])
    await setItem(VISIT_ID, 'i-2', { value: '符合', note: '', photos: [] })
    expect(await seqs()).toEqual([1, 2, 3])
  })
})
