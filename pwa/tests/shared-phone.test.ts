// A shared phone keeps each user's unsynced work (issue 11 item 1, DESIGN
// §8.1): another user's sign-in parks it, never deletes it; the login screen
// says whose it is and how much; it comes back when its owner signs in.
import Dexie from 'dexie'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { login, logout } from '../src/auth/session'
import { db, ZscDB } from '../src/db/index'
import { putBlob, blobsToUpload } from '../src/db/blobs'
import { META, clearSession, clientId, getMeta, rotateClientId } from '../src/db/meta'
import { waitingText, waitingWork } from '../src/db/owners'
import { setItem } from '../src/sync/actions'
import { VISIT_ID, pullPage, visitChange } from './fixtures'

const json = (status: number, v: unknown) => new Response(JSON.stringify(v), { status })
const A = { id: 'u-insp1', username: 'insp1', name: '张三', role: 'inspector' as const, dept: 'scjg', region: '621002' }
const B = { id: 'u-insp2', username: 'insp2', name: '李四', role: 'inspector' as const, dept: 'scjg', region: '621002' }

/** signInAs logs in through login() against a stubbed server that knows A and B. */
async function signInAs(u: typeof A) {
  vi.stubGlobal('fetch', async (url: string) => {
    if (String(url).endsWith('/auth/login')) return json(200, { access_token: 'a-' + u.id, refresh_token: 'r-' + u.id, expires_in: 900, user: u })
    return json(204, {})
  })
  await login(u.username, 'pw')
}

async function photo(n: number) {
  await putBlob({ sha256: `${n}`.padStart(64, '0'), blob: new Blob(['x']), type: 'image/jpeg', size: 1, created_at: `2024-06-03T0${n}:00:00Z`, visit_id: VISIT_ID })
}

describe('a shared phone', () => {
  afterEach(() => vi.unstubAllGlobals())

  it("keeps A's unsynced work through B's sign-in and logout, and gives it back to A under A's own client", async () => {
    await signInAs(A)
    const clientA = await clientId()
    await pullPage({ cursor: 1, last_seq: 0, changes: [visitChange()] })
    await setItem(VISIT_ID, 'i-1', { value: '符合', note: '', photos: [] })
    await setItem(VISIT_ID, 'i-2', { value: '不符合', note: '过期', photos: [] })
    await photo(1)
    // A's session ends: the refresh token expired or was revoked.
    await clearSession()
    expect((await waitingWork()).map(waitingText)).toEqual(['本机有 张三 尚未上传的 2 条记录和 1 张照片，张三登录后会自动上传'])

    await signInAs(B)
    expect(await db.outbox.count()).toBe(0)
    expect(await db.parked.where('owner').equals(A.id).count()).toBe(2)
    expect(await db.results.count()).toBe(0) // pulled records go: the server gives them back
    expect(await clientId()).not.toBe(clientA)
    expect(await blobsToUpload()).toEqual([]) // A's photo waits for A
    expect((await waitingWork()).map(waitingText)).toEqual(['本机有 张三 尚未上传的 2 条记录和 1 张照片，张三登录后会自动上传'])

    // B works and pushes under B's own numbers.
    await pullPage({ cursor: 1, last_seq: 0, changes: [visitChange()] })
    await setItem(VISIT_ID, 'i-3', { value: '符合', note: '', photos: [] })
    expect((await db.outbox.toArray()).map((e) => [e.seq, e.owner])).toEqual([[1, B.id]])
    await logout({ discard: true })
    expect(await db.parked.count()).toBe(2)
    expect(await db.blobs.count()).toBe(1)

    await signInAs(A)
    expect(await clientId()).toBe(clientA)
    expect((await db.outbox.orderBy('seq').toArray()).map((e) => [e.seq, e.owner, e.state])).toEqual([
      [1, A.id, 'pending'],
      [2, A.id, 'pending'],
    ])
    expect(await getMeta(META.nextSeq)).toBe(3)
    expect(await db.parked.count()).toBe(0)
    expect((await blobsToUpload()).map((b) => b.owner)).toEqual([A.id])
  })

  it('a user signing in again after an expired session changes nothing', async () => {
    await signInAs(A)
    await setItem(VISIT_ID, 'i-1', { value: '符合', note: '', photos: [] })
    const id = await clientId()
    await clearSession()
    await signInAs(A)
    expect(await clientId()).toBe(id)
    expect(await db.outbox.count()).toBe(1)
  })

  it('a client id the server refuses is replaced without losing the unsent work', async () => {
    await signInAs(A)
    await setItem(VISIT_ID, 'i-1', { value: '符合', note: '', photos: [] })
    await setItem(VISIT_ID, 'i-2', { value: '符合', note: '', photos: [] })
    await db.outbox.update(1, { state: 'applied' })
    await rotateClientId()
    expect((await db.outbox.toArray()).map((e) => [e.seq, e.args.item_id])).toEqual([[1, 'i-2']])
    expect(await getMeta(META.nextSeq)).toBe(2)
  })

  it('version 3 of the database gives the rows already there to the last user', async () => {
    db.close()
    await Dexie.delete('zsc')
    const v2 = new Dexie('zsc')
    v2.version(2).stores({ meta: '&key', outbox: '&seq, &id, state, visit_id', blobs: '&sha256, uploaded, visit_id' })
    await v2.open()
    await v2.table('meta').put({ key: 'last_user_id', value: A.id })
    await v2.table('outbox').put({ seq: 1, id: 'm-1', state: 'pending', visit_id: VISIT_ID })
    await v2.table('blobs').put({ sha256: 'b', uploaded: 0, visit_id: VISIT_ID })
    v2.close()
    const v3 = new ZscDB()
    await v3.open()
    expect((await v3.outbox.get(1))?.owner).toBe(A.id)
    expect((await v3.blobs.get('b'))?.owner).toBe(A.id)
    v3.close()
  })
})
