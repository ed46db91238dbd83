// The 联席办 at a desk: the dashboard (six targets, ECharts) and the public
// search page (一公开): a published result is found, with no risk class and
// no inspector; an unpublished visit is not.
import type { Api, Visit } from './api'
import { DESK } from './devices'
import { expect, signIn, test } from './fixtures'

test.use({ ...DESK })

/** Two names where neither contains the other, so a search for one never finds the other. */
function distinct(a: Visit, b: Visit) {
  return !a.entity.name.includes(b.entity.name) && !b.entity.name.includes(a.entity.name)
}

async function completedVisit(api: Api, exclude: Visit[] = []): Promise<Visit> {
  const open = (await api.planVisits(66)).filter((v) => v.status === 'open' && exclude.every((x) => x.id !== v.id && distinct(x, v)))
  const v = open[0]
  expect(v, 'an open plan-66 visit').toBeTruthy()
  // 市市场监管局 finds a problem and finishes its part; completeVisit finishes the others with everything 符合.
  await api.answerDepartment(v.id, 'scjg', { value: '不符合', note: '现场发现问题', categories: ['发现问题待后续处理'], finish: true })
  await api.completeVisit(v.id)
  return v
}

test('the office dashboard shows the six targets and the charts', async ({ api, page, shot }) => {
  await completedVisit(api)
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await signIn(page, 'office', /\/office$/)
  // The demo plan is of 2024: look at that year when the year picker offers it.
  const year = page.locator('.toolbar select')
  const demoYear = (await year.locator('option[value="2024"]').count()) > 0
  if (demoYear) await year.selectOption('2024')
  const cards = page.getByRole('region', { name: '六项指标' }).getByRole('button')
  await expect(cards).toHaveCount(6)
  for (const name of ['计划开展率', '任务完成率', '检查结果录入率', '双随机事项覆盖率', '移动端应用率', '信用风险分类结果应用率']) {
    await expect(cards.filter({ hasText: name })).toHaveCount(1)
  }
  // The visit completed above, from a mobile client, counts (the demo year has others done by phone and on paper).
  if (demoYear) await expect(cards.filter({ hasText: '移动端应用率' })).toContainText(/%[1-9]\d* \/ [1-9]\d*/)
  const charts = page.locator('.charts .chart')
  await expect(charts).toHaveCount(2)
  for (let i = 0; i < 2; i++) await expect(charts.nth(i).locator('canvas')).toHaveCount(1)
  await expect(page.locator('.van-loading:visible')).toHaveCount(0)
  await shot(page, 'office-dashboard.png')
  expect(errors).toEqual([])
})

test('the public page finds a published result, without risk class or inspectors', async ({ api, page }) => {
  const published = await completedVisit(api)
  const unpublished = await completedVisit(api, [published])
  const pub = await api.json<{ visit_id: string }>('lead', 'POST', '/publications', {
    visit_id: published.id,
    dept: 'scjg',
    channels: ['互联网+监管系统'],
  })
  expect(pub.visit_id).toBe(published.id)

  await page.goto('/public')
  const box = page.getByRole('searchbox', { name: '单位名称或统一社会信用代码' })
  await box.fill(published.entity.name)
  await page.getByRole('button', { name: '查询' }).click()
  const result = page.locator('.list .item')
  await expect(result).toHaveCount(1)
  await expect(result.locator('h2')).toHaveText(published.entity.name)
  await expect(result).toContainText(published.entity.uscc)
  await expect(result).toContainText('市市场监管局')
  await expect(result).toContainText('发现问题待后续处理')
  await expect(result).toContainText('互联网+监管系统')

  const text = await page.locator('body').innerText()
  for (const word of ['信用风险', '风险等级', '风险分类', '风险类', 'A类', 'B类', 'C类', 'D类']) expect(text, `no "${word}"`).not.toContain(word)
  for (const m of published.team) expect(text, `no inspector name ${m.name}`).not.toContain(m.name)
  for (const m of published.team) expect(text, `no 执法证号 ${m.cert_no}`).not.toContain(m.cert_no)

  // Complete but not published: not found.
  await box.fill(unpublished.entity.name)
  await page.getByRole('button', { name: '查询' }).click()
  await expect(page.getByText('未查询到已公示的抽查结果。')).toBeVisible()
  await expect(result).toHaveCount(0)
})
