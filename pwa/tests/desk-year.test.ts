// What the desk-year walk found: the trail showed the server's automatic
// completion with the mutation's English name (…（由signature.add触发）).
import { describe, expect, it } from 'vitest'
import { reasonText } from '../src/views/office/trail'

describe('reasonText', () => {
  it('names the mutation that triggered the automatic completion in Chinese', () => {
    expect(reasonText('各部门均已检查完毕，现场记录齐全，服务器自动完成（由signature.add触发）')).toBe(
      '各部门均已检查完毕，现场记录齐全，服务器自动完成（由“签名”触发）',
    )
    expect(reasonText('服务器自动完成（由dept.finish触发）')).toBe('服务器自动完成（由“部门录入完成”触发）')
    expect(reasonText('服务器自动完成（由visit.checkin触发）')).toMatch(/^[^a-z]+$/)
  })
  it('keeps other reasons as they are, and an absent one empty', () => {
    expect(reasonText('手机丢失')).toBe('手机丢失')
    expect(reasonText(undefined)).toBe('')
    expect(reasonText('（由unknown.thing触发）')).toBe('（由unknown.thing触发）')
  })
})
