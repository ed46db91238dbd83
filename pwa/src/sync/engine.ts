// The sync engine on the phone (DESIGN §5 step 7). One run:
//   1. register this client (POST /sync/clients, once per app start and user),
//      reporting platform, installed, app version and pending count;
//   2. push the outbox in order (POST /sync/push); a 409 sequence_gap realigns
//      the numbers from expected_seq and pushes again;
//   3. meanwhile, upload photos in chunks (PUT /blobs/{sha256}), a few at once;
//   4. pull until has_more is false (GET /sync/pull), rebasing the pending
//      mutations on each page (src/db/pull.ts).
// Runs start when the app opens, when the network returns, when the app
// becomes visible, after a change, on the sync button, after a failure
// with backoff and every few minutes on screen (./scheduler.ts).
// One tab writes at a time: every run holds the Web Lock 'zsc-sync'.
// Offline is normal: a run that finds no network ends quietly, its work
// stays in the outbox and the indicator says 离线. A run whose requests
// get no answer (connection refused, 5xx, timeout) says 服务器无法连接; a
// refusal says 同步失败 with the reason in Chinese; only a run that got
// every answer records last_ok_at (已同步).
import { request, withLock } from '../api/http'
import { ApiError, OfflineError, errorText, userReason } from '../api/errors'
import {
  META,
  clientId,
  getMeta,
  getSession,
  rotateClientId,
  setMeta,
  setSyncState,
  type RemovedVisit,
} from '../db/meta'
import { countUnsent, markSendFailed, markSending, pruneSettled, realignSequence, recordFates, unsentMutations } from '../db/outbox'
import { applyPull, META_BOOTSTRAP_TOKEN, META_OPEN_YEAR, type ChangeEntry } from '../db/pull'
import { db } from '../db/index'
import { putDepartments, putRegions } from '../db/reference'
import type { Department, Region } from '../db/types'
import { nowISO } from '../format/date'
import { toTarget } from './changes'
import { META_DEVICE_NO, META_EPOCH, numberReport } from './numbering'
import { uploadPending } from './blobs'
import { appVersion, installed, online, platform } from './device'
import { mutationContext, replayer } from './outbox'
import { REQUEST_TIMEOUT_MS, type RunOutcome } from './status'

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
  /** The change log's history the cursor counts in (DESIGN §8.5). */
  epoch?: string
  /** The page is the whole state: drop the pulled caches first (never the outbox). */
  bootstrap?: boolean
  /** The next page of a bootstrap under way: send it back as `bootstrap` (PROTOCOL §3). */
  bootstrap_token?: string
  /** A lead's pull: the plan year whose open work the phone keeps. */
  open_year?: number
  /** This client's device number, for provisional notice numbers (DESIGN §8.6). */
  device_no?: number
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
    await request('/sync/clients', { method: 'POST', body: { ...body(), pending: await countUnsent() }, signal: timeout() })
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

/** What a push came to: mutations the server answered, and how many of them it rejected or kept as conflicts. */
export interface PushCount {
  sent: number
  rejected: number
  conflicts: number
}

/** timeout is the signal that gives up on a request the server does not answer (then: 服务器无法连接). */
function timeout(): AbortSignal | undefined {
  return typeof AbortSignal !== 'undefined' && 'timeout' in AbortSignal ? AbortSignal.timeout(REQUEST_TIMEOUT_MS) : undefined
}

/** push sends the outbox in order until it is empty; returns what the server answered. */
export async function push(): Promise<PushCount> {
  const id = await clientId()
  const count: PushCount = { sent: 0, rejected: 0, conflicts: 0 }
  let gaps = 0
  for (;;) {
    const batch = await unsentMutations(PUSH_BATCH)
    if (batch.length === 0) return count
    // Only the signed-in user's work goes out under their session; another
    // user's is parked at sign-in (src/db/owners.ts), so this never trips
    // unless that went wrong, and then nothing is sent in the wrong name.
    const me = (await getSession())?.user.id
    if (batch.some((e) => e.owner !== undefined && e.owner !== me)) throw new Error('本机待上传的记录属于另一位用户，请由该用户登录后同步')
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
          // The epoch of our last pull: after a restore the server refuses
          // the push until we have pulled (and reported our notice numbers).
          epoch: (await getMeta<string>(META_EPOCH)) || undefined,
          // Exactly what was stored: a sent mutation is never edited.
          mutations: batch.map((e) => ({ seq: e.seq, id: e.id, name: e.name, at: e.at, args: e.args })),
        },
        signal: timeout(),
      })
    } catch (err) {
      // seq_reused (another mutation under a used seq) is answered the same
      // way: the server names the seq it expects; ours are renumbered from it.
      if (err instanceof ApiError && err.status === 409 && (err.code === 'sequence_gap' || err.code === 'seq_reused') && gaps < 3) {
        gaps++
        const expected = Number(err.body.expected_seq ?? (err.body.details as Record<string, unknown> | undefined)?.expected_seq)
        await markSendFailed(seqs, '')
        if (Number.isFinite(expected) && expected > 0) await realignSequence(expected)
        continue
      }
      if (err instanceof ApiError && err.status === 409 && err.code === 'epoch_changed' && gaps < 3) {
        // The server was restored: pull first (it fences the numbers we
        // hold and issued, and rebuilds our caches), then push again.
        gaps++
        await markSendFailed(seqs, '')
        await pull()
        continue
      }
      if (err instanceof ApiError && err.status === 404 && gaps < 3) {
        // Not registered (a server restore): register again and retry.
        gaps++
        await markSendFailed(seqs, '')
        await register(true)
        continue
      }
      await markSendFailed(seqs, err instanceof OfflineError ? (online() ? '服务器无法连接' : '离线') : errorText(err))
      throw err
    }
    // Reasons are shown to the user: Chinese, without ids (src/api/errors.ts).
    const fates = res.results.map((r) => ({ seq: r.seq, status: r.status, reason: userReason(r.reason) }))
    // A mutation the answer does not mention is applied when last_seq covers it, else it waits.
    const answeredSeqs = new Set(fates.map((f) => f.seq))
    for (const s of seqs) if (!answeredSeqs.has(s) && s <= res.last_seq) fates.push({ seq: s, status: 'applied', reason: '' })
    await recordFates(fates, res.last_seq, nowISO())
    count.sent += fates.length
    count.rejected += fates.filter((f) => f.status === 'rejected').length
    count.conflicts += fates.filter((f) => f.status === 'conflict').length
    const left = seqs.filter((s) => !answeredSeqs.has(s) && s > res.last_seq)
    if (left.length) {
      await markSendFailed(left, '服务器未确认')
      return count
    }
  }
}

/** pull fetches every page after our cursor and rebases pending work on each. */
export async function pull(): Promise<void> {
  const id = await clientId()
  const base = await mutationContext()
  const replay = replayer(base)
  // A bootstrap comes in pages (PROTOCOL §3): the visits of ours the phone
  // held before it, and those its pages bring back, are compared once the
  // last page is in.
  let before: RemovedVisit[] | null = null
  const kept = new Set<string>()
  for (let page = 0; page < 10000; page++) {
    const cursor = (await getMeta<number>(META.cursor)) ?? 0
    const token = (await getMeta<string>(META_BOOTSTRAP_TOKEN)) ?? ''
    const pending = await countUnsent()
    let res: PullResponse
    try {
      res = await request<PullResponse>(await pullPath(id, cursor, pending, token), { signal: timeout() })
    } catch (err) {
      // Not registered: a server restored from a backup older than this
      // client's registration. Register again, then pull (DESIGN §8.5).
      if (!(err instanceof ApiError && err.status === 404) || page > 0) throw err
      await register(true)
      res = await request<PullResponse>(await pullPath(id, cursor, pending, token), { signal: timeout() })
    }
    const changes = (res.changes ?? []).map(readableRejection)
    // The server says when a page is the whole state: our cursor was of
    // another epoch (a restore from backup) or past its head. The next page
    // of a bootstrap under way adds to it.
    const bootstrap = token ? res.bootstrap === true : cursor === 0 || res.cursor < cursor || res.bootstrap === true
    if (bootstrap) {
      before = await ownVisits(base.user_id)
      kept.clear()
    }
    const removed = await removedBy(changes)
    for (const v of removed.back) kept.add(v)
    if (before && !res.bootstrap_token) {
      // The bootstrap's last page: ours that it did not bring back are gone.
      removed.gone.push(...before.filter((v) => !kept.has(v.visit_id)))
      before = null
    }
    // A new plan year for a lead: what the phone skipped as another year's
    // is now wanted, so the state is fetched again.
    const openYear = await getMeta<number>(META_OPEN_YEAR)
    const yearMoved = !bootstrap && !token && !!openYear && !!res.open_year && res.open_year !== openYear
    await applyPull(
      {
        cursor: yearMoved ? 0 : res.cursor,
        last_seq: res.last_seq,
        changes,
        missing_blobs: res.missing_blobs,
        bootstrap,
        bootstrap_token: res.bootstrap_token ?? '',
        open_year: res.open_year ?? 0,
        removed_visits: { gone: removed.gone.filter((r) => !removed.back.includes(r.visit_id)), back: removed.back },
      },
      { toTarget, replay, at: nowISO(), userId: base.user_id },
    )
    // After the page: a crash in between leaves the old epoch beside the
    // new cursor, and the next pull bootstraps again, which is safe.
    if (res.epoch) await setMeta(META_EPOCH, res.epoch)
    if (res.device_no && res.device_no > 0) await setMeta(META_DEVICE_NO, res.device_no)
    // Photos the server still waits for: make sure they are queued again.
    for (const sha of res.missing_blobs ?? []) {
      await db.blobs.where('sha256').equals(sha).and((b) => b.uploaded === 1).modify({ uploaded: 0, received: 0 })
    }
    if (!res.has_more && !yearMoved) return
  }
}

/**
 * pullPath is the pull's URL: the cursor with its epoch, and, once the phone
 * has an epoch, the notice numbers it holds and issued, which the server
 * fences when our epoch is not its own (DESIGN §8.5).
 */
export async function pullPath(id: string, cursor: number, pending: number, bootstrap = ''): Promise<string> {
  const epoch = (await getMeta<string>(META_EPOCH)) ?? ''
  let path = `/sync/pull?client_id=${encodeURIComponent(id)}&cursor=${cursor}&pending=${pending}&epoch=${encodeURIComponent(epoch)}`
  if (bootstrap) path += `&bootstrap=${encodeURIComponent(bootstrap)}`
  if (epoch) {
    const r = numberReport(await db.leases.toArray(), await db.notices.toArray(), id)
    if (r.held) path += `&held=${encodeURIComponent(r.held)}`
    if (r.issued) path += `&issued=${encodeURIComponent(r.issued)}`
  }
  return path
}

/** readableRejection makes a pulled rejection's reason fit for a screen (Chinese, no ids). */
function readableRejection(c: ChangeEntry): ChangeEntry {
  if (c.kind !== 'rejection' || !c.data || typeof c.data !== 'object') return c
  const d = c.data as Record<string, unknown>
  return { ...c, data: { ...d, reason: userReason(typeof d.reason === 'string' ? d.reason : '') } }
}

/**
 * ownVisits notes the visits of the user's own teams the phone holds, before
 * a bootstrap replaces them: one its pages do not bring back was taken off.
 */
async function ownVisits(userId: string): Promise<RemovedVisit[]> {
  const at = nowISO()
  const mine = await db.visits.filter((v) => v.team.some((m) => m.user_id === userId && m.active !== false)).toArray()
  return mine.map((v) => ({ visit_id: v.id, entity_name: v.entity.name, scheduled_on: v.scheduled_on, removed_at: at, seen: false }))
}

/**
 * removedBy finds the visits a pull page takes off this phone (a `visit`
 * remove: the user was swapped out) and those it puts back. Read before
 * the page is applied, while the visit's name is still on the phone.
 */
async function removedBy(changes: ChangeEntry[]): Promise<{ gone: RemovedVisit[]; back: string[] }> {
  const at = nowISO()
  const back = changes.filter((c) => c.kind === 'visit' && c.op === 'put').map((c) => c.id)
  const ids = changes.filter((c) => c.kind === 'visit' && c.op === 'remove').map((c) => c.id)
  const gone: RemovedVisit[] = []
  for (const vid of new Set(ids)) {
    const v = await db.visits.get(vid)
    // A visit the phone never held needs no note.
    if (!v) continue
    gone.push({ visit_id: vid, entity_name: v.entity.name, scheduled_on: v.scheduled_on, removed_at: at, seen: false })
  }
  return { gone, back }
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

let running: Promise<RunOutcome> | null = null
let again = false
type OutcomeListener = (o: RunOutcome) => void
const outcomeListeners = new Set<OutcomeListener>()

/** onSyncOutcome calls fn after every run, whoever started it (the scheduler plans the next one). */
export function onSyncOutcome(fn: OutcomeListener): () => void {
  outcomeListeners.add(fn)
  return () => outcomeListeners.delete(fn)
}

/**
 * syncNow runs one sync unless one is running in this tab (then it asks for
 * another run after it). Never throws: it resolves with the outcome of the
 * last run, which is also in the sync state.
 */
export function syncNow(): Promise<RunOutcome> {
  if (running) {
    again = true
    return running
  }
  running = (async () => {
    let outcome: RunOutcome
    try {
      do {
        again = false
        outcome = await runOnce()
        outcomeListeners.forEach((fn) => fn(outcome))
      } while (again)
    } finally {
      running = null
    }
    return outcome
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

/**
 * classify tells what a failed run came to: no network (normal), no answer
 * from the server (connection refused, a proxy's 5xx, a timeout), or a
 * refusal the user should read.
 */
export function classify(err: unknown, networkUp: boolean): RunOutcome {
  if (err instanceof OfflineError || (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))) {
    return networkUp ? { kind: 'unreachable', error: '服务器无法连接' } : { kind: 'offline' }
  }
  if (err instanceof ApiError && (err.status >= 500 || err.status === 408)) return { kind: 'unreachable', error: errorText(err) }
  return { kind: 'refused', error: errorText(err) }
}

async function runOnce(): Promise<RunOutcome> {
  const session = await getSession()
  if (!session) return { kind: 'signed-out' }
  if (!online()) return { kind: 'offline' }
  return withLock('zsc-sync', async (): Promise<RunOutcome> => {
    await setSyncState({ phase: 'syncing' })
    try {
      await register()
      // Photos go up while the mutations push, not after (issue 15): the
      // uplink is the cost on a county network and one waiting on the other
      // leaves it idle for a round trip at each step. The server takes a
      // mutation before the photo it names (it waits for the photo before
      // completion) and a photo before its mutation (within the quota).
      const [pushed, uploaded] = await Promise.allSettled([push(), uploadPending()])
      if (pushed.status === 'rejected') throw pushed.reason
      if (uploaded.status === 'rejected') throw uploaded.reason
      const count = pushed.value
      // Photos the quota of unnamed ones deferred (429) go now that the push named them.
      if (uploaded.value.deferred > 0) await uploadPending()
      if (pullsState(session.user.role)) await pull()
      // Changes made while we pulled go out now rather than on the next trigger.
      if ((await countUnsent()) > 0) {
        const more = await push()
        count.sent += more.sent
        count.rejected += more.rejected
        count.conflicts += more.conflicts
      }
      await refreshReference().catch((err) => console.warn('reference data not refreshed', err))
      await pruneSettled(nowISO(new Date(Date.now() - 7 * 86400000)))
      await setSyncState({ phase: 'idle', last_ok_at: nowISO(), last_error: '', last_error_at: null })
      return { kind: 'ok', ...count }
    } catch (err) {
      const outcome = classify(err, online())
      if (outcome.kind === 'offline') {
        // Offline is normal: no error, the indicator shows 离线 / 待同步.
        await setSyncState({ phase: 'idle' })
      } else if (outcome.kind === 'unreachable') {
        console.warn('server unreachable', err)
        await setSyncState({ phase: 'unreachable', last_error: outcome.error, last_error_at: nowISO() })
      } else {
        console.warn('sync refused', err)
        await setSyncState({ phase: 'error', last_error: outcome.kind === 'refused' ? outcome.error : '', last_error_at: nowISO() })
      }
      return outcome
    }
  })
}

/** isRunning tells whether this tab is syncing now. */
export function isRunning(): boolean {
  return running !== null
}
