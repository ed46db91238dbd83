// The phone's local effect of notice.issue and notice.void (R11): the
// authority and inspectors filled from the visit record as the server does,
// one live notice per department per visit, and a void that keeps the number.
import { describe, expect, it } from 'vitest'
import { db } from '../src/db/index'
import { issueNotice, voidNotice } from '../src/sync/actions'
import { VISIT_ID, pullPage, signIn, visitChange } from './fixtures'

function visitWithAuthority() {
  const v = visitChange()
  const d = v.data as Record<string, unknown>
  d.departments = [
    { code: 'scjg', name: '市市场监管局', short: '庆市监', kind: 'member', authority: '庆阳市市场监督管理局' },
    { code: 'wjw', name: '市卫生健康委', short: '庆卫健', kind: 'member', authority: '庆阳市卫生健康委员会' },
  ]
  d.team = [
    { user_id: 'u-insp1', name: '张三', dept: 'scjg', cert_no: '62621002-insp1', active: true },
    { user_id: 'u-insp2', name: '李四', dept: 'scjg', cert_no: '62621002-insp2', active: true },
    { user_id: 'u-old', name: '赵六', dept: 'scjg', cert_no: '62621002-old', active: false },
    { user_id: 'u-insp3', name: '王五', dept: 'wjw', cert_no: '62621002-insp3', active: true },
  ]
  return v
}

const input = {
  visitId: VISIT_ID,
  dept: 'scjg',
  short: '庆市监',
  items: ['i-2'],
  problems: '1. 两名厨师健康证明已过期',
  legalBasis: '《中华人民共和国食品安全法》第四十五条第二款',
  deadline: '2024-06-18',
  days: 10,
}

describe('notice.issue on the phone', () => {
  it('fills the authority’s full name and the department’s active inspectors with 执法证号, and the days', async () => {
    await signIn()
    await pullPage({ cursor: 1, last_seq: 0, changes: [visitWithAuthority()] })
    const id = await issueNotice(input)
    const n = await db.notices.get(id)
    expect(n?.authority).toBe('庆阳市市场监督管理局')
    expect(n?.inspectors).toEqual([
      { user_id: 'u-insp1', name: '张三', cert_no: '62621002-insp1' },
      { user_id: 'u-insp2', name: '李四', cert_no: '62621002-insp2' },
    ])
    expect(n?.days).toBe(10)
    expect(n?.voided_at).toBeNull()
    const [sent] = await db.outbox.toArray()
    expect(sent.args.days).toBe(10)
    expect(sent.args).not.toHaveProperty('authority')
  })

  it('shows no second live notice of the same department on the visit, as the server rejects it', async () => {
    await signIn()
    await pullPage({ cursor: 1, last_seq: 0, changes: [visitWithAuthority()] })
    const first = await issueNotice(input)
    const second = await issueNotice(input)
    expect(await db.notices.get(second)).toBeUndefined()
    // Another department keeps its own notice.
    const wjw = await issueNotice({ ...input, dept: 'wjw', short: '庆卫健', items: ['i-3'] })
    expect((await db.notices.get(wjw))?.authority).toBe('庆阳市卫生健康委员会')
    expect((await db.notices.get(first))?.voided_at).toBeNull()
  })

  it('voids with a reason, keeps the number, and lets the department issue again', async () => {
    await signIn()
    await pullPage({ cursor: 1, last_seq: 0, changes: [visitWithAuthority()] })
    const first = await issueNotice(input)
    await voidNotice(VISIT_ID, first, '问题描述有误，重新开具')
    const voided = await db.notices.get(first)
    expect(voided?.voided_at).toBeTruthy()
    expect(voided?.voided_by).toBe('u-insp1')
    expect(voided?.void_reason).toBe('问题描述有误，重新开具')
    const again = await issueNotice(input)
    expect((await db.notices.get(again))?.voided_at).toBeNull()
    const sent = (await db.outbox.orderBy('seq').toArray()).map((e) => [e.name, e.args.reason ?? ''])
    expect(sent).toEqual([
      ['notice.issue', ''],
      ['notice.void', '问题描述有误，重新开具'],
      ['notice.issue', ''],
    ])
  })

  it('does not void a notice already followed up', async () => {
    await signIn()
    await pullPage({ cursor: 1, last_seq: 0, changes: [visitWithAuthority()] })
    const id = await issueNotice(input)
    await db.notices.update(id, { status: 'corrected' })
    await voidNotice(VISIT_ID, id, '作废')
    expect((await db.notices.get(id))?.voided_at).toBeNull()
  })
})
