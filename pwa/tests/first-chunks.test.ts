// How the build cuts 我的任务's code (issue 15, cold start): Vant imported
// per component folder rather than through its barrel, the home route's code
// beyond the entry in one chunk, and that chunk preloaded by index.html.
import { describe, expect, it } from 'vitest'
import { homeChunk, routeFiles } from '../vite-plugins/firstLoad'
import { folderOf, rewriteVantImports } from '../vite-plugins/vantDirect'

describe("Vant's imports", () => {
  it('name the folder of each component and function', () => {
    expect(folderOf('Tag')).toBe('tag')
    expect(folderOf('PullRefresh')).toBe('pull-refresh')
    expect(folderOf('showConfirmDialog')).toBe('dialog')
    expect(folderOf('showToast')).toBe('toast')
    expect(folderOf('showImagePreview')).toBe('image-preview')
    expect(folderOf('buttonProps')).toBe('button')
  })

  it("come from the components' folders, not the barrel", () => {
    const code = [
      `import { Tag as __unplugin_components_0 } from 'vant/es';`,
      `import 'vant/es/tag/style/index';`,
      `import { showConfirmDialog, showToast } from "vant"`,
      `import { ref } from 'vue'`,
    ].join('\n')
    const out = rewriteVantImports(code)
    expect(out).toContain(`import { Tag as __unplugin_components_0 } from 'vant/es/tag/index.mjs';`)
    expect(out).toContain(`import { showConfirmDialog } from "vant/es/dialog/index.mjs";`)
    expect(out).toContain(`import { showToast } from "vant/es/toast/index.mjs";`)
    expect(out).toContain(`import 'vant/es/tag/style/index';`)
    expect(out).toContain(`import { ref } from 'vue'`)
    expect(out).not.toMatch(/from ["']vant(\/es)?["']/)
  })

  it('leave type-only names out', () => {
    expect(rewriteVantImports(`import { type PickerOption, showToast } from 'vant'`)).toBe(`import { showToast } from 'vant/es/toast/index.mjs';`)
  })
})

describe("the home route's chunk", () => {
  // main → vue, router; router ⇢ TasksView (dynamic); TasksView → vue, AppHeader, tag; AppHeader → tag, status;
  // Login (another route) → status, field.
  const graph: Record<string, { isEntry?: boolean; imports: string[] }> = {
    '/app/index.html': { isEntry: true, imports: ['/app/src/main.ts'] },
    '/app/src/main.ts': { imports: ['/nm/vue.js', '/app/src/router.ts'] },
    '/app/src/router.ts': { imports: ['/nm/vue.js'] },
    '/nm/vue.js': { imports: [] },
    '/app/src/views/TasksView.vue': { imports: ['/nm/vue.js', '/app/src/components/AppHeader.vue', '/nm/vant/es/tag/index.mjs'] },
    '/app/src/components/AppHeader.vue': { imports: ['/nm/vant/es/tag/index.mjs', '/app/src/sync/status.ts'] },
    '/nm/vant/es/tag/index.mjs': { imports: ['/nm/vue.js'] },
    '/app/src/sync/status.ts': { imports: [] },
    '/app/src/views/LoginView.vue': { imports: ['/app/src/sync/status.ts', '/nm/vant/es/field/index.mjs'] },
    '/nm/vant/es/field/index.mjs': { imports: ['/nm/vue.js'] },
  }
  const api = {
    getModuleIds: () => Object.keys(graph),
    getModuleInfo: (id: string) => (graph[id] ? { isEntry: !!graph[id].isEntry, importedIds: graph[id].imports } : null),
  }

  it("holds what the view needs beyond the entry; the entry's modules keep the entry; the rest is Rollup's", () => {
    const chunkOf = homeChunk('/src/views/TasksView.vue')
    const got = Object.fromEntries(Object.keys(graph).map((id) => [id, chunkOf(id, api)]))
    expect(got).toEqual({
      '/app/index.html': 'index',
      '/app/src/main.ts': 'index',
      '/app/src/router.ts': 'index',
      '/nm/vue.js': 'index',
      '/app/src/views/TasksView.vue': 'TasksView',
      '/app/src/components/AppHeader.vue': 'TasksView',
      '/nm/vant/es/tag/index.mjs': 'TasksView',
      '/app/src/sync/status.ts': 'TasksView',
      '/app/src/views/LoginView.vue': undefined,
      '/nm/vant/es/field/index.mjs': undefined,
    })
  })

  it('is found and preloaded by index.html though it has no facade', () => {
    const bundle = {
      'index.js': { type: 'chunk' as const, fileName: 'index.js', isEntry: true, facadeModuleId: '/app/index.html', imports: [] },
      'TasksView.js': {
        type: 'chunk' as const,
        fileName: 'TasksView.js',
        isEntry: false,
        facadeModuleId: null,
        moduleIds: ['/app/src/components/AppHeader.vue', '/app/src/views/TasksView.vue'],
        imports: ['index.js'],
        viteMetadata: { importedCss: new Set(['TasksView.css']) },
      },
    }
    expect(routeFiles(bundle, '/src/views/TasksView.vue')).toEqual({ js: ['TasksView.js'], css: ['TasksView.css'] })
  })
})
