// The sync-status view shared by the header's indicator, the line under it
// and the update banner: the network, the shared sync state and the outbox
// size (one liveQuery for both, src/db/startup.ts), and a clock that ticks
// every second while a retry is planned (the "12 秒后重试" countdown). One
// copy for the whole app, made on first use: the header is on every screen,
// and each screen used to start its own queries again at the app's start.
//
// The sync engine is not imported here: it loads after the first screen
// (src/main.ts). Until then the indicator shows the state the last run left
// in IndexedDB, and a tap loads the engine first.
import { computed, effectScope, ref, watch, type ComputedRef, type Ref } from 'vue'
import { useLive } from './live'
import { isOnline } from './network'
import { statusFacts, type StatusFacts } from '../db/startup'
import type { SyncState } from '../db/types'
import { statusView, type RunOutcome, type StatusView } from '../sync/status'

const IDLE: SyncState = { phase: 'idle', last_ok_at: null, last_error: '', last_error_at: null }

interface Shared {
  view: ComputedRef<StatusView>
  /** The outbox's unanswered count, null until it has been read. */
  pending: ComputedRef<number | null>
}

let shared: Shared | undefined

function makeShared(): Shared {
  // null until read: never 已同步 on a count we do not have.
  const facts = useLive<StatusFacts | null>(statusFacts, null)
  const state = computed(() => facts.value?.state ?? IDLE)
  const pending = computed(() => facts.value?.pending ?? null)
  const now = ref(Date.now())
  let tick: ReturnType<typeof setInterval> | undefined
  watch(
    () => state.value.next_retry_at,
    (at) => {
      clearInterval(tick)
      now.value = Date.now()
      if (at) tick = setInterval(() => (now.value = Date.now()), 1000)
    },
    { immediate: true },
  )
  const view = computed(() => statusView({ online: isOnline.value, state: state.value, pending: pending.value, now: now.value }))
  return { view, pending }
}

function sharedStatus(): Shared {
  // A detached scope: the queries live as long as the app, whichever screen asked first.
  shared ??= effectScope(true).run(makeShared)!
  return shared
}

export function useSyncStatus(): ComputedRef<StatusView> {
  return sharedStatus().view
}

/** usePendingCount is the outbox's unanswered count (0 until read), from the indicator's query. */
export function usePendingCount(): Readonly<Ref<number>> {
  const { pending } = sharedStatus()
  return computed(() => pending.value ?? 0)
}

/**
 * retryNow is the indicator's tap (and the screens' 同步 buttons): it loads
 * the sync engine if it has not loaded yet, then syncs at once and says what
 * happened (src/sync/triggers.ts).
 */
export async function retryNow(): Promise<RunOutcome> {
  const { retryNow: run } = await import('../sync/triggers')
  return run()
}

