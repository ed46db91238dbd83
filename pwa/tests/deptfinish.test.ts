// 本部门检查完毕 and signatures through the outbox and the rebase: the phone
// shows a department's finish as 待同步 until the server's dept_finish
// change arrives; visit.complete never marks a visit complete on the phone.
import { beforeEach, describe, expect, it } from 'vitest'
import { db } from '../src/db/index'
import { completeVisit } from '../src/sync/actions'
import { finishDept, restPass, signEntity, signInspector } from '../src/visit/actions'
import { deptStateOf } from '../src/visit/progress'
import { VISIT_ID, pullPage, signIn, visitChange } from './fixtures'

beforeEach(async () => {
  await signIn()
  await pullPage({ cursor: 1, last_seq: 0, changes: [visitChange()], bootstrap: true })
})

describe('本部门检查完毕 on the phone', () => {
  it('is 待同步 until the server sends the dept_finish change, then finished', async () => {
    await finishDept(VISIT_ID, 'scjg')
    let row = await db.dept_finishes.get(`${VISIT_ID}:scjg`)
    expect(row).toMatchObject({ dept: 'scjg', user_name: '张三', channel: 'mobile' })
    expect(deptStateOf(row, { done: 2 })).toBe('finish_pending')
    expect((await db.outbox.toArray()).map((e) => [e.name, e.args])).toEqual([['dept.finish', { visit_id: VISIT_ID, dept: 'scjg' }]])

    // A pull before the server applied it: still pending (rebased on top).
    await pullPage({ cursor: 2, last_seq: 0, changes: [] })
    row = await db.dept_finishes.get(`${VISIT_ID}:scjg`)
    expect(deptStateOf(row, { done: 2 })).toBe('finish_pending')

    // The server applied it and sent the change.
    await pullPage({
      cursor: 3,
      last_seq: 1,
      changes: [
        {
          kind: 'dept_finish',
          op: 'put',
          id: `${VISIT_ID}:scjg`,
          data: { visit_id: VISIT_ID, dept: 'scjg', user_id: 'u-insp1', user_name: '张三', at: '2024-06-03T11:00:00+08:00', client_id: 'c', channel: 'mobile' },
        },
      ],
    })
    row = await db.dept_finishes.get(`${VISIT_ID}:scjg`)
    expect(deptStateOf(row, { done: 2 })).toBe('finished')
  })

  it('goes away again when the server rejects it', async () => {
    const e = await finishDept(VISIT_ID, 'scjg')
    await pullPage({
      cursor: 2,
      last_seq: 1,
      changes: [{ kind: 'rejection', op: 'put', id: e.id, data: { mutation_id: e.id, seq: 1, name: 'dept.finish', reason: '市市场监管局尚未确认检查结果', at: '' } }],
    })
    expect(await db.dept_finishes.get(`${VISIT_ID}:scjg`)).toBeUndefined()
    expect((await db.outbox.get(1))?.state).toBe('rejected')
  })

  it('never marks the visit complete on the phone', async () => {
    await completeVisit(VISIT_ID)
    expect((await db.visits.get(VISIT_ID))?.status).toBe('open')
    await pullPage({ cursor: 2, last_seq: 1, changes: [{ ...visitChange(), data: { ...(visitChange().data as object), status: 'complete' } }] })
    expect((await db.visits.get(VISIT_ID))?.status).toBe('complete')
  })
})

describe('其余全部符合 and signatures', () => {
  it('sets only the unanswered points, one mutation each', async () => {
    const visit = (await db.visits.get(VISIT_ID))!
    const mine = visit.checklist.filter((i) => i.dept === 'scjg')
    const n = await restPass(VISIT_ID, mine, { 'i-1': { value: '不符合', note: '' } })
    expect(n).toBe(1)
    expect((await db.results.toArray()).map((r) => [r.item_id, r.value])).toEqual([['i-2', '符合']])
    expect((await db.outbox.toArray()).map((e) => e.name)).toEqual(['item.set'])
  })

  it('stores a teammate’s signature with dept and signer_id, and the entity’s with role and 以上情况属实', async () => {
    const visit = (await db.visits.get(VISIT_ID))!
    const teammate = { ...visit.team.find((m) => m.user_id === 'u-insp2')!, cert_no: '62621002-insp2' }
    await db.visits.update(VISIT_ID, { team: visit.team.map((m) => (m.user_id === 'u-insp2' ? teammate : m)) })
    await signInspector(VISIT_ID, 'scjg', teammate, 'a'.repeat(64))
    await signEntity(VISIT_ID, { name: ' 王经理 ', role: '负责人', phone: '13800000000' }, 'b'.repeat(64))
    const out = await db.outbox.orderBy('seq').toArray()
    expect(out[0].args).toMatchObject({ kind: 'inspector', dept: 'scjg', signer_id: 'u-insp2', signer: '李四' })
    expect(out[1].args).toMatchObject({ kind: 'entity', signer: '王经理', role: '负责人', phone: '13800000000', confirmed: true })
    const sigs = await db.signatures.toArray()
    expect(sigs.find((s) => s.kind === 'inspector')).toMatchObject({ signer_id: 'u-insp2', cert_no: '62621002-insp2', user_id: 'u-insp1' })
  })
})
