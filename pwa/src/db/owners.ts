// Whose work is on this phone (DESIGN §8.1). Phones are shared: an
// inspector's session ends (logout, an expired or revoked refresh token) and
// a colleague signs in on the same phone. Each user's unsynced work stays
// until that user signs in again and it syncs: another user's sign-in parks
// it (with the client it was numbered for) instead of deleting it, and only
// what the server can give back (pulled records, uploaded images) is dropped.
//
// A client belongs to one user for life (sync/PROTOCOL.md §1), so each user
// keeps their own client id and sequence on this phone: parked with their
// work, taken up again when they return.
import { db, SYNCED_TABLES } from './index'
import { META, getMeta, getSession, setMeta } from './meta'
import type { OutboxEntry, OutboxState, ParkedEntry, User } from './types'
import { uuidv7 } from '../ids/uuid'

/** The states in which a mutation still waits for the server (as in ./outbox). */
const UNSENT: OutboxState[] = ['pending', 'sending']

/** The user whose work the outbox holds: the last one who signed in. */
export interface LastUser {
  id: string
  name: string
}

/** A parked user's client: its id and numbers, restored when they sign in again. */
export interface ParkedClient {
  client_id: string
  next_seq: number
  last_seq: number
  name: string
}

export const OWNER_META = {
  lastUser: 'last_user',
  /** Written since the first version; kept so older code paths agree. */
  lastUserId: 'last_user_id',
  parkedClients: 'parked_clients',
} as const

/** lastUser returns the user whose work the outbox holds, or undefined on a fresh phone. */
export async function lastUser(): Promise<LastUser | undefined> {
  const u = await getMeta<LastUser>(OWNER_META.lastUser)
  if (u) return u
  const id = await getMeta<string>(OWNER_META.lastUserId)
  if (!id) return undefined
  const s = await getSession()
  return { id, name: s?.user.id === id ? s.user.name : '' }
}

async function parkedClients(): Promise<Record<string, ParkedClient>> {
  return (await getMeta<Record<string, ParkedClient>>(OWNER_META.parkedClients)) ?? {}
}

/**
 * switchUser makes `to` the phone's user, before their session is stored.
 * The same user again changes nothing. Another user's outbox and client are
 * parked, never deleted; pulled records and uploaded images are dropped (the
 * next pull, a bootstrap, brings back what `to` may see); `to`'s own parked
 * work and client come back into the outbox, to be pushed on the next sync.
 * Offline: local only (but a sign-in needs the network anyway).
 */
export async function switchUser(to: Pick<User, 'id' | 'name'>): Promise<void> {
  await db.transaction('rw', db.tables, async () => {
    const from = await lastUser()
    if (from && from.id !== to.id) {
      const clients = await parkedClients()
      // 1. Park the previous user's outbox, client and images waiting for upload.
      const cid = await getMeta<string>(META.clientId)
      const rows = await db.outbox.toArray()
      if (cid) {
        await db.parked.bulkPut(rows.map((e): ParkedEntry => ({ ...e, owner: e.owner ?? from.id, client_id: cid })))
        clients[from.id] = {
          client_id: cid,
          next_seq: (await getMeta<number>(META.nextSeq)) ?? 1,
          last_seq: (await getMeta<number>(META.lastSeq)) ?? 0,
          name: from.name,
        }
      }
      await db.blobs
        .where('uploaded')
        .equals(0)
        .filter((b) => !b.owner)
        .modify((b) => {
          b.owner = from.id
        })
      await db.outbox.clear()
      // 2. Drop what the server gives back: pulled records, uploaded images, the cursor.
      for (const t of SYNCED_TABLES) await db.table(t).clear()
      await db.rejections.clear()
      await db.blobs.where('uploaded').equals(1).delete()
      await db.meta.bulkDelete([META.cursor, META.syncState, META.registeredFor, META.removedVisits])
      // 3. Take up the new user's own client and parked work, or start a new client.
      const mine = clients[to.id]
      if (mine) {
        const back = await db.parked.where('owner').equals(to.id).toArray()
        await db.outbox.bulkAdd(back.map(({ client_id: _, ...e }): OutboxEntry => e))
        await db.parked.where('owner').equals(to.id).delete()
        await setMeta(META.clientId, mine.client_id)
        await setMeta(META.nextSeq, mine.next_seq)
        await setMeta(META.lastSeq, mine.last_seq)
        delete clients[to.id]
      } else {
        await setMeta(META.clientId, uuidv7())
        await setMeta(META.nextSeq, 1)
        await setMeta(META.lastSeq, 0)
      }
      await setMeta(OWNER_META.parkedClients, clients)
    }
    await setMeta(OWNER_META.lastUser, { id: to.id, name: to.name })
    await setMeta(OWNER_META.lastUserId, to.id)
  })
}

/** One user's work waiting on this phone for the server. */
export interface WaitingWork {
  user_id: string
  /** The user's name as it was when they signed in ('' when unknown). */
  name: string
  /** Mutations not yet accepted by the server. */
  records: number
  /** Photos and signature images not yet uploaded. */
  photos: number
}

/**
 * waitingWork counts, per user, the work on this phone the server does not
 * have yet: the signed-out user's outbox and every parked user's, with their
 * images. The login screen shows it. Offline: local only.
 */
export async function waitingWork(): Promise<WaitingWork[]> {
  const last = await lastUser()
  const clients = await parkedClients()
  const by = new Map<string, WaitingWork>()
  const of = (owner: string | undefined): WaitingWork => {
    const id = owner ?? last?.id ?? ''
    let w = by.get(id)
    if (!w) {
      w = { user_id: id, name: clients[id]?.name || (last?.id === id ? last.name : ''), records: 0, photos: 0 }
      by.set(id, w)
    }
    return w
  }
  for (const e of await db.outbox.where('state').anyOf(UNSENT).toArray()) of(e.owner).records++
  for (const e of await db.parked.toArray()) if (UNSENT.includes(e.state)) of(e.owner).records++
  for (const b of await db.blobs.where('uploaded').equals(0).toArray()) of(b.owner).photos++
  return [...by.values()].filter((w) => w.records + w.photos > 0)
}

/** waitingText says in Chinese whose work is waiting and that it uploads when they sign in. */
export function waitingText(w: WaitingWork): string {
  const who = w.name || '另一位用户'
  const records = w.records > 0 ? `${w.records} 条记录` : ''
  const photos = w.photos > 0 ? `${w.photos} 张照片` : ''
  const parts = records && photos ? `${records}和 ${photos}` : records || photos
  return `本机有 ${who} 尚未上传的 ${parts}，${who}登录后会自动上传`
}

/** currentOwner is the user id new work on this phone belongs to (inside a transaction that holds meta). */
export async function currentOwner(): Promise<string | undefined> {
  return (await getSession())?.user.id ?? (await getMeta<string>(OWNER_META.lastUserId))
}
