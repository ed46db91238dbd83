import { describe, expect, it } from 'vitest'
import { activeSection, groupsFor, isDeskRole, sectionsFor } from '../src/desk/layout'
import type { DeskSection } from '../src/desk/nav'

const S: DeskSection[] = [
  { to: '/office', title: '工作台', icon: 'a', roles: ['office', 'admin'], group: '工作台' },
  { to: '/lead', title: '任务安排', icon: 'b', roles: ['lead', 'admin'], group: '任务与抽取' },
  { to: '/office/entry', title: '录入纸质结果', icon: 'c', roles: ['office', 'lead', 'admin'], group: '检查与结果' },
  { to: '/admin/users', title: '用户', icon: 'd', roles: ['admin'], group: '系统' },
  { to: '/office/plans', title: '年度计划', icon: 'e', roles: ['office', 'admin'], group: '计划与名录' },
]

describe('desk navigation', () => {
  it('only desk roles get the side navigation', () => {
    expect(isDeskRole('office')).toBe(true)
    expect(isDeskRole('lead')).toBe(true)
    expect(isDeskRole('admin')).toBe(true)
    expect(isDeskRole('inspector')).toBe(false)
    expect(isDeskRole(undefined)).toBe(false)
  })

  it('filters by role and groups in the fixed order', () => {
    expect(sectionsFor('lead', S).map((s) => s.to)).toEqual(['/lead', '/office/entry'])
    expect(sectionsFor('inspector', S)).toEqual([])
    expect(groupsFor('office', S).map((g) => g.group)).toEqual(['工作台', '计划与名录', '检查与结果'])
    expect(groupsFor('admin', S).map((g) => g.group)).toEqual(['工作台', '计划与名录', '任务与抽取', '检查与结果', '系统'])
  })

  it('the active section is the longest parent of the path', () => {
    expect(activeSection('/office', S)?.title).toBe('工作台')
    expect(activeSection('/office/entry', S)?.title).toBe('录入纸质结果')
    expect(activeSection('/office/entryx', S)?.title).toBe('工作台')
    expect(activeSection('/lead/tasks/7', S)?.title).toBe('任务安排')
    expect(activeSection('/leader', S)).toBeUndefined()
    expect(activeSection('/tasks', S)).toBeUndefined()
  })
})
