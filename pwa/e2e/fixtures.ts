// Fixtures of the end-to-end suite: one real `zsc serve --demo` per test
// file (started by the first test of the file in this worker, stopped when
// the worker moves on to another file or ends), an API client for it, and
// phones: browser contexts at 390×844 with touch, zh-CN, China time and the
// service worker, each signed in through the login screen.
import { test as base, expect, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test'
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
export async function signIn(page: Page, user: string, home = user === 'lead' ? /\/lead$/ : /\/tasks$/): Promise<void> {
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

/**
 * syncAndWait taps the indicator (it syncs) and waits for a run that ended
 * after the tap with every answer (the shared sync state's last_ok_at), then
 * for 已同步. The indicator alone is not enough: it may still read 已同步
 * from before the tap while the run it starts has not begun.
 */
export async function syncAndWait(page: Page): Promise<void> {
  const tapped = Date.now()
  await page.getByTestId('sync-status').click()
  await expect
    .poll(() => lastOkAt(page), { message: 'a sync run that ended after the tap', timeout: 30_000 })
    .toBeGreaterThanOrEqual(tapped)
  await waitSynced(page)
}

/** lastOkAt reads when a sync run last got every answer (ms), from the phone's meta table; 0 if never. */
function lastOkAt(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open('zsc')
        open.onerror = () => reject(open.error)
        open.onsuccess = () => {
          const idb = open.result
          const get = idb.transaction('meta', 'readonly').objectStore('meta').get('sync_state')
          get.onsuccess = () => {
            const at = (get.result as { value?: { last_ok_at?: string | null } } | undefined)?.value?.last_ok_at
            idb.close()
            resolve(at ? Date.parse(at) : 0)
          }
          get.onerror = () => (idb.close(), reject(get.error))
        }
      }),
  )
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

/**
 * chooseOutcome sets this phone's department's 检查结果 to exactly
 * `categories` (R9) and records it: the screen proposes an outcome from the
 * points and saves nothing until 确认检查结果; once recorded, each tap saves.
 */
export async function chooseOutcome(page: Page, categories: string | string[]): Promise<void> {
  const want = [categories].flat()
  const section = page.getByTestId('section-mine').getByTestId('outcome-section')
  const boxes = section.locator('[data-category]')
  await expect(boxes.first()).toBeVisible()
  const checked = async (c: string) => (await section.locator(`[data-category="${c}"]`).getAttribute('aria-checked')) === 'true'
  const all = await boxes.evaluateAll((els) => els.map((e) => e.getAttribute('data-category') ?? ''))
  // Tick what is wanted first, then untick the rest: the last box can never be unticked.
  for (const c of want) if (!(await checked(c))) await section.locator(`[data-category="${c}"]`).click()
  for (const c of all) if (!want.includes(c) && (await checked(c))) await section.locator(`[data-category="${c}"]`).click()
  for (const c of all) await expect(section.locator(`[data-category="${c}"]`)).toHaveAttribute('aria-checked', String(want.includes(c)))
  if ((await section.getAttribute('data-recorded')) !== '1') await section.getByTestId('outcome-confirm').click()
  await expect(section).toHaveAttribute('data-recorded', '1')
}

/** drawStroke draws one stroke with the mouse on the open signature pad, once its popup has arrived. */
/** Taps counts touches on the screen for the README's tap counts (typing is not a tap). */
export class Taps {
  n = 0
  async tap(l: Locator) {
    this.n++
    await l.click()
  }
}

export async function drawStroke(page: Page): Promise<void> {
  const canvas = page.getByTestId('signature-canvas')
  await expect(canvas).toBeVisible()
  await expect(page.locator('[class*="van-popup-slide-bottom-enter"]')).toHaveCount(0)
  const box = (await canvas.boundingBox())!
  await page.mouse.move(box.x + 30, box.y + box.height / 2)
  await page.mouse.down()
  for (let k = 1; k <= 24; k++) {
    await page.mouse.move(box.x + 30 + k * ((box.width - 60) / 24), box.y + box.height / 2 + Math.sin(k / 2) * (box.height / 4))
  }
  await page.mouse.up()
}

/** The entity's signer: name, role (0 负责人, 1 法定代表人, 2 委托人) and an optional phone. */
export interface EntitySigner {
  entity: string
  role?: 0 | 1 | 2
  phone?: string
}

/**
 * drawSignature signs on this phone: `{ inspector: user_id }` opens that
 * team member's pad in his department's section; an EntitySigner fills the
 * signer's name, role and phone, confirms 以上情况属实, then signs. Each
 * waits until the screen shows the signature.
 */
export async function drawSignature(page: Page, who: { inspector: string } | EntitySigner): Promise<void> {
  const canvas = page.getByTestId('signature-canvas')
  if ('inspector' in who) {
    await page.getByTestId(`sign-inspector-${who.inspector}`).click()
    await drawStroke(page)
  } else {
    await page.getByTestId('section-mine').getByTestId('signature-open-entity').click()
    await page.getByTestId('signature-signer').locator('input').fill(who.entity)
    await page.getByTestId(`entity-role-${who.role ?? 0}`).click()
    await page.getByTestId('entity-phone').locator('input').fill(who.phone ?? '')
    await drawStroke(page)
    const confirm = page.getByTestId('entity-confirm')
    await confirm.click()
    await expect(confirm).toHaveAttribute('aria-checked', 'true')
  }
  const save = page.getByTestId('signature-save')
  await expect(save).toBeEnabled()
  await save.click()
  await expect(canvas).toBeHidden()
  if ('inspector' in who) await expect(page.getByTestId(`inspector-${who.inspector}`)).toHaveAttribute('data-signed', '1')
  // The entity's signature belongs to the visit: every unfolded department shows it.
  else await expect(page.getByTestId('section-mine').getByTestId('entity-signature')).toContainText(who.entity)
}

/**
 * finishDepartment taps 本部门检查完毕 of this phone's department, once
 * nothing is missing, and waits until the section says so (待同步 offline).
 */
export async function finishDepartment(page: Page, dept: string): Promise<void> {
  await expect(page.getByTestId(`dept-missing-${dept}`)).toHaveCount(0)
  await page.getByTestId(`dept-finish-${dept}`).click()
  await expect(page.getByTestId(`dept-state-${dept}`)).toHaveText(/本部门(已)?检查完毕/)
}
