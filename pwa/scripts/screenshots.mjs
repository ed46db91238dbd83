// Opens the built app in headless Chromium at 390×844 (a phone) and saves
// screenshots of the main screens into screenshots/. Needs the API server
// (go run ./server/cmd/zsc serve --demo) and `npx vite preview --port 4173`
// (which proxies /api to it). Usage: node scripts/screenshots.mjs [baseURL]
import { chromium } from 'playwright-core'
import { mkdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, 'screenshots')
mkdirSync(out, { recursive: true })
const base = process.argv[2] ?? process.env.ZSC_URL ?? 'http://127.0.0.1:4173'
const user = process.env.ZSC_USER ?? 'insp1'

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
})
const context = await browser.newContext({
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'zh-CN',
  timezoneId: 'Asia/Shanghai',
  geolocation: { latitude: 35.7339, longitude: 107.6382, accuracy: 15 },
  permissions: ['geolocation'],
})
const page = await context.newPage()
page.on('console', (m) => m.type() === 'error' && console.log('console:', m.text()))
page.on('pageerror', (e) => console.log('pageerror:', e.message))
const shot = async (name, full = false) => {
  await page.waitForTimeout(400)
  await page.screenshot({ path: join(out, name), fullPage: full })
  console.log('saved', name)
}

await page.goto(base + '/login')
await page.getByTestId('login-username').locator('input').waitFor()
await shot('01-login.png')

await page.getByTestId('login-username').locator('input').fill(user)
await page.getByTestId('login-password').locator('input').fill('zsc-demo-2024')
await page.getByTestId('login-submit').click()
await page.waitForURL('**/tasks')
await page.getByTestId('visit-card').first().waitFor({ timeout: 20000 }).catch(() => console.log('no visit cards'))
await shot('02-tasks.png')

const card = page.getByTestId('visit-card').first()
if (await card.count()) {
  await card.click()
  await page.waitForURL('**/visits/**')
  await page.getByTestId('section-mine').waitFor()
  await shot('03-checklist.png')
  await page.getByTestId('checkin-button').click().catch(() => undefined)
  await page.getByTestId('checkin-info').waitFor({ timeout: 20000 }).catch(() => undefined)
  // Answer the first items of our own section.
  const items = page.getByTestId('section-mine').getByTestId('checklist-item')
  const n = await items.count()
  for (let i = 0; i < n; i++) {
    const id = await items.nth(i).getAttribute('data-item')
    await page.getByTestId(`item-${id}-${i === 0 ? 'fail' : 'pass'}`).click()
  }
  const first = await items.first().getAttribute('data-item')
  await page.getByTestId(`item-${first}-note`).locator('textarea').fill('未公示许可证，现场责令整改')
  await page.getByTestId(`item-${first}-note`).locator('textarea').blur()
  await page.getByTestId(`photo-input-${first}`).setInputFiles(join(root, 'public/icons/icon-512.png'))
  await page.waitForTimeout(800)
  await page.getByTestId('outcome-1').click()
  await shot('04-checklist-filled.png', true)
  // Inspector signature.
  await page.getByTestId('signature-open-inspector').click()
  const canvas = page.getByTestId('signature-canvas')
  await canvas.waitFor()
  await page.waitForTimeout(500) // the popup slides in
  const box = await canvas.boundingBox()
  await page.mouse.move(box.x + 40, box.y + 120)
  await page.mouse.down()
  for (let k = 0; k <= 20; k++) await page.mouse.move(box.x + 40 + k * 14, box.y + 120 + Math.sin(k / 2) * 40)
  await page.mouse.up()
  await shot('05-signature.png')
  await page.getByTestId('signature-save').click()
  await page.waitForTimeout(500)
  // The notice.
  await page.getByTestId('notice-open').click()
  await page.getByTestId('notice-form').waitFor()
  await shot('06-notice-form.png', true)
  await page.getByTestId('notice-submit').click()
  await page.getByTestId('notice-paper').waitFor()
  await shot('07-notice.png', true)
  // Offline: the app still opens with the same data.
  await context.setOffline(true)
  await page.goto(base + '/tasks').catch(() => undefined)
  await page.waitForTimeout(1000)
  await shot('08-tasks-offline.png')
  // Work offline: the change waits in the outbox, then goes out when the network returns.
  await page.getByTestId('visit-card').nth(1).click()
  await page.getByTestId('section-mine').waitFor()
  const it = await page.getByTestId('section-mine').getByTestId('checklist-item').first().getAttribute('data-item')
  await page.getByTestId(`item-${it}-pass`).click()
  await page.waitForTimeout(500)
  console.log('offline status:', await page.getByTestId('sync-status').innerText())
  await shot('08b-checklist-offline.png')
  await context.setOffline(false)
  await page.waitForFunction(() => document.querySelector('[data-testid="sync-status"]')?.getAttribute('data-state') === 'synced', null, { timeout: 20000 })
    .then(() => console.log('back online: synced'))
    .catch(() => console.log('back online: NOT synced'))
}
await page.goto(base + '/me')
await page.getByTestId('storage-persist').waitFor().catch(() => undefined)
await shot('09-me.png', true)

// The team lead: tasks, a task's visits, conflicts (settled with one tap).
if (process.env.ZSC_LEAD !== '0') {
  const lead = await browser.newContext({ viewport: { width: 360, height: 780 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  const p = await lead.newPage()
  p.on('pageerror', (e) => console.log('pageerror:', e.message))
  const lshot = async (name, full = false) => {
    await p.waitForTimeout(500)
    await p.screenshot({ path: join(out, name), fullPage: full })
    console.log('saved', name)
  }
  await p.goto(base + '/login')
  await p.getByTestId('login-username').locator('input').fill('lead')
  await p.getByTestId('login-password').locator('input').fill('zsc-demo-2024')
  await p.getByTestId('login-submit').click()
  await p.waitForURL('**/tasks')
  await p.goto(base + '/lead')
  await p.getByTestId('lead-task-card').first().waitFor({ timeout: 20000 })
  await lshot('10-lead-tasks.png')
  await p.getByTestId('lead-task-card').last().click()
  await p.getByTestId('lead-visit-card').first().waitFor({ timeout: 20000 })
  await lshot('11-lead-visits.png')
  await p.getByTestId('lead-swap').first().click()
  await lshot('11b-lead-swap.png')
  await p.keyboard.press('Escape')
  await p.goBack()
  await p.goto(base + '/lead/conflicts')
  await p.getByTestId('conflict-card').first().waitFor({ timeout: 20000 }).catch(() => console.log('no conflicts'))
  await lshot('12-conflicts.png')
  const settle = p.locator('[data-testid^="conflict-settle-server-"]').first()
  if (await settle.count()) {
    await settle.click()
    await p.waitForTimeout(2500)
    await lshot('13-conflicts-settled.png')
  }
  await lead.close()
}
await browser.close()
