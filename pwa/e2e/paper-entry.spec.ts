// 录入纸质检查结果: the 联席办 enters, at a desk, one department's results of
// a check done on paper, on the same check points (检查内容) the phones use:
// grouped by 事项 and 检查项目, 其余全部符合 per 事项, a 问题描述 required for
// 不符合, and 本部门录入完毕 (the department's 本部门检查完毕). The answers
// reach the server through the sync engine as the office's web client
// (channel web, office_entered); the server completes the visit once every
// department has finished. A lead who tries another department's part sees
// the server's 403 (谁检查、谁录入); the lead's 检查户安排 shows each
// department's state and the records of an inspector taken off the team.
import type { Locator, Page } from '@playwright/test'
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
  missing: string[]
}
interface PointItem {
  id: string
  dept: string
  ord: number
  name: string
  item_name: string
  code: string
  key: boolean
  notice_text: string
  catalogue_id: string
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i

/** The demo's drawn task of plan 66 (大中型餐饮服务: 市市场监管局, 市住建局, 市卫生健康委) and its open visits. */
async function openVisits(api: Api): Promise<{ taskId: string; visits: Visit[] }> {
  const visits = (await api.planVisits(66)).filter((v) => v.status === 'open')
  expect(visits.length, 'open plan-66 visits').toBeGreaterThanOrEqual(2)
  return { taskId: visits[0].task_id, visits }
}

const points = (v: Visit, dept: string) => (v.items as unknown as PointItem[]).filter((i) => i.dept === dept).sort((a, b) => a.ord - b.ord)

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

/** openEntry goes from the dashboard to the entry screen and opens the visit. */
async function openEntry(page: Page, taskId: string, visit: Visit) {
  await page.getByTestId('office-paper-entry').click()
  await expect(page).toHaveURL(/\/office\/entry/)
  await page.getByTestId('entry-task').selectOption(taskId)
  await page.getByTestId('entry-search').locator('input').fill(visit.entity.name)
  const cards = page.getByTestId('entry-visit')
  await expect(cards).toHaveCount(1)
  await cards.click()
  await expect(page).toHaveURL(new RegExp(`visit=${visit.id}`))
  await expect(page.getByTestId('entry-visit-head')).toContainText(visit.entity.name)
}

/** toTop scrolls an element to the top of the window, under the app's header. */
async function toTop(el: Locator) {
  await el.evaluate((e) => {
    e.scrollIntoView({ block: 'start' })
    window.scrollBy(0, -64)
  })
}

const dept = (page: Page, code: string) => page.locator(`[data-testid="entry-dept"][data-dept="${code}"]`)

/** choose ticks value on one check point of the entry form. */
async function choose(page: Page, itemId: string, value: '符合' | '不符合' | '不涉及') {
  const button = page.locator(`[data-testid="entry-item"][data-item="${itemId}"] [role="radio"][data-value="${value}"]`)
  await button.click()
  await expect(button).toHaveAttribute('aria-checked', 'true')
}

/** enterWholePart enters a department's whole part: all 符合 per 事项, 未发现问题, 本部门录入完毕. */
async function enterWholePart(page: Page, section: Locator) {
  await section.getByTestId('entry-edit').click()
  const form = section.getByTestId('entry-form')
  await expect(form).toBeVisible()
  const rest = form.getByTestId('entry-rest-pass')
  while ((await rest.count()) > 0) await rest.first().click()
  await form.locator('[data-category="未发现问题"]').click()
  await form.getByTestId('entry-completed').click()
  await form.getByTestId('entry-submit').click()
  await expect(section.getByTestId('entry-answer')).toContainText('已确认本部门检查完毕')
  await expect(section.getByTestId('entry-dept-state')).toHaveAttribute('data-state', 'finished')
}

test('the office enters a department’s paper results on its check points', async ({ api, page, shot }) => {
  const { taskId, visits } = await openVisits(api)
  const visit = visits[0]
  // 市市场监管局 recorded its points on a phone (not yet 本部门检查完毕).
  await api.answerDepartment(visit.id, 'scjg')
  const wjwPoints = points(visit, 'wjw')
  expect(wjwPoints.length).toBeGreaterThanOrEqual(5)

  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await signInOffice(page)
  // The office's screens are never precached on phones.
  const sw = await (await page.request.get('/sw.js')).text()
  expect(sw).not.toContain('PaperEntry')
  await openEntry(page, taskId, visit)

  // Each department's state, named by name; what completion still needs, in Chinese.
  const head = page.getByTestId('entry-visit-head')
  await expect(head.locator('[data-testid="entry-finish-state"][data-dept="scjg"]')).toHaveText(/市市场监管局\s*进行中 22\/22/)
  await expect(head.locator('[data-testid="entry-finish-state"][data-dept="wjw"]')).toHaveText(/市卫生健康委\s*未开始 0\/7/)
  const missing = head.getByTestId('entry-missing')
  await expect(missing).toContainText('市卫生健康委还有 7 项检查内容未填写')
  await expect(missing).not.toContainText('庆卫健')

  // The phone's answers, 事项 by 事项 (collapsed until opened), marked 手机录入.
  const scjg = dept(page, 'scjg')
  const scjgMatter = scjg.getByTestId('entry-matter').first()
  await expect(scjgMatter).toHaveAttribute('data-result', '符合')
  await expect(scjg.getByTestId('entry-answer-row')).toHaveCount(0)
  await scjgMatter.getByTestId('entry-matter-toggle').click()
  await expect(scjg.getByTestId('entry-answer-row')).toHaveCount(22)
  await expect(scjg.getByTestId('entry-answer-row').first()).toHaveAttribute('data-channel', 'mobile')
  await expect(scjg).toContainText('手机录入')

  // 市卫生健康委's paper form: check points under their 事项 and 检查项目, code and ★重点.
  const wjw = dept(page, 'wjw')
  await expect(wjw.getByTestId('entry-dept-state')).toHaveText('未开始 0/7')
  await wjw.getByTestId('entry-edit').click()
  await expect(page).toHaveURL(/dept=wjw/)
  const form = wjw.getByTestId('entry-form')
  await expect(form).toBeVisible()
  const matter = form.getByTestId('entry-matter')
  await expect(matter).toHaveCount(1)
  await expect(matter).toContainText(wjwPoints[0].item_name)
  await expect(matter.locator('.sub').first()).toHaveText(/^1 \S+/)
  await expect(form.getByTestId('entry-item')).toHaveCount(wjwPoints.length)
  const first = wjwPoints[0]
  const firstRow = form.locator(`[data-testid="entry-item"][data-item="${first.id}"]`)
  await expect(firstRow).toContainText(first.code)
  if (first.key) await expect(firstRow.getByTestId('entry-point-key')).toHaveText('★重点')

  // One 不符合, then 其余全部符合 for the rest: the 事项's result is derived.
  await choose(page, first.id, '不符合')
  await expect(firstRow.locator('textarea')).toBeFocused()
  // Any 不符合 makes the 事项 不符合 at once.
  await expect(matter).toHaveAttribute('data-result', '不符合')
  await expect(matter.getByTestId('entry-rest-pass')).toHaveText(`其余全部符合（${wjwPoints.length - 1} 项）`)
  await matter.getByTestId('entry-rest-pass').click()
  await expect(matter.getByTestId('entry-rest-pass')).toHaveCount(0)
  for (const p of wjwPoints.slice(1)) await expect(form.locator(`[data-testid="entry-item"][data-item="${p.id}"]`)).toHaveAttribute('data-value', '符合')
  await expect(matter).toHaveAttribute('data-result', '不符合')
  await expect(matter.getByTestId('entry-matter-result')).toHaveText('不符合')

  // 未发现问题 is exclusive: ticking another category unticks it.
  const noProblem = form.locator('[data-category="未发现问题"]')
  const followUp = form.locator('[data-category="发现问题待后续处理"]')
  await noProblem.click()
  await expect(noProblem).toHaveAttribute('aria-checked', 'true')
  await followUp.click()
  await expect(followUp).toHaveAttribute('aria-checked', 'true')
  await expect(noProblem).toHaveAttribute('aria-checked', 'false')
  await expect(form.getByTestId('entry-completed')).toHaveText('本部门录入完毕（本部门检查完毕）')
  await form.getByTestId('entry-completed').click()

  // A 不符合 without its 问题描述 is refused on the spot: nothing is sent.
  await form.getByTestId('entry-submit').click()
  await expect(wjw.getByTestId('entry-answer')).toContainText(`第 ${first.code} 项为“不符合”，须填写问题描述`)
  await expect(firstRow).toHaveClass(/missing/)
  expect((await results(api, visit.id)).items.filter((a) => a.dept === 'wjw' && a.value)).toEqual([])
  await firstRow.locator('textarea').fill('消毒剂无卫生许可证复印件（纸质检查记录第2页）')
  await expect(firstRow).not.toHaveClass(/missing/)
  await page.mouse.move(0, 0)
  await toTop(wjw)
  await shot(page, 'paper-entry.png')
  await form.getByTestId('entry-submit').click()

  const answer = wjw.getByTestId('entry-answer')
  await expect(answer).toContainText(`已保存市卫生健康委的录入（${wjwPoints.length + 1} 项）`)
  await expect(answer).toContainText('市卫生健康委已确认本部门检查完毕')
  await expect(answer.locator('[data-testid="entry-fate"][data-status="applied"]')).toHaveCount(wjwPoints.length + 2)
  await expect(answer.locator('[data-testid="entry-fate"][data-name="dept.finish"]')).toContainText('本部门检查完毕')
  // The other departments have not finished: the visit stays open, and says why.
  await expect(page.getByTestId('entry-status')).toHaveText('待检查')
  await expect(wjw.getByTestId('entry-dept-state')).toHaveText('已检查完毕')
  await expect(wjw.getByTestId('entry-finish')).toContainText('办公室录入')
  await expect(head.locator('[data-testid="entry-finish-state"][data-dept="wjw"]')).toHaveAttribute('data-state', 'finished')
  await expect(missing).toContainText('市住建局还有 11 项检查内容未填写')
  await expect(missing).not.toContainText('市卫生健康委')
  await expect(wjw.getByTestId('entry-matter')).toHaveAttribute('data-result', '不符合')
  await expect(wjw.locator('.fails')).toContainText('消毒剂无卫生许可证复印件')
  await expect(wjw.getByTestId('entry-outcome')).toContainText('发现问题待后续处理')

  // The server holds the entry, as the office's, and 本部门检查完毕 from the web.
  const r = await results(api, visit.id)
  expect(r.status).toBe('open')
  for (const p of wjwPoints) {
    const a = r.items.find((x) => x.item_id === p.id)!
    expect(a.value).toBe(p.id === first.id ? '不符合' : '符合')
    expect(a).toMatchObject({ channel: 'web', office_entered: true })
  }
  expect(r.items.find((x) => x.item_id === first.id)!.note).toBe('消毒剂无卫生许可证复印件（纸质检查记录第2页）')
  const oc = r.outcomes.find((o) => o.dept === 'wjw')!
  expect(oc.categories).toEqual(['发现问题待后续处理'])
  expect(oc).toMatchObject({ channel: 'web', office_entered: true })
  const st = (await api.json<{ dept_finishes: { dept: string; channel: string }[] }>('office', 'GET', `/visits/${visit.id}/state`)).dept_finishes
  expect(st.map((f) => [f.dept, f.channel])).toEqual([['wjw', 'web']])
  // What the phone entered keeps its channel.
  for (const a of r.items.filter((x) => x.dept === 'scjg')) expect(a).toMatchObject({ channel: 'mobile', office_entered: false })

  await answer.scrollIntoViewIfNeeded()
  await shot(page, 'paper-entry-saved.png')
  expect(await page.locator('main').innerText()).not.toMatch(UUID)
  expect(errors).toEqual([])
})

test('a visit entered wholly on paper, department by department, completes', async ({ api, page, shot }) => {
  const { taskId, visits } = await openVisits(api)
  const visit = visits[1]
  const total = visit.items.length
  expect(total).toBeGreaterThanOrEqual(40)
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await signInOffice(page)
  await openEntry(page, taskId, visit)

  // 市住建局 found one problem: its finding taken from the template's wording.
  const zjj = dept(page, 'zjj')
  await zjj.getByTestId('entry-edit').click()
  const form = zjj.getByTestId('entry-form')
  const failing = points(visit, 'zjj')[1]
  await choose(page, failing.id, '不符合')
  const row = form.locator(`[data-testid="entry-item"][data-item="${failing.id}"]`)
  if (failing.notice_text) await row.getByRole('button', { name: /套用检查表表述/ }).click()
  else await row.locator('textarea').fill('燃气燃烧器具未及时更换')
  await expect(row.locator('textarea')).not.toHaveValue('')
  await form.getByTestId('entry-rest-pass').click()
  await form.getByTestId('entry-outcome-suggest').click()
  await expect(form.locator('[data-category="发现问题待后续处理"]')).toHaveAttribute('aria-checked', 'true')
  await form.getByTestId('entry-completed').click()
  await expect(form.getByTestId('entry-progress')).toContainText(`已填 ${points(visit, 'zjj').length}/${points(visit, 'zjj').length}`)
  await form.getByTestId('entry-submit').click()
  await expect(zjj.getByTestId('entry-answer')).toContainText('市住建局已确认本部门检查完毕')
  await expect(page.getByTestId('entry-status')).toHaveText('待检查')

  // The others: nothing found on their paper forms.
  await enterWholePart(page, dept(page, 'scjg'))
  await expect(page.getByTestId('entry-status')).toHaveText('待检查')
  await enterWholePart(page, dept(page, 'wjw'))

  // The last department's finish completes the visit on the server: no phone, no signature on screen needed.
  await expect(dept(page, 'wjw').getByTestId('entry-answer')).toContainText('各部门均已检查完毕，检查已完成')
  await expect(page.getByTestId('entry-status')).toHaveText('已完成')
  await expect(page.getByTestId('entry-missing')).toHaveCount(0)
  await expect(page.getByTestId('entry-edit')).toHaveCount(0)
  await expect(page.locator(`[data-testid="entry-visit"][data-visit-id="${visit.id}"]`)).toContainText('已完成')
  for (const code of ['scjg', 'zjj', 'wjw']) {
    await expect(page.locator(`[data-testid="entry-finish-state"][data-dept="${code}"]`)).toHaveAttribute('data-state', 'finished')
  }
  await expect(dept(page, 'zjj').getByTestId('entry-matter')).toHaveAttribute('data-result', '不符合')
  await expect(dept(page, 'scjg').getByTestId('entry-matter')).toHaveAttribute('data-result', '符合')

  const r = await results(api, visit.id)
  expect(r.status).toBe('complete')
  expect(r.items.filter((a) => a.value)).toHaveLength(total)
  expect(r.items.every((a) => a.channel === 'web')).toBe(true)
  const st = await api.json<{ visit: { status: string }; dept_finishes: { dept: string; channel: string }[] }>('office', 'GET', `/visits/${visit.id}/state`)
  expect(st.visit.status).toBe('complete')
  expect(st.dept_finishes.map((f) => f.channel)).toEqual(['web', 'web', 'web'])

  // A 40-point visit at 1280×800: 事项 collapsed, each with its derived result.
  await page.evaluate(() => window.scrollTo(0, 0))
  await page.mouse.move(0, 0)
  await shot(page, 'paper-entry-complete.png')
  expect(await page.locator('main').innerText()).not.toMatch(UUID)
  expect(errors).toEqual([])
})

test('on a tablet the entry form keeps each point readable', async ({ api, page, shot }) => {
  const { taskId, visits } = await openVisits(api)
  const visit = visits[visits.length - 1]
  await page.setViewportSize({ width: 820, height: 1180 })
  await signInOffice(page)
  await page.goto(`/office/entry?task=${taskId}&visit=${visit.id}&dept=scjg`)
  const form = dept(page, 'scjg').getByTestId('entry-form')
  await expect(form).toBeVisible()
  const pts = points(visit, 'scjg')
  await choose(page, pts[0].id, '符合')
  await choose(page, pts[1].id, '不符合')
  // Nothing overflows the page sideways, and each point's buttons stay whole.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
  expect(overflow).toBeLessThanOrEqual(0)
  const box = await form.locator(`[data-testid="entry-item"][data-item="${pts[1].id}"] [data-value="不涉及"]`).boundingBox()
  expect(box!.x + box!.width).toBeLessThanOrEqual(820)
  // 事项 fold away: the 40-point visit stays short.
  const toggle = form.getByTestId('entry-matter-toggle').first()
  await expect(toggle).toHaveAttribute('aria-expanded', 'true')
  await page.mouse.move(0, 0)
  await shot(page, 'paper-entry-tablet.png')
  await toggle.click()
  await expect(toggle).toHaveAttribute('aria-expanded', 'false')
  await expect(form.getByTestId('entry-item')).toHaveCount(0)
  // The state survives folding: the draft keeps both answers.
  await toggle.click()
  await expect(form.locator(`[data-testid="entry-item"][data-item="${pts[1].id}"]`)).toHaveAttribute('data-value', '不符合')
})

test('a lead entering another department’s results sees the server’s 403', async ({ api, page, shot }) => {
  const { taskId, visits } = await openVisits(api)
  const visit = visits[0]
  const before = await results(api, visit.id)
  const zjjItem = points(visit, 'zjj')[0]

  // The lead (市市场监管局), on a phone, opens the screen by URL on 市住建局's part.
  await page.setViewportSize({ width: 390, height: 844 })
  await signIn(page, 'lead')
  // From 检查户安排 the link opens the lead's own department's part.
  await page.goto(`/lead/tasks/${taskId}`)
  await page.locator(`[data-testid="lead-visit-card"][data-visit-id="${visit.id}"]`).getByTestId('lead-paper-entry').click()
  await expect(page).toHaveURL(/\/office\/entry\?.*dept=scjg/)
  await expect(dept(page, 'scjg').getByTestId('entry-form')).toBeVisible()
  await page.goto(`/office/entry?task=${taskId}&visit=${visit.id}&dept=zjj`)
  const zjj = dept(page, 'zjj')
  await expect(zjj).toContainText('谁检查、谁录入')
  const form = zjj.getByTestId('entry-form')
  await expect(form).toBeVisible()
  await choose(page, zjjItem.id, '符合')
  await form.getByTestId('entry-submit').click()

  const answer = zjj.getByTestId('entry-answer')
  await expect(answer).toContainText('没有权限进行此操作')
  await expect(answer).toContainText('谁检查、谁录入')
  await expect(answer).not.toContainText(UUID)
  await answer.scrollIntoViewIfNeeded()
  await shot(page, 'paper-entry-403.png')

  // Nothing was written.
  const after = await results(api, visit.id)
  expect(after.items).toEqual(before.items)
  expect(after.outcomes).toEqual(before.outcomes)
})

test('the lead sees each department’s state and what a swapped-out inspector sent', async ({ api, page, shot }) => {
  const { taskId, visits } = await openVisits(api)
  // visits[0]: 市市场监管局 answered on a phone, 市卫生健康委 finished on paper (first test).
  const visit = visits[0]
  const out = visit.team.find((m) => m.dept === 'scjg' && m.active !== false)!
  const outPhone = await api.mobileClient(await api.usernameOf(out))
  // The office takes him off the team; his phone, offline meanwhile, sends afterwards.
  await api.ensureMember(visit, 'insp1')
  const pts = points(visit, 'scjg')
  const st = await api.state(visit.id)
  const fates = await outPhone.push([
    {
      name: 'item.set',
      args: { visit_id: visit.id, item_id: pts[0].id, value: '不符合', note: '许可证已过期', photos: [], base_version: st.results.find((r) => r.item_id === pts[0].id)?.version ?? 0 },
    },
    { name: 'outcome.set', args: { visit_id: visit.id, dept: 'scjg', categories: ['发现问题待后续处理'], note: '', base_version: st.outcomes.find((o) => o.dept === 'scjg')?.version ?? 0 } },
  ])
  expect(fates.map((f) => f.status)).toEqual(['rejected', 'rejected'])

  await page.setViewportSize({ width: 390, height: 844 })
  await signIn(page, 'lead')
  const states = page.waitForRequest((r) => r.url().includes('/state'), { timeout: 2000 }).catch(() => null)
  await page.goto(`/lead/tasks/${taskId}`)
  const card = page.locator(`[data-testid="lead-visit-card"][data-visit-id="${visit.id}"]`)
  await expect(card).toBeVisible()
  // No visit's state is read until the lead opens it.
  expect(await states).toBeNull()

  // The refused records, in red, on the visit itself.
  const line = card.getByTestId('lead-refused')
  await expect(line).toHaveText(/调出人员提交的记录 2 条/)
  await line.click()
  const rows = card.getByTestId('lead-refused-row')
  await expect(rows).toHaveCount(2)
  await expect(rows.first()).toContainText(out.name)
  await expect(rows.first()).toContainText(`检查内容“${pts[0].code} ${pts[0].name}”：不符合`)
  await expect(rows.first()).toContainText('许可证已过期')
  await expect(rows.first()).toContainText('记录于')
  await expect(rows.nth(1)).toContainText('市市场监管局检查结果：发现问题待后续处理')

  // Each department's state, read when the visit is opened.
  await card.getByTestId('lead-progress-toggle').click()
  await expect(card.locator('[data-testid="lead-dept-state"][data-dept="scjg"]')).toHaveText('进行中 22/22')
  await expect(card.locator('[data-testid="lead-dept-state"][data-dept="zjj"]')).toHaveText(/^(未开始|进行中) \d+\/11$/)
  await expect(card.locator('[data-testid="lead-dept-state"][data-dept="wjw"]')).toHaveText('已检查完毕')
  const wjw = card.locator('[data-testid="lead-dept-progress"][data-dept="wjw"]')
  await expect(wjw).toContainText('确认本部门检查完毕')
  await expect(wjw.locator('.derived')).toHaveText('不符合')
  await expect(card.locator('[data-testid="lead-dept-progress"][data-dept="scjg"] .derived')).toHaveText('符合')
  expect(await card.innerText()).not.toMatch(UUID)
  await toTop(card)
  await shot(page, 'paper-entry-lead.png')
  await toTop(card.locator('[data-testid="lead-dept-progress"][data-dept="scjg"]'))
  await shot(page, 'paper-entry-lead-progress.png')
})
