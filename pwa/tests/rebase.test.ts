import { describe, expect, it } from 'vitest'
import { db } from '../src/db/index'
import { recordFates } from '../src/db/outbox'
import { issueNotice, setItem, setOutcome } from '../src/sync/actions'
import { VISIT_ID, pullPage, resultChange, signIn, visitChange } from './fixtures'

describe('rebasing pending mutations on a pull', () => {
  it('shows the pending value on top of a newer server value, keeping the server copy as base', async () => {
    await signIn()
    await pullPage({ cursor: 1, last_seq: 0, changes: [visitChange(), resultChange('i-1', '符合', 1)] })
    await setItem(VISIT_ID, 'i-1', { value: '不符合', note: '许可证过期', photos: [] })
    // A teammate's edit arrives while ours is still unsent.
    await pullPage({ cursor: 2, last_seq: 0, changes: [resultChange('i-1', '不涉及', 2)] })
    const row = await db.results.get('i-1')
    expect(row?.value).toBe('不符合')
    expect(row?.note).toBe('许可证过期')
    expect(row?._base?.value).toBe('不涉及')
    expect(row?._base?.version).toBe(2)
    expect(row?._dirty).toBe(1)
    // The mutation itself still says what it was based on when it was made.
    expect((await db.outbox.get(1))?.args.base_version).toBe(1)
  })

  it('drops a mutation the server has applied (last_seq covers it) and shows the server state', async () => {
    await signIn()
    await pullPage({ cursor: 1, last_seq: 0, changes: [visitChange()] })
    await setItem(VISIT_ID, 'i-1', { value: '不符合', note: '', photos: [] })
    await recordFates([{ seq: 1, status: 'applied' }], 1, 'now')
    // The server's value differs from ours (it settled otherwise): the server wins.
    await pullPage({ cursor: 2, last_seq: 1, changes: [resultChange('i-1', '符合', 3, 'u-insp1')] })
    const row = await db.results.get('i-1')
    expect(row?.value).toBe('符合')
    expect(row?._dirty).toBe(0)
  })

  it('re-applies pending mutations in number order', async () => {
    await signIn()
    await pullPage({ cursor: 1, last_seq: 0, changes: [visitChange()] })
    await setItem(VISIT_ID, 'i-2', { value: '符合', note: '', photos: [] })
    await setItem(VISIT_ID, 'i-2', { value: '不符合', note: '第二次', photos: [] })
    await pullPage({ cursor: 2, last_seq: 0, changes: [] })
    expect((await db.results.get('i-2'))?.value).toBe('不符合')
    // After the first is applied, the second still shows.
    await pullPage({ cursor: 3, last_seq: 1, changes: [resultChange('i-2', '符合', 1, 'u-insp1')] })
    const row = await db.results.get('i-2')
    expect(row?.value).toBe('不符合')
    expect(row?.note).toBe('第二次')
  })

  it('reverts a rejected mutation to the server value, or removes a row only it had made', async () => {
    await signIn()
    await pullPage({ cursor: 1, last_seq: 0, changes: [visitChange(), resultChange('i-1', '符合', 1)] })
    await setItem(VISIT_ID, 'i-1', { value: '不符合', note: '', photos: [] })
    await setOutcome(VISIT_ID, 'scjg', ['发现问题待后续处理'], '')
    expect((await db.outcomes.get(`${VISIT_ID}:scjg`))?.categories).toEqual(['发现问题待后续处理'])
    await recordFates(
      [
        { seq: 1, status: 'rejected', reason: 'visit is complete' },
        { seq: 2, status: 'rejected', reason: 'visit is complete' },
      ],
      2,
      'now',
    )
    await pullPage({ cursor: 2, last_seq: 2, changes: [] })
    expect((await db.results.get('i-1'))?.value).toBe('符合')
    expect(await db.outcomes.get(`${VISIT_ID}:scjg`)).toBeUndefined()
  })

  it('marks a mutation rejected when the pull carries its rejection', async () => {
    await signIn()
    await pullPage({ cursor: 1, last_seq: 0, changes: [visitChange()] })
    const e = await setItem(VISIT_ID, 'i-3', { value: '符合', note: '', photos: [] })
    await pullPage({
      cursor: 2,
      last_seq: 1,
      changes: [{ kind: 'rejection', op: 'put', id: e.id, data: { mutation_id: e.id, seq: 1, name: 'item.set', reason: '不属于本部门', at: 'x' } }],
    })
    const out = await db.outbox.get(1)
    expect(out?.state).toBe('rejected')
    expect(out?.reason).toBe('不属于本部门')
    expect(await db.results.get('i-3')).toBeUndefined()
  })

  it('keeps a notice made offline through a bootstrap pull that does not know it yet', async () => {
    await signIn()
    await pullPage({ cursor: 5, last_seq: 0, changes: [visitChange(), resultChange('i-9', '符合', 1)] })
    const id = await issueNotice({
      visitId: VISIT_ID,
      dept: 'scjg',
      short: '庆市监',
      items: ['i-2'],
      problems: '健康证过期',
      legalBasis: '《食品安全法》第四十五条',
      deadline: '2024-06-18',
    })
    // The server's log was restored: a bootstrap replaces everything.
    await pullPage({ cursor: 3, last_seq: 0, changes: [visitChange()], bootstrap: true })
    expect(await db.results.get('i-9')).toBeUndefined()
    const n = await db.notices.get(id)
    expect(n?.problems).toBe('健康证过期')
    expect(n?._base).toBeNull()
  })

  it('removes a visit the user was taken off, with its records', async () => {
    await signIn()
    await pullPage({ cursor: 1, last_seq: 0, changes: [visitChange(), resultChange('i-1', '符合', 1)] })
    await pullPage({ cursor: 2, last_seq: 0, changes: [{ kind: 'visit', op: 'remove', id: VISIT_ID, data: {} }] })
    expect(await db.visits.get(VISIT_ID)).toBeUndefined()
    expect(await db.results.get('i-1')).toBeUndefined()
  })
})
