// Fixtures of the end-to-end suite: one real `zsc serve --demo` per test
// file (started by the first test of the file in this worker, stopped when
// the worker moves on to another file or ends), an API client for it, and
// phones: browser contexts at 390×844 with touch, zh-CN, China time and the
// service worker, each signed in through the login screen.
import { test as base, expect, type Browser, type BrowserContext, type Page } from '@playwright/test'
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Api, PASSWORD } from './api'
import { startServer, type ZscServer } from './server'
import { PHONE } from './devices'

export { expect, PHONE }

const here = dirname(fileURLToPath(import.meta.url))
/**
 * Screenshots of the main screens: into docs/screenshots/ (the README's)
 * with UPDATE_SCREENSHOTS=1, else into test-results/screenshots/ so that a
 * plain `make test` leaves the work tree as it was.
 */
export const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS
  ? join(here, '..', '..', 'docs', 'screenshots')
  : join(here, '..', 'test-results', 'screenshots')

export interface Phone {
  context: BrowserContext
  page: Page
  user: string
  /** errors thrown in the page (uncaught), for the test to look at */
  errors: string[]
}

interface Fixtures {
  server: ZscServer
  api: Api
  /** phone(user) opens a new phone context and signs `user` in. */
  phone: (user: string, opts?: { login?: boolean }) => Promise<Phone>
  shot: (page: Page, name: string, opts?: { fullPage?: boolean }) => Promise<void>
}
interface WorkerFixtures {
  serverOfFile: { get: (file: string) => Promise<ZscServer> }
}

export const test = base.extend<Fixtures, WorkerFixtures>({
  serverOfFile: [
    async ({}, use) => {
      let current: { file: string; server: Promise<ZscServer> } | null = null
      await use({
        get: async (file) => {
          if (current?.file !== file) {
            if (current) await (await current.server).stop()
            current = { file, server: startServer() }
          }
          return current.server
        },
      })
      if (current) await (await (current as { server: Promise<ZscServer> }).server).stop()
    },
    { scope: 'worker', timeout: 90_000 },
  ],
  server: async ({ serverOfFile }, use, testInfo) => {
    const server = await serverOfFile.get(testInfo.file)
    await use(server)
    if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach('zsc.log', { body: server.log(), contentType: 'text/plain' })
  },
  baseURL: async ({ server }, use) => {
    await use(server.url)
  },
  api: async ({ server }, use) => {
    await use(new Api(server.url))
  },
  phone: async ({ browser, server }, use) => {
    const opened: Phone[] = []
    await use(async (user, opts = {}) => {
      const p = await openPhone(browser, server.url, user, opts.login ?? true)
      opened.push(p)
      return p
    })
    for (const p of opened) await p.context.close()
  },
  shot: async ({}, use) => {
    mkdirSync(SCREENSHOTS, { recursive: true })
    await use(async (page, name, opts = {}) => {
      // Toasts and transitions settle first; the caret and animations are off.
      await expect(page.locator('.van-toast:visible')).toHaveCount(0, { timeout: 5000 })
      await page.screenshot({ path: join(SCREENSHOTS, name), fullPage: opts.fullPage ?? false, animations: 'disabled', caret: 'hide' })
    })
  },
})

export async function openPhone(browser: Browser, baseURL: string, user: string, login = true): Promise<Phone> {
  const context = await browser.newContext({ ...PHONE, baseURL })
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(`${user}: ${e.message}`))
  const p = { context, page, user, errors }
  if (login) await signIn(page, user)
  return p
}

/** signIn logs in through the login screen and waits for the first sync (the bootstrap pull). */
export async function signIn(page: Page, user: string, home = /\/tasks$/): Promise<void> {
  await page.goto('/login')
  await page.getByTestId('login-username').locator('input').fill(user)
  await page.getByTestId('login-password').locator('input').fill(PASSWORD)
  // The first pull after login is the bootstrap: the indicator reads 已同步 only once it is applied.
  // Desk roles (office, admin) keep no local copy: their first sync only registers the client.
  const first = user === 'office' || user === 'admin' ? '/api/v1/sync/clients' : '/api/v1/sync/pull'
  const bootstrap = page.waitForResponse((r) => r.url().includes(first) && r.ok(), { timeout: 30_000 })
  await page.getByTestId('login-submit').click()
  await expect(page).toHaveURL(home)
  await bootstrap
  await waitSynced(page)
  await waitForServiceWorker(page)
}

/** waitSynced waits until the indicator reads 已同步: nothing in the outbox and no run going. */
export async function waitSynced(page: Page, timeout = 30_000): Promise<void> {
  const status = page.getByTestId('sync-status')
  await expect(status).toHaveAttribute('data-state', 'synced', { timeout })
  await expect(status).toHaveText('已同步')
}

/** waitForServiceWorker waits until the service worker controls the page (the app shell is precached). */
export async function waitForServiceWorker(page: Page): Promise<void> {
  await expect
    .poll(() => page.evaluate(() => navigator.serviceWorker?.controller?.state ?? 'none'), {
      message: 'the service worker controls the page',
      timeout: 30_000,
    })
    .toBe('activated')
}

/** sync taps the indicator (it syncs) and waits for 已同步. */
export async function syncAndWait(page: Page): Promise<void> {
  await page.getByTestId('sync-status').click()
  await waitSynced(page)
}

/** openVisit opens a visit from 我的任务 by tapping its card. */
export async function openVisit(page: Page, visitId: string): Promise<void> {
  if (!/\/tasks$/.test(page.url())) await page.goto('/tasks')
  const card = page.locator(`[data-testid="visit-card"][data-visit-id="${visitId}"]`)
  await card.click()
  await expect(page).toHaveURL(new RegExp(`/visits/${visitId}$`))
  await expect(page.getByTestId('section-mine')).toBeVisible()
}

/** item is one checklist item row. */
export function item(page: Page, itemId: string) {
  return page.locator(`[data-testid="checklist-item"][data-item="${itemId}"]`)
}

/** answer taps 符合 / 不符合 / 不涉及 on an item and waits until the row shows it. */
export async function answer(page: Page, itemId: string, value: '符合' | '不符合' | '不涉及'): Promise<void> {
  const key = { 符合: 'pass', 不符合: 'fail', 不涉及: 'na' }[value]
  await page.getByTestId(`item-${itemId}-${key}`).click()
  await expect(item(page, itemId)).toHaveAttribute('data-value', value)
}

/** chooseOutcome ticks one R9 category in the 检查结果 section. */
export async function chooseOutcome(page: Page, category: string): Promise<void> {
  const box = page.getByTestId('outcome-section').locator(`[data-category="${category}"]`)
  await box.click()
  await expect(box).toHaveAttribute('aria-checked', 'true')
}

/** drawSignature opens the signature pad of `kind`, draws a stroke with the mouse and saves it. */
export async function drawSignature(page: Page, kind: 'inspector' | 'entity', signer = ''): Promise<void> {
  await page.getByTestId(`signature-open-${kind}`).click()
  if (kind === 'entity') await page.getByTestId('signature-signer').locator('input').fill(signer)
  const canvas = page.getByTestId('signature-canvas')
  await expect(canvas).toBeVisible()
  // The popup slides up: draw once it has arrived.
  await expect(page.locator('[class*="van-popup-slide-bottom-enter"]')).toHaveCount(0)
  const box = (await canvas.boundingBox())!
  await page.mouse.move(box.x + 30, box.y + box.height / 2)
  await page.mouse.down()
  for (let k = 1; k <= 24; k++) {
    await page.mouse.move(box.x + 30 + k * ((box.width - 60) / 24), box.y + box.height / 2 + Math.sin(k / 2) * (box.height / 4))
  }
  await page.mouse.up()
  const save = page.getByTestId('signature-save')
  await expect(save).toBeEnabled()
  await save.click()
  await expect(canvas).toBeHidden()
}
