// The outbox (DESIGN §5 step 2): every change made on this phone is a
// mutation with a per-client number that rises by exactly one. A mutation is
// written together with its local effect in one transaction, so the screens
// and the outbox never disagree. A sent mutation is never edited: the only
// fields that change after the first write are its state and bookkeeping
// (state, reason, attempts, last_error, sent_at, settled_at).
import Dexie from 'dexie'
import { db, SYNCED_TABLES } from './index'
import { META, getMeta, setMeta } from './meta'
import { transactionRowStore, type RowStore } from './rows'
import { currentOwner } from './owners'
import type { MutationName, OutboxEntry, OutboxState } from './types'
import { uuidv7 } from '../ids/uuid'

/** The states in which a mutation still waits for the server. */
export const UNSENT_STATES: OutboxState[] = ['pending', 'sending']

export interface NewMutation {
  name: MutationName
  /** The args, or a function that works them out from the rows inside the transaction (a notice's leased number). */
  args: Record<string, unknown> | ((rows: RowStore) => Promise<Record<string, unknown>>)
  at: string
  visit_id: string
  /** id of the mutation; made here when absent. */
  id?: string
}

/**
 * appendMutation gives the mutation the next number, stores it as pending and
 * applies its local effect, all in one transaction. Offline: this is the
 * whole write; the engine sends it whenever the network allows, and it stays
 * visible as 待同步 until then.
 */
export async function appendMutation(
  m: NewMutation,
  apply: (rows: RowStore, entry: OutboxEntry) => Promise<void>,
): Promise<OutboxEntry> {
  return db.transaction('rw', [db.meta, db.outbox, ...SYNCED_TABLES.map((t) => db.table(t))], async () => {
    const last = await db.outbox.orderBy('seq').last()
    const counter = (await getMeta<number>(META.nextSeq)) ?? 1
    // The counter survives a cleared outbox; the outbox's own maximum guards
    // against a counter that fell behind.
    const seq = Math.max(counter, (last?.seq ?? 0) + 1)
    const rows = transactionRowStore()
    const args = typeof m.args === 'function' ? await m.args(rows) : m.args
    const entry: OutboxEntry = {
      seq,
      id: m.id ?? uuidv7(),
      name: m.name,
      at: m.at,
      args: structuredClone(args),
      state: 'pending',
      reason: '',
      attempts: 0,
      last_error: '',
      sent_at: null,
      settled_at: null,
      visit_id: m.visit_id,
      // Whose work it is: on a shared phone it waits for this user (DESIGN §8.1).
      owner: await currentOwner(),
    }
    await db.outbox.add(entry)
    await setMeta(META.nextSeq, seq + 1)
    await apply(rows, entry)
    return entry
  })
}

/** unsentMutations lists the mutations the server has not answered, in number order. */
export async function unsentMutations(limit = Infinity): Promise<OutboxEntry[]> {
  // One indexed read per state (anyOf would walk a cursor row by row); an
  // index lists equal keys in primary key order, so each read's first
  // `limit` rows are its lowest numbers.
  const lists = await Promise.all(
    UNSENT_STATES.map((s) => {
      const rows = db.outbox.where('state').equals(s)
      return (Number.isFinite(limit) ? rows.limit(limit) : rows).toArray()
    }),
  )
  return lists
    .flat()
    .sort((a, b) => a.seq - b.seq)
    .slice(0, limit)
}

/**
 * countUnsent counts pending and sending mutations (the 待同步 N 条 figure):
 * one count per state, which IndexedDB answers from the index. (anyOf().count()
 * cannot: Dexie walks a cursor over every queued row for it, 500 after a week
 * offline, and the sync indicator asks after every tap.)
 */
export async function countUnsent(): Promise<number> {
  const counts = await Promise.all(UNSENT_STATES.map((s) => db.outbox.where('state').equals(s).count()))
  return counts.reduce((a, b) => a + b, 0)
}

/** What waits for the server: the unanswered mutations in all and per visit. */
export interface UnsentTally {
  total: number
  byVisit: Record<string, number>
}

/**
 * unsentTally counts the unanswered mutations in all and per visit (the task
 * list's badges) from the [state+visit_id] index: one step per visit with
 * queued work, then one count per visit, never a read of the rows themselves.
 * Call it inside liveQuery like ./queries, or inside a transaction over the outbox.
 */
export async function unsentTally(): Promise<UnsentTally> {
  const byVisit: Record<string, number> = {}
  const [total, pairs] = await Promise.all([
    countUnsent(),
    Promise.all(
      UNSENT_STATES.map((s) =>
        db.outbox
          .where('[state+visit_id]')
          .between([s, Dexie.minKey], [s, Dexie.maxKey])
          .uniqueKeys(),
      ),
    ),
  ])
  const keys = pairs.flat() as unknown as [OutboxState, string][]
  const counts = await Promise.all(keys.map((k) => db.outbox.where('[state+visit_id]').equals(k).count()))
  keys.forEach(([, visit], i) => {
    byVisit[visit] = (byVisit[visit] ?? 0) + counts[i]
  })
  return { total, byVisit }
}

/** unsentOfVisit counts one visit's unanswered mutations from the [state+visit_id] index. */
export async function unsentOfVisit(visitId: string): Promise<number> {
  const counts = await Promise.all(UNSENT_STATES.map((s) => db.outbox.where('[state+visit_id]').equals([s, visitId]).count()))
  return counts.reduce((a, b) => a + b, 0)
}

/**
 * markSending flags mutations as on their way and counts the attempt.
 * Offline: not called (the engine only sends online).
 */
export async function markSending(seqs: number[], at: string): Promise<void> {
  // One range read and one write pass for the whole batch: a row-by-row
  // modify cost a transaction round per mutation on a 50-mutation push.
  await db.outbox
    .where('seq')
    .anyOf(seqs)
    .modify((e) => {
      e.state = 'sending'
      e.attempts += 1
      e.sent_at = at
    })
}

/**
 * markSendFailed puts mutations back to pending after a push that got no
 * answer (network gone, server error). Offline: this is how work stays
 * queued, with the error kept for the 我的 page, never shown as a toast.
 */
export async function markSendFailed(seqs: number[], error: string): Promise<void> {
  await db.outbox
    .where('seq')
    .anyOf(seqs)
    .modify((e) => {
      if (e.state === 'sending') e.state = 'pending'
      e.last_error = error
    })
}

export interface Fate {
  seq: number
  status: 'applied' | 'conflict' | 'rejected'
  reason?: string
}

/**
 * recordFates stores the server's answer for each mutation and the client's
 * last applied number. Only state fields change: the mutation itself stays as
 * it was sent.
 */
export async function recordFates(fates: Fate[], lastSeq: number, at: string): Promise<void> {
  await db.transaction('rw', [db.outbox, db.meta], async () => {
    // One bulk write for the batch's answers (a row missing from the outbox is skipped, as modify did).
    await db.outbox.bulkUpdate(
      fates.map((f) => ({ key: f.seq, changes: { state: f.status, reason: f.reason ?? '', settled_at: at, last_error: '' } })),
    )
    const known = (await getMeta<number>(META.lastSeq)) ?? 0
    if (lastSeq > known) await setMeta(META.lastSeq, lastSeq)
  })
}

/**
 * realignSequence answers a 409 sequence_gap (DESIGN §5 step 3): the server
 * expects `expected` next. Mutations the outbox still holds from that number
 * on are sent again as they are. When the outbox no longer holds that number
 * (its history was cleared on a logout), the unsent mutations, which the
 * server has never accepted, take the numbers from `expected` on, in order:
 * nothing the server recorded is renumbered. Returns how many were renumbered.
 */
export async function realignSequence(expected: number): Promise<number> {
  return db.transaction('rw', [db.outbox, db.meta], async () => {
    await setMeta(META.lastSeq, expected - 1)
    const held = await db.outbox.get(expected)
    if (held) {
      // Resend everything from expected on, whatever state we thought it had.
      await db.outbox.where('seq').aboveOrEqual(expected).modify((e) => {
        e.state = 'pending'
      })
      return 0
    }
    const unsent = await db.outbox.where('state').anyOf(UNSENT_STATES).sortBy('seq')
    const toMove = unsent.filter((e) => e.seq > expected)
    if (toMove.length === 0) {
      await setMeta(META.nextSeq, Math.max(expected, ((await db.outbox.orderBy('seq').last())?.seq ?? 0) + 1))
      return 0
    }
    // Old rows at numbers >= expected that are not unsent (history from a
    // previous sequence) would collide; the server never recorded them.
    await db.outbox.where('seq').aboveOrEqual(expected).filter((e) => !UNSENT_STATES.includes(e.state)).delete()
    await db.outbox.bulkDelete(toMove.map((e) => e.seq))
    let n = expected
    for (const e of toMove) await db.outbox.add({ ...e, seq: n++, state: 'pending' })
    await setMeta(META.nextSeq, n)
    return toMove.length
  })
}

/**
 * pruneSettled drops answered mutations older than keepDays, keeping the
 * rejected ones (their reasons stay visible until the user dismisses them).
 * Offline: local only.
 */
export async function pruneSettled(before: string): Promise<number> {
  return db.outbox
    .where('state')
    .anyOf(['applied', 'conflict'])
    .filter((e) => (e.settled_at ?? '') < before)
    .delete()
}

/** dismissRejected removes one rejected mutation after the user read its reason. Offline: local only. */
export async function dismissRejected(seq: number): Promise<void> {
  await db.outbox.where('seq').equals(seq).and((e) => e.state === 'rejected').delete()
}
