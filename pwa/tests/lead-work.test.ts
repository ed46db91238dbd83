// The lead's warning before swapping out an inspector who has work on the
// visit (src/views/lead/memberWork.ts): the work in words, and its fate.
import { describe, expect, it } from 'vitest'
import { hasWork, workFate, workLines, type MemberWork } from '../src/views/lead/memberWork'

const none: MemberWork = { user_id: 'u', name: '张检查', dept: 'scjg', checkins: 0, answered: 0, failed: 0, signatures: 0, notices: 0, outcomes: 0, finished: false }

describe('memberWork', () => {
  it('has nothing to warn about for a member who has done nothing', () => {
    expect(workLines(none)).toEqual([])
    expect(hasWork(none)).toBe(false)
    expect(hasWork(null)).toBe(false)
  })
  it('names every kind of work, 不符合 included', () => {
    const w = { ...none, checkins: 1, answered: 5, failed: 2, signatures: 1, notices: 1, outcomes: 1, finished: true }
    expect(workLines(w)).toEqual([
      '到场签到 1 次',
      '录入检查内容 5 项（其中不符合 2 项）',
      '填写检查结果 1 项',
      '签名 1 个',
      '开具责令改正通知书 1 份',
      '已确认本部门检查完毕',
    ])
    expect(hasWork(w)).toBe(true)
  })
  it('says the work stays, under the name of who did it, and who takes over', () => {
    const text = workFate({ ...none, answered: 1 }, '刘检查')
    expect(text).toContain('记在张检查名下，不会删除')
    expect(text).toContain('刘检查会收到这些记录并接着检查')
    expect(text).toContain('不计入检查结果')
    expect(workFate(none, '')).toContain('换上的人员会收到')
  })
})
