// The app's entry: Vue, the router, Vant's function-call components' styles,
// the service worker, and the sync triggers once someone is signed in.
import { createApp, watch } from 'vue'
import 'vant/es/toast/style'
import 'vant/es/dialog/style'
import 'vant/es/notify/style'
import 'vant/es/image-preview/style'
import './styles.css'
import App from './App.vue'
import { router } from './router'
import { currentUser, loadSession } from './auth/session'
import { setupServiceWorker } from './pwa/update'
import { startSync, askPersistentStorage } from './sync/triggers'

const app = createApp(App)
app.use(router)
app.mount('#app')

void setupServiceWorker()

// Sync starts with the first signed-in moment: at app open when a session is
// stored (even offline), or right after login.
void loadSession().then(() => {
  watch(
    currentUser,
    (u) => {
      if (!u) return
      startSync()
      void askPersistentStorage()
    },
    { immediate: true },
  )
})
