// What 我的任务 waits for when the app opens (issue 15, cold start ≤ 2 s):
// the list comes from IndexedDB, not from the server; a first load asks only
// the app's own server, and index.html names the screen's code up front, so
// it downloads beside the entry instead of after it. The timings themselves
// are measured by scripts/measure.mjs (section b, --trace for where they go).
import type { Route } from '@playwright/test'
import { expect, test } from './fixtures'

test('我的任务 lists the visits from the phone while the server answers nothing', async ({ phone }) => {
  const { page, context } = await phone('insp1')
  const cards = page.getByTestId('visit-card')
  await expect(cards.first()).toBeVisible()
  const count = await cards.count()

  // Every API call from now on waits for ever (a link that connects and then stalls).
  const held: Route[] = []
  await context.route('**/api/**', (r) => void held.push(r))
  const answered: string[] = []
  page.on('response', (r) => {
    if (r.url().includes('/api/')) answered.push(r.url())
  })
  await page.reload()
  await expect(cards).toHaveCount(count)
  expect(answered, 'no API answer came before the list').toEqual([])
  // The app did ask (its sync on open), and is still waiting.
  await expect.poll(() => held.length).toBeGreaterThan(0)
  await context.unrouteAll({ behavior: 'ignoreErrors' })
})

test("a first load asks only the app's server, and index.html names 我的任务's code", async ({ phone, baseURL }) => {
  const html = await (await fetch(`${baseURL}/tasks`)).text()
  const named = new Set([...html.matchAll(/<(?:script|link)\b[^>]*?(?:src|href)="([^"]+)"/g)].map((m) => m[1]))
  const preloaded = [...html.matchAll(/<link rel="modulepreload"[^>]*href="([^"]+)"/g)].map((m) => m[1])
  expect(preloaded.some((u) => /\/assets\/TasksView-[\w-]+\.js$/.test(u)), 'the home route is preloaded').toBe(true)
  // The render-blocking stylesheet carries no inline font.
  for (const css of [...html.matchAll(/<link rel="stylesheet"[^>]*href="([^"]+)"/g)].map((m) => m[1])) {
    expect(await (await fetch(`${baseURL}${css}`)).text()).not.toContain('data:font')
  }

  const { page, context } = await phone('insp1')
  // A cold open: no service worker, no caches; the session and the visits stay in IndexedDB.
  await page.evaluate(async () => {
    for (const r of await navigator.serviceWorker.getRegistrations()) await r.unregister()
    for (const k of await caches.keys()) await caches.delete(k)
  })
  const fresh = await context.newPage()
  await page.close()
  const elsewhere: string[] = []
  const scripts: string[] = []
  fresh.on('request', (r) => {
    const url = new URL(r.url())
    if (url.origin !== new URL(baseURL!).origin) elsewhere.push(r.url())
    else if (r.resourceType() === 'script') scripts.push(url.pathname)
  })
  await fresh.goto('/tasks')
  await expect(fresh.getByTestId('visit-card').first()).toBeVisible()
  // The icons draw once their font has come (from the app's server, not a CDN).
  await expect.poll(() => fresh.evaluate(() => document.fonts.check('16px vant-icon'))).toBe(true)
  expect(elsewhere, 'requests to other servers').toEqual([])
  const route = scripts.filter((s) => /\/assets\/(TasksView|AppHeader)-/.test(s))
  expect(route.length).toBeGreaterThan(0)
  for (const s of route) expect(named, `${s} is named by index.html`).toContain(s)
})

test('the entry carries no sync engine, and the service worker and the first sync wait for the first card', async ({ phone, baseURL }) => {
  // The sync engine is its own chunk (loaded by src/main.ts after the first screen), not in the entry every open evaluates.
  const html = await (await fetch(`${baseURL}/tasks`)).text()
  const entry = html.match(/<script type="module"[^>]*src="([^"]+)"/)?.[1]
  expect(entry, 'index.html names its entry').toBeTruthy()
  const code = await (await fetch(`${baseURL}${entry}`)).text()
  expect(code.length).toBeGreaterThan(10_000)
  expect(code, "the engine's push is not in the entry").not.toContain('/sync/push')
  expect(code, "the engine's pull is not in the entry").not.toContain('/sync/pull')

  const { page } = await phone('insp1')
  await page.reload()
  await expect(page.getByTestId('visit-card').first()).toBeVisible()
  // The first sync of this open has started (it registers the client, then pushes and pulls).
  await expect.poll(() => page.evaluate(() => performance.getEntriesByType('resource').filter((r) => r.name.includes('/api/')).length)).toBeGreaterThan(0)
  const order = await page.evaluate(() => {
    const shown = performance.getEntriesByName('zsc:first-screen')[0]?.startTime ?? null
    const cards = document.querySelectorAll('[data-testid="visit-card"]').length
    const late = (re: RegExp) => performance.getEntriesByType('resource').filter((r) => re.test(r.name)).map((r) => r.startTime)
    return { shown, cards, api: late(/\/api\//), engine: late(/\/assets\/triggers-/), register: late(/\/assets\/virtual_pwa-register-/) }
  })
  expect(order.shown, 'the first screen says when its list is on screen').not.toBeNull()
  expect(order.cards).toBeGreaterThan(0)
  expect(order.engine.length, 'the engine chunk loads after the first screen').toBeGreaterThan(0)
  for (const [what, starts] of Object.entries({ api: order.api, engine: order.engine, register: order.register })) {
    for (const t of starts) expect(t, `${what} requested after the first card`).toBeGreaterThanOrEqual(order.shown!)
  }
})
