// 我的任务's cards (src/visit/cards.ts): what each card shows, and the same
// object for a card that did not change when the list reads again, so that
// coming back after answers on one visit re-draws that visit's card only.
import { describe, expect, it } from 'vitest'
import type { Visit } from '../src/db/types'
import { visitCards, type CardFacts } from '../src/visit/cards'

const visit = (id: string, scheduled_on: string, status: Visit['status'] = 'open'): Visit => ({
  id,
  task_id: 't',
  scheduled_on,
  status,
  plan_name: '2024年食品经营抽查',
  entity: { id: `e-${id}`, name: `店${id}`, uscc: '', address: '西峰区' } as Visit['entity'],
  departments: ['scjg', 'wjw'],
  team: [
    { user_id: 'u1', name: '张三', dept: 'scjg' },
    { user_id: 'u2', name: '李四', dept: 'wjw' },
  ] as Visit['team'],
  checklist: [{ id: `${id}-i1`, dept: 'scjg', ord: 1, name: '健康证明' }],
})

const facts = (over: Partial<CardFacts> = {}): CardFacts => ({
  myDept: 'scjg',
  today: '2024-06-03',
  pendingByVisit: {},
  finishedOf: {},
  deptName: (c) => ({ scjg: '市市场监管局', wjw: '市卫生健康委' })[c] ?? c,
  ...over,
})

describe('我的任务 cards', () => {
  it('show what a card shows', () => {
    const cards = visitCards(undefined, [visit('a', '2024-06-01'), visit('b', '2024-06-05'), visit('c', '2024-06-02', 'complete')], facts({ pendingByVisit: { b: 3 }, finishedOf: { b: { wjw: true } } }))
    expect(cards.a).toMatchObject({ status: { text: '逾期', type: 'warning' }, pending: 0, date: '2024年6月1日', team: '张三', plan: '2024年食品经营抽查' })
    expect(cards.b).toMatchObject({ status: { text: '待检查' }, pending: 3, date: '' })
    expect(cards.b.depts).toEqual([
      { code: 'scjg', name: '市市场监管局', finished: false },
      { code: 'wjw', name: '市卫生健康委', finished: true },
    ])
    expect(cards.c.status.text).toBe('已完成')
    expect(JSON.stringify(cards)).not.toContain('健康证明')
  })

  it('keep the object of a card that did not change, from a fresh read', () => {
    const first = visitCards(undefined, [visit('a', '2024-06-05'), visit('b', '2024-06-05')], facts())
    // A fresh read (new objects), after an answer on visit b.
    const again = visitCards(first, [visit('a', '2024-06-05'), visit('b', '2024-06-05')], facts({ pendingByVisit: { b: 1 } }))
    expect(again.a).toBe(first.a)
    expect(again.b).not.toBe(first.b)
    expect(again.b.pending).toBe(1)
  })
})
