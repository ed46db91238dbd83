// 用户与设备 and 留痕 at the desk (issue 12 items 5 and 6), 1280×800: the admin
// creates an account and resets its password; the user signs in with the
// one-time password, must set their own first, then works; a disabled user
// cannot sign in; the 联席办 retires a lost phone with a reason (its leases
// voided, audited); the trail of a visit is walked forward (顺向可追) and,
// from one of its results, back to the task and plan (逆向可溯), and exported
// as a CSV Excel opens.
import { readFileSync } from 'node:fs'
import type { Page } from '@playwright/test'
import { DESK } from './devices'
import { expect, signIn, test, waitSynced } from './fixtures'

test.use({ ...DESK })

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i

/** row is the users table's row of `username` (searched first, so the row is on screen). */
async function row(page: Page, username: string) {
  await page.getByTestId('users-search').fill(username)
  await page.getByTestId('users-search').press('Enter')
  const r = page.locator(`[data-testid="user-row"][data-username="${username}"]`)
  await expect(r).toBeVisible()
  return r
}

/** giveReason fills the reason popup and confirms the dialog that follows. */
async function giveReason(page: Page, reason: string) {
  await expect(page.getByTestId('reason-form')).toBeVisible()
  await page.getByTestId('reason-input').fill(reason)
  await page.getByTestId('reason-submit').click()
  await page.locator('.van-dialog__confirm').click()
  await expect(page.getByTestId('reason-form')).toBeHidden()
}

async function readOtp(page: Page): Promise<string> {
  const dialog = page.getByTestId('otp-dialog')
  await expect(dialog).toBeVisible()
  const pw = (await page.getByTestId('otp-password').textContent())?.trim() ?? ''
  expect(pw).toMatch(/^[A-Za-z2-9]{12}$/)
  return pw
}

test('the admin creates a user and resets the password; the first sign-in sets a new one, then works', async ({ api, page, browser, baseURL, shot }) => {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await signIn(page, 'admin')
  await page.goto('/admin/users')
  // A page of 50 of the demo's thousand-odd accounts (all of them at once
  // made every keystroke in the form re-render a thousand rows).
  await expect(page.getByTestId('user-row')).toHaveCount(50)
  const firstOnPage1 = await page.getByTestId('user-row').first().getAttribute('data-username')
  await expect(page.locator('h1')).toContainText(/（\d{4} 个账号）/)
  await shot(page, 'desk-users.png')
  await page.getByTestId('users-pager').getByText('2', { exact: true }).click()
  await expect(page.getByTestId('user-row').first()).not.toHaveAttribute('data-username', firstOnPage1!)

  await page.getByTestId('user-create').click()
  const form = page.getByTestId('user-form')
  await form.getByTestId('user-form-username').fill('wangqi.sj')
  await form.getByTestId('user-form-name').fill('王七')
  await form.getByTestId('user-form-role').selectOption('inspector')
  await form.getByTestId('user-form-dept').selectOption('scjg')
  await form.getByTestId('user-form-region').selectOption('621002')
  await form.getByTestId('user-form-cert').fill('62100288001')
  await form.getByTestId('user-form-save').click()
  const first = await readOtp(page)
  await shot(page, 'desk-users-otp.png')
  await page.getByTestId('otp-close').click()
  await expect((await row(page, 'wangqi.sj')).getByTestId('user-status')).toHaveText('待修改初始密码')

  // The reset replaces the first one-time password: the first no longer opens.
  await (await row(page, 'wangqi.sj')).getByTestId('user-reset').click()
  await page.locator('.van-dialog__confirm').click()
  const second = await readOtp(page)
  expect(second).not.toBe(first)
  await page.getByTestId('otp-close').click()

  const ctx = await browser.newContext({ ...DESK, baseURL })
  const user = await ctx.newPage()
  user.on('pageerror', (e) => errors.push(e.message))
  await user.goto('/login')
  await user.getByTestId('login-username').locator('input').fill('wangqi.sj')
  await user.getByTestId('login-password').locator('input').fill(first)
  await user.getByTestId('login-submit').click()
  await expect(user.getByTestId('login-error')).toHaveText('用户名或密码错误')
  await user.getByTestId('login-password').locator('input').fill(second)
  await user.getByTestId('login-submit').click()
  await expect(user.getByTestId('first-password-form')).toBeVisible()
  await expect(user).toHaveURL(/\/login/)
  await user.getByTestId('first-password-new').locator('input').fill('wangqi.sj')
  await user.getByTestId('first-password-again').locator('input').fill('wangqi.sj')
  await user.getByTestId('first-password-submit').click()
  await expect(user.getByTestId('login-error')).toHaveText('密码不能与用户名相同')
  await shot(user, 'desk-first-password.png')
  await user.getByTestId('first-password-new').locator('input').fill('王七的密码2024')
  await user.getByTestId('first-password-again').locator('input').fill('王七的密码2024')
  await user.getByTestId('first-password-submit').click()
  await expect(user).toHaveURL(/\/tasks$/)
  await waitSynced(user)
  // And in 我的 they change it again with the old one.
  await user.goto('/me')
  await user.getByTestId('me-password').click()
  await user.getByTestId('me-password-old').locator('input').fill('王七的密码2024')
  await user.getByTestId('me-password-new').locator('input').fill('王七的新密码2025')
  await user.getByTestId('me-password-again').locator('input').fill('王七的新密码2025')
  await user.getByTestId('me-password-save').click()
  await expect(user.getByTestId('me-password')).toContainText('密码已修改')
  await ctx.close()

  const trail = await api.json<{ entries: { action: string }[] }>('admin', 'GET', '/trail?kind=user&id=wangqi.sj')
  expect(trail.entries.map((e) => e.action)).toEqual(
    expect.arrayContaining(['user.create', 'user.password_reset', 'user.password_change']),
  )
  await expect(page.locator('body')).not.toContainText(UUID)
  expect(errors).toEqual([])
})

test('a disabled user cannot sign in', async ({ page, browser, baseURL, shot }) => {
  await signIn(page, 'admin')
  await page.goto('/admin/users')
  await (await row(page, 'insp2')).getByTestId('user-toggle').click()
  await giveReason(page, '调离本单位')
  await expect((await row(page, 'insp2')).getByTestId('user-status')).toHaveText('已停用')
  await shot(page, 'desk-users-disabled.png')

  const ctx = await browser.newContext({ ...DESK, baseURL })
  const p = await ctx.newPage()
  await p.goto('/login')
  await p.getByTestId('login-username').locator('input').fill('insp2')
  await p.getByTestId('login-password').locator('input').fill('zsc-demo-2024')
  await p.getByTestId('login-submit').click()
  await expect(p.getByTestId('login-error')).toHaveText('账号已停用，请联系管理员')
  await ctx.close()
})

test('the 联席办 retires a lost phone with a reason', async ({ api, page, shot }) => {
  const phone = await api.mobileClient('insp1')
  await signIn(page, 'office', /\/office$/)
  await page.goto('/admin/users')
  await (await row(page, 'insp1')).getByTestId('user-devices').click()
  const panel = page.getByTestId('devices-panel')
  await expect(panel.getByTestId('device-row').first()).toBeVisible()
  const rows = panel.getByTestId('device-row')
  const mine = rows.filter({ hasText: 'e2e' }).first()
  await mine.getByTestId('device-retire').click()
  await giveReason(page, '手机丢失')
  await expect(mine.getByTestId('device-state')).toContainText('已停用')
  await shot(page, 'desk-devices.png')
  const trail = await api.json<{ entries: { action: string; reason?: string; kind: string; id: string }[] }>('office', 'GET', '/trail?kind=user&id=insp1')
  const retired = trail.entries.find((e) => e.action === 'client.retire' && e.id === phone.id)
  expect(retired?.reason).toBe('手机丢失')
})

test('the trail of a visit, forward and back, exported as CSV', async ({ api, page, shot }) => {
  test.setTimeout(120_000)
  const [visit] = await api.planVisits(66)
  const dept = visit.team.find((m) => m.active !== false)!.dept
  await api.answerDepartment(visit.id, dept)
  await signIn(page, 'office', /\/office$/)
  await page.goto('/office/trail')
  await page.getByTestId('trail-mode-visit').click()
  await page.getByTestId('trail-task').selectOption(visit.task_id)
  await page.getByTestId('trail-visit').selectOption(visit.id)
  await page.getByTestId('trail-go').click()
  await expect(page).toHaveURL(new RegExp(`kind=visit&id=${visit.id}`))
  const before = page.getByTestId('trail-before')
  await expect(before).toContainText('抽查任务')
  await expect(before).toContainText('双随机抽取')
  const after = page.getByTestId('trail-after')
  await expect(after.locator('[data-kind="item_result"]').first()).toBeVisible()
  await expect(after).toContainText('检查结论')
  await shot(page, 'desk-trail.png')
  // On a tablet (768 px) 说明 keeps a readable width (the table scrolls inside its panel, 类型 staying in view); the page does not scroll sideways.
  await page.setViewportSize({ width: 768, height: 1024 })
  const label = before.getByTestId('trail-entry').first().locator('td').nth(1)
  expect((await label.boundingBox())!.width).toBeGreaterThanOrEqual(140)
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(768)
  await page.setViewportSize(DESK.viewport)

  // 逆向可溯: from one result back to its visit, draw, task and plan.
  await after.locator('[data-kind="item_result"]').first().getByTestId('trail-walk').click()
  await expect(page).toHaveURL(/kind=result/)
  const back = page.getByTestId('trail-before')
  await expect(back.locator('[data-kind="visit"]').first()).toBeVisible()
  await expect(back.locator('[data-kind="task"]').first()).toBeVisible()
  await expect(back.locator('[data-kind="plan"]').first()).toBeVisible()
  await expect(page.getByTestId('trail-self')).toContainText('检查结果')

  const download = page.waitForEvent('download')
  await page.getByTestId('trail-export').click()
  const file = await download
  expect(file.suggestedFilename()).toMatch(/^留痕-.*\.csv$/)
  const text = readFileSync((await file.path())!, 'utf8')
  expect(text.startsWith('\uFEFF位置,层级,类型,编号,说明,时间,操作,操作人')).toBe(true)
  expect(text).toContain('上游')
  expect(text).toContain('抽查任务')
  await expect(page.locator('main')).not.toContainText(UUID)
})
