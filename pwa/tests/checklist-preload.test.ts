// Opening a checklist from the router's read (src/visit/preload.ts): the one
// read gives what the checklist's three live queries give; it is handed over
// once, to the visit it was read for; and a write after it shows as soon as
// the live query that starts from it answers (the read never hides a newer value).
import { describe, expect, it } from 'vitest'
import { createApp, defineComponent, h, nextTick, ref, shallowRef } from 'vue'
import { db } from '../src/db/index'
import { visitById, visitSideRecords } from '../src/db/queries'
import { useLive } from '../src/composables/live'
import { preloadChecklist, readChecklist, shareVisits, takeChecklist, visitWork } from '../src/visit/preload'
import { sameAnswer } from '../src/visit/stable'

const visit = (id: string) =>
  ({ id, task_id: 't', scheduled_on: '2024-06-03', status: 'open', entity: { id: `e-${id}`, name: id, uscc: '', address: '' }, team: [], departments: ['scjg'], checklist: [], _dirty: 0 }) as never
const result = (item_id: string, value: string) =>
  ({ item_id, visit_id: 'v-1', dept: 'scjg', value, note: '', photos: [], version: 1, user_id: 'u', updated_at: '', _dirty: 0, _base: null }) as never

async function seed() {
  await db.visits.bulkPut([visit('v-1'), visit('v-2')])
  await db.results.bulkPut([result('i-1', '符合'), result('i-2', '不符合')])
  await db.checkins.put({ id: 'c-1', visit_id: 'v-1', user_id: 'u', at: '2024-06-03T08:00:00Z', lat: null, lng: null, accuracy: null, _dirty: 0, _base: null } as never)
}

describe('the checklist read before the screen opens', () => {
  it('gives what the screen’s live queries give', async () => {
    await seed()
    const got = await readChecklist('v-1')
    expect(got.visit).toEqual(await visitById('v-1'))
    expect(got.work).toEqual(await visitWork('v-1'))
    expect(got.work.results.map((r) => r.item_id).sort()).toEqual(['i-1', 'i-2'])
    expect(got.side).toEqual(await visitSideRecords('v-1'))
    expect(got.side.checkins).toHaveLength(1)
    expect((await readChecklist('v-9')).visit).toBeUndefined()
  })

  it('starts from the visit 我的任务 holds, while it shares it, and reads the rest', async () => {
    await seed()
    const held = { ...(await visitById('v-1'))! }
    shareVisits((id) => (id === 'v-1' ? held : undefined))
    try {
      const got = await readChecklist('v-1')
      expect(got.visit).toBe(held)
      expect(got.work.results).toHaveLength(2)
      expect(got.side.checkins).toHaveLength(1)
      expect((await readChecklist('v-2')).visit?.id).toBe('v-2')
    } finally {
      shareVisits(undefined)
    }
    expect((await readChecklist('v-1')).visit).not.toBe(held)
  })

  it('is handed over once, and only to its own visit', async () => {
    await seed()
    await preloadChecklist('v-1')
    expect(takeChecklist('v-2')).toBeUndefined()
    await preloadChecklist('v-1')
    expect(takeChecklist('v-1')?.visit?.id).toBe('v-1')
    expect(takeChecklist('v-1')).toBeUndefined()
  })

  it('never hides a write made after it', async () => {
    await seed()
    await preloadChecklist('v-1')
    const start = takeChecklist('v-1')!
    // A write lands between the router's read and the screen's own query.
    await db.results.put(result('i-1', '不涉及'))
    const shown = ref('')
    const el = document.createElement('div')
    const app = createApp(
      defineComponent({
        setup() {
          const work = useLive(() => visitWork('v-1'), start.work)
          return () => {
            shown.value = work.value.results.find((r) => r.item_id === 'i-1')!.value
            return h('p')
          }
        },
      }),
    )
    app.mount(el)
    try {
      // The first render is the router's read…
      expect(shown.value).toBe('符合')
      // …and the live query's answer replaces it.
      await expect.poll(() => shown.value).toBe('不涉及')
    } finally {
      app.unmount()
    }
  })
})

describe('sameAnswer', () => {
  it('keeps the shown object for an equal answer and takes a changed one', async () => {
    const src = shallowRef<{ a: number } | null>(null)
    const get = sameAnswer(src)
    let shown = get(undefined)
    expect(shown).toBeNull()
    const first = { a: 1 }
    src.value = first
    shown = get(shown)
    expect(shown).toBe(first)
    src.value = { a: 1 }
    shown = get(shown)
    expect(shown).toBe(first)
    src.value = { a: 2 }
    shown = get(shown)
    expect(shown).toEqual({ a: 2 })
    await nextTick()
  })
})
