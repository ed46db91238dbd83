// 名录库 at the desk: the upload helper (XMLHttpRequest, for the progress
// bar) carries the bearer token and refreshes it on 401 as fetch requests
// do, reports progress, turns a 422 into its row errors; and the screen's
// Chinese labels and values.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { upload } from '../src/api/http'
import { ApiError, OfflineError } from '../src/api/errors'
import { getSession } from '../src/db/meta'
import { checkFile, fieldLabel, importFile, rowErrors, summary, valueText, type DirectoryPreview } from '../src/views/office/directory'
import { signIn } from './fixtures'

afterEach(() => vi.unstubAllGlobals())

interface Answer {
  status: number
  body?: unknown
  /** no answer at all: the network failed */
  fail?: boolean
}

/** A stand-in for XMLHttpRequest that answers from a script and records each request. */
function fakeXHR(answer: (req: { url: string; headers: Record<string, string> }) => Answer) {
  const seen: { url: string; headers: Record<string, string>; body: unknown }[] = []
  class FakeXHR {
    upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null } = { onprogress: null }
    onload: (() => void) | null = null
    onerror: (() => void) | null = null
    onabort: (() => void) | null = null
    status = 0
    statusText = ''
    responseText = ''
    private url = ''
    private headers: Record<string, string> = {}
    open(_method: string, url: string) {
      this.url = url
    }
    setRequestHeader(k: string, v: string) {
      this.headers[k] = v
    }
    abort() {
      this.onabort?.()
    }
    send(body: unknown) {
      seen.push({ url: this.url, headers: { ...this.headers }, body })
      const a = answer({ url: this.url, headers: this.headers })
      queueMicrotask(() => {
        this.upload.onprogress?.({ loaded: 50, total: 100, lengthComputable: true })
        this.upload.onprogress?.({ loaded: 100, total: 100, lengthComputable: true })
        if (a.fail) return this.onerror?.()
        this.status = a.status
        this.responseText = a.body === undefined ? '' : JSON.stringify(a.body)
        this.onload?.()
      })
    }
  }
  vi.stubGlobal('XMLHttpRequest', FakeXHR)
  return seen
}

const PREVIEW: DirectoryPreview = { created: 2, updated: 1, unchanged: 7, dry_run: true, absent: 3, added: [], changed: [], absent_rows: [] }

describe('upload', () => {
  it('sends the bearer token and reports progress', async () => {
    await signIn()
    const seen = fakeXHR(() => ({ status: 200, body: PREVIEW }))
    const steps: number[] = []
    const file = new File(['uscc,name\n'], '名录.csv', { type: 'text/csv' })
    const got = await importFile('entities', file, true, (f) => steps.push(f))
    expect(got).toEqual(PREVIEW)
    expect(seen).toHaveLength(1)
    expect(seen[0].url).toBe('/api/v1/entities/import?dry_run=1')
    expect(seen[0].headers.Authorization).toBe('Bearer a')
    expect(seen[0].body).toBeInstanceOf(FormData)
    expect((seen[0].body as FormData).get('file')).toBeInstanceOf(File)
    expect(steps).toEqual([0.5, 1])
  })

  it('refreshes the token once on 401 and sends again with the new one', async () => {
    await signIn()
    vi.stubGlobal('fetch', async (url: string) => {
      expect(url).toBe('/api/v1/auth/refresh')
      return new Response(JSON.stringify({ access_token: 'a2', refresh_token: 'r2', expires_in: 900, user: { id: 'u-insp1' } }), { status: 200 })
    })
    const seen = fakeXHR(({ headers }) => (headers.Authorization === 'Bearer a2' ? { status: 200, body: PREVIEW } : { status: 401, body: { code: 'unauthorized', message: 'access token expired' } }))
    expect(await upload('/inspectors/import', new FormData())).toEqual(PREVIEW)
    expect(seen.map((s) => s.headers.Authorization)).toEqual(['Bearer a', 'Bearer a2'])
    expect((await getSession())?.access_token).toBe('a2')
  })

  it('turns a 422 into the row errors, and no answer into OfflineError', async () => {
    await signIn()
    const details = [{ row: 3, column: 'dept', message: '未知的部门代码 xyz' }]
    fakeXHR(() => ({ status: 422, body: { code: 'unprocessable', message: '人员.csv 有 1 处错误，未导入任何内容', details } }))
    const err = await upload('/inspectors/import', new FormData()).catch((e) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(rowErrors(err)).toEqual(details)
    fakeXHR(() => ({ status: 0, fail: true }))
    expect(await upload('/inspectors/import', new FormData()).catch((e) => e)).toBeInstanceOf(OfflineError)
  })
})

describe('the screen in Chinese', () => {
  it('names the columns and shows values with names', () => {
    expect(fieldLabel('entities', 'uscc')).toBe('统一社会信用代码')
    expect(fieldLabel('entities', 'risk')).toBe('信用风险分类')
    expect(fieldLabel('entities', 'region')).toBe('所属区划')
    expect(fieldLabel('inspectors', 'cert_no')).toBe('执法证号')
    expect(fieldLabel('inspectors', 'specialities')).toBe('专业领域')
    expect(fieldLabel('conflicts', 'reason')).toBe('回避原因')
    expect(fieldLabel('entities', '')).toBe('—')
    expect(fieldLabel('entities', 'colour')).toBe('colour') // a misspelt header, as written
    const names = { regions: new Map([['621002', '西峰区']]), depts: new Map([['scjg', '市市场监管局']]) }
    expect(valueText('region', '621002', names)).toBe('西峰区（621002）')
    expect(valueText('dept', 'scjg', names)).toBe('市市场监管局')
    expect(valueText('specialities', '食品安全|计量', names)).toBe('食品安全、计量')
    expect(valueText('address', '', names)).toBe('（空）')
  })

  it('sums up a preview and refuses a wrong file before sending it', () => {
    expect(summary('entities', PREVIEW)).toBe('新增 2 户，变更 1 户，不变 7 户，文件中未列出 3 户')
    expect(summary('inspectors', { ...PREVIEW, dry_run: false })).toBe('新增 2 名，变更 1 名，不变 7 名')
    expect(checkFile({ name: '名录.pdf', size: 10 })).toContain('CSV、TSV 或 Excel')
    expect(checkFile({ name: '名录.xlsx', size: 0 })).toBe('所选文件是空的')
    expect(checkFile({ name: '名录.csv', size: 300 << 20 })).toContain('200 MB')
    expect(checkFile({ name: '名录.TSV', size: 10 })).toBe('')
  })
})
