// A desk search list's paging: load a page, search again from page 1, reload
// when the page turns or the data underneath changes (an import bumped the
// version). The directory's three lists (entities, inspectors, 回避) share it.
// Only the latest ask's answer is shown: a page turned or a search started
// before the last answer came drops that answer.
import { onMounted, ref, watch, type Ref } from 'vue'
import { loadErrorText, type Page } from '../views/office/directory'
import { latest } from './latest'

export function usePagedSearch<T>(fetchPage: (page: number, size: number) => Promise<Page<T>>, version: () => number, size = 20) {
  const page = ref(1)
  const result = ref(null) as Ref<Page<T> | null>
  const loading = ref(false)
  const error = ref('')
  const ask = latest()

  async function load() {
    const current = ask()
    loading.value = true
    error.value = ''
    try {
      const got = await fetchPage(page.value, size)
      if (current()) result.value = got
    } catch (err) {
      if (current()) error.value = loadErrorText(err)
    } finally {
      if (current()) loading.value = false
    }
  }

  function search() {
    // Back to the first page: the watch on page loads it, or load now when already there.
    if (page.value !== 1) page.value = 1
    else load()
  }

  watch(page, load)
  watch(version, load)
  onMounted(load)

  return { page, result, loading, error, search, SIZE: size }
}
