// Photos are made small when they are taken (issue 15): longest side 1600 px,
// JPEG 0.8, never upscaled, and a photo already small enough kept as taken.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { JPEG_QUALITY, KEEP_BYTES, MAX_SIDE, resizePlan, shrinkPhoto } from '../src/media/photo'

describe('resizePlan', () => {
  it('draws a 12 MP camera photo within 1600 px at JPEG 0.8, keeping its proportions', () => {
    expect(MAX_SIDE).toBe(1600)
    expect(JPEG_QUALITY).toBe(0.8)
    expect(resizePlan(4000, 3000, 'image/jpeg', 4_500_000)).toEqual({ keep: false, width: 1600, height: 1200, quality: 0.8 })
    // Portrait (EXIF-rotated by the decoder): the long side is the height.
    expect(resizePlan(3000, 4000, 'image/jpeg', 4_500_000)).toEqual({ keep: false, width: 1200, height: 1600, quality: 0.8 })
  })

  it('keeps a photo within 1600 px and 400 KB as it is', () => {
    expect(resizePlan(1600, 1200, 'image/jpeg', KEEP_BYTES)).toEqual({ keep: true })
    expect(resizePlan(800, 600, 'image/png', 50_000)).toEqual({ keep: true })
  })

  it('re-encodes a small but heavy image at its own size, never larger', () => {
    expect(resizePlan(1600, 1200, 'image/png', 4_000_000)).toEqual({ keep: false, width: 1600, height: 1200, quality: 0.8 })
    expect(resizePlan(640, 480, 'image/jpeg', KEEP_BYTES + 1)).toEqual({ keep: false, width: 640, height: 480, quality: 0.8 })
  })

  it('re-encodes a type the phone does not keep (HEIC) even when small', () => {
    expect(resizePlan(1200, 900, 'image/heic', 200_000).keep).toBe(false)
  })
})

describe('shrinkPhoto', () => {
  const drawn: { width: number; height: number; quality?: number }[] = []
  function fakeDecoder(width: number, height: number, encodedBytes: number) {
    drawn.length = 0
    vi.stubGlobal('createImageBitmap', async () => ({ width, height, close: () => undefined }))
    vi.stubGlobal(
      'OffscreenCanvas',
      class {
        constructor(
          public width: number,
          public height: number,
        ) {}
        getContext() {
          return { fillRect: () => undefined, drawImage: () => undefined, fillStyle: '' }
        }
        async convertToBlob(o: { type: string; quality: number }) {
          drawn.push({ width: this.width, height: this.height, quality: o.quality })
          return new Blob([new Uint8Array(encodedBytes)], { type: o.type })
        }
      },
    )
  }
  afterEach(() => vi.unstubAllGlobals())

  it('returns the same file, not a copy, when it is small enough', async () => {
    fakeDecoder(1200, 900, 100)
    const file = new Blob([new Uint8Array(300_000)], { type: 'image/jpeg' })
    expect(await shrinkPhoto(file)).toBe(file)
    expect(drawn).toEqual([])
  })

  it('draws a large photo at 1600 px and JPEG 0.8', async () => {
    fakeDecoder(4032, 3024, 310_000)
    const out = await shrinkPhoto(new Blob([new Uint8Array(2_000_000)], { type: 'image/jpeg' }))
    expect(drawn).toEqual([{ width: 1600, height: 1200, quality: 0.8 }])
    expect(out.type).toBe('image/jpeg')
    expect(out.size).toBe(310_000)
  })

  it('keeps the original when re-encoding at the same size would not make it smaller', async () => {
    fakeDecoder(1000, 800, 600_000)
    const file = new Blob([new Uint8Array(500_000)], { type: 'image/jpeg' })
    expect(await shrinkPhoto(file)).toBe(file)
  })
})
