// 任务与抽取 at the desk (issue 12 item 3), 1280×800: the 联席办 creates
// plan 12's tasks in every county at once, opens one, sees the population
// per risk class and what the draw will take, draws (no seed: the server
// makes it), verifies (已核验, the seed the server's), re-draws one visit
// with a reason that the record then shows, and opens the A4 抽取记录, whose
// print hides the desk's navigation. Plan 12 is one the demo has not drawn
// and no other spec uses.
import { DESK } from './devices'
import { expect, signIn, test } from './fixtures'

test.use({ ...DESK })

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i

interface Plans {
  plans: { id: string; seq: number }[]
}
interface Draw {
  id: string
  seed: string
  seed_source: string
  drawn: number
  visits: { id: string; status: string; name: string }[]
  redraws: { reason: string; old_name: string }[]
}

test('the 联席办 creates a plan\'s tasks in every county, draws one, verifies, re-draws a visit and prints the record', async ({ api, page, shot }) => {
  test.setTimeout(120_000)
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  const plan12 = (await api.json<Plans>('office', 'GET', '/plans?year=2024')).plans.find((p) => p.seq === 12)!
  expect(plan12, 'plan 12 of the demo').toBeTruthy()

  await signIn(page, 'office', /\/office$/)
  await page.getByTestId('desk-nav-/office/tasks').click()
  await expect(page).toHaveURL(/\/office\/tasks$/)
  await page.getByTestId('tasks-year').selectOption('2024')

  // Plan 12, 县区级, every county: one click, eight tasks.
  await page.getByTestId('task-plan').selectOption(plan12.id)
  await page.getByTestId('task-level').selectOption('县区级')
  await expect(page.getByTestId('task-region')).toHaveValue('*')
  await expect(page.getByTestId('task-region').locator('option').first()).toHaveText('全部县区（8 个）')
  await page.getByTestId('task-create').click()
  await expect(page.getByTestId('task-created')).toContainText('已创建 8 个任务')
  const rows = page.getByTestId('task-row')
  await expect(rows).toHaveCount(8)
  for (const state of await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-state')))) expect(state).toBe('new')
  await expect(page.getByTestId('task-counts')).toContainText('未抽取 8 个')
  await shot(page, 'desk-tasks.png')

  // The same batch again creates nothing and says so in Chinese.
  await page.getByTestId('task-create').click()
  await expect(page.getByTestId('task-create-error')).toContainText('每个地区都已有第1批任务')
  await expect(rows).toHaveCount(8)

  // 华池县's task: the population per class before the draw.
  await rows.filter({ hasText: '华池县' }).click()
  await expect(page).toHaveURL(/\/office\/tasks\/[0-9a-f-]+$/)
  const pop = page.getByTestId('draw-population')
  await expect(pop).toBeVisible()
  const classes = await pop.getByTestId('population-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-class')))
  expect(classes).toEqual(['A', 'B', 'C', 'D', 'unclassified'])
  for (const [c, ratio] of [['A', '5%'], ['B', '10%'], ['C', '20%'], ['D', '40%']]) {
    await expect(pop.locator(`[data-class="${c}"]`)).toContainText(ratio)
  }
  const forecast = Number(await page.getByTestId('population-drawn').textContent())
  expect(forecast).toBeGreaterThan(0)
  await expect(page.getByTestId('population-pools')).toContainText('每户抽 2 名')
  await shot(page, 'desk-draw-population.png')

  // The draw: a confirmation that says nobody chooses the seed.
  await page.getByTestId('draw-run').click()
  const confirm = page.locator('.van-dialog:visible')
  await expect(confirm).toContainText('任何人不能指定')
  await confirm.getByRole('button', { name: '开始抽取' }).click()
  const record = page.getByTestId('draw-record')
  await expect(record).toBeVisible()
  await expect(page.getByTestId('draw-seed-source')).toHaveAttribute('data-source', 'random')
  await expect(page.getByTestId('draw-seed-source')).toHaveText('服务器在快照固定后随机生成')
  await expect(page.getByTestId('draw-visit')).toHaveCount(forecast)
  const drawn = await page.getByTestId('draw-stratum').evaluateAll((els) => els.reduce((n, e) => n + Number(e.getAttribute('data-drawn')), 0))
  expect(drawn).toBe(forecast)

  // Verify: 已核验, because the seed was the server's.
  await page.getByTestId('draw-verify').click()
  await expect(page.getByTestId('draw-verification')).toHaveAttribute('data-state', 'match')
  await expect(page.getByTestId('draw-verification')).toContainText('已核验')

  // Re-draw the first visit's entity: the reason is required and shown.
  const first = page.getByTestId('draw-visit').first()
  const firstId = (await first.getAttribute('data-visit-id'))!
  const firstName = (await first.locator('td').nth(1).locator('div').first().textContent())!.trim()
  await first.getByTestId('draw-redraw').click()
  const dialog = page.locator('.van-dialog:visible')
  await expect(dialog).toContainText(firstName)
  const ok = dialog.getByRole('button', { name: '确认重新抽取' })
  await expect(ok).toBeDisabled()
  await page.getByTestId('redraw-reason').fill('对象已注销')
  await ok.click()
  await expect(dialog).toBeHidden()
  await expect(page.getByTestId('draw-redraw-reason')).toHaveText('对象已注销')
  await expect(page.locator(`[data-testid="draw-visit"][data-visit-id="${firstId}"]`)).toHaveAttribute('data-status', 'replaced')
  await expect(page.getByTestId('draw-redraws')).toContainText(firstName)
  // A re-draw keeps the draw: it still verifies.
  await page.getByTestId('draw-verify').click()
  await expect(page.getByTestId('draw-verification')).toHaveAttribute('data-state', 'match')
  const body = await page.locator('body').innerText()
  expect(body).not.toMatch(UUID)
  // Viewport shots only: a full-page shot resizes the window, and the desk frame re-mounts the screen.
  await shot(page, 'desk-draw-result.png')
  await page.getByTestId('draw-visits').scrollIntoViewIfNeeded()
  await shot(page, 'desk-draw-teams.png')

  // The server's record agrees.
  const taskId = page.url().split('/').pop()!
  const tasks = await api.json<{ id: string; draw_id: string }[]>('office', 'GET', '/tasks?year=2024')
  const drawId = tasks.find((t) => t.id === taskId)!.draw_id
  const d = await api.json<Draw>('office', 'GET', `/draws/${drawId}`)
  expect(d.seed_source).toBe('random')
  expect(d.redraws).toEqual([expect.objectContaining({ reason: '对象已注销', old_name: firstName })])

  // The A4 抽取记录.
  await page.getByTestId('draw-print').click()
  await expect(page).toHaveURL(new RegExp(`/office/draws/${drawId}/print$`))
  const sheet = page.getByTestId('draw-print-sheet')
  await expect(sheet).toBeVisible()
  await expect(page.getByTestId('print-seed')).toHaveText(d.seed)
  await expect(page.getByTestId('print-seed-source')).toHaveText('服务器在快照固定后随机生成')
  await expect(page.getByTestId('print-snapshot')).toContainText('SHA-256')
  await expect(page.getByTestId('print-visit')).toHaveCount(d.drawn)
  await expect(page.getByTestId('print-redraw-reason')).toHaveText('对象已注销')
  await expect(sheet).toContainText('华池县')
  await expect(sheet).toContainText('劳动用工单位联合检查')
  // On paper: no navigation, no bar, only the sheet.
  await page.emulateMedia({ media: 'print' })
  await expect(page.getByTestId('desk-nav')).toBeHidden()
  await expect(page.getByTestId('draw-print-button')).toBeHidden()
  await expect(sheet).toBeVisible()
  await shot(page, 'desk-draw-print.png')
  await page.emulateMedia({ media: 'screen' })

  // A tablet (768 px): the task list and the draw fit the width; wide tables scroll inside their panel.
  await page.setViewportSize({ width: 768, height: 1024 })
  for (const path of ['/office/tasks', `/office/tasks/${taskId}`]) {
    await page.goto(path)
    await expect(page.getByTestId(path.endsWith('tasks') ? 'task-list' : 'draw-visits')).toBeVisible()
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(768)
  }
  expect(errors).toEqual([])
})
