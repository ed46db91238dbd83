// A check point's note against the answers of its own writes (a week
// offline lost a note so): tap 不符合, write the finding, leave the field;
// the 不符合 tap's answer (no note yet) may come after that, and must not
// empty the field, or the photo taken next writes the point without its
// note. A note from elsewhere (a pull) still shows once the row's own write
// has come back.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp, h, nextTick, shallowRef } from 'vue'
import type { ChecklistItem, ItemResult } from '../src/db/types'

const writes: { value: string; note: string; photos: string[] }[] = []
vi.mock('../src/sync/actions', () => ({
  setItem: vi.fn(async (_visit: string, _item: string, v: { value: string; note: string; photos: string[] }) => {
    writes.push(v)
  }),
}))
vi.mock('../src/media/photo', () => ({ takePhoto: vi.fn(async () => 'sha-1') }))

const { default: CheckPointRow } = await import('../src/components/CheckPointRow.vue')

const item = { id: 'i-1', dept: 'scjg', ord: 1, name: '从业人员健康证明' } as ChecklistItem
const answer = (note: string, photos: string[] = []): ItemResult =>
  ({ item_id: 'i-1', visit_id: 'v-1', dept: 'scjg', value: '不符合', note, photos, version: 0, user_id: 'u', updated_at: '' }) as ItemResult

let cleanup: (() => void) | undefined
afterEach(() => {
  cleanup?.()
  writes.length = 0
})

function mount() {
  const result = shallowRef<ItemResult | undefined>(undefined)
  const el = document.createElement('div')
  document.body.append(el)
  const app = createApp({ setup: () => () => h(CheckPointRow, { item, result: result.value, editable: true, visitId: 'v-1', label: '1' }) })
  app.mount(el)
  cleanup = () => {
    app.unmount()
    el.remove()
  }
  const field = () => el.querySelector<HTMLTextAreaElement>('[data-testid="item-i-1-note"] textarea')!
  return { el, result, field }
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await nextTick()
  await new Promise((r) => setTimeout(r, 0))
}

describe('a check point note and its own writes', () => {
  it('keeps the written finding through the older answer, and the photo carries it', async () => {
    const { el, result, field } = mount()
    el.querySelector<HTMLElement>('[data-testid="item-i-1-fail"]')!.click()
    await settle()
    expect(writes.at(-1)).toEqual({ value: '不符合', note: '', photos: [] })
    field().value = '灭火器过期'
    field().dispatchEvent(new Event('input'))
    field().focus()
    field().blur()
    await settle()
    expect(writes.at(-1)?.note).toBe('灭火器过期')
    // The 不符合 tap's own answer arrives now, older than the field.
    result.value = answer('')
    await settle()
    expect(field().value).toBe('灭火器过期')
    // The photo taken before the newer answer arrives writes the point with its note.
    const input = el.querySelector<HTMLInputElement>('[data-testid="photo-input-i-1"]')!
    Object.defineProperty(input, 'files', { value: [new File(['x'], 'a.jpg', { type: 'image/jpeg' })], configurable: true })
    input.dispatchEvent(new Event('change'))
    await settle()
    expect(writes.at(-1)).toEqual({ value: '不符合', note: '灭火器过期', photos: ['sha-1'] })
  })

  it('shows a note from elsewhere once its own write has come back', async () => {
    const { el, result, field } = mount()
    el.querySelector<HTMLElement>('[data-testid="item-i-1-fail"]')!.click()
    await settle()
    field().value = '甲'
    field().dispatchEvent(new Event('input'))
    field().blur()
    await settle()
    result.value = answer('甲')
    await settle()
    result.value = answer('乙')
    await settle()
    expect(field().value).toBe('乙')
  })
})
