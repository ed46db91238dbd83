// Error answers in Chinese: no English server message and no id ever
// reaches a screen (issue 10, item 8).
import { describe, expect, it } from 'vitest'
import { ApiError, OfflineError, chineseMessage, errorText, hasLatinWords, stripIds, userReason } from '../src/api/errors'

const UUID = '0190c3a2-7d1e-7c3a-9f1e-3b2a1c0d9e8f'
const SHA = 'a'.repeat(64)
const onScreen = (s: string) => {
  expect(s).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/i)
  expect(hasLatinWords(s), s).toBe(false)
}

describe('errorText', () => {
  it('translates known English messages of the server', () => {
    const cases: [ApiError, string][] = [
      [new ApiError(403, 'forbidden', `task ${UUID} is outside your department or region`), '没有权限进行此操作：不在你的部门或辖区范围内'],
      [new ApiError(404, 'not_found', `visit ${UUID} not found`), '找不到该记录：找不到这户的检查'],
      [new ApiError(401, 'unauthorized', 'refresh token expired; sign in again'), '登录已失效，请重新登录'],
      [new ApiError(400, 'invalid', 'the new inspector is not on duty (不在岗)'), '提交的内容不符合要求：新检查人员不在岗'],
      [new ApiError(413, 'too_large', 'a photo may have at most 10485760 bytes (10 MB): resize it on the phone'), '文件过大：照片过大，请重新拍摄或压缩后再试'],
    ]
    for (const [err, want] of cases) {
      expect(errorText(err)).toBe(want)
      onScreen(errorText(err))
    }
  })

  it('keeps a Chinese message without its ids, and drops English field names from it', () => {
    expect(errorText(new ApiError(400, 'invalid', `找不到检查 ${UUID}`))).toBe('提交的内容不符合要求：找不到检查')
    expect(errorText(new ApiError(400, 'invalid', '同步数据格式错误：mutations[3].seq 为 5，应为 4（序号须逐一递增）'))).toBe(
      '提交的内容不符合要求：同步数据格式错误',
    )
  })

  it('falls back to the code in Chinese, never the English message', () => {
    const err = new ApiError(400, 'invalid', `multipart field "file" is missing for ${UUID}`)
    expect(errorText(err)).toBe('提交的内容不符合要求')
    expect(errorText(new ApiError(418, 'teapot', "I'm a teapot"))).toBe('请求未成功（服务器返回 418 错误）')
    expect(errorText(new ApiError(502, 'internal', 'Bad Gateway'))).toBe('服务器内部错误，请稍后再试')
    expect(errorText(new ApiError(503, 'weird', 'Service Unavailable'))).toBe('服务器暂时无法使用')
    expect(errorText(new OfflineError())).toBe('当前离线，已保存在本机，联网后自动同步')
    expect(errorText(new Error('boom'))).toBe('操作失败，请重试')
  })
})

describe('userReason (a rejected mutation, as the phone lists it)', () => {
  it('keeps the server’s Chinese reason without ids', () => {
    expect(userReason(`该签到已记录过（${UUID}）`)).toBe('该签到已记录过')
    expect(userReason(`检查事项“${UUID}”不在本次检查的检查单中`)).toBe('检查事项不在本次检查的检查单中')
    expect(userReason('市住建局本次检查不在你的范围内')).toBe('市住建局本次检查不在你的范围内')
    expect(userReason('应用的数据格式版本（schema_version 2）与服务器（1）不一致，请更新应用')).toBe('应用的数据格式版本与服务器（1）不一致，请更新应用')
  })
  it('says something Chinese for an English reason', () => {
    expect(userReason('item.set not in this fake')).toBe('服务器未接受这条记录')
    expect(userReason(`photo ${SHA} missing`)).toBe('服务器未接受这条记录')
    expect(userReason('')).toBe('')
  })
})

describe('helpers', () => {
  it('finds English words but allows the abbreviations a notice uses', () => {
    expect(hasLatinWords('统一社会信用代码（USCC）与 GPS 定位')).toBe(false)
    expect(hasLatinWords('internal error')).toBe(true)
  })
  it('strips UUIDs and hashes', () => {
    expect(stripIds(`照片 ${SHA} 未上传`)).toBe('照片未上传')
    expect(chineseMessage(`冲突 ${UUID} 不属于本次检查`)).toBe('冲突不属于本次检查')
  })
})
