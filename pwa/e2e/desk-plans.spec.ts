// 年度计划 at the desk (issue 12 item 1), 1280×800: the 联席办 uploads the
// 2024 table as the 2025 plan with a bad 抽查比例 (row 2) and a bad 抽查层级
// (plan 2's row) and sees both rows refused in the error table, nothing
// written; fixes the table, previews it (70 plans added, nothing written
// yet), confirms, and finds the 2025 plans listed with their departments
// and items; settles plan 60's 待定 with two member departments and sees
// them on the plan, as the API stores them.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DESK } from './devices'
import { expect, signIn, test } from './fixtures'

test.use({ ...DESK })

const here = dirname(fileURLToPath(import.meta.url))
const SEED = readFileSync(join(here, '..', '..', 'testdata', 'plans', 'qingyang-2024.tsv'), 'utf8')
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i

/** broken is the seed with row 2's ratio and plan 2's level made wrong; returns the table and plan 2's row. */
function broken(): { text: string; levelRow: number } {
  const lines = SEED.split('\n')
  const c1 = lines[1].split('\t')
  c1[4] = '十分之一'
  lines[1] = c1.join('\t')
  const i = lines.findIndex((l) => l.split('\t')[0] === '2')
  const c2 = lines[i].split('\t')
  c2[6] = '乡镇级'
  lines[i] = c2.join('\t')
  return { text: lines.join('\n'), levelRow: i + 1 }
}

interface PlanYear {
  year: number
  count: number
  plans: { id: string; seq: number; departments: { ord: number; raw: string; placeholder: boolean; settled?: { code: string; name: string }[] }[] }[]
}

test('the 联席办 previews, refuses and imports a plan table, lists the plans and settles a 待定', async ({ api, page, shot }) => {
  test.setTimeout(120_000)
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await signIn(page, 'office', /\/office$/)
  // 联席办工作台 on a tablet (768 px): the toolbar's buttons wrap to a second line, each label on one line, and the page does not scroll sideways.
  await page.setViewportSize({ width: 768, height: 1024 })
  for (const id of ['office-paper-entry', 'office-followups', 'office-referrals', 'office-checklists']) {
    const lines = await page.getByTestId(id).locator('.van-button__text').evaluate((t) => {
      const r = document.createRange()
      r.selectNodeContents(t)
      return new Set(Array.from(r.getClientRects(), (b) => Math.round(b.top))).size
    })
    expect(lines, `${id} on one line`).toBe(1)
  }
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(768)
  await page.setViewportSize(DESK.viewport)
  await page.goto('/office/plans')
  // The list opens on the year with plans: the demo's 2024.
  await expect(page.getByTestId('plans-year')).toHaveValue('2024')
  await expect(page.getByTestId('plan-row')).toHaveCount(70)

  const year = page.getByTestId('plans-import-year')
  await year.fill('2025')
  const bad = broken()
  await page.getByTestId('plans-file').setInputFiles({ name: '2025年计划-有错.tsv', mimeType: 'text/tab-separated-values', buffer: Buffer.from(bad.text, 'utf8') })
  await page.getByTestId('plans-preview').click()
  const box = page.getByTestId('plans-errors')
  await expect(box).toBeVisible()
  await expect(box).toContainText('计划表有 2 处错误，未导入任何内容')
  const rows = page.getByTestId('plans-error-row')
  await expect(rows).toHaveCount(2)
  await expect(rows.nth(0)).toHaveAttribute('data-row', '2')
  await expect(rows.nth(0).locator('td').nth(0)).toHaveText('第 2 行')
  await expect(rows.nth(0).locator('td').nth(1)).toHaveText('抽查比例')
  await expect(rows.nth(0).locator('td').nth(2)).toContainText('十分之一')
  await expect(rows.nth(1)).toHaveAttribute('data-row', String(bad.levelRow))
  await expect(rows.nth(1).locator('td').nth(1)).toHaveText('抽查层级')
  await expect(rows.nth(1).locator('td').nth(2)).toContainText('乡镇级')
  expect(await page.locator('body').innerText()).not.toMatch(UUID)
  await shot(page, 'desk-plans-errors.png')
  expect((await api.json<PlanYear>('office', 'GET', '/plans?year=2025')).count).toBe(0)

  // The fixed table: a preview first, nothing written until confirmed.
  await page.getByTestId('plans-file').setInputFiles({ name: '2025年计划.tsv', mimeType: 'text/tab-separated-values', buffer: Buffer.from(SEED, 'utf8') })
  await page.getByTestId('plans-preview').click()
  const preview = page.getByTestId('plans-preview-box')
  await expect(preview).toHaveAttribute('data-year', '2025')
  await expect(page.getByTestId('plans-preview-summary')).toHaveText('计划 70 项（序号 68 个），责任部门 186 个，抽查事项 272 项')
  await expect(preview).toContainText('待定部门 7 个')
  await expect(page.getByTestId('plans-errors')).toHaveCount(0)
  await shot(page, 'desk-plans-preview.png')
  expect((await api.json<PlanYear>('office', 'GET', '/plans?year=2025')).count).toBe(0)
  await page.getByTestId('plans-confirm').click()
  await expect(page.getByTestId('plans-result')).toContainText('已导入 2025 年度计划：计划 70 项')
  await expect(page.getByTestId('plans-year')).toHaveValue('2025')
  await expect(page.getByTestId('plan-row')).toHaveCount(70)
  const plan1 = page.locator('[data-testid="plan-row"][data-seq="1"]')
  await expect(plan1).toContainText('市发展改革委')
  await expect(plan1).toContainText('对工程咨询单位的行政检查')
  await expect(plan1).toContainText('10%')
  await expect(plan1).toContainText('市级')

  // Plan 60's 待定: choose 市公安局 and 市卫生健康委.
  const plan60 = page.locator('[data-testid="plan-row"][data-seq="60"]')
  await plan60.scrollIntoViewIfNeeded()
  await expect(plan60.locator('[data-testid="plan-dept"][data-placeholder="true"]')).toContainText('未确定')
  await plan60.getByTestId('plan-settle').click()
  const picker = page.getByTestId('settle-picker')
  await expect(picker).toBeVisible()
  // The plan's own 市市场监管局 and the 联席办 are not offered.
  await expect(picker.locator('[data-code="scjg"]')).toHaveCount(0)
  await expect(picker.locator('[data-code="lxb"]')).toHaveCount(0)
  await picker.locator('[data-code="gaj"]').click()
  await picker.locator('[data-code="wjw"]').click()
  await shot(page, 'desk-plans-settle.png')
  await page.getByTestId('settle-save').click()
  await expect(picker).toHaveCount(0)
  await expect(plan60.getByTestId('plan-settled')).toHaveText('→ 市公安局、市卫生健康委')
  const stored = (await api.json<PlanYear>('office', 'GET', '/plans?year=2025')).plans.find((p) => p.seq === 60)!
  expect(stored.departments[1].settled?.map((s) => s.code)).toEqual(['gaj', 'wjw'])
  // The demo's 2024 plan 60 is untouched.
  const demo = (await api.json<PlanYear>('office', 'GET', '/plans?year=2024')).plans.find((p) => p.seq === 60)!
  expect(demo.departments[1].settled ?? []).toEqual([])
  await page.getByTestId('plans-year').scrollIntoViewIfNeeded()
  await shot(page, 'desk-plans.png')
  await expect(plan1.getByTestId('plan-narrow')).toBeHidden()

  // On a tablet, in either orientation, the plans fit the width: 发起部门, 抽查层级 and 抽查时间 go under the
  // plan's name, and neither the page nor the table scrolls sideways.
  const list = page.getByTestId('plans-list')
  for (const viewport of [{ width: 768, height: 1024 }, { width: 1024, height: 768 }]) {
    await page.setViewportSize(viewport)
    await expect(plan1.getByTestId('plan-narrow')).toContainText('市发展改革委发起 · 市级')
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width)
    expect(await list.evaluate((t) => t.getBoundingClientRect().width <= t.parentElement!.clientWidth + 1), `the table fits at ${viewport.width} px`).toBe(true)
  }
  await page.setViewportSize(DESK.viewport)
  expect(await page.locator('body').innerText()).not.toMatch(UUID)
  expect(errors).toEqual([])
})
