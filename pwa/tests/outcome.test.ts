import { describe, expect, it } from 'vitest'
import { normalizeCategories } from '../src/sync/actions'

describe('outcome categories (R9)', () => {
  it('lets 未发现问题 replace every other category when chosen', () => {
    expect(normalizeCategories(['发现问题待后续处理', '未发现问题'], ['发现问题待后续处理'])).toEqual(['未发现问题'])
  })
  it('drops 未发现问题 when another category is chosen after it', () => {
    expect(normalizeCategories(['未发现问题', '不配合检查情节严重'], ['未发现问题'])).toEqual(['不配合检查情节严重'])
  })
  it('keeps several problem categories together', () => {
    expect(normalizeCategories(['发现问题待后续处理', '不配合检查情节严重'], ['发现问题待后续处理'])).toEqual([
      '发现问题待后续处理',
      '不配合检查情节严重',
    ])
  })
})
