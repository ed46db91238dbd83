// The reads of the first screen (issue 15, cold start): 我的任务 and the
// header's sync indicator each read what they show in one read-only
// transaction, inside one liveQuery, instead of a dozen live queries each with
// its own transaction that the phone's slow CPU opened one after another
// before the first card could draw (measured: scripts/measure.mjs --trace).
// Call them inside liveQuery (src/composables/live.ts) like ./queries.
import { db, type Row } from './index'
import { getSyncState, removedVisits, type RemovedVisit } from './meta'
import { countUnsent } from './outbox'
import { allDeptFinishes, allVisits, openNotices, rejectedOutbox, unsentByVisit, unsentCount } from './queries'
import type { DeptFinish, Notice, OutboxEntry, SyncState, Visit } from './types'

/** What 我的任务 shows. */
export interface TasksScreen {
  /** The visits this phone knows (not the replaced ones), by scheduled day. */
  visits: Row<Visit>[]
  /** Notices not yet followed up, by deadline. */
  notices: Row<Notice>[]
  /** Unanswered mutations per visit (the cards' badges). */
  pendingByVisit: Record<string, number>
  /** Unanswered mutations in all. */
  pending: number
  /** The mutations the server did not accept, newest first. */
  rejected: OutboxEntry[]
  /** Tombstones of the visits this user was taken off. */
  removed: Record<string, RemovedVisit>
  /** Every 本部门检查完毕, the server's and the pending ones. */
  finishes: Row<DeptFinish>[]
}

/**
 * tasksScreen reads everything 我的任务 shows in one transaction: the same
 * queries as ./queries (so the screen shows what they say), in one scope.
 */
export async function tasksScreen(): Promise<TasksScreen> {
  return db.transaction('r', [db.visits, db.notices, db.outbox, db.meta, db.dept_finishes], async () => {
    const [visits, notices, pendingByVisit, pending, rejected, removed, finishes] = await Promise.all([
      allVisits(),
      openNotices(),
      unsentByVisit(),
      unsentCount(),
      rejectedOutbox(),
      removedVisits(),
      allDeptFinishes(),
    ])
    return { visits, notices, pendingByVisit, pending, rejected, removed, finishes }
  })
}

let early: Promise<TasksScreen | undefined> | undefined

/**
 * prefetchTasksScreen starts 我的任务's read as the app starts, beside the
 * router's session read, rather than after it: the screen's live query
 * would otherwise begin only once the route has resolved and the screen set
 * up. takeTasksScreen hands the answer over once.
 */
export function prefetchTasksScreen(): void {
  early ??= tasksScreen().catch((err) => {
    console.error('tasksScreen', err)
    return undefined
  })
}

/** takeTasksScreen returns the read prefetchTasksScreen started (once), or undefined. */
export function takeTasksScreen(): Promise<TasksScreen | undefined> | undefined {
  const p = early
  early = undefined
  return p
}

/** What the sync indicator reads: the shared sync state and the outbox's unanswered count, read together. */
export interface StatusFacts {
  state: SyncState
  pending: number
}

/** statusFacts reads the sync state and the unsent count in one transaction. */
export async function statusFacts(): Promise<StatusFacts> {
  return db.transaction('r', [db.meta, db.outbox], async () => {
    const [state, pending] = await Promise.all([getSyncState(), countUnsent()])
    return { state, pending }
  })
}
