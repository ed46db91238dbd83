// Photos are made small on the phone before they are stored (DESIGN §5
// step 6): longest side at most 1600 px, JPEG quality 0.8, named by their
// sha256, kept as a Blob in IndexedDB until uploaded.
import { putBlob } from '../db/blobs'
import { nowISO } from '../format/date'

export const MAX_SIDE = 1600
export const JPEG_QUALITY = 0.8

/** sha256Hex hashes bytes with WebCrypto into 64 lower-case hex digits. */
export async function sha256Hex(data: Blob | ArrayBuffer): Promise<string> {
  const buf = typeof (data as Blob).arrayBuffer === 'function' ? await (data as Blob).arrayBuffer() : (data as ArrayBuffer)
  const digest = await crypto.subtle.digest('SHA-256', buf)
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
}

/** fitWithin scales w×h down (never up) so the longest side is at most max. */
export function fitWithin(w: number, h: number, max = MAX_SIDE): { width: number; height: number } {
  const scale = Math.min(1, max / Math.max(w, h))
  return { width: Math.max(1, Math.round(w * scale)), height: Math.max(1, Math.round(h * scale)) }
}

async function decode(file: Blob): Promise<{ source: CanvasImageSource; width: number; height: number; close: () => void }> {
  if (typeof createImageBitmap === 'function') {
    try {
      const bmp = await createImageBitmap(file, { imageOrientation: 'from-image' })
      return { source: bmp, width: bmp.width, height: bmp.height, close: () => bmp.close() }
    } catch {
      // fall back to an <img>, which some browsers decode where createImageBitmap fails
    }
  }
  const url = URL.createObjectURL(file)
  try {
    const img = new Image()
    img.decoding = 'async'
    img.src = url
    await img.decode()
    return { source: img, width: img.naturalWidth, height: img.naturalHeight, close: () => URL.revokeObjectURL(url) }
  } catch (err) {
    URL.revokeObjectURL(url)
    throw err
  }
}

/** resizeToJpeg draws the image on a canvas no larger than MAX_SIDE and encodes it as JPEG. */
export async function resizeToJpeg(file: Blob): Promise<Blob> {
  const img = await decode(file)
  try {
    const { width, height } = fitWithin(img.width, img.height)
    const canvas = document.createElement('canvas')
    canvas.width = width
    canvas.height = height
    const ctx = canvas.getContext('2d')
    if (!ctx) throw new Error('canvas 2d unavailable')
    ctx.fillStyle = '#fff'
    ctx.fillRect(0, 0, width, height)
    ctx.drawImage(img.source, 0, 0, width, height)
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('encode failed'))), 'image/jpeg', JPEG_QUALITY),
    )
  } finally {
    img.close()
  }
}

/** storeImage hashes an image and keeps it in IndexedDB; returns its sha256. Works offline. */
export async function storeImage(blob: Blob, visitId: string): Promise<string> {
  const sha256 = await sha256Hex(blob)
  await putBlob({ sha256, blob, type: blob.type, size: blob.size, created_at: nowISO(), visit_id: visitId })
  return sha256
}

/** takePhoto resizes a camera file, stores it and returns its sha256. */
export async function takePhoto(file: File, visitId: string): Promise<string> {
  const jpeg = await resizeToJpeg(file)
  return storeImage(jpeg, visitId)
}
