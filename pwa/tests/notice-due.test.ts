import { describe, expect, it } from 'vitest'
import type { Followup, Notice } from '../src/db/types'
import { dueText, isDue, localFollowups } from '../src/notice/due'

function notice(id: string, extra: Partial<Notice>): Notice {
  return {
    id,
    visit_id: 'v-1',
    dept: 'scjg',
    year: 2024,
    number: 1,
    number_text: `庆市监责改〔2024〕${id}号`,
    provisional: '',
    items: ['i-1'],
    problems: '1. 未公示许可证',
    legal_basis: '《中华人民共和国食品安全法》第三十五条第一款',
    deadline: '2024-10-10',
    issued_at: '2024-09-27T02:00:00.000Z',
    user_id: 'u-1',
    served_at: null,
    served_to: '',
    served_sig: '',
    status: 'issued',
    days: 5,
    voided_at: null,
    ...extra,
  }
}

const visits = [{ id: 'v-1', entity: { id: 'e-1', name: '好味道餐馆' } }]

describe('the 复查 due list on the phone', () => {
  it('holds live notices not yet followed up whose deadline passed or comes within 3 days', () => {
    expect(isDue(notice('1', { deadline: '2024-10-10' }), '2024-10-07')).toBe(true)
    expect(isDue(notice('1', { deadline: '2024-10-11' }), '2024-10-07')).toBe(false)
    expect(isDue(notice('1', { deadline: '2024-10-01', voided_at: '2024-09-28T00:00:00Z' }), '2024-10-07')).toBe(false)
    expect(isDue(notice('1', { deadline: '2024-10-01', status: 'corrected' }), '2024-10-07')).toBe(false)
    expect(isDue(notice('1', { deadline: '2024-10-01', status: 'served' }), '2024-10-07')).toBe(true)
  })

  it('lists the department’s own, nearest deadline first, with working days left on the holiday calendar', () => {
    const notices = [
      notice('3', { deadline: '2024-10-12' }),
      notice('1', { deadline: '2024-09-30' }),
      notice('2', { deadline: '2024-10-01', dept: 'wjw' }),
      notice('4', { deadline: '2024-09-30', voided_at: '2024-09-28T00:00:00Z' }),
    ]
    const rows = localFollowups('due', { notices, followups: [], visits }, 'scjg', '2024-10-09')
    expect(rows.map((r) => r.noticeId)).toEqual(['1', '3'])
    // From 9 October back to 30 September: 8 and 9 October are working days, 1–7 October are 国庆.
    expect(rows[0].daysLeft).toBe(-2)
    expect(dueText(rows[0].daysLeft)).toBe('已逾期 2 个工作日')
    // 10, 11 and 12 October (a 调休 Saturday): three working days ahead.
    expect(rows[1].daysLeft).toBe(3)
    expect(rows[0].entityName).toBe('好味道餐馆')
  })

  it('lists the followed-up ones newest first, with their result', () => {
    const notices = [notice('1', { status: 'corrected' }), notice('2', { status: 'not_corrected' }), notice('3', {})]
    const followups: Followup[] = [
      { id: 'f1', notice_id: '1', visit_id: 'v-1', corrected: true, action: '', penalty: 0, note: '', user_id: 'u', at: '2024-10-11T02:00:00Z' },
      { id: 'f2', notice_id: '2', visit_id: 'v-1', corrected: false, action: '立案', penalty: 0, note: '未整改', user_id: 'u', at: '2024-10-12T02:00:00Z' },
    ]
    const rows = localFollowups('done', { notices, followups, visits }, 'scjg', '2024-10-14')
    expect(rows.map((r) => [r.noticeId, r.result?.corrected, r.result?.action])).toEqual([
      ['2', false, '立案'],
      ['1', true, ''],
    ])
    expect(dueText(0)).toBe('今天到期')
    expect(dueText(4)).toBe('还剩 4 个工作日')
  })
})
