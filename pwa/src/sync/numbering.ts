// Notice numbers (R11): {简称}责改〔{年}〕{N}号 per department and year, with
// no gaps and no duplicates. The server leases numbers to this phone in
// advance; a notice issued offline takes the next leased number. When the
// lease has run out, the notice gets a provisional number that the server
// replaces with a final one on sync; both are kept and shown.
import type { Lease, Notice } from '../db/types'

/** noticeNumberText prints a number as on the paper form: 庆市监责改〔2024〕12号. */
export function noticeNumberText(short: string, year: number, n: number): string {
  return `${short}责改〔${year}〕${n}号`
}

/**
 * provisionalText is the phone's stand-in number, as sync/PROTOCOL.md §4
 * fixes it: 临-{first 8 of the client id}-{n}, n counting this client's
 * provisional notices.
 */
export function provisionalText(clientId: string, k: number): string {
  return `临-${clientId.slice(0, 8)}-${k}`
}

/** nextProvisionalCount is one more than the highest n of this client's provisional texts. */
export function nextProvisionalCount(notices: Pick<Notice, 'provisional'>[], clientId: string): number {
  const prefix = `临-${clientId.slice(0, 8)}-`
  let max = 0
  for (const n of notices) {
    if (!n.provisional?.startsWith(prefix)) continue
    const k = Number(n.provisional.slice(prefix.length))
    if (Number.isInteger(k) && k > max) max = k
  }
  return max + 1
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
  now?: Date
}): NumberPlan {
  const lease = nextLeasedNumber(o.leases, o.dept, o.year, o.now)
  if (lease) {
    return { number: lease.number, text: lease.text || noticeNumberText(o.short, o.year, lease.number), provisional: '' }
  }
  const provisional = provisionalText(o.clientId, nextProvisionalCount(o.notices, o.clientId))
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
