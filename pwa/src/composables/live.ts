// useLive: a Dexie liveQuery as a Vue ref. The screens read the database
// only this way, so they follow every write from this tab or another.
import { onScopeDispose, shallowRef, watch, type Ref, type WatchSource } from 'vue'
import { liveQuery } from '../db/index'

export function useLive<T>(query: () => Promise<T>, initial: T, deps?: WatchSource | WatchSource[]): Ref<T> {
  const state = shallowRef(initial) as Ref<T>
  let sub: { unsubscribe(): void } | undefined
  const start = () => {
    sub?.unsubscribe()
    sub = liveQuery(query).subscribe({
      next: (v) => {
        state.value = v
      },
      error: (err) => console.error('liveQuery', err),
    })
  }
  if (deps) watch(deps, start, { immediate: true })
  else start()
  onScopeDispose(() => sub?.unsubscribe())
  return state
}
