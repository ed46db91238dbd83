// Reading a conflict for the screens: 先提交 / 后提交 with the real times,
// names (never ids), and the lead's decision as every phone shows it.
import { describe as group, expect, it } from 'vitest'
import type { Conflict, TeamMember } from '../src/db/types'
import { describe, keptSide, nameOf, order, settledText, timeOf, whenText } from '../src/sync/conflicts'

const TEAM: TeamMember[] = [
  { user_id: 'u1', name: '张检查', dept: 'scjg' },
  { user_id: 'u2', name: '刘检查', dept: 'scjg' },
]

function conflict(p: Partial<Conflict> = {}): Conflict {
  return {
    id: 'c1',
    visit_id: 'v1',
    kind: 'item_result',
    target: 'i1',
    dept: 'scjg',
    server_value: { value: '符合', note: '', photos: [] },
    server_user: 'u1',
    server_at: '2024-06-03T02:10:00.000Z',
    server_version: 1,
    client_value: JSON.stringify({ value: '不符合', note: '健康证过期', photos: ['a', 'b'] }),
    client_user: 'u2',
    client_at: '2024-06-03T02:12:30.000Z',
    mutation_id: 'm1',
    status: 'open',
    ...p,
  }
}

group('conflict records on screen', () => {
  it('says the values in words, with the note and the photos', () => {
    expect(describe(conflict().client_value)).toEqual({ main: '不符合', note: '健康证过期', photos: 2 })
    expect(describe({ categories: ['发现问题待后续处理'], note: '' }).main).toBe('发现问题待后续处理')
  })

  it('labels the server’s value 先提交, whatever the clocks say: it reached the server first', () => {
    expect(order(conflict())).toEqual({ first: 'server', second: 'client' })
    // Typed offline before the other arrived, submitted after it.
    expect(order(conflict({ client_at: '2024-06-03T02:05:00.000Z' }))).toEqual({ first: 'server', second: 'client' })
    expect(timeOf(conflict(), 'server')).toEqual({ at: '2024-06-03T02:10:00.000Z', label: '提交于' })
    expect(timeOf(conflict(), 'client')).toEqual({ at: '2024-06-03T02:12:30.000Z', label: '填写于' })
  })

  it('names authors from the record, else from the team, never by id', () => {
    expect(nameOf(conflict(), 'client', TEAM)).toBe('刘检查')
    expect(nameOf(conflict({ server_user_name: '张检查' }), 'server')).toBe('张检查')
    expect(nameOf(conflict({ client_user: '0190c3a2-7d1e-7c3a-9f1e-3b2a1c0d9e8f' }), 'client', TEAM)).toBe('另一位检查人员')
  })

  it('tells every phone which value the lead kept and whose it was', () => {
    const c = conflict({ status: 'settled', settled_value: { value: '不符合', note: '健康证过期', photos: ['b', 'a'] }, settled_by_name: '李组长' })
    expect(keptSide(c)).toBe('client')
    expect(settledText(c, TEAM)).toBe('组长已裁定：采用不符合（刘检查的结果）')
    const kept = conflict({ status: 'settled', settled_value: { value: '符合', note: '', photos: [] }, server_user_name: '张检查' })
    expect(settledText(kept, TEAM)).toBe('组长已裁定：采用符合（张检查的结果）')
    expect(keptSide(conflict())).toBeNull()
  })

  it('writes times to the second, in China time', () => {
    expect(whenText('2024-06-03T02:12:30.000Z')).toBe('2024年6月3日 10:12:30')
    expect(whenText('')).toBe('')
  })
})
