// useLive: a Dexie liveQuery as a Vue ref. The screens read the database
// only this way, so they follow every write from this tab or another.
//
// A screen kept alive while hidden (App.vue's <KeepAlive>) keeps its live
// queries, so that it is current the moment it shows again, but does not
// re-draw on every answer while nobody sees it (a 符合 tap on the checklist
// changes the outbox 我的任务 and 我的 read): the newest answer waits and is
// applied as the screen is re-inserted, before the browser paints it.
import {
  getCurrentInstance,
  getCurrentScope,
  onActivated,
  onDeactivated,
  onScopeDispose,
  shallowRef,
  watch,
  type Ref,
  type WatchSource,
} from 'vue'
import { liveQuery } from '../db/index'

export function useLive<T>(query: () => Promise<T>, initial: T, deps?: WatchSource | WatchSource[]): Ref<T> {
  const state = shallowRef(initial) as Ref<T>
  let sub: { unsubscribe(): void } | undefined
  let hidden = false
  let waiting: { value: T } | undefined
  const start = () => {
    sub?.unsubscribe()
    sub = liveQuery(query).subscribe({
      next: (v) => {
        if (hidden) waiting = { value: v }
        else state.value = v
      },
      error: (err) => console.error('liveQuery', err),
    })
  }
  if (deps) watch(deps, start, { immediate: true })
  else start()
  // A component's own query only: one made in a detached scope during some
  // screen's setup (the shared sync indicator) outlives that screen and
  // must not pause with it.
  const instance = getCurrentInstance() as { scope?: unknown } | null
  if (instance && instance.scope === getCurrentScope()) {
    onDeactivated(() => {
      hidden = true
    })
    onActivated(() => {
      hidden = false
      if (waiting) state.value = waiting.value
      waiting = undefined
    })
  }
  onScopeDispose(() => sub?.unsubscribe())
  return state
}
