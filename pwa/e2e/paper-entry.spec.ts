// 录入纸质检查结果: the 联席办 enters, at a desk, one department's results of
// a check done on paper. The answers reach the server through the sync
// engine as the office's web client (channel web, office_entered), and the
// visit completes once every department has entered. A lead who tries
// another department's part sees the server's 403 on screen (谁检查、谁录入).
import type { Page } from '@playwright/test'
import type { Api, Visit } from './api'
import { DESK } from './devices'
import { PASSWORD } from './api'
import { expect, signIn, test, waitSynced } from './fixtures'

test.use({ ...DESK })

interface Results {
  visit_id: string
  status: string
  items: { item_id: string; dept: string; name: string; value: string; note: string; channel: string; office_entered: boolean }[]
  outcomes: { dept: string; categories: string[]; channel: string; office_entered: boolean }[]
}

/** The demo's drawn task of plan 66 (大中型餐饮服务: 市市场监管局, 市住建局, 市卫生健康委) and an open visit of it. */
async function openVisit(api: Api): Promise<{ taskId: string; visit: Visit }> {
  const visits = await api.planVisits(66)
  const visit = visits.find((v) => v.status === 'open')
  expect(visit, 'an open plan-66 visit').toBeTruthy()
  return { taskId: visit!.task_id, visit: visit! }
}

function results(api: Api, visitId: string): Promise<Results> {
  return api.json<Results>('office', 'GET', `/office/results?visit_id=${visitId}`)
}

/**
 * signInOffice logs the office in through the login screen. Office users
 * keep no local copy of their scope (no bootstrap pull to wait for), so it
 * waits for the dashboard and the first sync (register, push) only.
 */
async function signInOffice(page: Page) {
  await page.goto('/login')
  await page.getByTestId('login-username').locator('input').fill('office')
  await page.getByTestId('login-password').locator('input').fill(PASSWORD)
  await page.getByTestId('login-submit').click()
  await expect(page).toHaveURL(/\/office$/)
  await waitSynced(page)
}

/** choose ticks value on one item of the entry form. */
async function choose(page: Page, itemId: string, value: '符合' | '不符合' | '不涉及') {
  const radio = page.locator(`[data-testid="entry-item"][data-item="${itemId}"] .van-radio[data-value="${value}"]`)
  await radio.click()
  await expect(radio).toHaveAttribute('aria-checked', 'true')
}

test('the office enters a department’s paper results and the visit completes', async ({ api, page, shot }) => {
  const { taskId, visit } = await openVisit(api)
  // The other two departments recorded their part on their phones.
  await api.answerDepartment(visit.id, 'scjg')
  await api.answerDepartment(visit.id, 'zjj')
  const wjwItems = visit.items.filter((i) => i.dept === 'wjw')
  expect(wjwItems.length).toBeGreaterThan(0)

  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await signInOffice(page)
  // The office's screens are never precached on phones.
  const sw = await (await page.request.get('/sw.js')).text()
  expect(sw).not.toContain('PaperEntry')

  await page.getByTestId('office-paper-entry').click()
  await expect(page).toHaveURL(/\/office\/entry/)
  await page.getByTestId('entry-task').selectOption(taskId)
  await page.getByTestId('entry-search').locator('input').fill(visit.entity.name)
  const cards = page.getByTestId('entry-visit')
  await expect(cards).toHaveCount(1)
  await cards.click()
  await expect(page).toHaveURL(new RegExp(`visit=${visit.id}`))
  await expect(page.getByTestId('entry-visit-head')).toContainText(visit.entity.name)

  // The phones' answers are marked 手机录入.
  const scjg = page.locator('[data-testid="entry-dept"][data-dept="scjg"]')
  await expect(scjg.getByTestId('entry-answer-row').first()).toHaveAttribute('data-channel', 'mobile')
  await expect(scjg).toContainText('手机录入')

  const wjw = page.locator('[data-testid="entry-dept"][data-dept="wjw"]')
  await expect(wjw).toContainText('未录入')
  await wjw.getByTestId('entry-edit').click()
  await expect(page).toHaveURL(/dept=wjw/)
  const form = wjw.getByTestId('entry-form')
  await expect(form).toBeVisible()
  const [first, ...rest] = wjwItems
  await choose(page, first.id, '不符合')
  await form.locator(`[data-testid="entry-item"][data-item="${first.id}"] textarea`).fill('消毒记录不全（纸质检查记录第2页）')
  for (const it of rest) await choose(page, it.id, '符合')
  // 未发现问题 is exclusive: ticking another category unticks it.
  const noProblem = form.locator('[data-category="未发现问题"]')
  const followUp = form.locator('[data-category="发现问题待后续处理"]')
  await noProblem.click()
  await expect(noProblem).toHaveAttribute('aria-checked', 'true')
  await followUp.click()
  await expect(followUp).toHaveAttribute('aria-checked', 'true')
  await expect(noProblem).toHaveAttribute('aria-checked', 'false')
  await form.getByTestId('entry-completed').click()
  await page.mouse.move(0, 0)
  await wjw.scrollIntoViewIfNeeded()
  await shot(page, 'paper-entry.png')
  await form.getByTestId('entry-submit').click()

  const answer = page.getByTestId('entry-answer')
  await expect(answer).toContainText('已保存 市卫生健康委 的录入')
  await expect(answer).toContainText('检查已完成')
  await expect(answer.locator('[data-testid="entry-fate"][data-status="applied"]')).toHaveCount(wjwItems.length + 2)
  await expect(page.getByTestId('entry-visit-head')).toContainText('已完成')
  await expect(wjw.getByTestId('entry-answer-row').first()).toHaveAttribute('data-channel', 'web')
  await expect(wjw).toContainText('办公室录入')
  await expect(wjw.getByTestId('entry-outcome')).toContainText('发现问题待后续处理')

  // The server holds the entry, as the office's.
  const r = await results(api, visit.id)
  expect(r.status).toBe('complete')
  for (const it of wjwItems) {
    const a = r.items.find((x) => x.item_id === it.id)!
    expect(a.value).toBe(it.id === first.id ? '不符合' : '符合')
    expect(a.channel).toBe('web')
    expect(a.office_entered).toBe(true)
  }
  expect(r.items.find((x) => x.item_id === first.id)!.note).toBe('消毒记录不全（纸质检查记录第2页）')
  const oc = r.outcomes.find((o) => o.dept === 'wjw')!
  expect(oc.categories).toEqual(['发现问题待后续处理'])
  expect(oc).toMatchObject({ channel: 'web', office_entered: true })
  // What the phones entered keeps its channel.
  for (const a of r.items.filter((x) => x.dept !== 'wjw')) expect(a).toMatchObject({ channel: 'mobile', office_entered: false })

  await answer.scrollIntoViewIfNeeded()
  await shot(page, 'paper-entry-saved.png')
  expect(errors).toEqual([])
})

test('a lead entering another department’s results sees the server’s 403', async ({ api, page, shot }) => {
  const { taskId, visit } = await openVisit(api)
  const before = await results(api, visit.id)
  const wjwItem = visit.items.find((i) => i.dept === 'wjw')!

  // The lead (市市场监管局), on a phone, opens the screen by URL on 市卫生健康委's part.
  await page.setViewportSize({ width: 390, height: 844 })
  await signIn(page, 'lead')
  // From 检查户安排 the link opens the lead's own department's part.
  await page.goto(`/lead/tasks/${taskId}`)
  await page.locator(`[data-testid="lead-visit-card"][data-visit-id="${visit.id}"]`).getByTestId('lead-paper-entry').click()
  await expect(page).toHaveURL(/\/office\/entry\?.*dept=scjg/)
  await expect(page.locator('[data-testid="entry-dept"][data-dept="scjg"]').getByTestId('entry-form')).toBeVisible()
  await page.goto(`/office/entry?task=${taskId}&visit=${visit.id}&dept=wjw`)
  const wjw = page.locator('[data-testid="entry-dept"][data-dept="wjw"]')
  await expect(wjw).toContainText('谁检查、谁录入')
  const form = wjw.getByTestId('entry-form')
  await expect(form).toBeVisible()
  await choose(page, wjwItem.id, '符合')
  await form.getByTestId('entry-submit').click()

  const answer = page.getByTestId('entry-answer')
  await expect(answer).toContainText('没有权限进行此操作')
  await expect(answer).toContainText('谁检查、谁录入')
  await shot(page, 'paper-entry-403.png')

  // Nothing was written.
  const after = await results(api, visit.id)
  expect(after.items).toEqual(before.items)
  expect(after.outcomes).toEqual(before.outcomes)
})
