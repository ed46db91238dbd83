// When the engine runs (DESIGN §5 step 7), wired to the browser: when the
// app opens, when the network returns ('online'), when the app becomes
// visible, shortly after a change, on a tap of the indicator, after a failed
// run with backoff (2 s, 5 s, 15 s, 60 s …) and every 3 minutes while the
// app is on screen (./scheduler.ts holds those rules). Background Sync is
// only a wake-up: the service worker's 'sync' event asks an open page to
// sync (src/sw.ts); nothing relies on it.
import { showToast } from 'vant'
import { META, getSyncState, setMeta, setSyncState } from '../db/meta'
import { countUnsent } from '../db/outbox'
import { nowISO } from '../format/date'
import { onSyncOutcome, syncNow } from './engine'
import { onMutation } from './outbox'
import { SyncScheduler } from './scheduler'
import { outcomeMessage, type RunOutcome } from './status'

/** The scheduler of this tab. */
export const scheduler = new SyncScheduler({
  run: syncNow,
  online: () => navigator.onLine,
  visible: () => document.visibilityState === 'visible',
  save: (patch) => setSyncState(patch),
})

let started = false

/** startSync wires the triggers once and runs a first sync. */
export function startSync(): void {
  if (started) return
  started = true
  void clearStaleSyncing()
  onSyncOutcome((o) => {
    scheduler.afterRun(o)
    if (o.kind === 'unreachable' || o.kind === 'offline') void askForWakeUp()
  })
  window.addEventListener('online', () => scheduler.online())
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') scheduler.visible()
  })
  onMutation(() => scheduler.changed())
  // The service worker's Background Sync wake-up (when the browser has it).
  navigator.serviceWorker?.addEventListener('message', (e: MessageEvent) => {
    if ((e.data as { type?: string } | null)?.type === 'zsc-sync') void scheduler.trigger()
  })
  void scheduler.trigger()
}

/**
 * retryNow is the indicator's tap: sync at once and say what happened, in
 * Chinese (a toast), whatever the outcome — the user asked.
 */
export async function retryNow(): Promise<RunOutcome> {
  showToast({ message: '正在同步…', duration: 0, forbidClick: false })
  const outcome = await scheduler.trigger()
  showToast({ message: outcomeMessage(outcome, await countUnsent(), scheduler.retryIn()), duration: 2500 })
  return outcome
}

/** askForWakeUp registers a Background Sync, where the browser has it, while work waits for the network. */
async function askForWakeUp(): Promise<void> {
  try {
    if (!navigator.serviceWorker || (await countUnsent()) === 0) return
    const reg = (await navigator.serviceWorker.getRegistration()) as (ServiceWorkerRegistration & { sync?: { register(tag: string): Promise<void> } }) | undefined
    await reg?.sync?.register('zsc-sync')
  } catch (err) {
    // Not granted or not supported: the scheduler's own retries go on.
    console.info('background sync not available', err)
  }
}

/** A tab closed in the middle of a run leaves 'syncing' behind; nobody holds the lock then. */
async function clearStaleSyncing(): Promise<void> {
  const st = await getSyncState()
  if (st.phase !== 'syncing') return
  if (navigator.locks?.request) {
    await navigator.locks.request('zsc-sync', { ifAvailable: true }, async (lock) => {
      if (lock) await setSyncState({ phase: 'idle' })
    })
  } else await setSyncState({ phase: 'idle' })
}

/**
 * askPersistentStorage asks the browser not to evict our data under storage
 * pressure, and remembers the answer for the 我的 page.
 */
export async function askPersistentStorage(): Promise<boolean | null> {
  if (!navigator.storage?.persist) {
    await setMeta(META.persist, { persisted: false, supported: false, asked_at: nowISO() })
    return null
  }
  const already = await navigator.storage.persisted?.()
  const persisted = already || (await navigator.storage.persist())
  await setMeta(META.persist, { persisted, supported: true, asked_at: nowISO() })
  return persisted
}
