// Small real PNG files for the camera input: a colour gradient with a
// diagonal band, different for each seed (so each photo has its own sha256).
import { deflateSync } from 'node:zlib'

const crcTable = new Uint32Array(256).map((_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(buf: Buffer): number {
  let c = 0xffffffff
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(td))
  return Buffer.concat([len, td, crc])
}

/** photoPng returns a w×h RGB PNG. */
export function photoPng(seed = 1, w = 320, h = 240): Buffer {
  const raw = Buffer.alloc((w * 3 + 1) * h)
  for (let y = 0; y < h; y++) {
    const row = y * (w * 3 + 1)
    raw[row] = 0
    for (let x = 0; x < w; x++) {
      const band = Math.abs(((x + y + seed * 37) % 80) - 40) < 6
      const o = row + 1 + x * 3
      raw[o] = band ? 250 : (x * 255) / w
      raw[o + 1] = band ? 250 : ((y * 255) / h + seed * 53) % 256
      raw[o + 2] = band ? 250 : (seed * 97) % 256
    }
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

/** photoFile is what setInputFiles takes. */
export function photoFile(seed = 1) {
  return { name: `现场照片-${seed}.png`, mimeType: 'image/png', buffer: photoPng(seed) }
}
