// The app's entry: Vue, the router, Vant's function-call components' styles,
// then, once the first screen shows its data (src/pwa/firstScreen.ts), the
// service worker and the sync triggers for whoever is signed in. The sync
// engine is its own chunk: the first screen reads IndexedDB only.
import { createApp, watch } from 'vue'
import 'vant/es/toast/style'
import 'vant/es/dialog/style'
import 'vant/es/notify/style'
import 'vant/es/image-preview/style'
import './styles.css'
import App from './App.vue'
import { router } from './router'
import { currentUser } from './auth/session'
import { setupServiceWorker } from './pwa/update'
import { afterFirstScreen, markFirstScreen } from './pwa/firstScreen'

// Marks for the cold-start trace (scripts/measure.mjs --trace): the entry ran, the first route resolved.
performance.mark('zsc:main')
preloadFirstRoute()
const app = createApp(App)
app.use(router)
app.mount('#app')
void router.isReady().then(() => {
  performance.mark('zsc:route')
  // 我的任务 says itself when its list is on screen; any other first screen counts once its route has resolved.
  if (router.currentRoute.value.path !== '/tasks') markFirstScreen()
})

afterFirstScreen(() => {
  void setupServiceWorker()
  // The screens 我的任务 leads to, loaded while idle: their first opening
  // fetched, compiled and styled (a new stylesheet) their code inside the tap.
  if (router.currentRoute.value.path === '/tasks') for (const path of ['/visits/-', '/me']) loadRouteCode(path)
  // Sync starts with the first signed-in moment: at app open when a session is
  // stored (even offline; the router's guard has read it by now), or right after login.
  void router.isReady().then(() =>
    watch(
      currentUser,
      (u) => {
        if (!u) return
        void import('./sync/triggers').then(({ startSync, askPersistentStorage }) => {
          startSync()
          void askPersistentStorage()
        }).catch((err) => console.error('sync engine', err))
      },
      { immediate: true },
    ),
  )
})

/**
 * preloadFirstRoute starts loading the code of the screen the address names
 * now: the router's guard first reads the session from IndexedDB, and only
 * then would it ask for the route's chunk, one more round trip on a slow link.
 */
function preloadFirstRoute(): void {
  loadRouteCode(location.pathname + location.search)
}

/** loadRouteCode starts loading the code of the screen at path (a lazy route's chunk and its styles). */
function loadRouteCode(path: string): void {
  for (const r of router.resolve(path).matched) {
    const load = r.components?.default
    // A lazy route's component is its loader until the router has loaded it; a failure shows when the router loads it.
    if (typeof load === 'function' && !('setup' in load) && !('render' in load)) void (load as () => Promise<unknown>)().catch(() => undefined)
  }
}
