// The sync-status view shared by the header's indicator and the line under
// it: the network, the shared sync state and the outbox size through
// liveQuery, and a clock that ticks every second while a retry is planned
// (the "12 秒后重试" countdown).
import { computed, onScopeDispose, ref, watch, type ComputedRef } from 'vue'
import { useLive } from './live'
import { isOnline } from './network'
import { getSyncState, unsentCount } from '../db/queries'
import type { SyncState } from '../db/types'
import { statusView, type StatusView } from '../sync/status'

const IDLE: SyncState = { phase: 'idle', last_ok_at: null, last_error: '', last_error_at: null }

export function useSyncStatus(): ComputedRef<StatusView> {
  const pending = useLive<number | null>(unsentCount, null)
  const state = useLive(getSyncState, IDLE)
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
  onScopeDispose(() => clearInterval(tick))
  return computed(() => statusView({ online: isOnline.value, state: state.value, pending: pending.value, now: now.value }))
}
