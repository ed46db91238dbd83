// useLive under App.vue's <KeepAlive> (issue 15, a week offline): a hidden
// screen keeps its live queries but does not re-draw on their answers; the
// newest answer is on screen as soon as the screen shows again, before any
// new read; a query made in a detached scope during a screen's setup (the
// shared sync indicator) goes on updating while that screen is hidden.
import { describe, expect, it } from 'vitest'
import { KeepAlive, createApp, defineComponent, effectScope, h, nextTick, ref, type Ref } from 'vue'
import { db } from '../src/db/index'
import { useLive } from '../src/composables/live'

const visit = (id: string) =>
  ({ id, task_id: 't', scheduled_on: '2024-06-03', status: 'open', entity: { id: `e-${id}`, name: id, uscc: '', address: '' }, team: [], departments: [], checklist: [], _dirty: 0 }) as never

function harness(opts: { shared?: { value: Ref<number> | undefined } } = {}) {
  let renders = 0
  let reads = 0
  const Counted = defineComponent({
    name: 'Counted',
    setup() {
      const n = useLive(async () => {
        reads++
        return db.visits.count()
      }, -1)
      if (opts.shared) opts.shared.value ??= effectScope(true).run(() => useLive(() => db.visits.count(), -1))
      return () => {
        renders++
        return h('p', { id: 'count' }, String(n.value))
      }
    },
  })
  const Other = defineComponent({ name: 'Other', setup: () => () => h('p', { id: 'other' }, 'other') })
  const showCounted = ref(true)
  const el = document.createElement('div')
  document.body.append(el)
  const app = createApp({ setup: () => () => h(KeepAlive, { include: ['Counted'] }, [showCounted.value ? h(Counted) : h(Other)]) })
  app.mount(el)
  return {
    text: () => el.querySelector('#count')?.textContent ?? null,
    renders: () => renders,
    reads: () => reads,
    show: async (counted: boolean) => {
      showCounted.value = counted
      await nextTick()
    },
    unmount: () => {
      app.unmount()
      el.remove()
    },
  }
}

describe('useLive on a kept-alive screen', () => {
  it('does not re-draw while hidden, and shows the newest answer as it comes back', async () => {
    const t = harness()
    try {
      await expect.poll(t.text).toBe('0')
      await t.show(false)
      expect(t.text()).toBeNull()
      const rendersHidden = t.renders()
      const readsHidden = t.reads()
      await db.visits.put(visit('v-1'))
      // The query follows the write while the screen is hidden…
      await expect.poll(t.reads).toBeGreaterThan(readsHidden)
      await new Promise((r) => setTimeout(r, 20))
      // …but nothing is drawn for nobody.
      expect(t.renders()).toBe(rendersHidden)
      const readsBack = t.reads()
      await t.show(true)
      // On screen with the write, in the same tick, without waiting on a new read.
      expect(t.text()).toBe('1')
      expect(t.reads()).toBe(readsBack)
      await db.visits.put(visit('v-2'))
      await expect.poll(t.text).toBe('2')
    } finally {
      t.unmount()
    }
  })

  it('leaves a query of a detached scope running while the screen that made it is hidden', async () => {
    const shared: { value: Ref<number> | undefined } = { value: undefined }
    const t = harness({ shared })
    try {
      await expect.poll(() => shared.value?.value).toBe(0)
      await t.show(false)
      await db.visits.put(visit('v-1'))
      await expect.poll(() => shared.value?.value).toBe(1)
    } finally {
      t.unmount()
    }
  })
})
