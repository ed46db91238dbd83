// When the engine runs (DESIGN §5 step 7): when the app opens, when the
// network returns ('online'), when the app becomes visible, shortly after a
// change, on the sync button, and every few minutes while work is waiting.
// Background Sync is not relied on.
import { META, getSyncState, setMeta, setSyncState } from '../db/meta'
import { countUnsent } from '../db/outbox'
import { nowISO } from '../format/date'
import { syncNow } from './engine'
import { onMutation } from './outbox'

let started = false
let debounce: ReturnType<typeof setTimeout> | undefined

/** startSync wires the triggers once and runs a first sync. */
export function startSync(): void {
  if (started) return
  started = true
  void clearStaleSyncing()
  window.addEventListener('online', () => void syncNow())
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void syncNow()
  })
  onMutation(() => {
    clearTimeout(debounce)
    debounce = setTimeout(() => void syncNow(), 800)
  })
  // While work waits (a server error, a flaky link), try again now and then.
  setInterval(async () => {
    if (document.visibilityState === 'visible' && navigator.onLine && (await countUnsent()) > 0) void syncNow()
  }, 60_000)
  void syncNow()
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
