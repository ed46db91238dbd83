// No English server message and no id on a screen the phone shows (issue 10,
// item 8; STYLE.md: English or ids on a screen a user reads). The error
// paths are driven for real: a mutation the server rejects (the inspector
// was swapped out while offline — also item 7: the phone says
// 你已被组长调出本次检查 and keeps the refused record listed), the server not
// answering, a 403 with an English message naming an id, a 500 page, and
// the server's own 403 to a lead entering another department's paper
// results. After each, every visible
// text is checked: no word of 4+ Latin letters (but for USCC, GPS, PWA) and
// no UUID.
import type { Page } from '@playwright/test'
import { answer, expect, openVisit, signIn, test, waitSynced, syncAndWait } from './fixtures'

/** Abbreviations a screen may show, and the device's own system name (我的 → 系统). */
const ALLOWED = new Set(['USCC', 'GPS', 'PWA', 'ANDROID', 'LINUX', 'WINDOWS', 'IPHONE', 'IPAD', 'MACINTOSH', 'HARMONYOS'])
/** Codes that are data, not words: a 统一社会信用代码 (18 digits and capitals) and a demo 执法证号 (62621002-insp1). */
const CODES = [/\b[0-9A-HJ-NPQRTUWXY]{18}\b/g, /\b62\d{6}-[a-z]+\d*\b/g]
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i
const HASH = /\b[0-9a-f]{32,64}\b/i

/** expectChineseOnly fails when the visible text of the page holds an English word or an id. */
async function expectChineseOnly(page: Page, where: string): Promise<void> {
  // Toasts and dialogs are part of what the user reads: include them while they show.
  const text = await page.evaluate(() => document.body.innerText)
  const words = [...CODES.reduce((t, re) => t.replace(re, ''), text).matchAll(/[A-Za-z]{4,}/g)].map((m) => m[0]).filter((w) => !ALLOWED.has(w.toUpperCase()))
  expect(words, `${where}: English on screen in\n${text}`).toEqual([])
  expect(text.match(UUID)?.[0] ?? null, `${where}: an id on screen in\n${text}`).toBeNull()
  expect(text.match(HASH)?.[0] ?? null, `${where}: a hash on screen in\n${text}`).toBeNull()
}

test('a swapped-out inspector: told 你已被组长调出本次检查, the refused record stays listed, all in Chinese', async ({ api, phone, shot }) => {
  const me = await api.userId('insp1')
  const visits = [...(await api.planVisits(66)), ...(await api.planVisits(7))]
  const visit = visits.find((v) => v.status === 'open' && v.team.some((m) => m.user_id === me && m.active !== false))!
  expect(visit, 'insp1 has an open visit').toBeTruthy()
  // Who can take insp1's place: 市市场监管局 inspectors on other visits of the same task.
  const sameTask = await api.json<typeof visits>('office', 'GET', `/visits?task=${visit.task_id}`)
  const onTeam = new Set(visit.team.filter((m) => m.active !== false).map((m) => m.user_id))
  const candidates = [...new Map(sameTask.flatMap((v) => v.team).filter((m) => m.dept === 'scjg' && !onTeam.has(m.user_id)).map((m) => [m.user_id, m])).values()]
  expect(candidates.length, 'another 市市场监管局 inspector on the task').toBeGreaterThan(0)
  const point = visit.items.filter((i) => i.dept === 'scjg').sort((a, b) => a.ord - b.ord)[0]

  const p = await phone('insp1')
  const { page, context } = p
  await openVisit(page, visit.id)
  await context.setOffline(true)
  await answer(page, point.id, '不符合')
  await expect(page.getByTestId('sync-status')).toHaveText('离线 · 待同步 1 条')

  // While the phone is offline the office swaps insp1 out of the visit.
  let swapped = false
  for (const c of candidates) {
    const res = await api.raw('office', 'PATCH', `/visits/${visit.id}`, {
      swap: { dept: 'scjg', out_user_id: me, in_user_id: c.user_id },
      reason: '端到端测试：调整检查人员',
    })
    if (res.ok) {
      swapped = true
      break
    }
  }
  expect(swapped, 'the office swapped insp1 out').toBe(true)

  // Back online: the record is still sent; the server refuses it (out of scope) and the pull takes the visit off.
  await context.setOffline(false)
  await page.goto('/tasks')
  await syncAndWait(page)
  const note = page.locator(`[data-testid="removed-note"][data-visit-id="${visit.id}"]`)
  await expect(note).toContainText('你已被组长调出本次检查')
  await expect(note).toContainText(visit.entity.name)
  await expect(page.locator(`[data-testid="visit-card"][data-visit-id="${visit.id}"]`)).toHaveCount(0)
  await expect(page.getByText('未能提交的记录（已保存在服务器，组长可查看）')).toBeVisible()
  const refused = page.getByTestId('rejected-record')
  await expect(refused).toHaveCount(1)
  await expect(refused).toContainText(`${visit.entity.name} · 检查结果`)
  // The server's own reason (Chinese, no id): he was taken off the visit, the record is kept for the lead.
  await expect(refused).toContainText('你已被组长调出本次检查')
  await expectChineseOnly(page, 'tasks after the swap')
  await shot(page, 'removed-from-visit.png')

  // The server kept the refused mutation (the lead can see it): it is in the visit's state as nothing applied.
  const st = await api.state(visit.id)
  expect(st.results.find((r) => r.item_id === point.id)?.value ?? null).not.toBe('不符合')

  // Opening the visit says why it is gone.
  await page.goto(`/visits/${visit.id}`)
  await expect(page.getByTestId('visit-removed')).toContainText('你已被组长调出本次检查')
  await expect(page.getByTestId('visit-removed')).toContainText(visit.entity.name)
  await expectChineseOnly(page, 'the removed visit')

  await page.goto('/me')
  await expect(page.getByTestId('outbox-rejected')).toHaveCount(1)
  await expectChineseOnly(page, '我的 with a refused record')

  // Read and dismissed: the note goes, the visit's page still explains.
  await page.goto('/tasks')
  await note.getByTestId('removed-note-ok').click()
  await expect(note).toHaveCount(0)
  await page.goto(`/visits/${visit.id}`)
  await expect(page.getByTestId('visit-removed')).toBeVisible()
  expect(p.errors).toEqual([])
})

test('the server not answering, and refusing in English with an id: the phone says it in Chinese', async ({ phone }) => {
  const p = await phone('insp1')
  const { page, context } = p

  // The server does not answer (connection refused), the network is up.
  await context.route('**/api/v1/**', (route) => route.abort('connectionrefused'))
  await page.getByTestId('sync-status').click()
  await expect(page.getByTestId('sync-status')).toHaveAttribute('data-state', 'unreachable')
  await expect(page.locator('.van-toast:visible')).toContainText('服务器无法连接')
  await expectChineseOnly(page, 'tasks, server unreachable')
  await page.goto('/me')
  await expect(page.getByTestId('sync-detail')).toContainText('服务器无法连接')
  await expectChineseOnly(page, '我的, server unreachable')
  await context.unroute('**/api/v1/**')

  // The server refuses with an English message naming an id (403), and with an English 500 page.
  await context.route('**/api/v1/sync/push', (route) =>
    route.fulfill({
      status: 403,
      contentType: 'application/json',
      body: JSON.stringify({ code: 'forbidden', message: 'task 0190c3a2-7d1e-7c3a-9f1e-3b2a1c0d9e8f is outside your department or region' }),
    }),
  )
  await page.goto('/tasks')
  await page.getByTestId('sync-button').click()
  await expect(page.getByTestId('sync-status')).toHaveAttribute('data-state', 'synced')
  // With work to send, the push meets the 403.
  const visits = await page.locator('[data-testid="visit-card"]').all()
  expect(visits.length).toBeGreaterThan(0)
  await visits[0].click()
  await expect(page.getByTestId('section-mine')).toBeVisible()
  const first = page.getByTestId('section-mine').locator('[data-testid="checklist-item"]').first()
  const id = await first.getAttribute('data-item')
  await answer(page, id!, '符合')
  await expect(page.getByTestId('sync-status')).toHaveAttribute('data-state', 'error')
  await expect(page.getByTestId('sync-detail')).toContainText('同步失败（没有权限进行此操作：不在你的部门或辖区范围内）')
  await page.getByTestId('sync-retry').click()
  await expect(page.locator('.van-toast:visible')).toContainText('同步失败：没有权限进行此操作')
  await expectChineseOnly(page, 'checklist, push refused in English')
  await context.unroute('**/api/v1/sync/push')

  await context.route('**/api/v1/sync/pull**', (route) => route.fulfill({ status: 500, contentType: 'text/plain', body: 'Internal Server Error' }))
  await page.getByTestId('sync-retry').click()
  await expect(page.getByTestId('sync-status')).toHaveAttribute('data-state', 'unreachable')
  await expectChineseOnly(page, 'checklist, server error 500')
  await context.unroute('**/api/v1/sync/pull**')
  await page.getByTestId('sync-retry').click()
  await waitSynced(page)
  expect(p.errors).toEqual([])
})

test('the server’s own 403 (a lead entering another department’s paper results) reads in Chinese', async ({ api, page }) => {
  const visit = (await api.planVisits(66)).find((v) => v.status === 'open')!
  const point = visit.items.filter((i) => i.dept === 'zjj').sort((a, b) => a.ord - b.ord)[0]
  await page.setViewportSize({ width: 390, height: 844 })
  await signIn(page, 'lead')
  await page.goto(`/office/entry?task=${visit.task_id}&visit=${visit.id}&dept=zjj`)
  const zjj = page.locator('[data-testid="entry-dept"][data-dept="zjj"]')
  const form = zjj.getByTestId('entry-form')
  await expect(form).toBeVisible()
  const button = page.locator(`[data-testid="entry-item"][data-item="${point.id}"] [role="radio"][data-value="符合"]`)
  await button.click()
  await expect(button).toHaveAttribute('aria-checked', 'true')
  const refused = page.waitForResponse((r) => r.status() === 403)
  await form.getByTestId('entry-submit').click()
  await refused
  await expect(zjj.getByTestId('entry-answer')).toContainText('没有权限进行此操作')
  await expectChineseOnly(page, 'paper entry refused with 403')
})
