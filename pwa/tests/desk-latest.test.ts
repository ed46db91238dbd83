// Out-of-order answers at the desk: latest() keeps only the latest ask's
// answer, and the directory's paged search (usePagedSearch) drops the answer
// for a page or a search no longer asked, however late it arrives.
import { describe, expect, it } from 'vitest'
import { createApp, defineComponent, h, nextTick } from 'vue'
import { latest } from '../src/desk/latest'
import { usePagedSearch } from '../src/desk/pagedSearch'
import type { Page } from '../src/views/office/directory'

/** deferred is a promise the test settles by hand, to make answers arrive in any order. */
function deferred<T>() {
  let resolve!: (v: T) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)))
  return { promise, resolve, reject }
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await nextTick()
}

describe('latest', () => {
  it('only the last ask is current', () => {
    const ask = latest()
    const first = ask()
    expect(first()).toBe(true)
    const second = ask()
    expect(first()).toBe(false)
    expect(second()).toBe(true)
  })

  it('keys are asked apart', () => {
    const ask = latest()
    const a1 = ask('a')
    const b = ask('b')
    expect(a1()).toBe(true)
    const a2 = ask('a')
    expect(a1()).toBe(false)
    expect(a2()).toBe(true)
    expect(b()).toBe(true)
  })

  it('a slow first answer does not overwrite the second', async () => {
    const ask = latest()
    let shown = ''
    const answers = { A: deferred<string>(), B: deferred<string>() }
    async function load(id: 'A' | 'B') {
      const current = ask()
      const got = await answers[id].promise
      if (current()) shown = got
    }
    const a = load('A')
    const b = load('B')
    answers.B.resolve('B')
    await b
    answers.A.resolve('A') // arrives last
    await a
    expect(shown).toBe('B')
  })
})

describe('usePagedSearch', () => {
  function mount() {
    const asked = new Map<number, ReturnType<typeof deferred<Page<string>>>>()
    let search!: ReturnType<typeof usePagedSearch<string>>
    const C = defineComponent({
      setup() {
        search = usePagedSearch<string>(
          (page) => {
            const d = deferred<Page<string>>()
            asked.set(page, d)
            return d.promise
          },
          () => 0,
        )
        return () => h('div')
      },
    })
    const app = createApp(C)
    app.mount(document.createElement('div'))
    return { asked, search: () => search, unmount: () => app.unmount() }
  }
  const pageOf = (n: number): Page<string> => ({ items: [`item of page ${n}`], total: 100, page: n, size: 20 }) 

  it('a page turned before the last answer came shows the new page, not the late old one', async () => {
    const { asked, search, unmount } = mount()
    await flush()
    asked.get(1)!.resolve(pageOf(1))
    await flush()
    expect(search().result.value?.items).toEqual(['item of page 1'])

    search().page.value = 2
    await flush()
    search().page.value = 3
    await flush()
    asked.get(3)!.resolve(pageOf(3))
    await flush()
    expect(search().loading.value).toBe(false)
    asked.get(2)!.resolve(pageOf(2)) // page 2's answer, arriving last
    await flush()
    expect(search().result.value?.items).toEqual(['item of page 3'])
    expect(search().loading.value).toBe(false)
    unmount()
  })

  it('a late failure of a dropped ask shows no error', async () => {
    const { asked, search, unmount } = mount()
    await flush()
    search().page.value = 2
    await flush()
    asked.get(2)!.resolve(pageOf(2))
    asked.get(1)!.reject(new Error('late'))
    await flush()
    expect(search().error.value).toBe('')
    expect(search().result.value?.items).toEqual(['item of page 2'])
    unmount()
  })
})
