// What the first screen waits for (issue 15): the build's icon font split and
// home-route preloads (vite-plugins/firstLoad.ts), and the task list's
// rejected records read through the outbox's state index.
import { describe, expect, it } from 'vitest'
import { routeFiles, splitInlineFonts } from '../vite-plugins/firstLoad'
import { db } from '../src/db/index'
import { rejectedOutbox } from '../src/db/queries'
import type { OutboxEntry, OutboxState } from '../src/db/types'

describe('the icon font out of the stylesheet', () => {
  const font = Buffer.from('wOF2 not really a font')
  const css =
    '.van-icon{font:14px/1 vant-icon}@font-face{font-family:vant-icon;font-display:auto;' +
    `src:url(data:font/woff2;charset=utf-8;base64,${font.toString('base64')}) format("woff2"),url(//at.alicdn.com/t/c/font_2553510_x.woff?t=1) format("woff")}.van-icon-add:before{content:"\\e600"}`

  it('becomes a file of its own, and the CDN fallback goes', () => {
    const files: Uint8Array[] = []
    const out = splitInlineFonts(css, (bytes) => {
      files.push(bytes)
      return '/assets/vant-icon-abc.woff2'
    })
    expect(files.map((f) => Buffer.from(f).toString())).toEqual(['wOF2 not really a font'])
    expect(out).toContain('src:url(/assets/vant-icon-abc.woff2) format("woff2")}')
    expect(out).not.toContain('base64')
    expect(out).not.toContain('alicdn')
    expect(out).toContain('.van-icon-add:before{content:"\\e600"}')
  })

  it('leaves a stylesheet without an inline font as it is', () => {
    const plain = '@font-face{font-family:x;src:url(/a.woff2) format("woff2")}'
    expect(splitInlineFonts(plain, () => 'never')).toBe(plain)
  })
})

describe("the home route's files", () => {
  const chunk = (fileName: string, imports: string[], extra: object = {}) => ({
    type: 'chunk' as const,
    fileName,
    isEntry: false,
    facadeModuleId: null,
    imports,
    viteMetadata: { importedCss: new Set<string>() },
    ...extra,
  })
  const bundle = {
    'index.js': chunk('index.js', ['vue.js'], { isEntry: true, facadeModuleId: '/app/index.html' }),
    'vue.js': chunk('vue.js', []),
    'TasksView.js': chunk('TasksView.js', ['AppHeader.js', 'vue.js', 'button.js'], {
      facadeModuleId: '/app/src/views/TasksView.vue',
      viteMetadata: { importedCss: new Set(['TasksView.css']) },
    }),
    'AppHeader.js': chunk('AppHeader.js', ['button.js'], { viteMetadata: { importedCss: new Set(['AppHeader.css']) } }),
    'button.js': chunk('button.js', [], { viteMetadata: { importedCss: new Set(['button.css']) } }),
    'OfficeTasks.js': chunk('OfficeTasks.js', ['charts.js'], { facadeModuleId: '/app/src/views/office/TasksView.vue' }),
    'charts.js': chunk('charts.js', []),
    'index.css': { type: 'asset', fileName: 'index.css' },
  }

  it('are its chunk, what it imports beyond the entry, and their stylesheets', () => {
    expect(routeFiles(bundle, '/src/views/TasksView.vue')).toEqual({
      js: ['TasksView.js', 'AppHeader.js', 'button.js'],
      css: ['TasksView.css', 'AppHeader.css', 'button.css'],
    })
  })

  it('are nothing when the route is not in the bundle', () => {
    expect(routeFiles(bundle, '/src/views/Nowhere.vue')).toEqual({ js: [], css: [] })
  })
})

describe('the rejected records of the task list', () => {
  const entry = (seq: number, state: OutboxState): OutboxEntry => ({
    seq,
    id: `m-${seq}`,
    name: 'item.set',
    at: '2026-12-01T08:00:00Z',
    args: {},
    state,
    reason: state === 'rejected' ? '检查已完成' : '',
    attempts: 0,
    last_error: '',
    sent_at: null,
    settled_at: null,
    visit_id: 'v-1',
  })

  it('are all found, newest first, however many newer records wait behind them', async () => {
    await db.outbox.bulkAdd([entry(1, 'rejected'), entry(2, 'rejected'), ...Array.from({ length: 600 }, (_, i) => entry(3 + i, 'pending'))])
    expect((await rejectedOutbox()).map((e) => e.seq)).toEqual([2, 1])
  })
})
