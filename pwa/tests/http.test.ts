import { afterEach, describe, expect, it, vi } from 'vitest'
import { request, onSessionExpired } from '../src/api/http'
import { ApiError, OfflineError, errorText } from '../src/api/errors'
import { getSession } from '../src/db/meta'
import { signIn } from './fixtures'

afterEach(() => vi.unstubAllGlobals())

const json = (status: number, v: unknown) => new Response(JSON.stringify(v), { status })

describe('requests with tokens', () => {
  it('refreshes on 401 once, stores the new pair and retries with it', async () => {
    await signIn()
    const seen: string[] = []
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      const auth = (init.headers as Record<string, string>).Authorization ?? ''
      seen.push(`${url} ${auth}`)
      if (url.endsWith('/auth/refresh')) {
        expect(JSON.parse(String(init.body))).toEqual({ refresh_token: 'r' })
        return json(200, { access_token: 'a2', refresh_token: 'r2', expires_in: 900, user: { id: 'u-insp1' } })
      }
      return auth === 'Bearer a2' ? json(200, { ok: true }) : json(401, { code: 'unauthorized', message: 'expired' })
    })
    expect(await request('/me')).toEqual({ ok: true })
    expect(seen).toEqual(['/api/v1/me Bearer a', '/api/v1/auth/refresh ', '/api/v1/me Bearer a2'])
    const s = await getSession()
    expect(s?.access_token).toBe('a2')
    expect(s?.refresh_token).toBe('r2')
  })

  it('forgets the tokens and says so when the refresh token is refused', async () => {
    await signIn()
    const expired = vi.fn()
    const off = onSessionExpired(expired)
    vi.stubGlobal('fetch', async () => json(401, { code: 'unauthorized', message: 'refresh token revoked' }))
    await expect(request('/me')).rejects.toBeInstanceOf(ApiError)
    expect(expired).toHaveBeenCalledOnce()
    expect(await getSession()).toBeUndefined()
    off()
  })

  it('turns a failed fetch into OfflineError, which is not shown as an error', async () => {
    await signIn()
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch')
    })
    const err = await request('/me').catch((e) => e)
    expect(err).toBeInstanceOf(OfflineError)
  })

  it('maps every error code to Chinese', () => {
    for (const [code, text] of [
      ['invalid', '提交的内容不符合要求'],
      ['not_found', '找不到该记录'],
      ['conflict', '数据已被他人修改，请刷新后再试'],
      ['forbidden', '没有权限进行此操作'],
      ['unauthorized', '登录已失效，请重新登录'],
      ['too_large', '文件过大'],
      ['rate_limited', '操作过于频繁，请稍后再试'],
      ['sequence_gap', '同步序号不连续，正在重新发送'],
    ]) {
      expect(errorText(new ApiError(400, code, ''))).toBe(text)
    }
    expect(errorText(new ApiError(500, 'internal', 'stack trace'))).toBe('服务器内部错误，请稍后再试')
  })
})
