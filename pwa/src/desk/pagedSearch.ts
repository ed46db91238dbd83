// A desk search list's paging: load a page, search again from page 1, reload
// when the page turns or the data underneath changes (an import bumped the
// version). The directory's three lists (entities, inspectors, 回避) share it.
import { onMounted, ref, watch, type Ref } from 'vue'
import { loadErrorText, type Page } from '../views/office/directory'

export function usePagedSearch<T>(fetchPage: (page: number, size: number) => Promise<Page<T>>, version: () => number, size = 20) {
  const page = ref(1)
  const result = ref(null) as Ref<Page<T> | null>
  const loading = ref(false)
  const error = ref('')

  async function load() {
    loading.value = true
    error.value = ''
    try {
      result.value = await fetchPage(page.value, size)
    } catch (err) {
      error.value = loadErrorText(err)
    } finally {
      loading.value = false
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
