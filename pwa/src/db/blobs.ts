// Photos and signature images, kept as Blobs under their sha256 until the
// server holds them (DESIGN §5 step 6).
import { db } from './index'
import type { BlobRecord } from './types'
import { getSession } from './meta'
import { currentOwner } from './owners'

/**
 * putBlob stores an image. The same bytes twice are one record. Offline: the
 * whole write; the image uploads later in chunks and the mutation that names
 * it can be sent before it (the server waits for it before completion).
 */
export async function putBlob(rec: Omit<BlobRecord, 'uploaded' | 'received' | 'owner'>): Promise<void> {
  await db.transaction('rw', db.blobs, db.meta, async () => {
    if (await db.blobs.get(rec.sha256)) return
    // Whose upload it is: on a shared phone it waits for this user (DESIGN §8.1).
    await db.blobs.put({ ...rec, uploaded: 0, received: 0, owner: await currentOwner() })
  })
}

/** getBlob returns the stored image, or undefined when this phone never had it. */
export async function getBlob(sha256: string): Promise<BlobRecord | undefined> {
  return db.blobs.get(sha256)
}

/**
 * blobsToUpload lists the images the server does not hold yet, oldest first:
 * the signed-in user's only. Another user's wait on this phone until that
 * user signs in (DESIGN §8.1).
 */
export async function blobsToUpload(): Promise<BlobRecord[]> {
  const me = (await getSession())?.user.id
  if (!me) return []
  return db.blobs
    .where('uploaded')
    .equals(0)
    .filter((b) => !b.owner || b.owner === me)
    .sortBy('created_at')
}

/**
 * markBlobProgress records how many bytes the server has confirmed, so an
 * upload cut off by a lost network resumes there. Offline: not called.
 */
export async function markBlobProgress(sha256: string, received: number, done: boolean): Promise<void> {
  await db.blobs.update(sha256, { received, uploaded: done ? 1 : 0 })
}

/**
 * cacheDownloadedBlob keeps an image fetched from the server (a teammate's
 * photo) so it shows offline later. Offline: not called.
 */
export async function cacheDownloadedBlob(sha256: string, blob: Blob, visitId: string): Promise<void> {
  await db.blobs.put({
    sha256,
    blob,
    type: blob.type,
    size: blob.size,
    uploaded: 1,
    received: blob.size,
    created_at: new Date().toISOString(),
    visit_id: visitId,
  })
}
