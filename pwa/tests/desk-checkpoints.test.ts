// The desk's screens on check points: the office's paper entry
// (src/views/office/entry.ts) and the lead's 检查户安排 progress and refused
// records (src/views/lead/visitProgress.ts).
import { describe, expect, it } from 'vitest'
import type { DeptFinish } from '../src/db/types'
import { normalizeVisit } from '../src/sync/changes'
import {
  answerMessage,
  deptStateText,
  deptViews,
  draftAnswers,
  draftOf,
  entryOf,
  findingsMessage,
  mattersOf,
  missingFindings,
  restPass,
  type EntryAnswer,
  type VisitResults,
} from '../src/views/office/entry'
import { deptProgress, hasRemovedMembers, progressText, refusedLines } from '../src/views/lead/visitProgress'

const T = { id: 'tpl', version: 1 }
const FOOD = '对餐饮服务经营者日常经营行为的行政检查'
const GAS = '对燃气用户安装、使用燃气设施的检查'
const rawItem = (id: string, dept: string, ord: number, code: string, group: [string, string], item: string, extra: Record<string, unknown> = {}) => ({
  id,
  dept,
  ord,
  name: `检查内容 ${code}`,
  class: '重点检查',
  catalogue_id: `cat-${item}`,
  item_name: item,
  template: T,
  group_code: group[0],
  group_name: group[1],
  code,
  key: code.endsWith('.1'),
  basis: '《中华人民共和国食品安全法》第三十五条',
  violation: '《中华人民共和国食品安全法》第三十五条第一款',
  notice_text: `问题 ${code}`,
  ...extra,
})
const RAW_VISIT = {
  id: 'v1',
  task_id: 't1',
  status: 'open',
  scheduled_on: '2024-06-03',
  entity: { id: 'e1', name: '西峰区兴陇面馆', uscc: '91621002MA00000000', address: '西峰区' },
  departments: [
    { code: 'scjg', name: '市市场监管局', short: '庆市监', authority: '庆阳市市场监督管理局' },
    { code: 'zjj', name: '市住建局', short: '庆住建', authority: '庆阳市住房和城乡建设局' },
    { code: 'wjw', name: '市卫生健康委', short: '庆卫健', authority: '庆阳市卫生健康委员会' },
  ],
  team: [
    { user_id: 'u1', name: '顾兰', dept: 'scjg', cert_no: '62621002022001', active: true },
    { user_id: 'u2', name: '邱涛', dept: 'scjg', cert_no: '62621002022002', active: false },
    { user_id: 'u3', name: '万国丹', dept: 'zjj', cert_no: '62621002013000', active: true },
  ],
  items: [
    rawItem('p1', 'scjg', 1, '1.1', ['1', '许可及公示'], FOOD),
    rawItem('p2', 'scjg', 2, '1.2', ['1', '许可及公示'], FOOD),
    rawItem('p3', 'scjg', 3, '2.1', ['2', '原料控制'], FOOD),
    rawItem('g1', 'zjj', 4, '1.1', ['1', '燃气器具'], GAS),
    rawItem('g2', 'zjj', 5, '1.2', ['1', '燃气器具'], GAS),
    { id: 'w1', dept: 'wjw', ord: 6, name: '对消毒产品的检查', class: '一般检查', catalogue_id: 'cat-w', item_name: '对消毒产品的检查', template: null },
  ],
}
const visit = normalizeVisit('v1', RAW_VISIT)

function ans(item_id: string, dept: string, value: EntryAnswer['value'] = '', note = '', channel = ''): EntryAnswer {
  return { item_id, dept, name: `n-${item_id}`, value, note, version: value ? 1 : 0, channel, office_entered: channel === 'web' }
}
function results(items: EntryAnswer[], extra: Partial<VisitResults> = {}): VisitResults {
  return { visit_id: 'v1', status: 'open', visit: RAW_VISIT, items, outcomes: [], missing: [], ...extra }
}
const finish = (dept: string): DeptFinish => ({ id: `v1:${dept}`, visit_id: 'v1', dept, user_id: 'u9', user_name: '联席办', at: '2024-06-03T02:00:00Z', channel: 'web' })

describe('paper entry: departments on check points', () => {
  const r = results([
    ans('p1', 'scjg', '符合', '', 'mobile'),
    ans('p2', 'scjg', '不符合', '未公示许可证', 'mobile'),
    ans('p3', 'scjg', '符合', '', 'mobile'),
    ans('g1', 'zjj', '不涉及', '', 'web'),
    ans('g2', 'zjj', '不涉及', '', 'web'),
    ans('w1', 'wjw'),
  ])
  const views = deptViews(visit, r, [finish('zjj')])

  it('names departments by name and groups each one’s points under its 事项 with 检查项目 sub-headings', () => {
    expect(views.map((d) => d.name)).toEqual(['市市场监管局', '市住建局', '市卫生健康委'])
    const food = views[0].matters[0]
    expect(food.group.name).toBe(FOOD)
    expect(food.group.subgroups?.map((s) => `${s.code} ${s.name}`)).toEqual(['1 许可及公示', '2 原料控制'])
    expect(views[2].matters[0].group.templated).toBe(false)
  })
  it('derives each 事项’s result from its points: any 不符合, all 不涉及, not all answered', () => {
    expect(views[0].matters[0].result).toBe('不符合')
    expect(views[0].matters[0].failed.map((p) => p.code)).toEqual(['1.2'])
    expect(views[1].matters[0].result).toBe('不涉及')
    expect(views[2].matters[0].result).toBeNull()
  })
  it('says each department’s state: finished from dept_finishes, else under way or not started with x/y', () => {
    expect(views.map((d) => d.state)).toEqual(['in_progress', 'finished', 'not_started'])
    expect(views.map(deptStateText)).toEqual(['进行中 3/3', '已检查完毕', '未开始 0/1'])
  })
})

describe('paper entry: the draft', () => {
  const r = results([ans('p1', 'scjg', '不符合', '', 'mobile'), ans('p2', 'scjg'), ans('p3', 'scjg')])
  const points = visit.checklist.filter((p) => p.dept === 'scjg')

  it('其余全部符合 fills only the blank points of the 事项', () => {
    const d = draftOf(r, 'scjg')
    expect(restPass(d, points)).toBe(2)
    expect(d.values).toEqual({ p1: '不符合', p2: '符合', p3: '符合' })
    expect(restPass(d, points)).toBe(0)
    expect(mattersOf(points, draftAnswers(d))[0].result).toBe('不符合')
  })
  it('requires a 问题描述 for every 不符合, named by its 检查内容代码', () => {
    const d = draftOf(r, 'scjg')
    d.values.p3 = '不符合'
    d.notes.p3 = '   '
    const missing = missingFindings(points, d)
    expect(missing.map((p) => p.id)).toEqual(['p1', 'p3'])
    expect(findingsMessage(points, missing)).toBe('第 1.1、2.1 项为“不符合”，须填写问题描述后才能提交。')
    d.notes.p1 = '许可证过期'
    d.notes.p3 = '无进货查验记录'
    expect(missingFindings(points, d)).toEqual([])
  })
  it('sends only what changed, so the phone’s untouched answers keep their channel', () => {
    const d = draftOf(r, 'scjg')
    d.notes.p1 = '许可证过期'
    restPass(d, points)
    d.outcome = ['发现问题待后续处理']
    d.completed = true
    expect(entryOf(r, 'scjg', d)).toEqual({
      visit_id: 'v1',
      dept: 'scjg',
      items: [
        { item_id: 'p1', value: '不符合', note: '许可证过期' },
        { item_id: 'p2', value: '符合', note: '' },
        { item_id: 'p3', value: '符合', note: '' },
      ],
      outcome: ['发现问题待后续处理'],
      completed: true,
    })
  })
})

describe('paper entry: what the answer says', () => {
  const entry = { visit_id: 'v1', dept: 'wjw', items: [{ item_id: 'w1', value: '符合' as const, note: '' }], outcome: ['未发现问题'], completed: true }
  const applied = (name: string, target: string) => ({ name, target, status: 'applied' })
  const after = (status: string, value: EntryAnswer['value'], outcome: boolean) => ({
    status,
    items: [ans('w1', 'wjw', value)],
    outcomes: outcome ? [{ dept: 'wjw', categories: ['未发现问题'], version: 1, channel: 'web', office_entered: true }] : [],
  })

  it('reports the department’s 本部门检查完毕 and the visit’s completion', () => {
    const fates = [applied('item.set', 'w1'), applied('outcome.set', 'wjw'), applied('dept.finish', 'wjw')]
    expect(answerMessage({ deptName: '市卫生健康委', entry, fates, after: after('complete', '符合', true), statusBefore: 'open', finishedBefore: false })).toEqual({
      ok: true,
      message: '已保存市卫生健康委的录入（2 项）。市卫生健康委已确认本部门检查完毕。各部门均已检查完毕，检查已完成。',
    })
    expect(answerMessage({ deptName: '市卫生健康委', entry, fates, after: after('open', '符合', true), statusBefore: 'open', finishedBefore: false }).message).toBe(
      '已保存市卫生健康委的录入（2 项）。市卫生健康委已确认本部门检查完毕。',
    )
  })
  it('says why 本部门检查完毕 did not go through when the part is not whole', () => {
    const res = answerMessage({
      deptName: '市卫生健康委',
      entry: { ...entry, items: [], outcome: [] },
      fates: [],
      after: after('open', '', false),
      statusBefore: 'open',
      finishedBefore: false,
    })
    expect(res).toEqual({ ok: false, message: '没有需要保存的修改。市卫生健康委还有 1 项检查内容未填写、检查结果未选择，未能确认本部门检查完毕。' })
  })
  it('points at the table when the server did not save everything', () => {
    const fates = [applied('item.set', 'w1'), { name: 'outcome.set', target: 'wjw', status: 'conflict' }]
    expect(answerMessage({ deptName: '市卫生健康委', entry, fates, after: after('open', '符合', false), statusBefore: 'open', finishedBefore: false })).toEqual({
      ok: false,
      message: '已提交，其中 1 项未直接保存，见下表。',
    })
  })
})

describe('the lead’s view of a visit', () => {
  it('shows each department’s state with its 事项’s derived results', () => {
    const st = {
      results: [
        { item_id: 'p1', dept: 'scjg', value: '符合' as const, note: '' },
        { item_id: 'p2', dept: 'scjg', value: '不符合' as const, note: '未公示' },
        { item_id: 'g1', dept: 'zjj', value: '符合' as const, note: '' },
        { item_id: 'g2', dept: 'zjj', value: '符合' as const, note: '' },
      ],
      outcomes: [{ dept: 'zjj', categories: ['未发现问题'] }],
      finishes: [{ dept: 'zjj', user_name: '万国丹', at: '2024-06-03T02:00:00Z', channel: 'mobile' }],
    }
    const ds = deptProgress(visit, st, (c) => c)
    expect(ds.map((d) => [d.name, progressText(d)])).toEqual([
      ['市市场监管局', '进行中 2/3'],
      ['市住建局', '已检查完毕'],
      ['市卫生健康委', '未开始 0/1'],
    ])
    expect(ds[0].failed).toBe(1)
    expect(ds[0].matters).toEqual([{ name: FOOD, result: '不符合', answered: 2, total: 3 }])
    expect(ds[1].matters[0].result).toBe('符合')
    expect(ds[1]).toMatchObject({ finishedBy: '万国丹', outcome: ['未发现问题'] })
  })
  it('asks for refused records only where someone was taken off the team', () => {
    expect(hasRemovedMembers(visit)).toBe(true)
    expect(hasRemovedMembers({ ...visit, team: visit.team.filter((m) => m.active !== false) })).toBe(false)
  })
  it('says who sent what and when, naming the check point and never an id', () => {
    const lines = refusedLines(
      visit,
      [
        {
          id: '01a241ef-0000-7000-8000-000000000001',
          user_id: 'u2',
          user_name: '邱涛',
          name: 'item.set',
          args: { visit_id: 'v1', item_id: 'p2', value: '不符合', note: '未公示许可证', photos: ['a'.repeat(64)], base_version: 0 },
          client_at: '2024-06-03T02:12:00Z',
          received_at: '2024-06-03T03:00:00Z',
          reason: '你已被组长调出本次检查；本条记录已保存在服务器，组长可以查看并处理',
        },
        { id: 'r2', user_id: 'u2', user_name: '邱涛', name: 'outcome.set', args: { dept: 'scjg', categories: ['发现问题待后续处理'] }, client_at: '', received_at: '', reason: '' },
        { id: 'r3', user_id: 'u2', user_name: '邱涛', name: 'item.set', args: { item_id: 'gone' }, client_at: '', received_at: '', reason: 'visit 01a241ef-0000-7000-8000-000000000001 refused' },
      ],
      (c) => c,
    )
    expect(lines[0]).toMatchObject({
      who: '邱涛',
      recordedAt: '2024年6月3日 10:12',
      receivedAt: '2024年6月3日 11:00',
      what: '检查内容“1.2 检查内容 1.2”',
      value: '不符合',
      note: '未公示许可证（照片 1 张）',
    })
    expect(lines[1]).toMatchObject({ what: '市市场监管局检查结果', value: '发现问题待后续处理' })
    expect(lines[2].what).toBe('检查内容（已不在本次检查中）')
    for (const l of lines) {
      const text = [l.who, l.recordedAt, l.receivedAt, l.what, l.value, l.note, l.reason].join(' ')
      expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}|[A-Za-z]{4,}/)
    }
  })
})
