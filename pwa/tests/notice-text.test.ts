import { describe, expect, it } from 'vitest'
import {
  CORRECTION_BASIS,
  buildNoticeDoc,
  cleanViolation,
  findingOf,
  noticeFields,
  noticePlainText,
  pointsOfNotice,
  principalOf,
  validatePoints,
  type NoticePoint,
} from '../src/notice/text'

const points: NoticePoint[] = [
  {
    item_id: 'p-1.1',
    name: '食品经营许可证在有效期内，并在经营场所显著位置公示',
    finding: '未在经营场所显著位置公示食品经营许可证',
    violation: '《中华人民共和国食品安全法》第三十五条第一款',
  },
  {
    item_id: 'p-2.1',
    name: '从业人员持有有效健康证明',
    finding: '两名厨师健康证明已过期',
    violation: '《中华人民共和国食品安全法》第四十五条第二款',
  },
]

const doc = () =>
  buildNoticeDoc({
    authority: '庆阳市市场监督管理局',
    number: '庆市监责改〔2024〕12号',
    provisional: false,
    entity: { name: '庆阳市西峰区好味道餐饮有限公司', uscc: '91621002MA71XXXX0K', address: '西峰区南大街 12 号' },
    principal: '王经理',
    points,
    deadline: '2024-10-16',
    days: 10,
    issuedOn: '2024-09-27',
    inspectors: [
      { name: '张检查', cert_no: '62621002-insp1' },
      { name: '刘检查', cert_no: '62621002-insp2' },
    ],
  })

describe('the notice text', () => {
  it('is headed by the authority’s full name, with the title and number', () => {
    const d = doc()
    expect(d.authority).toBe('庆阳市市场监督管理局')
    const text = noticePlainText(d)
    expect(text.split('\n').slice(0, 3)).toEqual(['庆阳市市场监督管理局', '责令改正通知书', '庆市监责改〔2024〕12号'])
    expect(text).toContain('庆阳市市场监督管理局（印章）')
    expect(text).not.toMatch(/我单位|市市场监管局/)
  })

  it('names the entity with its 统一社会信用代码, address and 负责人', () => {
    const text = noticePlainText(doc())
    expect(text).toContain('庆阳市西峰区好味道餐饮有限公司：')
    expect(text).toContain('统一社会信用代码：91621002MA71XXXX0K')
    expect(text).toContain('地址：西峰区南大街 12 号')
    expect(text).toContain('负责人：王经理')
  })

  it('cites every failed point’s violation from the template, one per problem', () => {
    const d = doc()
    expect(d.intro).toBe('经查，你单位存在以下问题：')
    expect(d.problems).toEqual([
      { n: 1, finding: '未在经营场所显著位置公示食品经营许可证', violation: '上述行为违反了《中华人民共和国食品安全法》第三十五条第一款的规定。' },
      { n: 2, finding: '两名厨师健康证明已过期', violation: '上述行为违反了《中华人民共和国食品安全法》第四十五条第二款的规定。' },
    ])
    for (const p of points) expect(noticePlainText(d)).toContain(`违反了${p.violation}的规定`)
  })

  it('never says the entity violated the 行政处罚法: it is the basis of the order', () => {
    const text = noticePlainText(doc())
    expect(text).not.toMatch(/违反了?《中华人民共和国行政处罚法》/)
    expect(text).toContain('依据《中华人民共和国行政处罚法》第二十八条第一款的规定，现责令你单位于2024年10月16日前改正上述违法行为。')
    expect(text.match(/行政处罚法/g)).toHaveLength(1)
  })

  it('gives the period in working days, the remedies and both inspectors with their 执法证号', () => {
    const d = doc()
    const text = noticePlainText(d)
    expect(text).toContain('整改期限：10个工作日（2024年10月16日前）')
    expect(text).toContain('逾期不改正的，本机关将依法处理。')
    expect(text).toContain('六十日内依法申请行政复议')
    expect(text).toContain('六个月内依法向人民法院提起行政诉讼')
    expect(text).toContain('张检查（执法证号：62621002-insp1）')
    expect(text).toContain('刘检查（执法证号：62621002-insp2）')
    expect(d.sealDate).toBe('2024年9月27日')
  })

  it('has a 存根 with the number, entity, problems, deadline, inspectors, issue date and 签收人', () => {
    const stub = Object.fromEntries(doc().stub.map((r) => [r.label, r.value]))
    expect(stub['文书编号']).toBe('庆市监责改〔2024〕12号')
    expect(stub['被检查单位']).toBe('庆阳市西峰区好味道餐饮有限公司')
    expect(stub['存在问题']).toBe('1. 未在经营场所显著位置公示食品经营许可证\n2. 两名厨师健康证明已过期')
    expect(stub['整改期限']).toBe('10个工作日（2024年10月16日前）')
    expect(stub['执法人员']).toContain('62621002-insp1')
    expect(stub['执法人员']).toContain('62621002-insp2')
    expect(stub['开具日期']).toBe('2024年9月27日')
    expect(stub).toHaveProperty('签收人', '')
  })

  it('marks a provisional number and a void, keeping the number', () => {
    const d = buildNoticeDoc({
      ...{ authority: '庆阳市卫生健康委员会', number: '临-0190a1b2-1', provisional: true },
      entity: { name: '某养老院' },
      principal: '',
      points: [points[0]],
      deadline: '2024-10-16',
      days: 10,
      issuedOn: '2024-09-27',
      inspectors: [],
      voided: { on: '2024-09-28T10:00:00+08:00', reason: '问题描述有误' },
    })
    const text = noticePlainText(d)
    expect(text).toContain('临-0190a1b2-1（临时编号）')
    expect(text).toContain('已作废：问题描述有误')
    expect(text).toContain('负责人：＿＿＿＿＿＿')
  })
})

describe('what the form issues', () => {
  it('refuses the 行政处罚法 as a violated provision, and a missing finding or provision', () => {
    expect(validatePoints(points)).toEqual([])
    expect(validatePoints([])).toEqual(['请至少选择一项不符合的检查内容'])
    const bad = validatePoints([
      { ...points[0], violation: CORRECTION_BASIS },
      { ...points[1], finding: '  ', violation: '' },
      { ...points[1], violation: '食品安全法第四十五条' },
    ])
    expect(bad[0]).toMatch(/^第 1 项：《中华人民共和国行政处罚法》第二十八条第一款是本机关责令改正的依据/)
    expect(bad[1]).toBe('第 2 项：请填写发现的问题')
    expect(bad[2]).toMatch(/^第 2 项：请填写违反的条款/)
    expect(bad[3]).toMatch(/^第 3 项：违反条款应写明法律法规的名称/)
  })

  it('carries findings as numbered lines and violations joined by "；", and reads them back', () => {
    const f = noticeFields(points)
    expect(f.items).toEqual(['p-1.1', 'p-2.1'])
    expect(f.problems).toBe('1. 未在经营场所显著位置公示食品经营许可证\n2. 两名厨师健康证明已过期')
    expect(f.legal_basis).toBe('《中华人民共和国食品安全法》第三十五条第一款；《中华人民共和国食品安全法》第四十五条第二款')
    const back = pointsOfNotice(f, points.map((p) => ({ id: p.item_id, name: p.name })))
    expect(back).toEqual(points)
  })

  it('falls back to the template’s violation when "；" does not split one per point', () => {
    const n = { items: ['a', 'b'], problems: '1. x\n2. y', legal_basis: '《甲法》第一条；第二条；《乙法》第三条' }
    const back = pointsOfNotice(n, [
      { id: 'a', name: 'A', violation: '《甲法》第一条；第二条' },
      { id: 'b', name: 'B', violation: '《乙法》第三条' },
    ])
    expect(back.map((p) => p.violation)).toEqual(['《甲法》第一条；第二条', '《乙法》第三条'])
  })

  it('takes the finding from the note, else the template’s notice wording', () => {
    expect(findingOf({ id: 'a', name: '检查内容', notice_text: '未公示许可证' }, '许可证未上墙\n在后厨')).toBe('许可证未上墙 在后厨')
    expect(findingOf({ id: 'a', name: '检查内容', notice_text: '未公示许可证' }, '  ')).toBe('未公示许可证')
    expect(findingOf({ id: 'a', name: '检查内容' }, '')).toBe('')
  })

  it('reads a provision however the template wrote it', () => {
    expect(cleanViolation('违反了《中华人民共和国食品安全法》第四十五条的规定。')).toBe('《中华人民共和国食品安全法》第四十五条')
    expect(cleanViolation('《中华人民共和国食品安全法》第四十五条；')).toBe('《中华人民共和国食品安全法》第四十五条')
  })

  it('prints as 负责人 only a signer who signed as 负责人 or 法定代表人', () => {
    const at = (h: number) => `2024-09-27T${String(h).padStart(2, '0')}:00:00+08:00`
    expect(principalOf([{ kind: 'entity', signer: '小李', role: '委托人', at: at(9) }])).toBe('')
    expect(
      principalOf([
        { kind: 'entity', signer: '王经理', role: '负责人', at: at(9) },
        { kind: 'entity', signer: '王总', role: '法定代表人', at: at(10) },
        { kind: 'inspector', signer: '张检查', at: at(11) },
      ]),
    ).toBe('王总')
  })
})
