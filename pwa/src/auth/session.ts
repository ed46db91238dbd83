// Signing in and out. The session lives in IndexedDB (src/db/meta.ts), so
// the app opens offline after the first login until the refresh token
// expires; this module keeps a reactive copy of the user for the screens.
import { ref } from 'vue'
import { request, sessionFromTokens, onSessionExpired, type TokenAnswer } from '../api/http'
import { ApiError, OfflineError, apiErrorText, chineseMessage } from '../api/errors'
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

/**
 * pendingChange holds, in memory only, a sign-in made with a one-time
 * password (an admin created the account or reset its password): the server
 * answers every route but the password change with 403 until it is changed,
 * so the session is not stored and the login screen asks for a new password
 * before anything else.
 */
export const pendingChange = ref<{ username: string; oneTime: string; access: string } | null>(null)

/** The answer of a sign-in may say the password must be changed first. */
type LoginAnswer = TokenAnswer & { must_change_password?: boolean }

async function startSession(t: TokenAnswer): Promise<User> {
  // Another user's unsynced work is parked, never deleted; this user's own
  // parked work and client come back and sync now (DESIGN §8.1).
  await switchUser(t.user)
  await saveSession(sessionFromTokens(t))
  sessionExpired.value = false
  pendingChange.value = null
  currentUser.value = t.user
  return t.user
}

/** passwordError turns a refused change into the server's Chinese reason. */
function passwordError(err: unknown): never {
  if (err instanceof OfflineError) throw new LoginError('当前无网络，修改密码需要联网')
  if (err instanceof ApiError && err.status === 400) throw new LoginError(chineseMessage(err.serverMessage) || apiErrorText(err))
  if (err instanceof ApiError && err.code === 'rate_limited') throw new LoginError('尝试次数过多，请稍后再试')
  throw err
}

/**
 * changeFirstPassword replaces the one-time password of pendingChange with
 * the user's own and starts the session the server answers with.
 */
export async function changeFirstPassword(newPassword: string): Promise<User> {
  const p = pendingChange.value
  if (!p) throw new LoginError('请先登录')
  let t: TokenAnswer
  try {
    t = await request<TokenAnswer>('/me/password', {
      method: 'POST',
      auth: false,
      headers: { Authorization: `Bearer ${p.access}` },
      body: { old_password: p.oneTime, new_password: newPassword },
    })
  } catch (err) {
    passwordError(err)
  }
  return startSession(t)
}

/**
 * changePassword changes the signed-in user's password (我的). The server
 * ends every session of the user, this one included, and answers with a new
 * one, which replaces the stored session.
 */
export async function changePassword(oldPassword: string, newPassword: string): Promise<void> {
  let t: TokenAnswer
  try {
    t = await request<TokenAnswer>('/me/password', { method: 'POST', body: { old_password: oldPassword, new_password: newPassword } })
  } catch (err) {
    passwordError(err)
  }
  await saveSession(sessionFromTokens(t))
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
  let t: LoginAnswer
  try {
    t = await request<LoginAnswer>('/auth/login', { method: 'POST', body: { username, password }, auth: false })
  } catch (err) {
    if (err instanceof OfflineError) throw new LoginError('当前无网络。首次登录需要联网，之后可离线使用')
    if (err instanceof ApiError && err.status === 401 && err.serverMessage.includes('停用')) throw new LoginError('账号已停用，请联系管理员')
    if (err instanceof ApiError && err.status === 401) throw new LoginError('用户名或密码错误')
    if (err instanceof ApiError && err.code === 'rate_limited') throw new LoginError('尝试次数过多，请稍后再试')
    throw err
  }
  if (t.must_change_password) {
    pendingChange.value = { username, oneTime: password, access: t.access_token }
    return t.user
  }
  return startSession(t)
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
