// App updates (STYLE.md 12, DESIGN §5 step 7): a new service worker waits
// until the user agrees, and the app offers it only while the outbox is
// empty, so a half-filled checklist is never lost to a reload. An update
// never touches IndexedDB.
import { ref } from 'vue'
import { countUnsent } from '../db/outbox'

/** updateReady is true when a new version is installed and waiting. */
export const updateReady = ref(false)
/** offlineReady is true once the app shell is cached for offline use. */
export const offlineReady = ref(false)

let updateSW: ((reload?: boolean) => Promise<void>) | null = null

/** setupServiceWorker registers the service worker (production builds only). */
export async function setupServiceWorker(): Promise<void> {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return
  const { registerSW } = await import('virtual:pwa-register')
  updateSW = registerSW({
    immediate: true,
    onNeedRefresh() {
      updateReady.value = true
    },
    onOfflineReady() {
      offlineReady.value = true
    },
    onRegisteredSW(_url, reg) {
      // Look for a new version now and then while the app stays open.
      if (reg) setInterval(() => void reg.update().catch(() => undefined), 30 * 60 * 1000)
    },
  })
}

/** applyUpdate activates the waiting version and reloads, only when nothing is waiting to sync. */
export async function applyUpdate(): Promise<boolean> {
  if (!updateSW || (await countUnsent()) > 0) return false
  // workbox-window only reloads for a worker it saw install itself; one found
  // later in a long-open page counts as "external", so reload here once the
  // new worker takes over.
  let reloading = false
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (reloading) return
    reloading = true
    window.location.reload()
  })
  await updateSW(true)
  return true
}
