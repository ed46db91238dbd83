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
 * uploadPending uploads every image the server does not hold yet, one at a
 * time. An image the server refuses (a hash mismatch, too large) is left for
 * the 我的 page and does not stop the others; nor does the quota of photos
 * no record names yet (429: it goes after the push that names it). No
 * network or a server error (5xx, 507 for a full disk) stops them all and
 * the run is retried later (engine.ts classify: unreachable, not refused);
 * every image stays queued until the server confirms it whole.
 */
export async function uploadPending(): Promise<number> {
  let n = 0
  for (const rec of await blobsToUpload()) {
    try {
      if (await uploadBlob(rec)) n++
    } catch (err) {
      if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 401) {
        console.warn(err.status === 429 ? 'photo deferred' : 'photo refused', rec.sha256, err)
        continue
      }
      throw err
    }
  }
  return n
}
