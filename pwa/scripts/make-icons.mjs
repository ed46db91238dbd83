// Draws the app icons as real PNG files with nothing but zlib: a blue tile
// with a white inspection clipboard and a check mark. Run: npm run icons.
//   public/icons/icon-192.png, icon-512.png            purpose "any" (rounded, transparent corners)
//   public/icons/icon-maskable-192.png, -512.png       purpose "maskable" (full bleed, art in the safe zone)
//   public/icons/apple-touch-icon.png                  180×180, opaque
import { deflateSync } from 'node:zlib'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'icons')
mkdirSync(out, { recursive: true })

const BLUE = [0x17, 0x63, 0xc6]
const DARK = [0x0e, 0x3f, 0x86]
const WHITE = [0xff, 0xff, 0xff]
const GREEN = [0x1f, 0x8a, 0x3b]

const crcTable = new Uint32Array(256).map((_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(buf) {
  let c = 0xffffffff
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(td))
  return Buffer.concat([len, td, crc])
}
function png(size, rgba) {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 6 // RGBA
  const raw = Buffer.alloc((size * 4 + 1) * size)
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0 // filter: none
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4)
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

// Shapes in unit coordinates (0..1).
const roundRect = (x0, y0, x1, y1, r) => (x, y) => {
  if (x < x0 || x > x1 || y < y0 || y > y1) return false
  const cx = Math.min(Math.max(x, x0 + r), x1 - r)
  const cy = Math.min(Math.max(y, y0 + r), y1 - r)
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r
}
function segDist(px, py, ax, ay, bx, by) {
  const dx = bx - ax
  const dy = by - ay
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy))
}
const polyline = (pts, w) => (x, y) => {
  for (let i = 0; i + 1 < pts.length; i++) if (segDist(x, y, ...pts[i], ...pts[i + 1]) <= w / 2) return true
  return false
}

/** art draws the clipboard scaled by s around the centre (s < 1 for the maskable safe zone). */
function layers(maskable) {
  const s = maskable ? 0.8 : 1
  const t = (v) => 0.5 + (v - 0.5) * s
  const R = (x0, y0, x1, y1, r) => roundRect(t(x0), t(y0), t(x1), t(y1), r * s)
  return [
    { color: BLUE, shape: maskable ? () => true : roundRect(0, 0, 1, 1, 0.22) },
    { color: WHITE, shape: R(0.26, 0.2, 0.74, 0.84, 0.06) },
    { color: DARK, shape: R(0.39, 0.14, 0.61, 0.27, 0.04) },
    { color: [0xd6, 0xe4, 0xf7], shape: R(0.34, 0.36, 0.66, 0.39, 0.012) },
    { color: GREEN, shape: polyline([[t(0.35), t(0.6)], [t(0.46), t(0.71)], [t(0.66), t(0.47)]], 0.07 * s) },
  ]
}

function draw(size, maskable, opaque) {
  const buf = Buffer.alloc(size * size * 4)
  const L = layers(maskable)
  const N = 4 // 4×4 supersampling
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0
      for (let sy = 0; sy < N; sy++) {
        for (let sx = 0; sx < N; sx++) {
          const x = (px + (sx + 0.5) / N) / size
          const y = (py + (sy + 0.5) / N) / size
          let c = opaque ? BLUE : null
          for (const l of L) if (l.shape(x, y)) c = l.color
          if (c) {
            r += c[0]
            g += c[1]
            b += c[2]
            a += 255
          }
        }
      }
      const n = N * N
      const i = (py * size + px) * 4
      const cov = a / 255
      buf[i] = cov ? Math.round(r / cov) : 0
      buf[i + 1] = cov ? Math.round(g / cov) : 0
      buf[i + 2] = cov ? Math.round(b / cov) : 0
      buf[i + 3] = Math.round(a / n)
    }
  }
  return png(size, buf)
}

const files = [
  ['icon-192.png', 192, false, false],
  ['icon-512.png', 512, false, false],
  ['icon-maskable-192.png', 192, true, true],
  ['icon-maskable-512.png', 512, true, true],
  ['apple-touch-icon.png', 180, true, true],
]
for (const [name, size, maskable, opaque] of files) {
  const data = draw(size, maskable, opaque)
  writeFileSync(join(out, name), data)
  console.log(`${name} ${size}×${size} ${data.length} bytes`)
}
