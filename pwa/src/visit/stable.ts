// Keeping what did not change the same object, so that Vue re-renders only
// what did (issue 15, a week offline): every liveQuery answer is a fresh copy
// out of IndexedDB, and a check point handed a fresh copy of its unchanged
// result re-renders as if it had changed; a 符合 tap re-rendered the whole
// checklist.

/**
 * reuseUnchanged returns next, with each entry that equals (same JSON) the
 * previous answer's entry of the same key replaced by that previous object.
 */
export function reuseUnchanged<T>(prev: Record<string, T> | undefined, next: Record<string, T>): Record<string, T> {
  if (!prev) return next
  const out: Record<string, T> = {}
  for (const [k, v] of Object.entries(next)) {
    const p = prev[k]
    out[k] = p !== undefined && (p === v || JSON.stringify(p) === JSON.stringify(v)) ? p : v
  }
  return out
}

/** sameSet returns prev when it holds exactly next's members, else next. */
export function sameSet<T>(prev: Set<T> | undefined, next: Set<T>): Set<T> {
  if (!prev || prev.size !== next.size) return next
  for (const x of next) if (!prev.has(x)) return next
  return prev
}

/**
 * sameAnswer is a computed getter over a live query's answer that keeps the
 * previous object while the new answer has the same JSON: a checklist opened
 * from the router's read (src/visit/preload.ts) gets the same records again
 * from its live queries, and re-drew every point for them.
 */
export function sameAnswer<T>(source: { readonly value: T }): (prev?: T) => T {
  let shown: string | undefined
  return (prev?: T) => {
    const next = source.value
    const json = JSON.stringify(next) ?? 'undefined'
    if (prev !== undefined && json === shown) return prev
    shown = json
    return next
  }
}
