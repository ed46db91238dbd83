// Opening a checklist with its records already read (issue 15, a week
// offline): the router reads the visit, its results and outbox rows and its
// other records in one transaction before the screen changes, and the
// checklist draws them in its first render, instead of drawing an empty page
// first and every point again once three live queries have answered. The
// checklist's live queries start as before and take over: what was read here
// is only their first value, read once and handed over once, so it can never
// stand in for a newer answer.
import Dexie from 'dexie'
import { db, type Row } from '../db/index'
import { sideRecordsOf, visitById, type SideRecords } from '../db/queries'
import type { ItemResult, OutboxEntry, Visit } from '../db/types'

export type { SideRecords }
export interface VisitWork {
  results: Row<ItemResult>[]
  outbox: OutboxEntry[]
}

/** visitWork reads what a tap on a check point changes: the visit's results and outbox rows. */
export async function visitWork(visitId: string): Promise<VisitWork> {
  return (await workOf([visitId])).get(visitId)!
}

/** workOf reads visitWork for several visits, one query a store, each visit's rows in index order. */
function workOf(ids: string[]): Promise<Map<string, VisitWork>> {
  return db.transaction('r', [db.results, db.outbox], async () => {
    const [results, outbox] = await Promise.all([db.results.where('visit_id').anyOf(ids).toArray(), db.outbox.where('visit_id').anyOf(ids).toArray()])
    const out = new Map(ids.map((id) => [id, { results: [], outbox: [] } as VisitWork]))
    for (const r of results) out.get(r.visit_id)?.results.push(r)
    for (const e of outbox) out.get(e.visit_id ?? '')?.outbox.push(e)
    return out
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

/**
 * Warm checklists: 我的任务, once idle, reads the records of its open visits'
 * checklists (src/views/TasksView.vue), so that a tap on a card draws the
 * checklist at once instead of waiting on IndexedDB inside the tap (a third
 * of the tap's time on a 4× slowed CPU). Any write to the database, from this
 * tab or another, drops them all (Dexie's storagemutated event), so a warm
 * read is never older than the database; and, as any preloaded read, it is
 * only the checklist's first value: its live queries take over after the
 * first frame.
 */
const warm = new Map<string, { work: VisitWork; side: SideRecords }>()
/** Bumped by every write: a warm-up read that began before one is not kept. */
let generation = 0
/** What keepWarm schedules after each write, while a screen asks for it. */
let rewarm: (() => void) | undefined
Dexie.on('storagemutated', () => {
  generation++
  warm.clear()
  rewarm?.()
})

const whenIdle = (fn: () => void) =>
  'requestIdleCallback' in window ? requestIdleCallback(fn, { timeout: 2000 }) : setTimeout(fn, 200)

/**
 * keepWarm keeps the checklists of ids() warm while the screen that calls
 * it is shown: now and again after each write, once the page is idle (never
 * inside a tap). It returns the stop to call when the screen goes.
 */
export function keepWarm(ids: () => string[]): () => void {
  let scheduled = false
  const run = () => {
    if (scheduled) return
    scheduled = true
    whenIdle(() => {
      scheduled = false
      if (rewarm !== run) return // stopped meanwhile
      warmChecklists(ids()).catch((err) => console.error('warmChecklists', err))
    })
  }
  rewarm = run
  run()
  return () => {
    if (rewarm === run) rewarm = undefined
  }
}

/** The warm-up read under way: a tap on one of its visits waits for it rather than read twice. */
let warming: { ids: Set<string>; done: Promise<unknown> } | undefined

/**
 * warmChecklists reads the checklist records of the first `max` of ids not
 * warm yet: the cards at the top of the list, the ones a finger reaches
 * first (a short read, so that a tap seldom finds it under way).
 */
export async function warmChecklists(ids: string[], max = 12): Promise<void> {
  const want = ids.filter((id) => !warm.has(id)).slice(0, max)
  if (want.length === 0) return
  const gen = generation
  const read = db.transaction('r', [db.results, db.outbox, db.checkins, db.outcomes, db.signatures, db.notices, db.conflicts, db.dept_finishes, db.blobs], () =>
    Promise.all([workOf(want), sideRecordsOf(want)]),
  )
  const mine = { ids: new Set(want), done: read.catch(() => undefined) }
  warming = mine
  try {
    const [work, side] = await read
    if (gen !== generation) return
    for (const id of want) warm.set(id, { work: work.get(id)!, side: side.get(id)! })
  } finally {
    if (warming === mine) warming = undefined
  }
}

/** readChecklist reads everything the checklist shows, in one transaction. */
export async function readChecklist(visitId: string): Promise<ChecklistStart> {
  const held = knownVisit(visitId)
  if (held && !warm.has(visitId) && warming?.ids.has(visitId)) await warming.done
  const w = warm.get(visitId)
  if (held && w) return { visitId, visit: held, work: w.work, side: w.side }
  const stores = [db.visits, db.results, db.outbox, db.checkins, db.outcomes, db.signatures, db.notices, db.conflicts, db.dept_finishes, db.blobs]
  return db.transaction('r', held ? stores.slice(1) : stores, async () => {
    const [visit, work, side] = await Promise.all([held ?? visitById(visitId), workOf([visitId]), sideRecordsOf([visitId])])
    return { visitId, visit, work: work.get(visitId)!, side: side.get(visitId)! }
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
