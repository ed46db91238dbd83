// The checklist's derived facts (src/visit/progress.ts) and the 检查记录表
// model (src/visit/record.ts): grouping by 事项, a 事项's result derived from
// its points, progress, what 本部门检查完毕 waits for, which rejections stay.
import { describe, expect, it } from 'vitest'
import type { ChecklistItem, OutboxEntry, Signature, TeamMember } from '../src/db/types'
import {
  completionWaits,
  deptStateOf,
  derivedResult,
  displayReason,
  finishReadiness,
  groupByMatter,
  progressOf,
  relevantRejections,
  suggestedCategories,
  unanswered,
  type Answers,
} from '../src/visit/progress'
import { buildDeptRecord, fromServerState, isLive } from '../src/visit/record'
import { normalizeVisit } from '../src/sync/changes'
import { entitySignerProblem, refusalProblem } from '../src/visit/actions'

const T = { id: 'tpl-food', version: 2 }
function point(id: string, ord: number, code: string, group: [string, string], extra: Partial<ChecklistItem> = {}): ChecklistItem {
  return {
    id,
    dept: 'scjg',
    ord,
    name: `检查内容 ${code}`,
    class: '重点检查',
    catalogue_id: 'cat-food',
    item_name: '对餐饮服务经营者日常经营行为的行政检查',
    template: T,
    group_code: group[0],
    group_name: group[1],
    code,
    key: false,
    ...extra,
  }
}
const FOOD = [
  point('p1', 1, '1.1', ['1', '经营资质'], { key: true }),
  point('p2', 2, '1.2', ['1', '经营资质']),
  point('p3', 3, '2.1', ['2', '从业人员管理'], { key: true }),
  point('p4', 4, '2.2', ['2', '从业人员管理']),
]
const PLAIN: ChecklistItem = { id: 'x1', dept: 'scjg', ord: 5, name: '对特种设备使用单位的监督检查', class: '一般检查', item_name: '对特种设备使用单位的监督检查', catalogue_id: 'cat-se', template: null }
const ITEMS = [...FOOD, PLAIN]

const a = (value: '符合' | '不符合' | '不涉及', note = '') => ({ value, note })
const MEMBERS: TeamMember[] = [
  { user_id: 'u1', name: '张三', dept: 'scjg', cert_no: '62621002-insp1', active: true },
  { user_id: 'u2', name: '李四', dept: 'scjg', cert_no: '62621002-insp2', active: true },
]
function sig(kind: Signature['kind'], extra: Partial<Signature> = {}): Signature {
  return { id: `s-${Math.random()}`, visit_id: 'v', kind, signer: '', photo: 'a'.repeat(64), witness: '', note: '', user_id: 'u1', at: '2024-06-03T10:00:00+08:00', ...extra }
}

describe('grouping check points by 事项', () => {
  it('keeps one group per 事项 in order, with 检查项目 sub-headings when there are several', () => {
    const groups = groupByMatter([...ITEMS].reverse())
    expect(groups.map((g) => g.name)).toEqual(['对餐饮服务经营者日常经营行为的行政检查', '对特种设备使用单位的监督检查'])
    expect(groups[0].points.map((p) => p.id)).toEqual(['p1', 'p2', 'p3', 'p4'])
    expect(groups[0].templated).toBe(true)
    expect(groups[0].subgroups?.map((s) => s.name)).toEqual(['经营资质', '从业人员管理'])
    expect(groups[1].templated).toBe(false)
    expect(groups[1].subgroups).toBeNull()
  })
  it('treats an item from before check points (no item_name) as its own 事项', () => {
    const old: ChecklistItem[] = [
      { id: 'o1', dept: 'zjj', ord: 1, name: '建筑施工安全' },
      { id: 'o2', dept: 'zjj', ord: 2, name: '预拌混凝土质量' },
    ]
    expect(groupByMatter(old).map((g) => [g.name, g.points.length, g.templated])).toEqual([
      ['建筑施工安全', 1, false],
      ['预拌混凝土质量', 1, false],
    ])
  })
})

describe('a 事项 result derived from its points', () => {
  it('is 不符合 as soon as one point fails, answered or not', () => {
    expect(derivedResult(FOOD, { p2: a('不符合') })).toBe('不符合')
  })
  it('is null while some point is unanswered and none failed', () => {
    expect(derivedResult(FOOD, { p1: a('符合'), p2: a('符合') })).toBeNull()
  })
  it('is 符合 when all are answered, 不涉及 counting as answered', () => {
    expect(derivedResult(FOOD, { p1: a('符合'), p2: a('不涉及'), p3: a('符合'), p4: a('符合') })).toBe('符合')
  })
  it('is 不涉及 when every point is 不涉及', () => {
    expect(derivedResult(FOOD, { p1: a('不涉及'), p2: a('不涉及'), p3: a('不涉及'), p4: a('不涉及') })).toBe('不涉及')
  })
})

describe('department progress', () => {
  const answers: Answers = { p1: a('符合'), p3: a('不符合'), x1: a('不符合', '未公示检验合格标志') }
  it('counts answered points and failed points without a finding', () => {
    const p = progressOf(ITEMS, answers)
    expect([p.done, p.total]).toEqual([3, 5])
    expect(p.failed.map((i) => i.id)).toEqual(['p3', 'x1'])
    expect(p.missingNotes.map((i) => i.id)).toEqual(['p3'])
  })
  it('其余全部符合 touches only the unanswered points of the group', () => {
    expect(unanswered(FOOD, answers).map((p) => p.id)).toEqual(['p2', 'p4'])
  })
  it('suggests 发现问题待后续处理 when a point failed, else 未发现问题', () => {
    expect(suggestedCategories(ITEMS, answers)).toEqual(['发现问题待后续处理'])
    expect(suggestedCategories(ITEMS, { p1: a('符合') })).toEqual(['未发现问题'])
  })
})

describe('本部门检查完毕 readiness', () => {
  const all: Answers = Object.fromEntries(ITEMS.map((i) => [i.id, a('符合')]))
  const signed = [sig('inspector', { dept: 'scjg', signer_id: 'u1' }), sig('inspector', { dept: 'scjg', signer_id: 'u2', user_id: 'u1' })]
  const base = { deptName: '市市场监管局', dept: 'scjg', items: ITEMS, members: MEMBERS }

  it('is ready when every point is answered, the outcome is set and both inspectors signed', () => {
    expect(finishReadiness({ ...base, answers: all, categories: ['未发现问题'], signatures: signed })).toEqual({ ready: true, missing: [] })
  })
  it('says exactly what is missing, naming the department by name', () => {
    const r = finishReadiness({
      ...base,
      answers: { p1: a('符合'), p3: a('不符合', '  ') },
      categories: [],
      signatures: [signed[0]],
    })
    expect(r.ready).toBe(false)
    expect(r.missing).toEqual([
      '市市场监管局还有 3 个检查点未填写',
      '第 2.1 项不符合，须写明发现的问题',
      '市市场监管局尚未确认检查结果',
      '检查人员李四尚未签名',
    ])
    for (const m of r.missing) expect(m).not.toMatch(/scjg|庆市监|[0-9a-f]{8}-/)
  })
  it('refuses 未发现问题 when a point failed', () => {
    const r = finishReadiness({ ...base, answers: { ...all, p2: a('不符合', '未公示') }, categories: ['未发现问题'], signatures: signed })
    expect(r.missing).toEqual(['有不符合的检查点，检查结果不能为“未发现问题”，请重新选择'])
  })
  it('does not count a signature for another department or another member', () => {
    const r = finishReadiness({ ...base, answers: all, categories: ['未发现问题'], signatures: [sig('inspector', { dept: 'wjw', signer_id: 'u1' }), sig('entity', { signer: '王经理' })] })
    expect(r.missing).toEqual(['检查人员张三、李四尚未签名'])
  })
  it('reads a signature made before signer_id as the phone user’s own', () => {
    const r = finishReadiness({ ...base, members: [MEMBERS[0]], answers: all, categories: ['未发现问题'], signatures: [sig('inspector', { user_id: 'u1' })] })
    expect(r.ready).toBe(true)
  })
})

describe('department and visit state', () => {
  const f = { id: 'v:scjg', visit_id: 'v', dept: 'scjg', user_id: 'u1', user_name: '张三', at: '2024-06-03T11:00:00+08:00' }
  it('is 待同步 while only this phone has the finish, finished once the server sent it', () => {
    expect(deptStateOf({ ...f, _base: null }, { done: 5 })).toBe('finish_pending')
    expect(deptStateOf({ ...f, _base: f }, { done: 5 })).toBe('finished')
    expect(deptStateOf(undefined, { done: 0 })).toBe('not_started')
    expect(deptStateOf(undefined, { done: 2 })).toBe('in_progress')
  })
  it('lists what the visit still waits for, and nothing once the server completed it', () => {
    const depts = [
      { code: 'scjg', name: '市市场监管局', state: 'finished' as const },
      { code: 'zjj', name: '市住建局', state: 'in_progress' as const },
    ]
    expect(completionWaits({ status: 'open', departments: depts, checkins: 0, entitySigned: false, photosWaiting: 2 })).toEqual([
      '市住建局尚未检查完毕',
      '尚未签到',
      '被检查单位尚未签字（或记录拒签）',
      '还有 2 张照片或签名待上传',
    ])
    const done = depts.map((d) => ({ ...d, state: 'finished' as const }))
    expect(completionWaits({ status: 'open', departments: done, checkins: 1, entitySigned: true, photosWaiting: 0 })).toEqual(['等待服务器确认完成'])
    expect(completionWaits({ status: 'complete', departments: depts, checkins: 0, entitySigned: false, photosWaiting: 0 })).toEqual([])
  })
})

describe('rejections shown on the visit', () => {
  let seq = 0
  const entry = (name: OutboxEntry['name'], args: Record<string, unknown>, state: OutboxEntry['state'] = 'rejected'): OutboxEntry => ({
    seq: ++seq,
    id: `m${seq}`,
    name,
    at: '',
    args,
    state,
    reason: '市住建局还有 1 个检查点未填写',
    attempts: 1,
    last_error: '',
    sent_at: null,
    settled_at: null,
    visit_id: 'v',
  })
  const ctx = { visitStatus: 'open', finishedDepts: new Set<string>(), entitySigned: false, itemDept: { p1: 'scjg' } }

  it('keeps a refused 本部门检查完毕 until the department finished', () => {
    const r = entry('dept.finish', { visit_id: 'v', dept: 'zjj' })
    expect(relevantRejections([r], ctx)).toEqual([r])
    expect(relevantRejections([r], { ...ctx, finishedDepts: new Set(['zjj']) })).toEqual([])
  })
  it('drops a rejection a later mutation of the same target superseded', () => {
    const r = entry('dept.finish', { visit_id: 'v', dept: 'zjj' })
    const again = entry('dept.finish', { visit_id: 'v', dept: 'zjj' }, 'pending')
    const other = entry('dept.finish', { visit_id: 'v', dept: 'scjg' }, 'pending')
    expect(relevantRejections([r, other], ctx)).toEqual([r])
    expect(relevantRejections([r, again], ctx)).toEqual([])
  })
  it('drops an item rejection once its department finished, and all but notice ones once the visit is complete', () => {
    const item = entry('item.set', { visit_id: 'v', item_id: 'p1' })
    const notice = entry('notice.issue', { visit_id: 'v', dept: 'scjg' })
    expect(relevantRejections([item, notice], { ...ctx, finishedDepts: new Set(['scjg']) })).toEqual([notice])
    expect(relevantRejections([item, notice], { ...ctx, visitStatus: 'complete' })).toEqual([notice])
  })
  it('never shows English or ids', () => {
    expect(displayReason('dept.finish: visit 0190d5a0-0000-7000-8000-00000000abcd not found')).toBe('服务器未接受这项操作，请联系组长或联席办核实')
    expect(displayReason('市住建局还有 1 个检查点未填写')).toBe('市住建局还有 1 个检查点未填写')
  })
})

describe('signature forms', () => {
  it('needs the entity signer’s name, role and 以上情况属实', () => {
    expect(entitySignerProblem({ name: '', role: '负责人', phone: '', confirmed: true })).toBe('请填写签字人姓名')
    expect(entitySignerProblem({ name: '王经理', role: '', phone: '', confirmed: true })).toBe('请选择签字人身份')
    expect(entitySignerProblem({ name: '王经理', role: '负责人', phone: 'abc', confirmed: true })).toBe('联系电话格式不正确')
    expect(entitySignerProblem({ name: '王经理', role: '委托人', phone: '13800000000', confirmed: false })).toBe('请勾选“以上情况属实”')
    expect(entitySignerProblem({ name: '王经理', role: '法定代表人', phone: '0934-8888888', confirmed: true })).toBe('')
  })
  it('needs a refusal’s reason and a witness or a photo', () => {
    expect(refusalProblem({ reason: '', witness: '赵六', photo: '' })).toBe('请填写拒签情况')
    expect(refusalProblem({ reason: '拒绝签字', witness: ' ', photo: '' })).toBe('请填写见证人或拍照留证')
    expect(refusalProblem({ reason: '拒绝签字', witness: '', photo: 'b'.repeat(64) })).toBe('')
  })
})

describe('检查记录表', () => {
  const visit = normalizeVisit('v', {
    task_id: 't',
    scheduled_on: '2024-06-03',
    status: 'open',
    entity: { id: 'e', name: '庆阳市西峰区好味餐馆', uscc: '91621002MA00000001', address: '西峰区南大街1号' },
    departments: [{ code: 'scjg', name: '市市场监管局', short: '庆市监', kind: 'member', authority: '庆阳市市场监督管理局' }],
    team: [...MEMBERS, { user_id: 'u9', name: '王五', dept: 'scjg', cert_no: '62621002-x', active: false }],
    items: ITEMS.map((i) => ({ ...i })),
  })
  const data = {
    visit,
    checkins: [{ id: 'c1', visit_id: 'v', user_id: 'u2', at: '2024-06-03T09:05:00+08:00', lat: 35.7, lng: 107.6, accuracy: 12 }],
    results: [
      { item_id: 'p1', visit_id: 'v', dept: 'scjg', value: '符合' as const, note: '', photos: [], version: 1, user_id: 'u1', updated_at: '' },
      { item_id: 'p3', visit_id: 'v', dept: 'scjg', value: '不符合' as const, note: '2名从业人员无健康证明', photos: ['c'.repeat(64)], version: 1, user_id: 'u1', updated_at: '' },
    ],
    outcomes: [{ id: 'v:scjg', visit_id: 'v', dept: 'scjg', categories: ['发现问题待后续处理'], note: '', version: 1, user_id: 'u1', updated_at: '' }],
    signatures: [sig('inspector', { dept: 'scjg', signer_id: 'u2', signer: '李四', cert_no: '62621002-insp2' }), sig('entity', { signer: '王经理', role: '负责人', phone: '13800000000', confirmed: true })],
    notices: [],
    finishes: [],
  }

  it('reads the visit’s department objects with the authority’s full name', () => {
    expect(visit.departments).toEqual(['scjg'])
    expect(visit.dept_info?.[0].authority).toBe('庆阳市市场监督管理局')
    expect(visit.checklist[0]).toMatchObject({ code: '1.1', key: true, group_name: '经营资质', template: T })
    expect(visit.checklist.find((i) => i.id === 'x1')?.template).toBeNull()
  })
  it('lists every point with its result, finding and photos, the active inspectors and the entity signer', () => {
    const r = buildDeptRecord(data, 'scjg', { name: (c) => c })
    expect(r.authority).toBe('庆阳市市场监督管理局')
    expect(r.matters.map((m) => [m.name, m.rows.length, m.templated])).toEqual([
      ['对餐饮服务经营者日常经营行为的行政检查', 4, true],
      ['对特种设备使用单位的监督检查', 1, false],
    ])
    expect(r.matters[0].rows[2]).toEqual({ label: '2.1', text: '检查内容 2.1', key: true, result: '不符合', note: '2名从业人员无健康证明', photos: ['c'.repeat(64)] })
    expect(r.matters[0].rows[1].result).toBe('未填写')
    expect(r.counts).toEqual({ total: 5, pass: 1, fail: 1, na: 0, open: 3 })
    expect(r.inspectors.map((i) => [i.member.name, !!i.signature])).toEqual([
      ['张三', false],
      ['李四', true],
    ])
    expect(r.checkin?.id).toBe('c1')
    expect(r.entity?.signer).toBe('王经理')
    expect(r.categories).toEqual(['发现问题待后续处理'])
  })
  it('reads the server’s visit state for a desk user', () => {
    const d = fromServerState(
      'v',
      {
        visit: { task_id: 't', scheduled_on: '2024-06-03', entity: { name: 'X' }, departments: ['scjg'], items: [] },
        dept_finishes: [{ visit_id: 'v', dept: 'scjg', user_id: 'u1', user_name: '张三', at: '2024-06-03T11:00:00+08:00' }],
      },
      normalizeVisit,
    )
    expect(d.finishes[0].id).toBe('v:scjg')
    expect(d.results).toEqual([])
  })
  it('tells a voided notice from a live one', () => {
    const n = { voided_at: null } as never
    expect(isLive(n)).toBe(true)
    expect(isLive({ voided_at: '2024-06-03T12:00:00+08:00' } as never)).toBe(false)
  })
})
