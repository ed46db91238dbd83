/// <reference lib="webworker" />
// The service worker (vite-plugin-pwa, injectManifest): precache the app
// shell, serve every navigation from the precached index.html so the app opens
// offline, and wait for the page to say SKIP_WAITING, which it only does when
// the user agreed and the outbox is empty (src/pwa/update.ts). It never
// touches IndexedDB: an update never deletes local data.
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { clientsClaim } from 'workbox-core'

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<{ url: string; revision: string | null } | string> }

precacheAndRoute(self.__WB_MANIFEST)
// Once active (first install, or after the user agreed to an update), take
// over open pages, so the page that asked for the update reloads into it.
clientsClaim()
cleanupOutdatedCaches()

// API calls and server-rendered pages go to the network, never to index.html.
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('index.html'), {
    denylist: [/^\/api\//, /^\/healthz/, /^\/public(\/|$)/],
  }),
)

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'SKIP_WAITING') void self.skipWaiting()
})

// Background Sync is only a wake-up (DESIGN §5 step 7): when the browser
// says a registered 'zsc-sync' may run (the network is back), ask the open
// pages to sync; their engine does the work. Nothing relies on it.
;(self as unknown as EventTarget).addEventListener('sync', (event: Event) => {
  const e = event as ExtendableEvent & { tag?: string }
  if (e.tag !== 'zsc-sync') return
  e.waitUntil(
    self.clients.matchAll({ type: 'window' }).then((list) => list.forEach((c) => c.postMessage({ type: 'zsc-sync' }))),
  )
})
