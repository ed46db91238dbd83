/// <reference types="vitest/config" />
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { VantResolver } from '@vant/auto-import-resolver'
import { VitePWA } from 'vite-plugin-pwa'
import { firstLoad, homeChunk } from './vite-plugins/firstLoad'
import { vantDirect } from './vite-plugins/vantDirect'
import { fileURLToPath, URL } from 'node:url'
import { readFileSync } from 'node:fs'

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string }
// The API server during development (`go run ./server/cmd/zsc serve --demo`).
const apiTarget = process.env.ZSC_API ?? 'http://127.0.0.1:8080'

export default defineConfig({
  define: {
    __APP_VERSION__: JSON.stringify(pkg.version),
  },
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  plugins: [
    // No component here or in Vant is written with the Options API: its support leaves the entry.
    vue({ features: { optionsAPI: false } }),
    // The icon font out of the render-blocking CSS; 我的任务's chunks preloaded by index.html (vite-plugins/firstLoad.ts).
    firstLoad({ homeRoute: '/src/views/TasksView.vue' }),
    // Vant components are imported on use, with their styles (STYLE.md: VantResolver).
    Components({ resolvers: [VantResolver()], dts: 'src/components.d.ts' }),
    // Vant's imports from each component's folder, not its barrel (vite-plugins/vantDirect.ts): after Components.
    vantDirect(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      // The page decides when to update (src/pwa/update.ts): only when the user
      // agrees and the outbox is empty (DESIGN §5 step 7, STYLE.md 12).
      registerType: 'prompt',
      injectRegister: false,
      includeAssets: ['icons/*.png'],
      manifest: {
        id: '/',
        name: '掌上查',
        short_name: '掌上查',
        description: '双随机、一公开联合检查：离线检查单、责令改正通知书与复查',
        lang: 'zh-CN',
        dir: 'ltr',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        orientation: 'portrait',
        theme_color: '#1763c6',
        background_color: '#f5f6f8',
        categories: ['government', 'productivity'],
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-maskable-192.png', sizes: '192x192', type: 'image/png', purpose: 'maskable' },
          { src: '/icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      injectManifest: {
        globPatterns: ['**/*.{js,css,html,png,svg,webmanifest,woff2}'],
        // The office's screens (the dashboard with its ECharts chunk, paper entry) load on demand, never precached on phones.
        globIgnores: [
          '**/charts-*.js',
          '**/OfficeHome-*.js',
          '**/OfficeHome-*.css',
          '**/PaperEntry-*.js',
          '**/PaperEntry-*.css',
          '**/ChecklistsView-*.js',
          '**/ChecklistsView-*.css',
          '**/ReferralsView-*.js',
          '**/ReferralsView-*.css',
        ],
      },
      devOptions: { enabled: false, type: 'module' },
    }),
  ],
  server: {
    proxy: { '/api': { target: apiTarget, changeOrigin: false } },
  },
  preview: {
    proxy: { '/api': { target: apiTarget, changeOrigin: false } },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    chunkSizeWarningLimit: 400,
    // 我的任务's code beyond the entry in one file (vite-plugins/firstLoad.ts).
    rollupOptions: { output: { manualChunks: homeChunk('/src/views/TasksView.vue') } },
  },
  test: {
    environment: 'happy-dom',
    setupFiles: ['tests/setup.ts'],
    // Vant imports its CSS from its ES modules: through Vite, so that a test can mount a component that uses it.
    server: { deps: { inline: ['vant'] } },
    include: ['tests/**/*.test.ts'],
  },
})
