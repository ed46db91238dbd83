import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { db } from '../src/db/index'
import { getSyncState } from '../src/db/meta'
import { setItem } from '../src/sync/actions'
import { syncNow } from '../src/sync/engine'
import { CHUNK } from '../src/sync/blobs'
import { storeImage } from '../src/media/photo'
import { FakeServer } from './fakeserver'
import { Blob as NodeBlob } from 'node:buffer'
import { VISIT_ID, signIn, visitChange } from './fixtures'

let server: FakeServer
// fake-indexeddb's structured clone drops Blob bytes when a record is
// rewritten; keep the bytes beside it (a browser stores Blobs whole).
const bytes = new Map<string, Blob>()

beforeEach(async () => {
  bytes.clear()
  db.blobs.hook('creating', (_k, obj) => void bytes.set(obj.sha256, obj.blob))
  db.blobs.hook('reading', (obj) => (obj ? { ...obj, blob: bytes.get(obj.sha256) ?? obj.blob } : obj))
  server = new FakeServer()
  server.put(visitChange())
  vi.stubGlobal('fetch', server.fetch)
  await signIn()
})
afterEach(() => vi.unstubAllGlobals())

// Node's Blob survives fake-indexeddb's structured clone; happy-dom's does not.
function photoBytes(size: number): Blob {
  const a = new Uint8Array(size)
  for (let i = 0; i < size; i++) a[i] = (i * 31 + 7) & 0xff
  return new NodeBlob([a], { type: 'image/jpeg' }) as unknown as Blob
}

describe('the sync engine against a protocol server', () => {
  it('registers as a mobile client, bootstraps, pushes, uploads photos in chunks and rebases', async () => {
    await syncNow()
    expect(await db.visits.get(VISIT_ID)).toBeDefined()
    const reg = server.requests.find((r) => r.path === '/api/v1/sync/clients')!
    expect(reg.body).toMatchObject({ kind: 'mobile', installed: false, pending: 0 })
    expect(reg.body).toHaveProperty('platform')
    expect(reg.body).toHaveProperty('app_version')

    const sha = await storeImage(photoBytes(CHUNK * 2 + 1000), VISIT_ID)
    await setItem(VISIT_ID, 'i-1', { value: '不符合', note: '过期', photos: [sha] })
    await syncNow()

    expect(server.blobs.get(sha)?.chunks).toEqual([
      `bytes 0-${CHUNK - 1}/${CHUNK * 2 + 1000}`,
      `bytes ${CHUNK}-${CHUNK * 2 - 1}/${CHUNK * 2 + 1000}`,
      `bytes ${CHUNK * 2}-${CHUNK * 2 + 999}/${CHUNK * 2 + 1000}`,
    ])
    expect((await db.blobs.get(sha))?.uploaded).toBe(1)
    expect((await db.outbox.get(1))?.state).toBe('applied')
    const row = await db.results.get('i-1')
    expect(row).toMatchObject({ value: '不符合', version: 1, _dirty: 0 })
    expect((await getSyncState()).phase).toBe('idle')
  })

  it('registers an office user as a web client and pulls nothing: desk roles work online', async () => {
    const { getSession, saveSession } = await import('../src/db/meta')
    const s = (await getSession())!
    await saveSession({ ...s, user: { ...s.user, id: 'office-1', role: 'office' } })
    await syncNow()
    expect(server.requests.find((r) => r.path === '/api/v1/sync/clients')?.body).toMatchObject({ kind: 'web' })
    expect(server.requests.some((r) => r.path.startsWith('/api/v1/sync/pull'))).toBe(false)
    expect(await db.visits.get(VISIT_ID)).toBeUndefined()
    expect((await getSyncState()).phase).toBe('idle')
  })

  it('treats no network as normal: no error state, nothing tried, work stays pending', async () => {
    const onLine = vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(false)
    await setItem(VISIT_ID, 'i-1', { value: '符合', note: '', photos: [] })
    expect(await syncNow()).toEqual({ kind: 'offline' })
    const st = await getSyncState()
    expect(st.phase).toBe('idle')
    expect(st.last_error).toBe('')
    expect(server.requests).toHaveLength(0)
    expect((await db.outbox.get(1))?.state).toBe('pending')
    onLine.mockRestore()
    expect(await syncNow()).toMatchObject({ kind: 'ok', sent: 1 })
    expect((await db.outbox.get(1))?.state).toBe('applied')
  })

  it('says 服务器无法连接, not 离线 and never 已同步, when the network is up but the server does not answer', async () => {
    await syncNow()
    const okAt = (await getSyncState()).last_ok_at
    server.offline = true
    await setItem(VISIT_ID, 'i-1', { value: '符合', note: '', photos: [] })
    expect(await syncNow()).toEqual({ kind: 'unreachable', error: '服务器无法连接' })
    const st = await getSyncState()
    expect(st).toMatchObject({ phase: 'unreachable', last_error: '服务器无法连接', last_ok_at: okAt })
    expect((await db.outbox.get(1))).toMatchObject({ state: 'pending', last_error: '服务器无法连接' })
    server.offline = false
    expect(await syncNow()).toMatchObject({ kind: 'ok', sent: 1, rejected: 0 })
    expect((await getSyncState()).phase).toBe('idle')
    expect((await db.outbox.get(1))?.state).toBe('applied')
  })

  it('resumes a photo upload cut off midway from the confirmed byte count', async () => {
    await syncNow()
    const size = CHUNK * 3
    const sha = await storeImage(photoBytes(size), VISIT_ID)
    let puts = 0
    server.failNext = (method) => method === 'PUT' && ++puts === 2
    await syncNow()
    expect((await db.blobs.get(sha))?.received).toBe(CHUNK)
    expect((await db.blobs.get(sha))?.uploaded).toBe(0)
    await syncNow()
    expect(server.blobs.get(sha)?.chunks).toEqual([`bytes 0-${CHUNK - 1}/${size}`, `bytes ${CHUNK}-${CHUNK * 2 - 1}/${size}`, `bytes ${CHUNK * 2}-${size - 1}/${size}`])
    expect((await db.blobs.get(sha))?.uploaded).toBe(1)
  })

  it('re-sends after a lost push answer and takes the replayed fates', async () => {
    await syncNow()
    await setItem(VISIT_ID, 'i-1', { value: '符合', note: '', photos: [] })
    // The server commits, then the answer is lost.
    const realFetch = server.fetch
    let dropped = false
    vi.stubGlobal('fetch', async (input: string, init?: RequestInit) => {
      const res = await realFetch(input, init)
      if (!dropped && input.includes('/sync/push')) {
        dropped = true
        throw new TypeError('Failed to fetch')
      }
      return res
    })
    await syncNow()
    expect((await db.outbox.get(1))?.state).toBe('pending')
    await syncNow()
    expect((await db.outbox.get(1))?.state).toBe('applied')
    expect(server.lastSeq).toBe(1)
  })
})
