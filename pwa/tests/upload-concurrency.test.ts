// A day's sync takes the link's time and no more (issue 15): photos go up a
// few at once (UPLOAD_CONCURRENCY), and while the mutations push, not after.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { db } from '../src/db/index'
import { setItem } from '../src/sync/actions'
import { syncNow } from '../src/sync/engine'
import { UPLOAD_CONCURRENCY, eachLimited, uploadPending } from '../src/sync/blobs'
import { storeImage } from '../src/media/photo'
import { FakeServer } from './fakeserver'
import { Blob as NodeBlob } from 'node:buffer'
import { VISIT_ID, signIn, visitChange } from './fixtures'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
let server: FakeServer
const bytes = new Map<string, Blob>()
/** What the fake link does before answering a request: wait, note what is in flight. */
let inFlight = { puts: 0, maxPuts: 0, push: false, putsDuringPush: 0 }
let putDelay = 20
let pushHold: () => Promise<void> = async () => undefined

beforeEach(async () => {
  bytes.clear()
  inFlight = { puts: 0, maxPuts: 0, push: false, putsDuringPush: 0 }
  putDelay = 20
  pushHold = async () => undefined
  db.blobs.hook('creating', (_k, obj) => void bytes.set(obj.sha256, obj.blob))
  db.blobs.hook('reading', (obj) => (obj ? { ...obj, blob: bytes.get(obj.sha256) ?? obj.blob } : obj))
  server = new FakeServer()
  server.put(visitChange())
  vi.stubGlobal('fetch', async (input: string, init?: RequestInit) => {
    const path = new URL(input, 'http://zsc.test').pathname
    if (path.startsWith('/api/v1/blobs/') && init?.method === 'PUT') {
      inFlight.puts++
      inFlight.maxPuts = Math.max(inFlight.maxPuts, inFlight.puts)
      if (inFlight.push) inFlight.putsDuringPush++
      try {
        await sleep(putDelay)
        return await server.fetch(input, init)
      } finally {
        inFlight.puts--
      }
    }
    if (path === '/api/v1/sync/push') {
      inFlight.push = true
      if (inFlight.puts > 0) inFlight.putsDuringPush++
      try {
        await pushHold()
        return await server.fetch(input, init)
      } finally {
        inFlight.push = false
      }
    }
    return server.fetch(input, init)
  })
  await signIn()
})
afterEach(() => vi.unstubAllGlobals())

function photo(seed: number): Blob {
  const a = new Uint8Array(3000)
  for (let i = 0; i < a.length; i++) a[i] = (i * 31 + seed) & 0xff
  return new NodeBlob([a], { type: 'image/jpeg' }) as unknown as Blob
}

describe('eachLimited', () => {
  it('never runs more than the limit at once, and runs them all', async () => {
    let now = 0
    let max = 0
    const done: number[] = []
    await eachLimited([1, 2, 3, 4, 5, 6, 7, 8], 3, async (n) => {
      max = Math.max(max, ++now)
      await sleep(5 + (n % 3) * 3)
      now--
      done.push(n)
    })
    expect(max).toBe(3)
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
  })

  it('starts nothing more after an error, waits for those in flight, then throws it', async () => {
    const started: number[] = []
    let settled = 0
    await expect(
      eachLimited([1, 2, 3, 4, 5, 6], 2, async (n) => {
        started.push(n)
        await sleep(n === 1 ? 1 : 10)
        settled++
        if (n === 1) throw new Error('link dropped')
      }),
    ).rejects.toThrow('link dropped')
    expect(started).toEqual([1, 2])
    expect(settled).toBe(2)
  })
})

describe('photo uploads', () => {
  it(`upload ${UPLOAD_CONCURRENCY} at a time, no more, and every photo arrives`, async () => {
    expect(UPLOAD_CONCURRENCY).toBe(3)
    await syncNow()
    const shas: string[] = []
    for (let i = 0; i < 7; i++) shas.push(await storeImage(photo(i), VISIT_ID))
    const out = await uploadPending()
    expect(out).toEqual({ uploaded: 7, deferred: 0 })
    expect(inFlight.maxPuts).toBe(UPLOAD_CONCURRENCY)
    for (const sha of shas) expect((await db.blobs.get(sha))?.uploaded).toBe(1)
  })

  it('go up while the push is on the wire, not after its answer', async () => {
    await syncNow()
    const sha = await storeImage(photo(99), VISIT_ID)
    await setItem(VISIT_ID, 'i-1', { value: '不符合', note: '过期', photos: [sha] })
    // Each side waits long enough for the other to start: a photo sent only
    // after the push's answer (or a push only after the photos) never
    // overlaps it.
    putDelay = 300
    pushHold = async () => {
      for (let i = 0; i < 50 && inFlight.putsDuringPush === 0; i++) await sleep(10)
    }
    expect((await syncNow()).kind).toBe('ok')
    expect(inFlight.putsDuringPush).toBeGreaterThan(0)
    expect((await db.blobs.get(sha))?.uploaded).toBe(1)
    expect(server.lastSeq).toBeGreaterThan(0)
  })
})
