// 检查表管理 at the desk (issue 10 item 1, R8a): the 联席办 opens the demo's
// checklist templates (every 抽查事项 of plans 66, 7, 4 and 8) and one
// template's check points; uploads a broken table and sees every error with
// its row and column exactly as the server lists them, nothing written;
// uploads a valid table that changes one 事项's points and sees one new
// version (v2), the old one kept in the history. A lead of 市市场监管局
// sees only his department's templates.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Page } from '@playwright/test'
import { DESK } from './devices'
import { expect, signIn, test } from './fixtures'

test.use({ ...DESK })

const here = dirname(fileURLToPath(import.meta.url))
const SEED = readFileSync(join(here, '..', '..', 'testdata', 'checklists', 'qingyang-2024.tsv'), 'utf8')
const [HEADER, ...LINES] = SEED.split('\n').filter((l) => l.trim())
const ROWS = LINES.map((l) => l.split('\t'))
// Columns of the table (testdata/checklists/README.md).
const DEPT = 0
const ITEM = 1
const CODE = 4
const TEXT = 5

const FOOD = '对餐饮服务经营者日常经营行为的行政检查'
const DISINFECTION = '对消毒剂和消毒器械及其生产经营使用单位的行政检查'
const HOTELS = '对宾馆、旅店业的监管检查'
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i

interface Template {
  id: string
  catalogue_id: string
  dept: string
  dept_name: string
  item_name: string
  version: number
  point_count: number
  key_count: number
}

const rowsOf = (item: string) => ROWS.filter((r) => r[ITEM] === item)
const tsv = (rows: string[][]) => Buffer.from([HEADER, ...rows.map((r) => r.join('\t'))].join('\n') + '\n', 'utf8')
const summary = (list: Template[]) => list.map((t) => ({ item: t.item_name, dept: t.dept, version: t.version, points: t.point_count, keys: t.key_count, id: t.id }))

async function upload(page: Page, name: string, body: Buffer): Promise<void> {
  await page.getByTestId('checklist-file').setInputFiles({ name, mimeType: 'text/tab-separated-values', buffer: body })
  await expect(page.getByTestId('checklist-upload')).toBeEnabled()
  await page.getByTestId('checklist-upload').click()
}

/** rowOf is the list's row of one 事项 (by its exact title: plan 7's title contains the food-service one). */
function rowOf(page: Page, item: string) {
  return page.getByTestId('checklist-row').filter({ has: page.getByTestId('checklist-row-item').getByText(item, { exact: true }) })
}

/** noIds checks that no id reaches the screen. */
async function noIds(page: Page): Promise<void> {
  expect(await page.locator('body').innerText()).not.toMatch(UUID)
}

test('the 联席办 reads, refuses and imports checklist templates; a lead sees his department’s', async ({ api, page, browser, server, shot }) => {
  test.setTimeout(120_000)
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  const seed = (await api.json<{ templates: Template[] }>('office', 'GET', '/checklists')).templates
  // The demo imports a template for every 事项 of plans 66, 7, 4 and 8 (testdata/checklists/README.md).
  const items = [...new Set(ROWS.map((r) => `${r[DEPT]}\u0000${r[ITEM]}`))]
  expect(seed).toHaveLength(items.length)
  expect(seed.every((t) => t.version === 1)).toBe(true)

  await signIn(page, 'office', /\/office$/)
  await page.getByTestId('office-checklists').click()
  await expect(page).toHaveURL(/\/office\/checklists$/)
  const rows = page.getByTestId('checklist-row')
  await expect(rows).toHaveCount(seed.length)
  for (const t of seed) {
    const row = rowOf(page, t.item_name).and(page.locator(`[data-dept="${t.dept_name}"]`))
    await expect(row).toHaveCount(1)
    await expect(row.getByTestId('checklist-row-version')).toHaveText(`v${t.version}`)
    await expect(row.getByTestId('checklist-row-points')).toHaveText(`${t.point_count}（重点 ${t.key_count}）`)
  }
  await expect(page.getByTestId('checklist-list')).toContainText('市市场监管局')
  await expect(page.getByTestId('checklist-columns')).toContainText('违反条款')
  // The example to download is the demo's own table, served with the app.
  const example = await page.request.get((await page.getByTestId('checklist-example').getAttribute('href'))!)
  expect(example.ok()).toBe(true)
  expect((await example.text()).split('\n')[0]).toBe(HEADER)
  await noIds(page)

  // One template: the food-service points of 市市场监管局, as the table lists them.
  const food = seed.find((t) => t.item_name === FOOD)!
  const foodRows = rowsOf(FOOD)
  expect(food.point_count).toBe(foodRows.length)
  await rowOf(page, FOOD).click()
  await expect(page).toHaveURL(/\/office\/checklists\?t=/)
  const detail = page.getByTestId('checklist-detail')
  await expect(detail.locator('h1')).toHaveText(FOOD)
  await expect(detail).toHaveAttribute('data-version', '1')
  const points = page.getByTestId('checklist-point')
  await expect(points).toHaveCount(foodRows.length)
  for (const r of foodRows) {
    const p = page.locator(`[data-testid="checklist-point"][data-code="${r[CODE]}"]`)
    await expect(p).toContainText(r[TEXT])
    await expect(p.getByTestId('point-key')).toHaveCount(r[7] === '是' ? 1 : 0)
  }
  await expect(page.locator('[data-testid="checklist-point"][data-code="1.1"]')).toContainText('《中华人民共和国食品安全法》第三十五条第一款')
  await expect(detail).toContainText('新版本只用于此后抽取的检查户')
  await expect(page.getByTestId('checklist-version-row')).toHaveCount(1)
  await noIds(page)
  await shot(page, 'checklists-template.png')
  await page.getByTestId('checklist-back').click()
  await expect(page).toHaveURL(/\/office\/checklists$/)
  await expect(rows).toHaveCount(seed.length)

  // A broken table: row 3 has no 检查内容, row 4 an unknown department, row 5 a 事项 not in the catalogue.
  const good = foodRows[0]
  const broken = [
    good,
    Object.assign([...good], { [CODE]: '1.2', [TEXT]: '' }),
    Object.assign([...good], { [DEPT]: '市星际管理局', [CODE]: '1.3' }),
    Object.assign([...good], { [ITEM]: '对月球餐厅经营行为的行政检查' }),
  ]
  await upload(page, '检查表-有错.tsv', tsv(broken))
  const box = page.getByTestId('checklist-errors')
  await expect(box).toBeVisible()
  await expect(box).toContainText('检查表有 3 处错误，未导入任何内容')
  // Exactly what the server lists (the same table refused through the API, which writes nothing either).
  const res = await fetch(`${server.url}/api/v1/checklists/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${(await api.login('office')).token}` },
    body: (() => {
      const f = new FormData()
      f.append('file', new Blob([tsv(broken)]), '检查表-有错.tsv')
      return f
    })(),
  })
  expect(res.status).toBe(422)
  const details = ((await res.json()) as { details: { row: number; column?: string; message: string }[] }).details
  expect(details.map((d) => [d.row, d.column])).toEqual([
    [3, '检查内容'],
    [4, '部门'],
    [5, '抽查事项'],
  ])
  const errorRows = page.getByTestId('checklist-error-row')
  await expect(errorRows).toHaveCount(details.length)
  for (const [i, d] of details.entries()) {
    const r = errorRows.nth(i)
    await expect(r).toHaveAttribute('data-row', String(d.row))
    await expect(r.locator('td').nth(0)).toHaveText(`第 ${d.row} 行`)
    await expect(r.locator('td').nth(1)).toHaveText(d.column ?? '—')
    await expect(r.locator('td').nth(2)).toHaveText(d.message)
  }
  await expect(errorRows.nth(1)).toContainText('市星际管理局')
  await expect(errorRows.nth(2)).toContainText('对月球餐厅经营行为的行政检查')
  await expect(page.getByTestId('checklist-result')).toHaveCount(0)
  await noIds(page)
  await shot(page, 'checklists-errors.png')
  // Nothing changed: the same versions and counts.
  const afterBroken = (await api.json<{ templates: Template[] }>('office', 'GET', '/checklists')).templates
  expect(summary(afterBroken)).toEqual(summary(seed))

  // A valid table: 市卫健委's disinfection 事项 with one point reworded, 市公安局's hotels unchanged.
  const disinfection = rowsOf(DISINFECTION)
  const hotels = rowsOf(HOTELS)
  expect(disinfection.length).toBeGreaterThan(0)
  expect(hotels.length).toBeGreaterThan(0)
  const reworded = `${disinfection[0][TEXT]}，进货查验记录保存不少于两年`
  const edited = [Object.assign([...disinfection[0]], { [TEXT]: reworded }), ...disinfection.slice(1)]
  await upload(page, '检查表-修订.tsv', tsv([...edited, ...hotels]))
  const result = page.getByTestId('checklist-result')
  await expect(result).toContainText(`2 个事项，新增版本 1 个，未变 1 个，检查点 ${disinfection.length + hotels.length} 个`)
  await expect(page.getByTestId('checklist-errors')).toHaveCount(0)
  const changedRow = rowOf(page, DISINFECTION)
  await expect(changedRow.getByTestId('checklist-row-version')).toHaveText('v2')
  await expect(changedRow.getByTestId('checklist-row-changed')).toHaveText('本次导入新增版本')
  await expect(page.getByTestId('checklist-row-changed')).toHaveCount(1)
  await expect(rowOf(page, HOTELS).getByTestId('checklist-row-version')).toHaveText('v1')
  await noIds(page)
  await shot(page, 'checklists.png')
  const afterImport = (await api.json<{ templates: Template[] }>('office', 'GET', '/checklists')).templates
  expect(afterImport).toHaveLength(seed.length)
  for (const t of afterImport) {
    const was = seed.find((s) => s.catalogue_id === t.catalogue_id)!
    expect(t.version, t.item_name).toBe(t.item_name === DISINFECTION ? 2 : 1)
    expect(t.point_count, t.item_name).toBe(was.point_count)
  }

  // v2 shows the reworded point; v1 stays readable from the history, marked old.
  await changedRow.click()
  await expect(detail).toHaveAttribute('data-version', '2')
  await expect(page.getByTestId('checklist-point').first()).toContainText(reworded)
  const history = page.getByTestId('checklist-version-row')
  await expect(history).toHaveCount(2)
  await expect(history.first()).toHaveAttribute('data-version', '2')
  await history.nth(1).getByRole('button', { name: '查看' }).click()
  await expect(detail).toHaveAttribute('data-version', '1')
  await expect(detail).toContainText('旧版本')
  await expect(detail).toContainText('当前版本是第 2 版')
  await expect(page.getByTestId('checklist-point').first()).toContainText(disinfection[0][TEXT])
  await expect(page.getByTestId('checklist-point').first()).not.toContainText('进货查验记录保存不少于两年')
  expect(errors).toEqual([])

  // A lead of 市市场监管局, at a desk: from 我的, only his department's templates.
  const leadCtx = await browser.newContext({ ...DESK, baseURL: server.url, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  const lp = await leadCtx.newPage()
  await signIn(lp, 'lead')
  await lp.goto('/me')
  await lp.getByTestId('me-checklists').click()
  await expect(lp).toHaveURL(/\/office\/checklists$/)
  const own = (await api.json<{ templates: Template[] }>('lead', 'GET', '/checklists')).templates
  expect(own.length).toBeGreaterThan(0)
  expect(own.every((t) => t.dept_name === '市市场监管局')).toBe(true)
  expect(own.map((t) => t.id).sort()).toEqual(afterImport.filter((t) => t.dept_name === '市市场监管局').map((t) => t.id).sort())
  const leadRows = lp.getByTestId('checklist-row')
  await expect(leadRows).toHaveCount(own.length)
  await expect(lp.locator('[data-testid="checklist-row"]:not([data-dept="市市场监管局"])')).toHaveCount(0)
  await expect(lp.getByTestId('checklist-list-title')).toContainText('市市场监管局的检查表')
  await expect(lp.getByTestId('checklist-list')).not.toContainText(DISINFECTION)
  await noIds(lp)
  await leadCtx.close()
})
