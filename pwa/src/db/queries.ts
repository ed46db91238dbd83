// Reads for the screens. Call them inside liveQuery (src/composables/live.ts)
// so the screens follow every write, from this tab or another one.
import { db, type Row } from './index'
import { META, getMeta, getSession, getSyncState } from './meta'
import type { Conflict, Department, Lease, Notice, OutboxEntry, Visit } from './types'
import { countUnsent, unsentOfVisit, unsentTally } from './outbox'

export { getSession, getSyncState }

/** allVisits lists the visits this phone knows, by scheduled day. */
export async function allVisits(): Promise<Row<Visit>[]> {
  const list = await db.visits.orderBy('scheduled_on').toArray()
  return list.filter((v) => v.status !== 'replaced')
}

export async function visitById(id: string) {
  return db.visits.get(id)
}

/** visitRecords returns everything recorded on one visit. */
export async function visitRecords(visitId: string) {
  const [checkins, results, outcomes, signatures, notices, followups, conflicts, pending] = await Promise.all([
    db.checkins.where('visit_id').equals(visitId).sortBy('at'),
    db.results.where('visit_id').equals(visitId).toArray(),
    db.outcomes.where('visit_id').equals(visitId).toArray(),
    db.signatures.where('visit_id').equals(visitId).sortBy('at'),
    db.notices.where('visit_id').equals(visitId).sortBy('issued_at'),
    db.followups.where('visit_id').equals(visitId).toArray(),
    db.conflicts.where('visit_id').equals(visitId).toArray(),
    unsentOfVisit(visitId),
  ])
  return { checkins, results, outcomes, signatures, notices, followups, conflicts, pending }
}

/**
 * visitSideRecords reads, in one transaction, the records of a visit that a
 * check point's answer does not change: check-ins, outcomes, signatures,
 * notices, conflicts, 本部门检查完毕 and the images still waiting for upload.
 * The checklist reads the results and outbox rows apart (a tap changes
 * them), so that a tap does not re-read and re-draw all of these.
 */
export async function visitSideRecords(visitId: string) {
  return db.transaction('r', [db.checkins, db.outcomes, db.signatures, db.notices, db.conflicts, db.dept_finishes, db.blobs], async () => {
    const [checkins, outcomes, signatures, notices, conflicts, finishes, waitingBlobs] = await Promise.all([
      db.checkins.where('visit_id').equals(visitId).sortBy('at'),
      db.outcomes.where('visit_id').equals(visitId).toArray(),
      db.signatures.where('visit_id').equals(visitId).sortBy('at'),
      db.notices.where('visit_id').equals(visitId).sortBy('issued_at'),
      db.conflicts.where('visit_id').equals(visitId).toArray(),
      db.dept_finishes.where('visit_id').equals(visitId).toArray(),
      db.blobs.where('visit_id').equals(visitId).filter((b) => !b.uploaded).count(),
    ])
    return { checkins, outcomes, signatures, notices, conflicts, finishes, waitingBlobs }
  })
}

export async function noticeById(id: string): Promise<Row<Notice> | undefined> {
  return db.notices.get(id)
}

/** openNotices lists notices not yet followed up, by deadline. */
export async function openNotices(): Promise<Row<Notice>[]> {
  const list = await db.notices.orderBy('deadline').toArray()
  return list.filter((n) => n.status === 'issued' || n.status === 'served')
}

/** allNotices lists every notice this phone holds, with every follow-up, for the 复查 lists (src/notice/due.ts). */
export async function allNotices() {
  const [notices, followups] = await Promise.all([db.notices.orderBy('deadline').toArray(), db.followups.toArray()])
  return { notices, followups }
}

export async function followupsOfNotice(noticeId: string) {
  return db.followups.where('notice_id').equals(noticeId).toArray()
}

export async function conflictsByStatus(status?: Conflict['status']): Promise<Row<Conflict>[]> {
  const list = status ? await db.conflicts.where('status').equals(status).toArray() : await db.conflicts.toArray()
  return list.sort((a, b) => (a.client_at < b.client_at ? 1 : -1))
}

/** allDeptFinishes lists every 本部门检查完毕 the phone holds (server's and pending), for the task list's department marks. */
export async function allDeptFinishes() {
  return db.dept_finishes.toArray()
}

/** conflictsOfVisit lists the conflict records of one visit (open and settled), for the notes on its check points. */
export async function conflictsOfVisit(visitId: string): Promise<Row<Conflict>[]> {
  return db.conflicts.where('visit_id').equals(visitId).toArray()
}

export async function leasesFor(dept: string, year: number): Promise<Row<Lease>[]> {
  return db.leases.where('[dept+year]').equals([dept, year]).sortBy('number')
}

/** unsentCount is the number of mutations not yet answered by the server. */
export async function unsentCount(): Promise<number> {
  return countUnsent()
}

/** unsentByVisit counts unanswered mutations per visit, for the task list badges (from the index, not the rows). */
export async function unsentByVisit(): Promise<Record<string, number>> {
  return (await unsentTally()).byVisit
}

/**
 * rejectedOutbox lists the mutations the server did not accept, newest
 * first, through the state index: the task list names them on every open
 * and after every tap, and a week offline leaves hundreds of others queued.
 */
export async function rejectedOutbox(): Promise<OutboxEntry[]> {
  return db.outbox.where('state').equals('rejected').reverse().toArray()
}

/** outboxList lists the newest mutations first. */
export async function outboxList(limit = 100): Promise<OutboxEntry[]> {
  return db.outbox.orderBy('seq').reverse().limit(limit).toArray()
}

export async function blobBySha(sha: string) {
  return db.blobs.get(sha)
}

export async function blobCounts() {
  const [total, waiting] = await Promise.all([db.blobs.count(), db.blobs.where('uploaded').equals(0).count()])
  return { total, waiting }
}

export async function departmentsByCode(): Promise<Record<string, Department>> {
  const list = await db.departments.toArray()
  return Object.fromEntries(list.map((d) => [d.code, d]))
}

export async function deviceFacts() {
  return {
    clientId: (await getMeta<string>(META.clientId)) ?? '',
    persist: await getMeta<{ persisted: boolean; asked_at: string }>(META.persist),
    lastSeq: (await getMeta<number>(META.lastSeq)) ?? 0,
    cursor: (await getMeta<number>(META.cursor)) ?? 0,
  }
}
