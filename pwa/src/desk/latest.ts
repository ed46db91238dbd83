// Out-of-order answers on the desk screens: a screen asks for the picked
// item (a task, a visit, a year, a page of a search), the user picks another
// before the answer comes, and the first answer, arriving last, would show
// the wrong item's data. latest() numbers each ask; an answer is used only
// while its ask is still the latest one (of its key, for screens that keep
// one answer per row).
//
//   const visitsAsk = latest()
//   async function loadVisits(id: string) {
//     const current = visitsAsk()
//     const got = await fetchVisits(id)
//     if (!current()) return // another task was picked meanwhile
//     visits.value = got
//   }

/** latest returns ask(key?): each call starts an ask and returns current(), true while no later ask of the same key was started. */
export function latest(): (key?: unknown) => () => boolean {
  let n = 0
  const last = new Map<unknown, number>()
  return (key: unknown = '') => {
    const mine = ++n
    last.set(key, mine)
    return () => last.get(key) === mine
  }
}
