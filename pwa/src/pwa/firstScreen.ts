// The first screen first (issue 15, cold start ≤ 2 s on a phone at CPU ×4):
// the service worker's registration, the sync engine's code and the first
// sync all ran on the main thread while 我的任务 was still reading its visits,
// and the traces showed them between the entry and the first card. They now
// wait until the first screen has drawn its data (markFirstScreen, called by
// 我的任务 once its list is on screen, or by src/main.ts for any other first
// route once it has resolved), and then for an idle moment.
// Nothing here waits on the network: the list still renders from IndexedDB
// before any answer (e2e/cold-start.spec.ts).

/** The longest wait for the first screen: a screen that never says so must not keep sync away. */
export const FIRST_SCREEN_CAP_MS = 3000
/** The longest wait for an idle moment after it. */
const IDLE_CAP_MS = 500

let shown: () => void = () => undefined
const firstScreen = new Promise<void>((resolve) => (shown = resolve))
let marked = false

/** markFirstScreen says the first screen shows its data (the `zsc:first-screen` mark of the traces). */
export function markFirstScreen(): void {
  if (marked) return
  marked = true
  performance.mark('zsc:first-screen')
  shown()
}

/** afterFirstScreen runs fn once the first screen has drawn (or after the cap) and the main thread is idle. */
export function afterFirstScreen(fn: () => void): void {
  const cap = setTimeout(markFirstScreen, FIRST_SCREEN_CAP_MS)
  void firstScreen.then(() => {
    clearTimeout(cap)
    if (typeof requestIdleCallback === 'function') requestIdleCallback(() => fn(), { timeout: IDLE_CAP_MS })
    else setTimeout(fn, 0)
  })
}
