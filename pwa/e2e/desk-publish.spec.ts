// The desk's frame, 结果公示 and the reports at 1280×800 (issue 12 items 4
// and 7): the side navigation; a due result previewed and published by its
// own department (谁检查、谁公开) and then found on /public exactly as
// previewed; 附件3 exported for a chosen year and month; 0/0 reads 无任务.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import type { Api, Visit } from './api'
import { DESK } from './devices'
import { expect, signIn, test } from './fixtures'

test.use({ ...DESK })

async function completedVisit(api: Api): Promise<Visit> {
  const v = (await api.planVisits(66)).find((x) => x.status === 'open')
  expect(v, 'an open plan-66 visit').toBeTruthy()
  await api.answerDepartment(v!.id, 'scjg', { value: '不符合', note: '现场发现问题', categories: ['发现问题待后续处理'], finish: true })
  await api.completeVisit(v!.id)
  return v!
}

test('the office at a desk: side navigation, 0/0 is 无任务, the drill-down unmet first, 附件3 of a chosen month', async ({ page, shot }) => {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await signIn(page, 'office', /\/office$/)

  // The side navigation: grouped, the active section highlighted, no tab bar.
  const nav = page.getByTestId('desk-nav')
  await expect(nav).toBeVisible()
  await expect(page.getByTestId('tabbar')).toHaveCount(0)
  await expect(nav.getByRole('heading', { name: '检查与结果' })).toBeVisible()
  await expect(nav.locator('[aria-current="page"]')).toHaveText('工作台')
  await expect(nav.getByText('任务安排')).toHaveCount(0) // a lead's section
  const navBox = (await nav.boundingBox())!
  expect(navBox.x).toBe(0)
  expect((await page.locator('.office-main').boundingBox())!.x).toBeGreaterThanOrEqual(navBox.width)

  // The dashboard opens on the plan year; 附件3 defaults to that year's last month (the demo plan year is over).
  await expect(page.locator('.toolbar h1')).toHaveText('2024 年度抽查指标')
  await expect(page.getByTestId('report-year')).toHaveValue('2024')
  await expect(page.getByTestId('report-month')).toHaveValue('12')
  const cards = page.getByRole('region', { name: '六项指标' }).getByRole('button')
  await expect(cards).toHaveCount(6)

  // The drill-down by region: unmet first, 0/0 never 达标, names whole on hover.
  await cards.filter({ hasText: '计划开展率' }).click()
  await page.getByRole('tab', { name: '按地区' }).click()
  const rows = page.getByTestId('drill-row')
  await expect(rows.first()).toBeVisible()
  const verdicts = await rows.locator('td:last-child').allInnerTexts()
  const rank = (v: string) => ({ 未达标: 0, 达标: 1, 无任务: 2 })[v] ?? 9
  expect(verdicts.map(rank), `unmet first: ${verdicts}`).toEqual([...verdicts.map(rank)].sort((a, b) => a - b))
  for (let i = 0; i < verdicts.length; i++) {
    const [num, den] = await rows.nth(i).locator('td').evaluateAll((tds) => [tds[1].textContent, tds[2].textContent])
    if (num === '0' && den === '0') expect(verdicts[i]).toBe('无任务')
  }
  await page.getByRole('tab', { name: '按计划' }).click()
  await expect(rows.first()).toBeVisible()
  const name = rows.first().locator('td.name')
  await expect(name).toHaveAttribute('title', (await name.innerText()).trim())
  await shot(page, 'desk-office-dashboard.png')

  // A year without a plan: every target is 0/0, 无任务 and not 达标 or 未达标.
  await page.locator('.toolbar select').selectOption('2025')
  await expect(cards.first()).toContainText('无任务')
  for (const c of await cards.all()) {
    await expect(c).toContainText('无任务')
    await expect(c).not.toContainText('未达标')
  }
  await expect(page.getByTestId('report-year')).toHaveValue('2025')
  await page.locator('.toolbar select').selectOption('2024')
  await expect(page.getByTestId('report-month')).toHaveValue('12')

  // 附件3 of June 2024: the workbook's year line is 2024's.
  await page.getByTestId('report-month').selectOption('6')
  const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-xlsx').click()])
  expect(xlsx.suggestedFilename()).toBe('附件3-双随机抽查任务进展情况统计表-2024-06.xlsx')
  const sheet = execFileSync('unzip', ['-p', (await xlsx.path())!], { encoding: 'utf8', maxBuffer: 1 << 24 })
  expect(sheet).toContain('（2024 年度）')
  expect(sheet).not.toContain(`（${new Date().getFullYear()} 年度）`)
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-csv').click()])
  expect(csv.suggestedFilename()).toBe('附件3-双随机抽查任务进展情况统计表-2024-06.csv')
  expect(readFileSync((await csv.path())!, 'utf8')).toContain('合计')
  expect(errors).toEqual([])
})

test('结果公示: the office sees every due result; the department previews, publishes, and /public shows the same', async ({ api, browser, page, server, shot }) => {
  const v = await completedVisit(api)
  await signIn(page, 'office', /\/office$/)
  await page.getByTestId('desk-nav').getByText('结果公示').click()
  await expect(page).toHaveURL(/\/office\/publications$/)
  await expect(page.getByTestId('desk-nav').locator('[aria-current="page"]')).toHaveText('结果公示')
  const row = page.getByTestId('pub-row').filter({ hasText: v.entity.name }).filter({ hasText: '市市场监管局' })
  await expect(row).toHaveCount(1)
  await expect(row).toContainText('剩')
  // The 联席办 publishes for no department: a preview, and who must publish.
  await row.getByRole('button', { name: '预览' }).click()
  await expect(page.getByTestId('pub-preview-card')).toContainText(v.entity.name)
  await expect(page.getByTestId('pub-not-yours')).toContainText('市市场监管局')
  await expect(page.getByTestId('pub-confirm')).toHaveCount(0)
  // Filter by department: only 市市场监管局's rows.
  await page.getByTestId('pub-dept').selectOption('scjg')
  await expect(page.getByTestId('pub-row').first()).toBeVisible()
  // The filtered list comes from the server: wait until the other departments' rows (the demo year has many) are gone.
  await expect(page.getByTestId('pub-row').filter({ hasNotText: '市市场监管局' })).toHaveCount(0)
  for (const d of await page.getByTestId('pub-row').locator('td:nth-child(2)').allInnerTexts()) expect(d).toBe('市市场监管局')
  await shot(page, 'desk-publications.png')
  // On a tablet (768 px) the tab bar instead of the side navigation; the list stays usable.
  await page.setViewportSize({ width: 768, height: 1024 })
  await expect(page.getByTestId('desk-nav')).toHaveCount(0)
  await expect(page.getByTestId('tabbar')).toBeVisible()
  await expect(row).toBeVisible()
  // The page does not scroll sideways, and the row's button is on screen (the plan and the date give way).
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(768)
  const button = (await row.getByRole('button').boundingBox())!
  expect(button.x + button.width).toBeLessThanOrEqual(768)
  await page.setViewportSize(DESK.viewport)
  await expect(page.getByTestId('desk-nav')).toBeVisible()

  // 市市场监管局's lead at a desk publishes it.
  const ctx = await browser.newContext({ ...DESK, baseURL: server.url, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  const lead = await ctx.newPage()
  await signIn(lead, 'lead', /\/(tasks|lead)$/)
  await lead.getByTestId('desk-nav').getByText('结果公示').click()
  const mine = lead.getByTestId('pub-row').filter({ hasText: v.entity.name }).filter({ hasText: '市市场监管局' })
  await mine.getByRole('button', { name: '预览并公示' }).click()
  const card = lead.getByTestId('pub-preview-card')
  await expect(card).toContainText(v.entity.name)
  await lead.getByRole('checkbox', { name: '部门网站' }).check()
  await expect(card).toContainText('互联网+监管系统、部门网站')
  await expect(card).not.toContainText('风险')
  const previewed = (await card.locator('dl').innerText()).trim()
  await shot(lead, 'desk-publish-preview.png')
  await lead.getByTestId('pub-confirm').click()
  await expect(lead.getByText(`已公示：${v.entity.name}`)).toBeVisible()
  await expect(mine).toHaveCount(0)
  await ctx.close()

  // /public shows exactly what was previewed.
  await page.goto('/public')
  await page.getByRole('searchbox', { name: '单位名称或统一社会信用代码' }).fill(v.entity.name)
  await page.getByRole('button', { name: '查询' }).click()
  const result = page.locator('.list .item').filter({ hasText: '市市场监管局' })
  await expect(result).toHaveCount(1)
  expect((await result.locator('dl').innerText()).trim()).toBe(previewed)
})
