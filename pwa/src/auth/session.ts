// Signing in and out. The session lives in IndexedDB (src/db/meta.ts), so
// the app opens offline after the first login until the refresh token
// expires; this module keeps a reactive copy of the user for the screens.
import { ref } from 'vue'
import { request, sessionFromTokens, onSessionExpired, type TokenAnswer } from '../api/http'
import { ApiError, OfflineError } from '../api/errors'
import { clearSession, clearUserData, getSession, saveSession, setMeta, META } from '../db/meta'
import { switchUser } from '../db/owners'
import type { User } from '../db/types'

/** currentUser is the signed-in user (null when signed out); loaded by loadSession. */
export const currentUser = ref<User | null>(null)
/** sessionExpired is true after the server refused the refresh token. */
export const sessionExpired = ref(false)

onSessionExpired(() => {
  sessionExpired.value = true
  currentUser.value = null
})

/**
 * loadSession reads the stored session. It is usable offline while the
 * refresh token has not expired; the access token is refreshed on the first
 * online request.
 */
export async function loadSession(): Promise<User | null> {
  const s = await getSession()
  if (!s || s.refresh_expires_at < Date.now()) {
    currentUser.value = null
    return null
  }
  currentUser.value = s.user
  return s.user
}

export class LoginError extends Error {
  constructor(readonly text: string) {
    super(text)
  }
}

/**
 * login signs in online. A different user on this phone than the last one
 * starts with their own records: the previous user's unsynced work waits,
 * parked, until they sign in again (src/db/owners.ts). Offline: login is not
 * possible without a stored session; the error says so.
 */
export async function login(username: string, password: string): Promise<User> {
  let t: TokenAnswer
  try {
    t = await request<TokenAnswer>('/auth/login', { method: 'POST', body: { username, password }, auth: false })
  } catch (err) {
    if (err instanceof OfflineError) throw new LoginError('当前无网络。首次登录需要联网，之后可离线使用')
    if (err instanceof ApiError && err.status === 401) throw new LoginError('用户名或密码错误')
    if (err instanceof ApiError && err.code === 'rate_limited') throw new LoginError('尝试次数过多，请稍后再试')
    throw err
  }
  // Another user's unsynced work is parked, never deleted; this user's own
  // parked work and client come back and sync now (DESIGN §8.1).
  await switchUser(t.user)
  await saveSession(sessionFromTokens(t))
  sessionExpired.value = false
  currentUser.value = t.user
  return t.user
}

/**
 * logout ends the session on the server when online and forgets it here.
 * With discard, the user's records and unsynced outbox are deleted too (the
 * caller asked first). Offline: the server is told nothing; the refresh
 * token simply expires there.
 */
export async function logout(opts: { discard: boolean }): Promise<void> {
  const s = await getSession()
  if (s) {
    try {
      await request('/auth/logout', { method: 'POST', body: { refresh_token: s.refresh_token }, auth: false })
    } catch {
      // offline or already invalid: nothing more to do
    }
  }
  // The user stays the phone's last user: the next sign-in by someone else
  // parks what is left of their work (src/db/owners.ts).
  if (opts.discard) await clearUserData()
  else await clearSession()
  await setMeta(META.registeredFor, null)
  currentUser.value = null
}
