// The one way the app talks to the server: JSON over fetch with the bearer
// token, a refresh on 401 when online, and errors as ApiError (an answer) or
// OfflineError (no answer: normal on a phone, never a toast).
import { ApiError, OfflineError } from './errors'
import { clearSession, getSession, saveSession } from '../db/meta'
import type { Session, User } from '../db/types'

export const API_BASE = '/api/v1'

/** How long a refresh token lives when the server does not say (server/auth: 30 days). */
const REFRESH_TTL_MS = 30 * 24 * 3600 * 1000

type Listener = () => void
const expiredListeners = new Set<Listener>()

/** onSessionExpired calls fn when the server refused the refresh token: the user must sign in again. */
export function onSessionExpired(fn: Listener): () => void {
  expiredListeners.add(fn)
  return () => expiredListeners.delete(fn)
}

export interface TokenAnswer {
  access_token: string
  refresh_token: string
  expires_in: number
  refresh_expires_in?: number
  user: User
}

/** sessionFromTokens turns a login or refresh answer into the stored session. */
export function sessionFromTokens(t: TokenAnswer, now = Date.now()): Session {
  return {
    access_token: t.access_token,
    access_expires_at: now + t.expires_in * 1000,
    refresh_token: t.refresh_token,
    refresh_expires_at: now + (t.refresh_expires_in ? t.refresh_expires_in * 1000 : REFRESH_TTL_MS),
    user: t.user,
  }
}

export interface RequestOptions {
  method?: string
  body?: unknown
  /** Send the bearer token (default true). */
  auth?: boolean
  headers?: Record<string, string>
  signal?: AbortSignal
}

async function rawFetch(path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(path.startsWith('http') ? path : API_BASE + path, init)
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err
    throw new OfflineError(err)
  }
}

async function decodeError(res: Response): Promise<ApiError> {
  let body: Record<string, unknown> = {}
  try {
    body = (await res.json()) as Record<string, unknown>
  } catch {
    // not JSON: a proxy or a dev server answered
  }
  const code = typeof body.code === 'string' ? body.code : res.status >= 500 ? 'internal' : 'invalid'
  // An answer that is not ours (a proxy's 502) still has the id in its header when the request reached us.
  if (typeof body.request_id !== 'string' && res.headers.get('X-Request-ID')) body.request_id = res.headers.get('X-Request-ID')
  return new ApiError(res.status, code, typeof body.message === 'string' ? body.message : res.statusText, body)
}

/** withLock runs fn holding a Web Lock when the browser has them (one tab at a time). */
export async function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  if (typeof navigator !== 'undefined' && navigator.locks?.request) {
    return navigator.locks.request(name, async () => fn()) as Promise<T>
  }
  return fn()
}

/**
 * refreshTokens trades the refresh token for a new pair. The old refresh
 * token dies on use, so tabs take turns (Web Lock) and a tab that finds the
 * tokens already changed by another uses those.
 */
export async function refreshTokens(usedAccess: string | null): Promise<Session | null> {
  return withLock('zsc-auth', async () => {
    const s = await getSession()
    if (!s) return null
    if (usedAccess !== null && s.access_token !== usedAccess && s.access_expires_at > Date.now() + 5000) return s
    const res = await rawFetch('/auth/refresh', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refresh_token: s.refresh_token }),
    })
    if (res.status === 401 || res.status === 403 || res.status === 400) {
      await clearSession()
      expiredListeners.forEach((fn) => fn())
      return null
    }
    if (!res.ok) throw await decodeError(res)
    const next = sessionFromTokens((await res.json()) as TokenAnswer)
    await saveSession(next)
    return next
  })
}

async function accessToken(): Promise<string | null> {
  const s = await getSession()
  if (!s) return null
  if (s.access_expires_at < Date.now() + 20_000) {
    const r = await refreshTokens(s.access_token)
    return r?.access_token ?? null
  }
  return s.access_token
}

/** send makes one request and returns the Response (for blobs and custom headers); errors as in request. */
export async function send(path: string, opts: RequestOptions & { rawBody?: BodyInit } = {}): Promise<Response> {
  const auth = opts.auth ?? true
  const build = (token: string | null): RequestInit => {
    const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers }
    if (token) headers.Authorization = `Bearer ${token}`
    let body: BodyInit | undefined = opts.rawBody
    if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json'
      body = JSON.stringify(opts.body)
    }
    return { method: opts.method ?? 'GET', headers, body, signal: opts.signal }
  }
  const token = auth ? await accessToken() : null
  let res = await rawFetch(path, build(token))
  if (res.status === 401 && auth) {
    const again = await refreshTokens(token)
    if (again) res = await rawFetch(path, build(again.access_token))
  }
  if (!res.ok) throw await decodeError(res)
  return res
}

/** request sends JSON and decodes the JSON answer (undefined for 204). */
export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await send(path, opts)
  if (res.status === 204) return undefined as T
  const text = await res.text()
  return (text ? JSON.parse(text) : undefined) as T
}

export interface UploadOptions {
  /** Called as the body goes out: bytes sent and the total (fetch cannot report this, hence XMLHttpRequest). */
  onProgress?: (loaded: number, total: number) => void
  signal?: AbortSignal
}

/** One XMLHttpRequest: resolves with the status and text of any answer, OfflineError when none came. */
function xhrOnce(url: string, body: FormData, token: string | null, opts: UploadOptions): Promise<{ status: number; statusText: string; text: string }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', url.startsWith('http') ? url : API_BASE + url)
    xhr.setRequestHeader('Accept', 'application/json')
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`)
    if (opts.onProgress) {
      const report = opts.onProgress
      xhr.upload.onprogress = (e) => report(e.loaded, e.lengthComputable ? e.total : 0)
    }
    const abort = () => xhr.abort()
    opts.signal?.addEventListener('abort', abort, { once: true })
    const done = () => opts.signal?.removeEventListener('abort', abort)
    xhr.onload = () => {
      done()
      if (xhr.status === 0) return reject(new OfflineError(new Error('no answer')))
      resolve({ status: xhr.status, statusText: xhr.statusText, text: xhr.responseText })
    }
    xhr.onerror = () => {
      done()
      reject(new OfflineError(new Error('upload failed')))
    }
    xhr.onabort = () => {
      done()
      reject(new DOMException('upload aborted', 'AbortError'))
    }
    xhr.send(body)
  })
}

/**
 * upload posts a form (a file) as send does — the bearer token, one refresh
 * and retry on 401, ApiError for a refusal, OfflineError without an answer —
 * but through XMLHttpRequest, so that a large file's upload shows progress.
 * It decodes the JSON answer.
 */
export async function upload<T>(path: string, form: FormData, opts: UploadOptions = {}): Promise<T> {
  const token = await accessToken()
  let res = await xhrOnce(path, form, token, opts)
  if (res.status === 401) {
    const again = await refreshTokens(token)
    if (again) res = await xhrOnce(path, form, again.access_token, opts)
  }
  if (res.status < 200 || res.status >= 300) {
    throw await decodeError(new Response(res.text || null, { status: res.status, statusText: res.statusText }))
  }
  return (res.text ? JSON.parse(res.text) : undefined) as T
}
