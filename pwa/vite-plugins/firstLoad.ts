// What the first screen waits for, at build time (issue 15: cold start ≤ 2 s
// on a county network). Two things, both measured with
// `node scripts/measure.mjs --trace DIR`:
//
// - Vant's icon font comes inlined in its stylesheet as 34 KB of base64,
//   which made the render-blocking CSS 35 KB gzip instead of about 10, with a
//   fallback on a CDN (at.alicdn.com) that a phone may try to reach. The font
//   becomes its own hashed file: fetched only when an icon is drawn, in
//   parallel with the route's code, precached by the service worker, and the
//   CDN fallback is gone.
// - The phone's home screen (我的任务) is a lazy route: its chunk and the
//   chunks it imports were only requested after the entry had run and the
//   session had been read from IndexedDB, one more round of requests on a
//   150 ms link. index.html now names them (modulepreload, and a preload for
//   their stylesheets), so they arrive with the entry.
import type { Plugin } from 'vite'

/** The parts of Rollup's output this file reads. */
interface Chunk {
  type: 'chunk'
  fileName: string
  isEntry: boolean
  facadeModuleId: string | null
  /** Every module in the chunk: a manual chunk (homeChunk) has no facade. */
  moduleIds?: string[]
  imports: string[]
  viteMetadata?: { importedCss: Set<string> }
}
interface Asset {
  type: 'asset'
  fileName: string
  source: string | Uint8Array
}
type Bundle = Record<string, Chunk | Asset | { type: string; fileName: string }>

/** An @font-face source list that starts with an inline woff2; what follows it (a CDN's woff) goes too. */
const INLINE_WOFF2 = /src:\s*url\(\s*["']?data:font\/woff2;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)["']?\s*\)\s*format\(\s*["']?woff2["']?\s*\)(?:\s*,\s*url\([^)]*\)\s*format\([^)]*\))*/g

/**
 * splitInlineFonts replaces each inline woff2 of css by the URL that
 * fileFor gives its bytes, dropping the other sources of the same list.
 */
export function splitInlineFonts(css: string, fileFor: (woff2: Uint8Array) => string): string {
  return css.replace(INLINE_WOFF2, (_, b64: string) => `src:url(${fileFor(Buffer.from(b64, 'base64'))}) format("woff2")`)
}

/**
 * routeFiles lists what the chunk of module (a path ending, e.g.
 * '/src/views/TasksView.vue') needs beyond what the entry already loads:
 * its chunk, the chunks it imports statically, and their stylesheets.
 */
export function routeFiles(bundle: Bundle, module: string): { js: string[]; css: string[] } {
  const chunks = new Map<string, Chunk>()
  for (const f of Object.values(bundle)) if (f.type === 'chunk') chunks.set(f.fileName, f as Chunk)
  const loaded = new Set<string>()
  const walk = (name: string, into: Set<string>) => {
    if (into.has(name)) return
    into.add(name)
    for (const i of chunks.get(name)?.imports ?? []) walk(i, into)
  }
  for (const c of chunks.values()) if (c.isEntry) walk(c.fileName, loaded)
  const route =
    [...chunks.values()].find((c) => c.facadeModuleId?.endsWith(module)) ??
    [...chunks.values()].find((c) => c.moduleIds?.some((id) => id.endsWith(module)))
  if (!route) return { js: [], css: [] }
  const needed = new Set<string>()
  walk(route.fileName, needed)
  const js = [...needed].filter((n) => !loaded.has(n))
  const css = js.flatMap((n) => [...(chunks.get(n)?.viteMetadata?.importedCss ?? [])])
  return { js, css: [...new Set(css)] }
}

/** The parts of Rollup's module graph homeChunk reads. */
interface ModuleInfo {
  isEntry: boolean
  importedIds: readonly string[]
}
interface Graph {
  getModuleIds(): Iterable<string>
  getModuleInfo(id: string): ModuleInfo | null
}

/**
 * homeChunk is a Rollup manualChunks function that puts the code the home
 * route needs beyond the entry (its view, the header, the Vant components
 * and the small modules they share, with their styles) into one chunk named
 * after the view, instead of the twenty files Rollup cut it into: each file
 * is one more request on a cold load, and with the service worker the
 * parser's preload of each one cost the page's main thread about 5 ms at
 * CPU ×4 (measure.mjs --trace: 100 ms for 25 files). A module the entry
 * imports statically stays in the entry; one only another route uses stays
 * where Rollup puts it; another route that uses a module of this chunk
 * loads the chunk (it is precached).
 */
export function homeChunk(homeRoute: string): (id: string, api: Graph) => string | undefined {
  const name = homeRoute.replace(/^.*\//, '').replace(/\.vue$/, '')
  let home: Set<string> | undefined
  let entry: Set<string> | undefined
  const reach = (from: string[], api: Graph) => {
    const seen = new Set<string>()
    const todo = [...from]
    while (todo.length) {
      const id = todo.pop()!
      if (seen.has(id)) continue
      seen.add(id)
      todo.push(...(api.getModuleInfo(id)?.importedIds ?? []))
    }
    return seen
  }
  return (id, api) => {
    if (!home) {
      const ids = [...api.getModuleIds()]
      const view = ids.find((m) => m.endsWith(homeRoute))
      const start = reach(ids.filter((m) => api.getModuleInfo(m)?.isEntry), api)
      entry = start
      home = new Set(view ? [...reach([view], api)].filter((m) => !start.has(m)) : [])
    }
    // Rollup pulls a manual chunk's dependencies into it unless they have a chunk of their own: the entry's modules keep theirs.
    if (entry!.has(id)) return 'index'
    return home.has(id) ? name : undefined
  }
}

/** firstLoad is the Vite plugin: the icon font out of the CSS, and the home route's files preloaded. */
export function firstLoad(opts: { homeRoute: string }): Plugin {
  let base = '/'
  return {
    name: 'zsc-first-load',
    apply: 'build',
    configResolved(config) {
      base = config.base
    },
    generateBundle(_out, bundle) {
      for (const f of Object.values(bundle)) {
        if (f.type !== 'asset' || !f.fileName.endsWith('.css') || typeof f.source !== 'string') continue
        f.source = splitInlineFonts(f.source, (woff2) => {
          const ref = this.emitFile({ type: 'asset', name: 'vant-icon.woff2', source: woff2 })
          return base + this.getFileName(ref)
        })
      }
    },
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        if (!ctx.bundle) return []
        const { js, css } = routeFiles(ctx.bundle as unknown as Bundle, opts.homeRoute)
        return [
          ...js.map((f) => ({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: '', href: base + f }, injectTo: 'head' as const })),
          ...css.map((f) => ({ tag: 'link', attrs: { rel: 'preload', as: 'style', crossorigin: '', href: base + f }, injectTo: 'head' as const })),
        ]
      },
    },
  }
}
