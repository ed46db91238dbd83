import { describe, expect, it } from 'vitest'
import { ratioText, regionsOfLevel, stratumName, taskLevels, taskStateText, teamByDept, verifyState, verifyText, type Verification } from '../src/views/office/tasks'

const v = (over: Partial<Verification>): Verification => ({
  draw_id: 'd',
  match: false,
  reproduced: false,
  algorithm: 'zsc-draw/1',
  seed: '00',
  seed_source: 'random',
  snapshot_hash: '00',
  visits: 3,
  ...over,
})

describe('tasks and draws at the desk', () => {
  it('reads the seed table\'s 市县级 as both levels, the city first', () => {
    expect(taskLevels(['县区级', '市级'])).toEqual(['市级', '县区级'])
    expect(taskLevels(['市县级'])).toEqual(['市级', '县区级'])
    const regions = [
      { code: '621000', name: '庆阳市', level: 'city' as const },
      { code: '621002', name: '西峰区', level: 'county' as const },
    ]
    expect(regionsOfLevel(regions, '市级').map((r) => r.code)).toEqual(['621000'])
    expect(regionsOfLevel(regions, '县区级').map((r) => r.code)).toEqual(['621002'])
  })
  it('says a task\'s state: 未抽取, then visits done of all', () => {
    expect(taskStateText({ visits: 0, done: 0 })).toBe('未抽取')
    expect(taskStateText({ draw_id: 'x', visits: 5, done: 2 })).toBe('已抽取，检查 2/5 户')
    expect(taskStateText({ draw_id: 'x', visits: 5, done: 5 })).toBe('检查完毕（5/5 户）')
  })
  it('names strata and ratios in Chinese', () => {
    expect(stratumName('A')).toBe('A 类')
    expect(stratumName('unclassified')).toBe('未分类')
    expect(stratumName('override:学校周边')).toBe('特定对象：学校周边')
    expect(ratioText(2.5)).toBe('2.5%')
    expect(ratioText(10)).toBe('10%')
  })
  it('says 已核验 only for a seed the server made', () => {
    expect(verifyState(v({ match: true, reproduced: true }))).toBe('match')
    expect(verifyText(v({ match: true, reproduced: true }))).toContain('已核验')
    const supplied = v({ reproduced: true, seed_source: 'supplied' })
    expect(verifyState(supplied)).toBe('supplied')
    expect(verifyText(supplied)).toContain('种子由操作人指定')
    expect(verifyText(supplied)).not.toContain('已核验')
    expect(verifyState(v({}))).toBe('failed')
  })
  it('groups a team by department, leaving out who was swapped out', () => {
    const team = [
      { user_id: '1', name: '甲', dept: 'scjg', cert_no: '', active: true },
      { user_id: '2', name: '乙', dept: 'scjg', cert_no: '', active: false },
      { user_id: '3', name: '丙', dept: 'wjw', cert_no: '', active: true },
    ]
    expect(teamByDept(team, ['wjw', 'scjg'])).toEqual([
      { dept: 'wjw', names: ['丙'] },
      { dept: 'scjg', names: ['甲'] },
    ])
  })
})
