// The office's year at a desk (issue 12, "Done when"), 1280×800, in the
// order it happens and through the side navigation, as a user would move:
// 年度计划 (a broken 2027 table refused with its rows shown, the fixed one
// previewed and imported, a 待定 settled) → 名录库 (three new 大中型餐饮
// entities of 西峰区 and two inspectors of 庆城县 previewed, imported,
// found) → 任务与抽取 (plan
// 66's 2027 task in 西峰区 created, drawn, verified, one visit's inspector
// re-drawn with a reason, the 抽取记录 printed) → the visit's results (one
// department's phones, played by the API helpers; two on paper, entered in
// 录入纸质结果) → 结果公示 (the
// office previews; 谁检查、谁公开: 市市场监管局's lead publishes) and the
// result on /public → 用户与设备 (a user created, the password reset, the
// one-time password changed at first sign-in on the user's phone, which
// then works; that phone, lost, retired with a reason) → 留痕 (the visit's
// trail shows the draw, the re-draw's reason, the results and the
// publication). Everything it needs it makes itself: the demo's year and
// directory may change under it; 2027 is a year no other spec uses.
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Page } from '@playwright/test'
import { DESK, PHONE } from './devices'
import { expect, signIn, test, waitSynced } from './fixtures'

test.use({ ...DESK })

const here = dirname(fileURLToPath(import.meta.url))
const YEAR = 2027
// The seed table, its plans renamed for the year ("庆阳市2024年…" → "庆阳市2027年…").
const TABLE = readFileSync(join(here, '..', '..', 'testdata', 'plans', 'qingyang-2024.tsv'), 'utf8').replaceAll('2024年', `${YEAR}年`)
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i
const XIFENG = '621002'
// Plan 66 (大中型餐饮服务, 市市场监管局 with 市住建局 and 市卫健委): its tag is its 检查对象 without 全市.
const TAG = '大中型餐饮服务企业'

// GB 32100-2015, as schema/uscc.go computes the check character.
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
function uscc(first17: string): string {
  const sum = [...first17].reduce((s, c, i) => s + ALPHABET.indexOf(c) * WEIGHTS[i], 0)
  return first17 + ALPHABET[(31 - (sum % 31)) % 31]
}
const NEW = [
  { uscc: uscc('91621002MAE9Y7001'), name: '庆阳市西峰区陇东宴餐饮有限公司', address: '西峰区九龙南路21号', risk: 'C' },
  { uscc: uscc('91621002MAE9Y7002'), name: '庆阳市西峰区董志塬大酒店有限公司', address: '西峰区安定东路9号', risk: 'B' },
  { uscc: uscc('91621002MAE9Y7003'), name: '庆阳市西峰区岐黄食府有限公司', address: '西峰区长庆北路102号', risk: 'D' },
]

interface PlanYear {
  year: number
  count: number
  plans: { id: string; seq: number; departments: { raw: string; placeholder: boolean; settled?: { code: string }[] }[] }[]
}
interface TaskRow {
  id: string
  plan_id: string
  region: string
  draw_id: string
}
interface TrailEntries {
  entries: { kind: string; action: string; reason?: string; position: string }[]
}

/** nav moves to a section by its item in the side navigation, and checks that it is the one highlighted. */
async function nav(page: Page, path: string, title: string) {
  const item = page.getByTestId(`desk-nav-${path}`)
  await expect(item).toHaveText(title)
  await item.click()
  await expect(page).toHaveURL(new RegExp(`${path}(\\?.*)?$`))
  await expect(page.getByTestId('desk-nav').locator('[aria-current="page"]')).toHaveText(title)
}

/** giveReason fills the users screen's reason popup and confirms the dialog that follows. */
async function giveReason(page: Page, reason: string) {
  await expect(page.getByTestId('reason-form')).toBeVisible()
  await page.getByTestId('reason-input').fill(reason)
  await page.getByTestId('reason-submit').click()
  await page.locator('.van-dialog__confirm').click()
  await expect(page.getByTestId('reason-form')).toBeHidden()
}

async function readOtp(page: Page): Promise<string> {
  // A password is hashed with bcrypt: on a busy 2-core machine that alone can take seconds.
  await expect(page.getByTestId('otp-dialog')).toBeVisible({ timeout: 45_000 })
  const pw = (await page.getByTestId('otp-password').textContent())?.trim() ?? ''
  expect(pw).toMatch(/^[A-Za-z2-9]{12}$/)
  return pw
}

test('the office walks its year: plan, directory, task and draw, results, publication, users and phones, trail', async ({ api, browser, baseURL, page, shot }) => {
  test.setTimeout(420_000)
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await signIn(page, 'office', /\/office$/)
  await expect(page.getByTestId('desk-nav')).toBeVisible()

  // ——— 1. 年度计划: a broken table is refused with its rows shown; the fixed one is previewed and imported.
  await nav(page, '/office/plans', '年度计划')
  await page.getByTestId('plans-import-year').fill(String(YEAR))
  const lines = TABLE.split('\n')
  const c1 = lines[1].split('\t')
  c1[4] = '十分之一'
  lines[1] = c1.join('\t')
  await page.getByTestId('plans-file').setInputFiles({ name: `${YEAR}年计划-有错.tsv`, mimeType: 'text/tab-separated-values', buffer: Buffer.from(lines.join('\n'), 'utf8') })
  await page.getByTestId('plans-preview').click()
  await expect(page.getByTestId('plans-errors')).toContainText('计划表有 1 处错误，未导入任何内容')
  const errRow = page.getByTestId('plans-error-row')
  await expect(errRow).toHaveCount(1)
  await expect(errRow.locator('td').nth(0)).toHaveText('第 2 行')
  await expect(errRow.locator('td').nth(1)).toHaveText('抽查比例')
  await expect(errRow.locator('td').nth(2)).toContainText('十分之一')
  await shot(page, 'desk-year-1-plan-errors.png')
  expect((await api.json<PlanYear>('office', 'GET', `/plans?year=${YEAR}`)).count).toBe(0)

  await page.getByTestId('plans-file').setInputFiles({ name: `${YEAR}年计划.tsv`, mimeType: 'text/tab-separated-values', buffer: Buffer.from(TABLE, 'utf8') })
  await page.getByTestId('plans-preview').click()
  await expect(page.getByTestId('plans-preview-box')).toHaveAttribute('data-year', String(YEAR))
  await expect(page.getByTestId('plans-preview-summary')).toContainText('计划 70 项')
  await expect(page.getByTestId('plans-errors')).toHaveCount(0)
  expect((await api.json<PlanYear>('office', 'GET', `/plans?year=${YEAR}`)).count).toBe(0)
  await page.getByTestId('plans-confirm').click()
  await expect(page.getByTestId('plans-result')).toContainText(`已导入 ${YEAR} 年度计划：计划 70 项`)
  await expect(page.getByTestId('plans-year')).toHaveValue(String(YEAR))
  await expect(page.getByTestId('plan-row')).toHaveCount(70)

  // Plan 67 (消费维权) names 待定 as its second department: 市卫生健康委 is chosen.
  const plan67 = page.locator('[data-testid="plan-row"][data-seq="67"]')
  await plan67.scrollIntoViewIfNeeded()
  await expect(plan67.locator('[data-testid="plan-dept"][data-placeholder="true"]')).toContainText('未确定')
  await plan67.getByTestId('plan-settle').click()
  const picker = page.getByTestId('settle-picker')
  await picker.locator('[data-code="wjw"]').click()
  await page.getByTestId('settle-save').click()
  await expect(picker).toHaveCount(0)
  await expect(plan67.getByTestId('plan-settled')).toHaveText('→ 市卫生健康委')
  await shot(page, 'desk-year-1-plan-settled.png')
  const plans = await api.json<PlanYear>('office', 'GET', `/plans?year=${YEAR}`)
  expect(plans.plans.find((p) => p.seq === 67)!.departments.find((d) => d.placeholder)!.settled?.map((s) => s.code)).toEqual(['wjw'])
  const plan66 = plans.plans.find((p) => p.seq === 66)!

  // ——— 2. 名录库: three new entities of 西峰区 for plan 66, previewed, imported, found.
  const before = await api.json<{ total: number }>('office', 'GET', `/entities?region=${XIFENG}&size=1`)
  await nav(page, '/office/directory', '名录库')
  const header = 'uscc,name,region,address,tags,risk,status,lat,lng,flags'
  const file = '\ufeff' + [header, ...NEW.map((e) => [e.uscc, e.name, XIFENG, e.address, TAG, e.risk, '存续', '', '', ''].join(','))].join('\r\n') + '\r\n'
  await page.getByTestId('dir-entities-file').setInputFiles({ name: '西峰区餐饮新增.csv', mimeType: 'text/csv', buffer: Buffer.from(file, 'utf8') })
  await page.getByTestId('dir-entities-preview').click()
  const box = page.getByTestId('dir-entities-preview-box')
  await expect(box).toHaveAttribute('data-created', '3')
  await expect(page.getByTestId('dir-entities-preview-summary')).toHaveText(`新增 3 户，变更 0 户，不变 0 户，文件中未列出 ${before.total} 户`)
  await expect(page.getByTestId('dir-entities-added').getByTestId('dir-added-row')).toHaveCount(3)
  await shot(page, 'desk-year-2-directory-preview.png')
  expect((await api.json<{ total: number }>('office', 'GET', `/entities?q=${NEW[0].uscc}`)).total).toBe(0)
  await page.getByTestId('dir-entities-confirm').click()
  await expect(page.getByTestId('dir-entities-result')).toHaveText(/已导入检查对象名录库：新增 3 户/)
  await page.getByTestId('dir-entities-q').fill('陇东宴')
  await page.getByTestId('dir-entities-search').click()
  await expect(page.getByTestId('dir-entities-total')).toHaveText('共 1 户')
  await expect(page.locator(`[data-testid="dir-entity-row"][data-uscc="${NEW[0].uscc}"]`)).toContainText(NEW[0].name)

  // Two new inspectors of 庆城县's 市场监管 (not 西峰区's: the draw below takes only people the walk can sign in as).
  await page.getByRole('tab', { name: '执法检查人员名录库' }).click()
  const inspectors = [
    'username,name,dept,region,cert_no,specialities,expert,on_duty',
    'scjg-621021-91,马晓东,scjg,621021,62621021009191,食品安全|餐饮服务,否,是',
    'scjg-621021-92,白玉兰,scjg,621021,62621021009192,餐饮服务,否,是',
  ]
  await page.getByTestId('dir-inspectors-file').setInputFiles({ name: '庆城县执法人员.csv', mimeType: 'text/csv', buffer: Buffer.from('\ufeff' + inspectors.join('\r\n') + '\r\n', 'utf8') })
  await page.getByTestId('dir-inspectors-preview').click()
  const ibox = page.getByTestId('dir-inspectors-preview-box')
  await expect(ibox).toHaveAttribute('data-created', '2')
  await expect(ibox.getByTestId('dir-added-row').nth(0)).toContainText('马晓东')
  await shot(page, 'desk-year-2-inspectors-preview.png')
  expect((await api.json<{ total: number }>('office', 'GET', '/inspectors?q=scjg-621021-9')).total).toBe(0)
  await page.getByTestId('dir-inspectors-confirm').click()
  await expect(page.getByTestId('dir-inspectors-result')).toContainText('新增 2 名')
  await page.getByTestId('dir-inspectors-q').fill('马晓东')
  await page.getByTestId('dir-inspectors-tag').fill('餐饮服务')
  await page.getByTestId('dir-inspectors-search').click()
  await expect(page.getByTestId('dir-inspectors-total')).toHaveText('共 1 名')
  await expect(page.locator('[data-testid="dir-inspector-row"][data-username="scjg-621021-91"]')).toBeVisible()

  // ——— 3. 任务与抽取: plan 66's task in 西峰区, drawn, verified, a re-draw with a reason, the record printed.
  await nav(page, '/office/tasks', '任务与抽取')
  await page.getByTestId('tasks-year').selectOption(String(YEAR))
  await expect(page.getByTestId('task-plan').locator(`option[value="${plan66.id}"]`)).toHaveCount(1)
  await page.getByTestId('task-plan').selectOption(plan66.id)
  await page.getByTestId('task-level').selectOption('县区级')
  await page.getByTestId('task-region').selectOption(XIFENG)
  await page.getByTestId('task-create').click()
  await expect(page.getByTestId('task-created')).toHaveText('已创建任务：西峰区')
  const taskRow = page.getByTestId('task-row')
  await expect(taskRow).toHaveCount(1)
  await taskRow.click()
  await expect(page).toHaveURL(/\/office\/tasks\/[0-9a-f-]+$/)
  const taskId = page.url().split('/').pop()!
  const pop = page.getByTestId('draw-population')
  await expect(pop).toBeVisible()
  // The three new entities are in the population: the directory feeds the draw.
  expect(Number(await page.getByTestId('population-total').textContent())).toBeGreaterThanOrEqual(3)
  const forecast = Number(await page.getByTestId('population-drawn').textContent())
  expect(forecast).toBeGreaterThan(0)
  await shot(page, 'desk-year-3-population.png')
  await page.getByTestId('draw-run').click()
  await page.locator('.van-dialog:visible').getByRole('button', { name: '开始抽取' }).click()
  await expect(page.getByTestId('draw-record')).toBeVisible()
  await expect(page.getByTestId('draw-visit')).toHaveCount(forecast)
  await page.getByTestId('draw-verify').click()
  await expect(page.getByTestId('draw-verification')).toHaveAttribute('data-state', 'match')

  // The first visit's 市市场监管局 inspector is re-drawn: 回避, with the reason.
  const visit = page.getByTestId('draw-visit').first()
  const visitId = (await visit.getAttribute('data-visit-id'))!
  await visit.getByTestId('draw-redraw').click()
  await page.getByTestId('redraw-kind-inspector').check()
  await page.getByTestId('redraw-dept').selectOption('scjg')
  const out = page.getByTestId('redraw-inspector').locator('option:not([value=""])').first()
  await page.getByTestId('redraw-inspector').selectOption((await out.getAttribute('value'))!)
  const REASON = '与检查对象负责人系亲属，申请回避'
  await page.getByTestId('redraw-reason').fill(REASON)
  await page.locator('.van-dialog:visible').getByRole('button', { name: '确认重新抽取' }).click()
  await expect(page.getByTestId('redraw-dialog')).toBeHidden()
  await expect(page.getByTestId('draw-redraw-reason')).toHaveText(REASON)
  await page.getByTestId('draw-verify').click()
  await expect(page.getByTestId('draw-verification')).toHaveAttribute('data-state', 'match')
  await shot(page, 'desk-year-3-draw.png')

  await page.getByTestId('draw-print').click()
  await expect(page).toHaveURL(/\/office\/draws\/[0-9a-f-]+\/print$/)
  const sheet = page.getByTestId('draw-print-sheet')
  await expect(sheet).toBeVisible()
  await expect(page.getByTestId('print-visit')).toHaveCount(forecast)
  await expect(page.getByTestId('print-redraw-reason')).toHaveText(REASON)
  await expect(sheet).toContainText('西峰区')
  await page.emulateMedia({ media: 'print' })
  await expect(page.getByTestId('desk-nav')).toBeHidden()
  await shot(page, 'desk-year-3-draw-print.png')
  await page.emulateMedia({ media: 'screen' })
  expect(await page.locator('body').innerText()).not.toMatch(UUID)

  // ——— 4. The results: 市市场监管局's team on their phones (the API helpers play them), 市住建局 and
  // 市卫生健康委 on paper, entered at the desk in 录入纸质结果; the last department's finish completes the visit.
  const entity = (await api.state(visitId)).visit.entity.name
  // On site, 市市场监管局's phone checks in, records its part and the entity's signature.
  const scjg = await api.answerDepartment(visitId, 'scjg', { finish: true })
  const sig = await api.upload(scjg.username, `被检查单位签名 ${randomUUID()}`)
  const fates = await scjg.push([
    { name: 'visit.checkin', args: { id: randomUUID(), visit_id: visitId, lat: null, lng: null, accuracy: null } },
    { name: 'signature.add', args: { id: randomUUID(), visit_id: visitId, kind: 'entity', signer: '王经理', role: '负责人', phone: '13800000000', confirmed: true, photo: sig } },
  ])
  expect(fates.map((f) => f.status)).toEqual(['applied', 'applied'])
  await nav(page, '/office/entry', '录入纸质结果')
  await page.getByTestId('entry-task').selectOption(taskId)
  await page.getByTestId('entry-search').locator('input').fill(entity)
  await page.getByTestId('entry-visit').click()
  await expect(page).toHaveURL(new RegExp(`visit=${visitId}`))
  await expect(page.getByTestId('entry-visit-head')).toContainText(entity)
  for (const code of ['zjj', 'wjw']) {
    const section = page.locator(`[data-testid="entry-dept"][data-dept="${code}"]`)
    await section.getByTestId('entry-edit').click()
    const form = section.getByTestId('entry-form')
    await expect(form).toBeVisible()
    const rest = form.getByTestId('entry-rest-pass')
    while ((await rest.count()) > 0) await rest.first().click()
    await form.locator('[data-category="未发现问题"]').click()
    await form.getByTestId('entry-completed').click()
    await form.getByTestId('entry-submit').click()
    await expect(section.getByTestId('entry-answer')).toContainText('已确认本部门检查完毕')
  }
  await expect(page.getByTestId('entry-status')).toHaveText('已完成')
  // The screen scrolls smoothly to its answer: let it settle, then show the visit's head (已完成).
  await page.waitForFunction(() => new Promise<boolean>((r) => { const y = scrollY; setTimeout(() => r(scrollY === y), 300) }))
  await page.getByTestId('entry-visit-head').scrollIntoViewIfNeeded()
  await shot(page, 'desk-year-4-paper-entry.png')
  const done = await api.state(visitId)
  expect(done.visit.status).toBe('complete')

  // ——— 5. 结果公示: the office sees it due and previews; 谁检查、谁公开: the department publishes.
  await nav(page, '/office/publications', '结果公示')
  const row = page.getByTestId('pub-row').filter({ hasText: entity }).filter({ hasText: '市市场监管局' })
  await expect(row).toHaveCount(1)
  await row.getByRole('button', { name: '预览' }).click()
  await expect(page.getByTestId('pub-preview-card')).toContainText(entity)
  await expect(page.getByTestId('pub-not-yours')).toContainText('市市场监管局')
  await shot(page, 'desk-year-5-publications.png')

  const leadCtx = await browser.newContext({ ...DESK, baseURL, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  const lead = await leadCtx.newPage()
  lead.on('pageerror', (e) => errors.push(`lead: ${e.message}`))
  await signIn(lead, 'lead', /\/(tasks|lead)$/)
  await lead.getByTestId('desk-nav-/office/publications').click()
  const mine = lead.getByTestId('pub-row').filter({ hasText: entity }).filter({ hasText: '市市场监管局' })
  await mine.getByRole('button', { name: '预览并公示' }).click()
  const card = lead.getByTestId('pub-preview-card')
  await expect(card).toContainText(entity)
  const previewed = (await card.locator('dl').innerText()).trim()
  await lead.getByTestId('pub-confirm').click()
  await expect(lead.getByText(`已公示：${entity}`)).toBeVisible()
  await expect(mine).toHaveCount(0)
  await leadCtx.close()

  // The office finds it under 已公示 and opens it on /public (a new tab), as previewed.
  await page.getByRole('tab', { name: '已公示' }).click()
  await page.getByTestId('pub-region').selectOption(XIFENG)
  const published = page.getByTestId('pub-row').filter({ hasText: entity }).filter({ hasText: '市市场监管局' })
  await expect(published).toContainText('已于')
  await published.getByRole('button', { name: '预览' }).click()
  await expect(page.getByTestId('pub-preview-card')).toContainText(entity)
  const [pub] = await Promise.all([page.context().waitForEvent('page'), page.getByTestId('pub-public-link').click()])
  pub.on('pageerror', (e) => errors.push(`/public: ${e.message}`))
  await expect(pub).toHaveURL(/\/public\?q=/)
  await expect(pub.getByRole('searchbox', { name: '单位名称或统一社会信用代码' })).toHaveValue(done.visit.entity.uscc)
  const found = pub.locator('.list .item').filter({ hasText: '市市场监管局' })
  await expect(found).toHaveCount(1)
  expect((await found.locator('dl').innerText()).trim()).toBe(previewed)
  await shot(pub, 'desk-year-5-public.png')
  await pub.close()

  // ——— 6. 用户与设备: a new inspector, the password reset, changed at first sign-in on their phone.
  await nav(page, '/admin/users', '用户与设备')
  await page.getByTestId('user-create').click()
  const form = page.getByTestId('user-form')
  await form.getByTestId('user-form-username').fill('sunba.xf')
  await form.getByTestId('user-form-name').fill('孙八')
  await form.getByTestId('user-form-role').selectOption('inspector')
  await form.getByTestId('user-form-dept').selectOption('scjg')
  await form.getByTestId('user-form-region').selectOption(XIFENG)
  await form.getByTestId('user-form-cert').fill('62100299001')
  await form.getByTestId('user-form-save').click()
  await readOtp(page)
  await page.getByTestId('otp-close').click()
  const userRow = async () => {
    await page.getByTestId('users-search').fill('sunba.xf')
    await page.getByTestId('users-search').press('Enter')
    const r = page.locator('[data-testid="user-row"][data-username="sunba.xf"]')
    await expect(r).toBeVisible()
    return r
  }
  await expect((await userRow()).getByTestId('user-status')).toHaveText('待修改初始密码')
  await (await userRow()).getByTestId('user-reset').click()
  await page.locator('.van-dialog__confirm').click()
  const otp = await readOtp(page)
  await shot(page, 'desk-year-6-otp.png')
  await page.getByTestId('otp-close').click()

  const phoneCtx = await browser.newContext({ ...PHONE, baseURL })
  const phone = await phoneCtx.newPage()
  phone.on('pageerror', (e) => errors.push(`sunba.xf: ${e.message}`))
  await phone.goto('/login')
  await phone.getByTestId('login-username').locator('input').fill('sunba.xf')
  await phone.getByTestId('login-password').locator('input').fill(otp)
  await phone.getByTestId('login-submit').click()
  await expect(phone.getByTestId('first-password-form')).toBeVisible({ timeout: 45_000 })
  await phone.getByTestId('first-password-new').locator('input').fill('孙八的密码2027')
  await phone.getByTestId('first-password-again').locator('input').fill('孙八的密码2027')
  await shot(phone, 'desk-year-6-first-password.png')
  await phone.getByTestId('first-password-submit').click()
  await expect(phone).toHaveURL(/\/tasks$/, { timeout: 45_000 })
  await waitSynced(phone)
  await expect((await userRow()).getByTestId('user-status')).not.toHaveText('待修改初始密码')

  // The phone is lost: the office retires it, with the reason.
  await (await userRow()).getByTestId('user-devices').click()
  const device = page.getByTestId('devices-panel').getByTestId('device-row')
  await expect(device).toHaveCount(1)
  await device.getByTestId('device-retire').click()
  await giveReason(page, '手机丢失')
  await expect(device.getByTestId('device-state')).toContainText('已停用')
  await shot(page, 'desk-year-6-device-retired.png')
  await phoneCtx.close()
  const userTrail = await api.json<TrailEntries>('office', 'GET', '/trail?kind=user&id=sunba.xf')
  expect(userTrail.entries.map((e) => e.action)).toEqual(expect.arrayContaining(['user.create', 'user.password_reset', 'user.password_change', 'client.retire']))
  expect(userTrail.entries.find((e) => e.action === 'client.retire')?.reason).toBe('手机丢失')
  await page.getByTestId('devices-panel').getByRole('button', { name: '关闭' }).click()
  await expect(page.getByTestId('devices-panel')).toBeHidden()

  // ——— 7. 留痕: the drawn visit's trail, from the draw to the publication.
  await nav(page, '/office/trail', '留痕')
  await page.getByTestId('trail-mode-visit').click()
  await page.getByTestId('trail-task').selectOption(taskId)
  await page.getByTestId('trail-visit').selectOption(visitId)
  await page.getByTestId('trail-go').click()
  await expect(page).toHaveURL(new RegExp(`kind=visit&id=${visitId}`))
  await expect(page.getByTestId('trail-before')).toContainText('双随机抽取')
  const main = page.locator('main')
  await expect(main).toContainText(REASON)
  const after = page.getByTestId('trail-after')
  await expect(after.locator('[data-kind="item_result"]').first()).toBeVisible()
  await expect(after.locator('[data-kind="publication"]')).toContainText('市市场监管局')
  await shot(page, 'desk-year-7-trail.png')
  await expect(main).not.toContainText(UUID)
  // The server's automatic completion reads in words, not as the mutation's name (…（由签名触发）).
  expect(await main.innerText()).not.toMatch(/由[a-z]+\.[a-z_]+触发/)
  const trail = await api.json<TrailEntries>('office', 'GET', `/trail?kind=visit&id=${visitId}`)
  expect(trail.entries.find((e) => e.action === 'draw.redraw')?.reason).toBe(REASON)
  const tasks = await api.json<TaskRow[]>('office', 'GET', `/tasks?year=${YEAR}`)
  expect(tasks.find((t) => t.id === taskId)?.region).toBe(XIFENG)
  expect(errors).toEqual([])
})
