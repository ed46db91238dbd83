// Vant's imports straight from each component's folder (issue 15, cold start).
// `import { showToast } from 'vant'` and the components' auto-imports
// (`from 'vant/es'`) go through Vant's barrel, which imports every
// component: tree-shaking drops what nothing uses, but for Rollup's chunking
// the barrel makes every component a dependency of whoever imports it, so
// 我的任务's code cannot be put in one chunk (homeChunk in ./firstLoad.ts)
// without pulling the whole of Vant into it. Rewritten per folder
// (`from 'vant/es/toast/index.mjs'`), the graph holds only what is used.
import type { Plugin } from 'vite'

/** The function-call APIs and the folder that exports each (as @vant/auto-import-resolver maps them). */
const API_FOLDER: Record<string, string> = {
  showDialog: 'dialog',
  closeDialog: 'dialog',
  showConfirmDialog: 'dialog',
  setDialogDefaultOptions: 'dialog',
  resetDialogDefaultOptions: 'dialog',
  showImagePreview: 'image-preview',
  showNotify: 'notify',
  closeNotify: 'notify',
  setNotifyDefaultOptions: 'notify',
  resetNotifyDefaultOptions: 'notify',
  showToast: 'toast',
  closeToast: 'toast',
  showFailToast: 'toast',
  showLoadingToast: 'toast',
  showSuccessToast: 'toast',
  allowMultipleToast: 'toast',
  setToastDefaultOptions: 'toast',
  resetToastDefaultOptions: 'toast',
}

/** folderOf names the folder of vant/es that exports name (a component, its props, or a function-call API). */
export function folderOf(name: string): string {
  if (API_FOLDER[name]) return API_FOLDER[name]
  // ButtonProps, buttonProps → Button; ImagePreview → image-preview.
  const base = name.replace(/Props$/, '').replace(/^[a-z]/, (c) => c.toUpperCase())
  return base.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()
}

const BARREL_IMPORT = /import\s*\{([^}]*)\}\s*from\s*(["'])vant(?:\/es)?(?:\/index\.mjs)?\2;?/g

/** rewriteVantImports turns every value import from Vant's barrel into imports from the components' folders. */
export function rewriteVantImports(code: string): string {
  return code.replace(BARREL_IMPORT, (_all, list: string, q: string) =>
    list
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s && !s.startsWith('type '))
      .map((s) => `import { ${s} } from ${q}vant/es/${folderOf(s.split(/\s+as\s+/)[0])}/index.mjs${q};`)
      .join('\n'),
  )
}

/** vantDirect is the Vite plugin (build only); it must come after unplugin-vue-components, which writes the auto-imports. */
export function vantDirect(): Plugin {
  return {
    name: 'zsc-vant-direct',
    apply: 'build',
    // unplugin-vue-components writes the auto-imports in the 'post' phase; this comes after it in the list.
    enforce: 'post',
    transform(code, id) {
      if (id.includes('/node_modules/') || !/from\s*["']vant(?:\/es)?["']/.test(code)) return null
      return { code: rewriteVantImports(code), map: null }
    },
  }
}
