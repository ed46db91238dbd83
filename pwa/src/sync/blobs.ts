// Photo upload (DESIGN §5 step 6, sync/PROTOCOL.md §5): PUT
// /api/v1/blobs/{sha256} in chunks with Content-Range, resuming from the byte
// count the server confirms. Each chunk answers {received, complete}; a chunk
// that starts after what the server holds answers 400 with
// details.received, and we go on from there. An upload cut off midway
// resumes at the stored count on the next sync.
import { send } from '../api/http'
import { ApiError } from '../api/errors'
import { blobsToUpload, markBlobProgress } from '../db/blobs'
import type { BlobRecord } from '../db/types'

/** CHUNK is the upload chunk size: small enough to finish on a weak mobile link. */
export const CHUNK = 256 * 1024

/** receivedOf reads the server's confirmed byte count from an answer body or header. */
function receivedOf(body: Record<string, unknown> | undefined, res?: Response): number | null {
  const fromBody = body?.received ?? (body?.details as Record<string, unknown> | undefined)?.received ?? body?.size
  if (typeof fromBody === 'number') return fromBody
  const h = res?.headers.get('Upload-Offset') ?? res?.headers.get('Range')
  if (h) {
    const m = /(\d+)\s*$/.exec(h)
    if (m) return Number(m[1]) + (h.startsWith('bytes=') ? 1 : 0)
  }
  return null
}

/** uploadBlob sends one image from its confirmed offset; returns true once the server holds it all. */
export async function uploadBlob(rec: BlobRecord): Promise<boolean> {
  let offset = rec.received || 0
  const size = rec.size || rec.blob.size
  let guard = Math.ceil(size / CHUNK) + 8
  while (offset < size && guard-- > 0) {
    const end = Math.min(offset + CHUNK, size)
    let res: Response
    try {
      res = await send(`/blobs/${rec.sha256}`, {
        method: 'PUT',
        rawBody: rec.blob.slice(offset, end),
        headers: {
          'Content-Type': 'application/octet-stream',
          'Content-Range': `bytes ${offset}-${end - 1}/${size}`,
        },
      })
    } catch (err) {
      // The server holds another count than we thought (400 with details.received,
      // PROTOCOL.md §5; 409/416 from other servers): go on from there.
      if (err instanceof ApiError && (err.status === 400 || err.status === 409 || err.status === 416)) {
        const r = receivedOf(err.body)
        if (r !== null && r !== offset) {
          offset = r
          await markBlobProgress(rec.sha256, offset, offset >= size)
          continue
        }
      }
      throw err
    }
    let body: Record<string, unknown> | undefined
    try {
      body = res.status === 204 ? undefined : ((await res.json()) as Record<string, unknown>)
    } catch {
      body = undefined
    }
    const r = receivedOf(body, res)
    const complete = body?.complete === true || (r !== null ? r >= size : end >= size)
    offset = complete ? size : (r ?? end)
    await markBlobProgress(rec.sha256, offset, complete)
  }
  return offset >= size
}

/**
 * UPLOAD_CONCURRENCY is how many photos go up at once. One at a time leaves
 * the uplink idle for a round trip after every chunk (the answer's 150 ms on
 * a county link, then IndexedDB); a few at once keep it busy without
 * splitting a weak link so thin that each upload crawls (issue 15).
 */
export const UPLOAD_CONCURRENCY = 3

/**
 * eachLimited runs fn over items with at most limit calls in flight. The
 * first error thrown stops new calls; those in flight are awaited (their
 * progress is recorded), then that error is thrown.
 */
export async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const failures: unknown[] = []
  const worker = async () => {
    while (failures.length === 0 && next < items.length) {
      const item = items[next++]
      try {
        await fn(item)
      } catch (err) {
        failures.push(err)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker))
  if (failures.length > 0) throw failures[0]
}

/** What an upload pass came to: photos the server now holds, and those the quota deferred (429). */
export interface UploadCount {
  uploaded: number
  deferred: number
}

/**
 * uploadPending uploads every image the server does not hold yet, up to
 * UPLOAD_CONCURRENCY at a time, oldest first. An image the server refuses
 * (a hash mismatch, too large) is left for the 我的 page and does not stop
 * the others; nor does the quota of photos no record names yet (429: it goes
 * after the push that names it). No network or a server error (5xx, 507 for
 * a full disk) stops them all and the run is retried later (engine.ts
 * classify: unreachable, not refused); every image stays queued until the
 * server confirms it whole.
 */
export async function uploadPending(limit = UPLOAD_CONCURRENCY): Promise<UploadCount> {
  const count: UploadCount = { uploaded: 0, deferred: 0 }
  await eachLimited(await blobsToUpload(), limit, async (rec) => {
    try {
      if (await uploadBlob(rec)) count.uploaded++
    } catch (err) {
      if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 401) {
        if (err.status === 429) count.deferred++
        console.warn(err.status === 429 ? 'photo deferred' : 'photo refused', rec.sha256, err)
        return
      }
      throw err
    }
  })
  return count
}
