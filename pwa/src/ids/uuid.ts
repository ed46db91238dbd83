// UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then randomness. Every key
// made on the phone is one (DESIGN §5 step 1), so creating a record offline
// never collides and the server inserts them in time order.

let lastMs = -1
let lastRand = new Uint8Array(10)

/** uuidv7 returns a new time-ordered UUID; ids made in the same millisecond still sort in creation order. */
export function uuidv7(now: number = Date.now()): string {
  const bytes = new Uint8Array(16)
  let ms = now
  if (ms <= lastMs) {
    // Same (or earlier) millisecond: keep the clock and bump the random tail,
    // so ids from one tab stay monotonic.
    ms = lastMs
    const r = lastRand.slice()
    for (let i = r.length - 1; i >= 0; i--) {
      r[i] = (r[i] + 1) & 0xff
      if (r[i] !== 0) break
    }
    lastRand = r
  } else {
    lastRand = crypto.getRandomValues(new Uint8Array(10))
  }
  lastMs = ms
  // 48-bit big-endian timestamp.
  let t = ms
  for (let i = 5; i >= 0; i--) {
    bytes[i] = t % 256
    t = Math.floor(t / 256)
  }
  bytes.set(lastRand, 6)
  bytes[6] = 0x70 | (bytes[6] & 0x0f) // version 7
  bytes[8] = 0x80 | (bytes[8] & 0x3f) // variant 10
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
