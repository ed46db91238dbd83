// Opening a checklist with its records already read (issue 15, a week
// offline): the router reads the visit, its results and outbox rows and its
// other records in one transaction before the screen changes, and the
// checklist draws them in its first render, instead of drawing an empty page
// first and every point again once three live queries have answered. The
// checklist's live queries start as before and take over: what was read here
// is only their first value, read once and handed over once, so it can never
// stand in for a newer answer.
import { db, type Row } from '../db/index'
import { visitById, visitSideRecords } from '../db/queries'
import type { ItemResult, OutboxEntry, Visit } from '../db/types'

export type SideRecords = Awaited<ReturnType<typeof visitSideRecords>>
export interface VisitWork {
  results: Row<ItemResult>[]
  outbox: OutboxEntry[]
}

/** visitWork reads what a tap on a check point changes: the visit's results and outbox rows. */
export function visitWork(visitId: string): Promise<VisitWork> {
  return db.transaction('r', [db.results, db.outbox], async () => {
    const [results, outbox] = await Promise.all([
      db.results.where('visit_id').equals(visitId).toArray(),
      db.outbox.where('visit_id').equals(visitId).toArray(),
    ])
    return { results, outbox }
  })
}

/** What the checklist reads first: undefined visit when the phone does not hold it. */
export interface ChecklistStart {
  visitId: string
  visit: Row<Visit> | undefined
  work: VisitWork
  side: SideRecords
}

/**
 * The visits 我的任务 holds in memory (it is kept alive, its live query keeps
 * them current): the checklist opened from one of its cards starts from that
 * object instead of reading the visit, its whole checklist, out of IndexedDB
 * again inside the tap (most of the read's time at CPU x4).
 */
let knownVisit: (id: string) => Row<Visit> | undefined = () => undefined

/** shareVisits lets the checklist start from the visits a screen holds (undefined: none any more). */
export function shareVisits(find: ((id: string) => Row<Visit> | undefined) | undefined): void {
  knownVisit = find ?? (() => undefined)
}

/** readChecklist reads everything the checklist shows, in one transaction. */
export function readChecklist(visitId: string): Promise<ChecklistStart> {
  const held = knownVisit(visitId)
  const stores = [db.visits, db.results, db.outbox, db.checkins, db.outcomes, db.signatures, db.notices, db.conflicts, db.dept_finishes, db.blobs]
  return db.transaction('r', held ? stores.slice(1) : stores, async () => {
    const [visit, work, side] = await Promise.all([held ?? visitById(visitId), visitWork(visitId), visitSideRecords(visitId)])
    return { visitId, visit, work, side }
  })
}

/** The read for the screen about to open, and when it was read. */
let ready: { read: ChecklistStart; at: number } | undefined
/** A read older than this is not handed over (a navigation that never happened left it). */
const FRESH_MS = 2000

/**
 * preloadChecklist reads the checklist of visitId before the screen changes,
 * waiting at most `waitMs` (a slow database must not hold the tap: the
 * screen then reads for itself).
 */
export async function preloadChecklist(visitId: string, waitMs = 300): Promise<void> {
  ready = undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), waitMs)))
  try {
    const got = await Promise.race([readChecklist(visitId), late])
    if (got) ready = { read: got, at: performance.now() }
  } catch (err) {
    // The screen's own live queries read again and show the error's outcome.
    console.error('preloadChecklist', err)
  } finally {
    clearTimeout(timer)
  }
}

/** takeChecklist hands over the preloaded read of visitId once (undefined for another visit or none). */
export function takeChecklist(visitId: string): ChecklistStart | undefined {
  const got = ready
  ready = undefined
  return got && got.read.visitId === visitId && performance.now() - got.at < FRESH_MS ? got.read : undefined
}
