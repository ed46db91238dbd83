// Small key-value facts of this install: the client id, the session, the
// pull cursor, the next outbox number, the sync state.
import { db } from './index'
import type { Session, SyncState } from './types'
import { uuidv7 } from '../ids/uuid'

export const META = {
  clientId: 'client_id',
  session: 'session',
  cursor: 'cursor',
  lastSeq: 'last_seq',
  nextSeq: 'next_seq',
  syncState: 'sync_state',
  registeredFor: 'registered_for',
  persist: 'persist',
  removedVisits: 'removed_visits',
} as const

/** getMeta reads one fact; undefined when never written. */
export async function getMeta<T>(key: string): Promise<T | undefined> {
  const row = await db.meta.get(key)
  return row?.value as T | undefined
}

/** setMeta writes one fact. Offline: local only, always succeeds. */
export async function setMeta(key: string, value: unknown): Promise<void> {
  await db.meta.put({ key, value })
}

/**
 * clientId returns this install's client UUID, making it on first use
 * (DESIGN §5 step 1: one per install, shared by every tab). Offline: works;
 * the server learns the id on the next registration.
 */
export async function clientId(): Promise<string> {
  return db.transaction('rw', db.meta, async () => {
    const have = await getMeta<string>(META.clientId)
    if (have) return have
    const id = uuidv7()
    await setMeta(META.clientId, id)
    return id
  })
}

/** getSession returns the stored session, or undefined when signed out. */
export async function getSession(): Promise<Session | undefined> {
  return getMeta<Session>(META.session)
}

/**
 * saveSession stores the tokens and the user, so that the app opens offline
 * until the refresh token expires. Offline: never called (login and refresh
 * need the server); the stored session keeps working.
 */
export async function saveSession(s: Session): Promise<void> {
  await setMeta(META.session, s)
}

/**
 * clearSession forgets the tokens (logout, or a refresh token the server
 * refused). The records stay until clearUserData. Offline: local only.
 */
export async function clearSession(): Promise<void> {
  await db.meta.delete(META.session)
}

/** syncState returns the shared sync state (every tab reads it through liveQuery). */
export async function getSyncState(): Promise<SyncState> {
  return (
    (await getMeta<SyncState>(META.syncState)) ?? {
      phase: 'idle',
      last_ok_at: null,
      last_error: '',
      last_error_at: null,
    }
  )
}

/** setSyncState records the engine's progress. Offline: local only. */
export async function setSyncState(patch: Partial<SyncState>): Promise<void> {
  await db.transaction('rw', db.meta, async () => {
    const cur = await getSyncState()
    const next = { ...cur, ...patch }
    // An unchanged state is not written again: each write re-runs every
    // screen's query of it (offline, every change ends in a run that saves
    // the same idle state and backoff).
    if (JSON.stringify(next) === JSON.stringify(cur)) return
    await setMeta(META.syncState, next)
  })
}

/**
 * clearUserData deletes the signed-in user's records (visits, results,
 * notices, photos, outbox) when they log out and chose to discard them. Other
 * users' parked work and the images it waits to upload stay (DESIGN §8.1):
 * nobody deletes anyone else's unsynced work. The client id and the outbox
 * counter stay: the server's sequence for this client goes on. Callers ask
 * the user first when the outbox holds unsynced work (DESIGN §5 step 7).
 */
export async function clearUserData(): Promise<void> {
  await db.transaction('rw', db.tables, async () => {
    const me = (await getSession())?.user.id ?? (await getMeta<string>('last_user_id'))
    const keep = ['meta', 'departments', 'regions', 'parked', 'blobs']
    for (const t of db.tables) {
      if (keep.includes(t.name)) continue
      await t.clear()
    }
    await db.blobs.filter((b) => !(b.uploaded === 0 && b.owner !== undefined && b.owner !== me)).delete()
    await db.meta.bulkDelete([META.cursor, META.session, META.syncState, META.registeredFor, META.removedVisits])
  })
}

/**
 * rotateClientId gives this install a new client id, with its own sequence
 * from 1 and a fresh pull: the server refused the old id at registration (it
 * is another user's, or of another kind), so it accepted nothing under it
 * from this user. The unsent mutations are kept and renumbered from 1 in
 * their order; only the answered history of the old id goes. Offline: local only.
 */
export async function rotateClientId(): Promise<string> {
  return db.transaction('rw', db.meta, db.outbox, async () => {
    const id = uuidv7()
    const unsent = (await db.outbox.orderBy('seq').toArray()).filter((e) => e.state === 'pending' || e.state === 'sending')
    await db.outbox.clear()
    let seq = 1
    for (const e of unsent) await db.outbox.add({ ...e, seq: seq++, state: 'pending' })
    await setMeta(META.clientId, id)
    await setMeta(META.nextSeq, seq)
    await setMeta(META.lastSeq, 0)
    await db.meta.bulkDelete([META.cursor, META.registeredFor])
    return id
  })
}

/**
 * A visit this user was taken off (a pull's `visit` remove: the lead or the
 * office swapped him out). The visit's records leave the phone; this
 * tombstone stays so that opening the visit says 你已被组长调出本次检查 instead
 * of "not on this phone", and the task list can say so once. The unsent
 * mutations of the visit stay in the outbox and are still pushed: the
 * server keeps what it rejects, for the lead.
 */
export interface RemovedVisit {
  visit_id: string
  entity_name: string
  scheduled_on: string
  removed_at: string
  /** The user read the task list's note (it stays for the visit's own page). */
  seen: boolean
}

/** removedVisits lists the tombstones by visit id. Offline: local only. */
export async function removedVisits(): Promise<Record<string, RemovedVisit>> {
  return (await getMeta<Record<string, RemovedVisit>>(META.removedVisits)) ?? {}
}

/** removedVisit returns the tombstone of one visit, or undefined. */
export async function removedVisit(visitId: string): Promise<RemovedVisit | undefined> {
  return (await removedVisits())[visitId]
}

/**
 * updateRemovedVisits records new tombstones and forgets those of visits the
 * user is on again (a later swap back). Offline: never called (pulls need
 * the server). Tombstones older than 90 days go: the lead has long decided.
 */
export async function updateRemovedVisits(add: RemovedVisit[], back: string[], now = Date.now()): Promise<void> {
  if (add.length === 0 && back.length === 0) return
  await db.transaction('rw', db.meta, async () => {
    const all = await removedVisits()
    for (const r of add) all[r.visit_id] = { ...r, seen: all[r.visit_id]?.seen ?? false }
    for (const id of back) delete all[id]
    for (const [id, r] of Object.entries(all)) if (now - Date.parse(r.removed_at) > 90 * 86400_000) delete all[id]
    await setMeta(META.removedVisits, all)
  })
}

/** markRemovedSeen notes that the user read the task list's note about these visits. Offline: local only. */
export async function markRemovedSeen(ids: string[]): Promise<void> {
  await db.transaction('rw', db.meta, async () => {
    const all = await removedVisits()
    for (const id of ids) if (all[id]) all[id] = { ...all[id], seen: true }
    await setMeta(META.removedVisits, all)
  })
}
