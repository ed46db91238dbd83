// Moving between 我的任务, a checklist and 我的 (issue 15, a week offline):
// 我的任务 and 我的 stay alive (App.vue's KeepAlive), so going back re-shows
// the same cards, current with what was recorded meanwhile; a checklist opens
// with its points in its first render (the router reads its records first,
// src/visit/preload.ts); a password typed on 我的 and left is not kept.
import type { Api, Visit } from './api'
import type { Locator, Page } from '@playwright/test'
import { expect, signIn, test, type Phone } from './fixtures'

/**
 * offlineOnTasks signs insp1 in on a phone, takes it offline (an answer
 * recorded then stays 待同步 on its card) and returns 我的任务 with the card of
 * one of insp1's open demo visits, showing no 待同步 badge yet.
 */
async function offlineOnTasks(api: Api, phone: (user: string, opts?: { login?: boolean }) => Promise<Phone>): Promise<{ page: Page; visit: Visit; card: Locator }> {
  const me = await api.userId('insp1')
  const visits = [...(await api.planVisits(7)), ...(await api.planVisits(66))]
  const visit = visits.find((v) => v.status === 'open' && v.team.some((m) => m.user_id === me && m.active !== false))
  expect(visit, 'insp1 has an open demo visit').toBeTruthy()
  const { page, context } = await phone('insp1', { login: false })
  await signIn(page, 'insp1')
  await context.setOffline(true)
  await expect(page.getByTestId('sync-status')).toHaveText('离线')
  const card = page.locator(`[data-testid="visit-card"][data-visit-id="${visit!.id}"]`)
  await expect(card).toBeVisible()
  await expect(card.locator('.van-badge')).toHaveCount(0)
  return { page, visit: visit!, card }
}

test('a checklist opens with its points in its first render', async ({ api, phone }) => {
  const { page, visit, card } = await offlineOnTasks(api, phone)
  // From the tap on, record whether the checklist ever showed without its points.
  await page.evaluate(() => {
    const w = window as Window & { emptyChecklist?: boolean }
    w.emptyChecklist = false
    const mo = new MutationObserver(() => {
      if (!/\/visits\/[^/]+$/.test(location.pathname)) return
      const rows = document.querySelectorAll('[data-testid="section-mine"] [data-testid="checklist-item"]').length
      if (document.querySelector('[data-testid="checkin-button"], [data-testid="checkin-info"]') === null && rows === 0) return
      if (rows === 0) w.emptyChecklist = true
      else mo.disconnect()
    })
    mo.observe(document.body, { childList: true, subtree: true })
  })
  await card.click()
  await expect(page).toHaveURL(new RegExp(`/visits/${visit.id}$`))
  await expect(page.getByTestId('section-mine').getByTestId('checklist-item').first()).toBeVisible()
  expect(await page.evaluate(() => (window as Window & { emptyChecklist?: boolean }).emptyChecklist), 'the checklist never drew without its points').toBe(false)

})

test('我的任务 stays alive and current across a checklist; 我的 forgets a typed password', async ({ api, phone }) => {
  const { page, visit, card } = await offlineOnTasks(api, phone)
  const first = visit.items.filter((i) => i.dept === 'scjg').sort((a, b) => a.ord - b.ord)[0]
  // A mark on the card's element: a list drawn again would not carry it.
  await card.evaluate((el) => ((el as HTMLElement & { kept?: boolean }).kept = true))

  await card.click()
  await expect(page.getByTestId('section-mine').getByTestId('checklist-item').first()).toBeVisible()
  await page.getByTestId(`item-${first.id}-pass`).click()
  await expect(page.locator(`[data-testid="checklist-item"][data-item="${first.id}"]`)).toHaveAttribute('data-value', '符合')
  await page.getByTestId('header-back').click()
  await expect(page).toHaveURL(/\/tasks$/)
  // The same card element, showing the answer recorded on the checklist.
  expect(await card.evaluate((el) => (el as HTMLElement & { kept?: boolean }).kept === true), 'the card was kept, not drawn again').toBe(true)
  await expect(card.locator('.van-badge')).toBeVisible()

  // 我的: a password typed and left is gone when the screen shows again.
  await page.getByTestId('tabbar').locator('.van-tabbar-item').last().click()
  await expect(page).toHaveURL(/\/me$/)
  await page.getByTestId('me-password').click()
  await page.getByTestId('me-password-old').locator('input').fill('zsc-demo-2024')
  await page.getByTestId('tabbar').locator('.van-tabbar-item').first().click()
  await expect(page).toHaveURL(/\/tasks$/)
  expect(await card.evaluate((el) => (el as HTMLElement & { kept?: boolean }).kept === true)).toBe(true)
  await page.getByTestId('tabbar').locator('.van-tabbar-item').last().click()
  await expect(page).toHaveURL(/\/me$/)
  await expect(page.getByTestId('me-password-old')).toHaveCount(0)
  await page.getByTestId('me-password').click()
  await expect(page.getByTestId('me-password-old').locator('input')).toHaveValue('')
})

test('the code of a checklist and of 我的 loads while 我的任务 is idle, before any tap', async ({ phone }) => {
  const { page } = await phone('insp1', { login: false })
  await signIn(page, 'insp1')
  await expect(page.getByTestId('visit-card').first()).toBeVisible()
  // A fresh open of the list, as a phone opens the app.
  await page.reload()
  await expect(page.getByTestId('visit-card').first()).toBeVisible()
  const loaded = () =>
    page.evaluate(() =>
      ['ChecklistView', 'MeView'].filter((name) => performance.getEntriesByType('resource').some((e) => new RegExp(`/${name}-[^/]*\\.js$`).test(e.name))),
    )
  await expect.poll(loaded, { timeout: 10_000 }).toEqual(['ChecklistView', 'MeView'])
  expect(page.url()).toMatch(/\/tasks$/)
})
