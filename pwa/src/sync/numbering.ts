// Notice numbers (R11): {简称}责改〔{年}〕{N}号 per department and year, with
// no gaps and no duplicates. The server leases numbers to this phone in
// advance; a notice issued offline takes the next leased number. When the
// lease has run out, the notice gets a provisional number that the server
// replaces with a final one on sync; both are kept and shown.
import type { Lease, Notice } from '../db/types'

/** Where the pull's epoch and this client's device number are kept (meta table). */
export const META_EPOCH = 'epoch'
export const META_DEVICE_NO = 'device_no'

/** noticeNumberText prints a number as on the paper form: 庆市监责改〔2024〕12号. */
export function noticeNumberText(short: string, year: number, n: number): string {
  return `${short}责改〔${year}〕${n}号`
}

/**
 * provisionalText is the phone's stand-in number (sync/PROTOCOL.md §4,
 * DESIGN §8.6): 临-{device number}-{n}, the device number being the one the
 * server gave this client for its lifetime (every pull answer carries it),
 * n counting this phone's provisional notices. owner is that number; before
 * the first pull it is the first 8 digits of the client id, the former form,
 * which two phones installed in the same minute share (UUIDv7 ids start
 * with a timestamp) — the server refuses any other phone's text.
 */
export function provisionalText(owner: string | number, k: number): string {
  return `临-${owner}-${k}`
}

/** provisionalOwner is what names this phone in its provisional texts. */
export function provisionalOwner(deviceNo: number | null | undefined, clientId: string): string {
  return deviceNo && deviceNo > 0 ? String(deviceNo) : clientId.slice(0, 8)
}

/** nextProvisionalCount is one more than the highest n of this phone's provisional texts. */
export function nextProvisionalCount(notices: Pick<Notice, 'provisional'>[], owner: string | number): number {
  const prefix = `临-${owner}-`
  let max = 0
  for (const n of notices) {
    if (!n.provisional?.startsWith(prefix)) continue
    const k = Number(n.provisional.slice(prefix.length))
    if (Number.isInteger(k) && k > max) max = k
  }
  return max + 1
}

/**
 * numberReport is what a pull reports of this phone's notice numbers
 * (DESIGN §8.5): held, every number of its leases (used or not), and
 * issued, the numbers its own notices carry; as dept:year:from-to ranges,
 * comma-separated. The server reads them only when the phone's epoch is
 * not its own (after a restore), to lease nothing anyone holds.
 */
export function numberReport(
  leases: Pick<Lease, 'dept' | 'year' | 'number'>[],
  notices: Pick<Notice, 'dept' | 'year' | 'number' | 'client_id'>[],
  clientId: string,
): { held: string; issued: string } {
  const issued = notices.filter((n) => n.client_id === clientId && typeof n.number === 'number' && n.number > 0)
  return { held: ranges(leases), issued: ranges(issued as { dept: string; year: number; number: number }[]) }
}

function ranges(list: { dept: string; year: number; number: number }[]): string {
  const sorted = [...list].sort((a, b) => (a.dept === b.dept ? a.year - b.year || a.number - b.number : a.dept < b.dept ? -1 : 1))
  const out: string[] = []
  let from = 0
  for (let i = 0; i < sorted.length; i++) {
    const cur = sorted[i]
    const next = sorted[i + 1]
    const start = sorted[from]
    if (next && next.dept === cur.dept && next.year === cur.year && next.number <= cur.number + 1) continue
    out.push(start.number === cur.number ? `${cur.dept}:${cur.year}:${cur.number}` : `${cur.dept}:${cur.year}:${start.number}-${cur.number}`)
    from = i + 1
  }
  return out.join(',')
}

/** nextLeasedNumber returns the lowest unused, unexpired leased number for dept and year, or null. */
export function nextLeasedNumber(leases: Lease[], dept: string, year: number, now: Date = new Date()): Lease | null {
  const free = leases
    .filter((l) => l.dept === dept && l.year === year && !l.used_by)
    .filter((l) => !l.expires_at || new Date(l.expires_at).getTime() > now.getTime())
    .sort((a, b) => a.number - b.number)
  return free[0] ?? null
}

export interface NumberPlan {
  number: number | null
  text: string
  provisional: string
}

/**
 * planNoticeNumber decides the number of a notice about to be issued: the
 * next leased number, or a provisional text when the lease is exhausted.
 */
export function planNoticeNumber(o: {
  leases: Lease[]
  notices: Pick<Notice, 'dept' | 'year' | 'provisional'>[]
  dept: string
  year: number
  short: string
  clientId: string
  /** The device number the server gave this phone (pull answers carry it). */
  deviceNo?: number | null
  now?: Date
}): NumberPlan {
  const lease = nextLeasedNumber(o.leases, o.dept, o.year, o.now)
  if (lease) {
    return { number: lease.number, text: lease.text || noticeNumberText(o.short, o.year, lease.number), provisional: '' }
  }
  const owner = provisionalOwner(o.deviceNo, o.clientId)
  const provisional = provisionalText(owner, nextProvisionalCount(o.notices, owner))
  return { number: null, text: provisional, provisional }
}

export interface NumberView {
  /** The number to print: the final one when there is one, else the provisional one. */
  main: string
  /** The provisional number that the final one replaced, or that is still in use. */
  provisional: string
  /** True when a provisional number has been replaced by a final one. */
  replaced: boolean
  /** True while the notice only has a provisional number. */
  isProvisional: boolean
}

/** numberView says how to show a notice's number(s). */
export function numberView(n: Pick<Notice, 'number' | 'number_text' | 'provisional'>): NumberView {
  const hasFinal = n.number !== null && n.number !== undefined && !!n.number_text
  return {
    main: hasFinal ? n.number_text : n.provisional || n.number_text,
    provisional: n.provisional,
    replaced: hasFinal && !!n.provisional,
    isProvisional: !hasFinal,
  }
}
