// Photos are made small on the phone when they are taken, before they are
// stored and queued (DESIGN §5 step 6, issue 15): the uplink of a county
// network (750 kbps) is what a day's sync waits on, so a photo carries what
// an inspection needs and no more. Named by their sha256, kept as a Blob in
// IndexedDB until uploaded.
//
// Longest side 1600 px, JPEG quality 0.8: a 证照 or a product label shot
// from arm's length keeps its smallest printed text (the 统一社会信用代码,
// a 生产日期) legible at 1600 px, where 1280 px starts to blur it; quality
// 0.8 is where JPEG artefacts stop showing around print, and a camera photo
// comes to a typical 200–400 KB (a 12 MP original is 3–5 MB: ten times the
// uplink's time). Never upscaled; a photo already within 1600 px and 400 KB
// is kept byte for byte (re-encoding would only lose detail).
import { putBlob } from '../db/blobs'
import { nowISO } from '../format/date'

export const MAX_SIDE = 1600
export const JPEG_QUALITY = 0.8
/** A photo within MAX_SIDE and at most this many bytes is stored as taken. */
export const KEEP_BYTES = 400 * 1024
/** Types the phone can show and the server keeps as they are. */
const KEEPABLE = new Set(['image/jpeg', 'image/png', 'image/webp'])

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

/** What shrinkPhoto does with an image of w×h pixels, of a type and a size in bytes. */
export type ResizePlan = { keep: true } | { keep: false; width: number; height: number; quality: number }

/**
 * resizePlan decides: keep an image already small enough (within MAX_SIDE
 * and KEEP_BYTES, of a type kept as is), else draw it within MAX_SIDE
 * (never larger than it is) and encode it as JPEG at JPEG_QUALITY.
 */
export function resizePlan(w: number, h: number, type: string, bytes: number): ResizePlan {
  if (Math.max(w, h) <= MAX_SIDE && bytes <= KEEP_BYTES && KEEPABLE.has(type)) return { keep: true }
  return { keep: false, ...fitWithin(w, h), quality: JPEG_QUALITY }
}

/** encodeJpeg draws the image at width×height on white and encodes it (OffscreenCanvas where there is one). */
async function encodeJpeg(source: CanvasImageSource, width: number, height: number, quality: number): Promise<Blob> {
  if (typeof OffscreenCanvas === 'function') {
    const canvas = new OffscreenCanvas(width, height)
    const ctx = canvas.getContext('2d')
    if (!ctx) throw new Error('canvas 2d unavailable')
    ctx.fillStyle = '#fff'
    ctx.fillRect(0, 0, width, height)
    ctx.drawImage(source, 0, 0, width, height)
    return canvas.convertToBlob({ type: 'image/jpeg', quality })
  }
  const canvas = document.createElement('canvas')
  canvas.width = width
  canvas.height = height
  const ctx = canvas.getContext('2d')
  if (!ctx) throw new Error('canvas 2d unavailable')
  ctx.fillStyle = '#fff'
  ctx.fillRect(0, 0, width, height)
  ctx.drawImage(source, 0, 0, width, height)
  return new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('encode failed'))), 'image/jpeg', quality))
}

/**
 * shrinkPhoto makes a camera file what an inspection needs (resizePlan).
 * The decoder applies the EXIF orientation, so a re-encoded photo stands as
 * it was taken; a kept one keeps its EXIF, which browsers honour. An image
 * within MAX_SIDE whose JPEG would come out no smaller is kept as well.
 */
export async function shrinkPhoto(file: Blob): Promise<Blob> {
  const img = await decode(file)
  try {
    const plan = resizePlan(img.width, img.height, file.type, file.size)
    if (plan.keep) return file
    const jpeg = await encodeJpeg(img.source, plan.width, plan.height, plan.quality)
    const resized = plan.width !== img.width || plan.height !== img.height
    return !resized && KEEPABLE.has(file.type) && jpeg.size >= file.size ? file : jpeg
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

/** takePhoto makes a camera file small (shrinkPhoto), stores it and returns its sha256. */
export async function takePhoto(file: File, visitId: string): Promise<string> {
  return storeImage(await shrinkPhoto(file), visitId)
}
