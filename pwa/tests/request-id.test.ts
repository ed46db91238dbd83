// The server's request id reaches the error details of a server failure
// (issue 13): the user reads it out, the IT department finds the log line.
import { describe, expect, it } from 'vitest'
import { ApiError, errorText, hasLatinWords } from '../src/api/errors'

describe('the request id in error details', () => {
  it('is shown with a server failure', () => {
    const err = new ApiError(500, 'internal', 'internal error', { code: 'internal', message: 'internal error', request_id: '4821-0937-5526-1180' })
    expect(err.requestId).toBe('4821-0937-5526-1180')
    expect(errorText(err)).toBe('服务器内部错误，请稍后再试（请求编号 4821-0937-5526-1180）')
    expect(hasLatinWords(errorText(err))).toBe(false)
  })

  it('is not shown with a refusal the user can act on', () => {
    const err = new ApiError(400, 'invalid', '请求体为空，须为一个 JSON 对象', { request_id: '4821-0937-5526-1180' })
    expect(errorText(err)).not.toContain('请求编号')
  })

  it('is left out when a proxy made it of letters, and when there is none', () => {
    expect(errorText(new ApiError(502, 'internal', '', { request_id: 'deadbeefcafe0123' }))).toBe('服务器内部错误，请稍后再试')
    expect(errorText(new ApiError(503, 'internal', ''))).toBe('服务器内部错误，请稍后再试')
  })
})
