// Photo uploads the server cannot take now (issue 13): a full disk (507) or
// another server error is "retry later", never "refused"; the per-user quota
// of photos no record names yet (429) defers the photo to a later sync, after
// the push that names it. The photo stays on the phone, queued, either way.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { db } from '../src/db/index'
import { getSyncState } from '../src/db/meta'
import { storeImage } from '../src/media/photo'
import { FakeServer } from './fakeserver'
import { Blob as NodeBlob } from 'node:buffer'
import { VISIT_ID, signIn, visitChange } from './fixtures'

let server: FakeServer
let blobAnswer: { status: number; code: string; message: string } | null = null
const bytes = new Map<string, Blob>()

beforeEach(async () => {
  bytes.clear()
  blobAnswer = null
  db.blobs.hook('creating', (_k, obj) => void bytes.set(obj.sha256, obj.blob))
  db.blobs.hook('reading', (obj) => (obj ? { ...obj, blob: bytes.get(obj.sha256) ?? obj.blob } : obj))
  server = new FakeServer()
  server.put(visitChange())
  vi.stubGlobal('fetch', async (input: string, init?: RequestInit) => {
    if (blobAnswer && new URL(input, 'http://zsc.test').pathname.startsWith('/api/v1/blobs/')) {
      const a = blobAnswer
      return new Response(JSON.stringify({ code: a.code, message: a.message }), { status: a.status, headers: { 'Content-Type': 'application/json' } })
    }
    return server.fetch(input, init)
  })
  await signIn()
})
afterEach(() => vi.unstubAllGlobals())

function photoBytes(size: number, seed: number): Blob {
  const a = new Uint8Array(size)
  for (let i = 0; i < size; i++) a[i] = (i * 31 + seed) & 0xff
  return new NodeBlob([a], { type: 'image/jpeg' }) as unknown as Blob
}

describe('photo uploads the server cannot take now', () => {
  it('a full server disk (507) is retry-later with its Chinese message, and the photo uploads once there is room', async () => {
    await syncNow()
    const sha = await storeImage(photoBytes(5000, 7), VISIT_ID)
    blobAnswer = { status: 507, code: 'insufficient_storage', message: '服务器存储空间已满，照片仍保存在手机上，稍后自动重新上传' }
    const out = await syncNow()
    expect(out.kind).toBe('unreachable')
    expect((await getSyncState()).phase).toBe('unreachable')
    expect((await getSyncState()).last_error).toContain('存储空间已满')
    expect((await db.blobs.get(sha))?.uploaded).toBe(0)
    blobAnswer = null
    expect((await syncNow()).kind).toBe('ok')
    expect((await db.blobs.get(sha))?.uploaded).toBe(1)
  })

  it('another server error (500) is retry-later too, never refused', async () => {
    await syncNow()
    const sha = await storeImage(photoBytes(5000, 9), VISIT_ID)
    blobAnswer = { status: 500, code: 'internal', message: 'internal error' }
    expect((await syncNow()).kind).toBe('unreachable')
    expect((await db.blobs.get(sha))?.uploaded).toBe(0)
    blobAnswer = null
    await syncNow()
    expect((await db.blobs.get(sha))?.uploaded).toBe(1)
  })

  it('the quota of unnamed photos (429) defers the photo: the sync goes on, the photo uploads later', async () => {
    await syncNow()
    const sha = await storeImage(photoBytes(5000, 11), VISIT_ID)
    blobAnswer = { status: 429, code: 'rate_limited', message: '尚未关联检查记录的照片已达每人 100 MB 的暂存上限：请先同步检查记录，照片随后自动上传' }
    expect((await syncNow()).kind).toBe('ok')
    expect(server.requests.some((r) => r.path.startsWith('/api/v1/sync/pull'))).toBe(true)
    expect((await db.blobs.get(sha))?.uploaded).toBe(0)
    blobAnswer = null
    await syncNow()
    expect((await db.blobs.get(sha))?.uploaded).toBe(1)
  })
})

import { syncNow } from '../src/sync/engine'
