// The desk's checklist screen (检查表管理): what it says about an import and
// how it reads the server's list, refusals and points.
import { describe, expect, it } from 'vitest'
import { ApiError, OfflineError, hasLatinWords } from '../src/api/errors'
import {
  byDepartment,
  checkFile,
  groupPoints,
  importErrorText,
  importSummary,
  rowErrors,
  type ChecklistTemplate,
  type TemplatePoint,
} from '../src/views/office/checklists'

describe('importSummary', () => {
  it('says the counts in Chinese', () => {
    expect(importSummary({ source: 'a.tsv', items: 2, versions: 1, unchanged: 1, points: 29 })).toBe('2 个事项，新增版本 1 个，未变 1 个，检查点 29 个')
  })
})

describe('rowErrors', () => {
  it('reads every row error of a 422 as the server gives it, the whole file as row 0', () => {
    const body = {
      code: 'unprocessable',
      message: 'bad.tsv: 3 problems: row 3, 检查内容: …',
      details: [
        { row: 3, column: '检查内容', message: '“检查内容”不能为空' },
        { row: 4, column: '部门', message: '未知部门“市火星局”' },
        { row: 0, message: '找不到表头' },
      ],
    }
    expect(rowErrors(new ApiError(422, 'unprocessable', body.message, body))).toEqual([
      { row: 3, column: '检查内容', message: '“检查内容”不能为空' },
      { row: 4, column: '部门', message: '未知部门“市火星局”' },
      { row: 0, column: '', message: '找不到表头' },
    ])
  })

  it('is null for any other error, and for a 422 without a list', () => {
    expect(rowErrors(new ApiError(403, 'forbidden', 'no', { details: [{ row: 1, message: 'x' }] }))).toBeNull()
    expect(rowErrors(new ApiError(422, 'unprocessable', 'a.xlsx: broken', {}))).toBeNull()
    expect(rowErrors(new OfflineError())).toBeNull()
  })
})

describe('importErrorText', () => {
  it('is Chinese whatever the server said', () => {
    const cases = [
      importErrorText(new OfflineError()),
      importErrorText(new ApiError(413, 'too_large', 'big.xlsx is 9000000 bytes; the limit is 5242880')),
      importErrorText(new ApiError(403, 'forbidden', 'role inspector may not do this (needs office or lead)')),
      importErrorText(new ApiError(500, 'internal', 'internal error')),
    ]
    expect(cases[1]).toBe('文件超过 5 MB：请按部门拆分后分别导入')
    for (const s of cases) expect(hasLatinWords(s), s).toBe(false)
  })
})

describe('checkFile', () => {
  it('takes TSV, CSV and XLSX up to 5 MB', () => {
    expect(checkFile({ name: '检查表.xlsx', size: 1000 })).toBe('')
    expect(checkFile({ name: 'a.TSV', size: 1 })).toBe('')
    expect(checkFile({ name: 'a.csv', size: 5 << 20 })).toBe('')
    expect(checkFile({ name: 'a.xls', size: 10 })).toMatch(/只能导入/)
    expect(checkFile({ name: 'a.csv', size: 0 })).toMatch(/空/)
    expect(checkFile({ name: 'a.csv', size: (5 << 20) + 1 })).toMatch(/5 MB/)
  })
})

const tpl = (dept: string, dept_name: string, item: string): ChecklistTemplate => ({
  id: `${dept}-${item}`,
  catalogue_id: item,
  dept,
  dept_name,
  item_name: item,
  class: '一般检查',
  version: 1,
  latest: true,
  point_count: 3,
  key_count: 1,
  source: 'a.tsv',
  created_by_name: '',
  created_at: '2024-06-03T02:00:00Z',
})

describe('byDepartment', () => {
  it('groups the list by department in the server’s order', () => {
    const g = byDepartment([tpl('gaj', '市公安局', 'a'), tpl('mzj', '市民政局', 'b'), tpl('mzj', '市民政局', 'c'), tpl('scjg', '市市场监管局', 'd')])
    expect(g.map((d) => [d.dept_name, d.templates.map((t) => t.item_name)])).toEqual([
      ['市公安局', ['a']],
      ['市民政局', ['b', 'c']],
      ['市市场监管局', ['d']],
    ])
  })
})

describe('groupPoints', () => {
  const p = (ord: number, group_code: string, group_name: string): TemplatePoint => ({
    ord,
    group_code,
    group_name,
    code: `${group_code}.${ord}`,
    text: '',
    method: '',
    key: false,
    basis: '',
    violation: '',
    notice_text: '',
  })
  it('cuts the ordered points into their 检查项目', () => {
    const g = groupPoints([p(1, '1', '资质'), p(2, '1', '资质'), p(3, '2', '从业人员'), p(4, '1', '资质')])
    expect(g.map((x) => [x.code, x.points.map((q) => q.ord)])).toEqual([
      ['1', [1, 2]],
      ['2', [3]],
      ['1', [4]],
    ])
  })
})
