// The sync engine on the phone (DESIGN §5 step 7). One run:
//   1. register this client (POST /sync/clients, once per app start and user),
//      reporting platform, installed, app version and pending count;
//   2. push the outbox in order (POST /sync/push); a 409 sequence_gap realigns
//      the numbers from expected_seq and pushes again;
//   3. upload photos in chunks (PUT /blobs/{sha256});
//   4. pull until has_more is false (GET /sync/pull), rebasing the pending
//      mutations on each page (src/db/pull.ts).
// Runs start when the app opens, when the network returns, when the app
// becomes visible, after a change, and on the sync button (./triggers.ts).
// One tab writes at a time: every run holds the Web Lock 'zsc-sync'.
// Offline is normal: a run that finds no network ends quietly, its work
// stays in the outbox and the indicator says 离线.
import { request, withLock } from '../api/http'
import { ApiError, OfflineError, errorText } from '../api/errors'
import { META, clientId, getMeta, getSession, rotateClientId, setMeta, setSyncState } from '../db/meta'
import { countUnsent, markSendFailed, markSending, pruneSettled, realignSequence, recordFates, unsentMutations } from '../db/outbox'
import { applyPull, type ChangeEntry } from '../db/pull'
import { db } from '../db/index'
import { putDepartments, putRegions } from '../db/reference'
import type { Department, Region } from '../db/types'
import { nowISO } from '../format/date'
import { toTarget } from './changes'
import { uploadPending } from './blobs'
import { appVersion, installed, online, platform } from './device'
import { mutationContext, replayer } from './outbox'

/** The protocol's schema version (sync/protocol.go SchemaVersion). */
export const SCHEMA_VERSION = 1
const PUSH_BATCH = 50

interface PushResponse {
  last_seq: number
  results: { seq: number; status: 'applied' | 'conflict' | 'rejected'; reason?: string; replayed?: boolean }[]
}
interface PullResponse {
  cursor: number
  has_more: boolean
  last_seq: number
  changes: ChangeEntry[]
  missing_blobs: string[]
}

/** register tells the server about this install; once per app start and user unless force. */
let registeredThisRun = ''
export async function register(force = false): Promise<void> {
  const s = await getSession()
  if (!s) return
  let id = await clientId()
  const key = `${s.user.id}:${id}`
  if (!force && registeredThisRun === key) return
  const body = () => ({
    client_id: id,
    // Office staff work at a desk: their entries count as the web channel,
    // so they never inflate the mobile application rate (DESIGN §3).
    kind: s.user.role === 'office' || s.user.role === 'admin' ? 'web' : 'mobile',
    platform: platform(),
    installed: installed(),
    app_version: appVersion,
  })
  try {
    await request('/sync/clients', { method: 'POST', body: { ...body(), pending: await countUnsent() } })
  } catch (err) {
    // A client belongs to one user for life: someone else's id gets replaced.
    if (err instanceof ApiError && err.code === 'conflict') {
      id = await rotateClientId()
      await request('/sync/clients', { method: 'POST', body: { ...body(), pending: await countUnsent() } })
    } else throw err
  }
  registeredThisRun = `${s.user.id}:${id}`
  await setMeta(META.registeredFor, registeredThisRun)
}

/** push sends the outbox in order until it is empty; returns how many mutations the server answered. */
export async function push(): Promise<number> {
  const id = await clientId()
  let answered = 0
  let gaps = 0
  for (;;) {
    const batch = await unsentMutations(PUSH_BATCH)
    if (batch.length === 0) return answered
    const seqs = batch.map((e) => e.seq)
    await markSending(seqs, nowISO())
    let res: PushResponse
    try {
      res = await request<PushResponse>('/sync/push', {
        method: 'POST',
        body: {
          client_id: id,
          schema_version: SCHEMA_VERSION,
          pending: await countUnsent(),
          // Exactly what was stored: a sent mutation is never edited.
          mutations: batch.map((e) => ({ seq: e.seq, id: e.id, name: e.name, at: e.at, args: e.args })),
        },
      })
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && err.code === 'sequence_gap' && gaps < 3) {
        gaps++
        const expected = Number(err.body.expected_seq ?? (err.body.details as Record<string, unknown> | undefined)?.expected_seq)
        await markSendFailed(seqs, '')
        if (Number.isFinite(expected) && expected > 0) await realignSequence(expected)
        continue
      }
      if (err instanceof ApiError && err.status === 404 && gaps < 3) {
        // Not registered (a server restore): register again and retry.
        gaps++
        await markSendFailed(seqs, '')
        await register(true)
        continue
      }
      await markSendFailed(seqs, err instanceof OfflineError ? '离线' : errorText(err))
      throw err
    }
    const fates = res.results.map((r) => ({ seq: r.seq, status: r.status, reason: r.reason }))
    // A mutation the answer does not mention is applied when last_seq covers it, else it waits.
    const answeredSeqs = new Set(fates.map((f) => f.seq))
    for (const s of seqs) if (!answeredSeqs.has(s) && s <= res.last_seq) fates.push({ seq: s, status: 'applied', reason: '' })
    await recordFates(fates, res.last_seq, nowISO())
    const left = seqs.filter((s) => !answeredSeqs.has(s) && s > res.last_seq)
    if (left.length) {
      await markSendFailed(left, '服务器未确认')
      return answered + fates.length
    }
    answered += fates.length
  }
}

/** pull fetches every page after our cursor and rebases pending work on each. */
export async function pull(): Promise<void> {
  const id = await clientId()
  const base = await mutationContext()
  const replay = replayer(base)
  for (let page = 0; page < 1000; page++) {
    const cursor = (await getMeta<number>(META.cursor)) ?? 0
    const pending = await countUnsent()
    const res = await request<PullResponse>(`/sync/pull?client_id=${encodeURIComponent(id)}&cursor=${cursor}&pending=${pending}`)
    await applyPull(
      {
        cursor: res.cursor,
        last_seq: res.last_seq,
        changes: res.changes ?? [],
        missing_blobs: res.missing_blobs,
        bootstrap: cursor === 0 || res.cursor < cursor,
      },
      { toTarget, replay, at: nowISO() },
    )
    // Photos the server still waits for: make sure they are queued again.
    for (const sha of res.missing_blobs ?? []) {
      await db.blobs.where('sha256').equals(sha).and((b) => b.uploaded === 1).modify({ uploaded: 0, received: 0 })
    }
    if (!res.has_more) return
  }
}

/** refreshReference fetches departments and regions (names for screens and notice numbers). */
async function refreshReference(): Promise<void> {
  const last = await getMeta<string>('reference_at')
  if (last && Date.now() - new Date(last).getTime() < 12 * 3600 * 1000 && (await db.departments.count()) > 0) return
  const [deps, regions] = await Promise.all([
    request<Department[] | { departments: Department[] }>('/departments'),
    request<Region[] | { regions: Region[] }>('/regions'),
  ])
  await putDepartments(Array.isArray(deps) ? deps : (deps.departments ?? []))
  await putRegions(Array.isArray(regions) ? regions : (regions.regions ?? []))
  await setMeta('reference_at', new Date().toISOString())
}

let running: Promise<void> | null = null
let again = false

/**
 * syncNow runs one sync unless one is running in this tab (then it asks for
 * another run after it). Never throws: the outcome is in the sync state.
 */
export function syncNow(): Promise<void> {
  if (running) {
    again = true
    return running
  }
  running = (async () => {
    try {
      do {
        again = false
        await runOnce()
      } while (again)
    } finally {
      running = null
    }
  })()
  return running
}

/**
 * pullsState says whether a role keeps a local copy of its scope. Office
 * staff and admins work online at a desk (dashboard, paper entry, reports)
 * and see a whole city: their bootstrap would be every visit of the year,
 * hundreds of megabytes, for screens that never read it.
 */
export function pullsState(role: string): boolean {
  return role !== 'office' && role !== 'admin'
}

async function runOnce(): Promise<void> {
  const session = await getSession()
  if (!session) return
  if (!online()) return
  await withLock('zsc-sync', async () => {
    await setSyncState({ phase: 'syncing' })
    try {
      await register()
      await push()
      await uploadPending()
      if (pullsState(session.user.role)) await pull()
      // Changes made while we pulled go out now rather than on the next trigger.
      if ((await countUnsent()) > 0) await push()
      await refreshReference().catch(() => undefined)
      await pruneSettled(nowISO(new Date(Date.now() - 7 * 86400000)))
      await setSyncState({ phase: 'idle', last_ok_at: nowISO(), last_error: '', last_error_at: null })
    } catch (err) {
      if (err instanceof OfflineError) {
        // Offline is normal: no error, the indicator shows 离线 / 待同步.
        await setSyncState({ phase: 'idle' })
        return
      }
      console.warn('sync failed', err)
      await setSyncState({ phase: 'error', last_error: errorText(err), last_error_at: nowISO() })
    }
  })
}

/** isRunning tells whether this tab is syncing now. */
export function isRunning(): boolean {
  return running !== null
}
