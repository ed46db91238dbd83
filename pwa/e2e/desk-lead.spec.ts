// The lead at a desk (issue 12 item 8), 1280×800: the lead lands on 任务安排
// (tasks in several counties); 改期 asks a reason, which the trail keeps;
// 换人 of an inspector who has already checked in and answered check points
// warns, naming that work and saying what becomes of it, then swaps with a
// reason; a swap the server refuses reads in Chinese, with names, no ids.
import { randomUUID } from 'node:crypto'
import type { Page } from '@playwright/test'
import type { TeamMember, Visit } from './api'
import { DESK } from './devices'
import { expect, signIn, test } from './fixtures'
import { cnDate } from '../src/format/date'

test.use({ ...DESK })

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i

interface Trail {
  entries: { action: string; id: string; reason?: string }[]
}

const card = (page: Page, v: Visit) => page.locator(`[data-testid="lead-visit-card"][data-visit-id="${v.id}"]`)
const scjgOf = (v: Visit): TeamMember[] => v.team.filter((m) => m.dept === 'scjg' && m.active !== false)

/** nextDay is the day after `day` (YYYY-MM-DD), in the same calendar. */
function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + 1)
  return d.toISOString().slice(0, 10)
}

async function reasonInTrail(api: import('./api').Api, visitId: string, reason: string) {
  const tr = await api.json<Trail>('office', 'GET', `/trail?kind=visit&id=${visitId}`)
  expect(tr.entries.filter((e) => e.action === 'visit.adjust' && e.id === visitId).map((e) => e.reason)).toContain(reason)
}

test('the lead lands on 任务安排, reschedules with a reason, and is warned before swapping out an inspector with work', async ({ api, page, shot }) => {
  test.setTimeout(120_000)
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await signIn(page, 'lead')
  await expect(page).toHaveURL(/\/lead$/)
  await expect(page.getByTestId('desk-nav').locator('[aria-current="page"]')).toHaveText('任务安排')
  // The demo's tasks of 市市场监管局: 西峰区 and other counties, some visits done.
  const cards = page.getByTestId('lead-task-card')
  await expect(cards.first()).toBeVisible()
  const regions = new Set(await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-region'))))
  expect(regions.size, 'tasks in several regions').toBeGreaterThanOrEqual(3)
  await expect(page.getByTestId('lead-task-done').filter({ hasText: /已完成 [1-9]/ }).first()).toBeVisible()
  await shot(page, 'desk-lead-tasks.png')

  const visits = (await api.planVisits(66)).filter((v) => v.status === 'open')
  expect(visits.length).toBeGreaterThanOrEqual(3)
  await page.locator(`a[href="/lead/tasks/${visits[0].task_id}"]`).click()
  await expect(page).toHaveURL(new RegExp(`/lead/tasks/${visits[0].task_id}$`))
  await expect(page.getByTestId('desk-nav').locator('[aria-current="page"]')).toHaveText('任务安排')

  // 改期: the date stays in the plan's year; no reason, no change.
  const v = visits[0]
  expect(v.scheduled_on.startsWith('2024-'), 'the demo visit is dated in the plan year').toBe(true)
  const day = nextDay(v.scheduled_on)
  await card(page, v).getByTestId('lead-change-date').click()
  await page.getByTestId('lead-date-input').fill(day)
  await page.getByTestId('lead-date-save').click()
  await expect(page.getByTestId('lead-date-error')).toHaveText('请填写改期原因，原因将记入留痕')
  await page.getByTestId('lead-date-reason').locator('textarea').fill('企业负责人外出，约定改期')
  await shot(page, 'desk-lead-reschedule.png')
  await page.getByTestId('lead-date-save').click()
  await expect(page.getByTestId('lead-date-popup')).toBeHidden()
  await expect(card(page, v)).toContainText(`检查日期：${cnDate(day)}`)
  await reasonInTrail(api, v.id, '企业负责人外出，约定改期')

  // An inspector of 市市场监管局 checks in and answers three points, one 不符合.
  const w = visits[1]
  const out = scjgOf(w)[0]
  const phone = await api.mobileClient(await api.usernameOf(out))
  const points = w.items.filter((i) => i.dept === 'scjg').slice(0, 3)
  const fates = await phone.push([
    { name: 'visit.checkin', args: { id: randomUUID(), visit_id: w.id, lat: null, lng: null, accuracy: null } },
    ...points.map((p, i) => ({
      name: 'item.set',
      args: { visit_id: w.id, item_id: p.id, value: i === 2 ? '不符合' : '符合', note: i === 2 ? '现场发现问题' : '', photos: [], base_version: 0 },
    })),
  ])
  expect(fates.map((f) => f.status)).toEqual(['applied', 'applied', 'applied', 'applied'])

  // 换人: choosing him warns what he has done and what becomes of it.
  await card(page, w).getByTestId('lead-swap').first().click()
  const popup = page.getByTestId('lead-swap-popup')
  await expect(popup).toBeVisible()
  await popup.getByTestId('lead-swap-out').filter({ hasText: out.name }).click()
  const warning = popup.getByTestId('lead-swap-warning')
  await expect(warning).toContainText(`${out.name}已在这户检查中`)
  await expect(warning).toContainText('到场签到 1 次')
  await expect(warning).toContainText('录入检查内容 3 项（其中不符合 1 项）')
  await expect(warning).toContainText(`记在${out.name}名下，不会删除`)
  const incoming = popup.getByTestId('lead-swap-in').first()
  const inName = (await incoming.locator('.van-cell__title span').first().textContent())!.trim()
  await incoming.click()
  await expect(warning).toContainText(`${inName}会收到这些记录并接着检查`)
  await popup.getByTestId('lead-swap-save').click()
  await expect(popup.getByTestId('lead-swap-error')).toHaveText('请填写换人原因，原因将记入留痕')
  await popup.getByTestId('lead-swap-reason').locator('textarea').fill(`${out.name}病休，改由${inName}参加`)
  await shot(page, 'desk-lead-swap-warning.png')
  await popup.getByTestId('lead-swap-save').click()
  const dialog = page.locator('.van-dialog')
  await expect(dialog).toContainText('换下的人员已有检查记录')
  await expect(dialog).toContainText('录入检查内容 3 项（其中不符合 1 项）')
  await dialog.locator('.van-dialog__confirm').click()
  await expect(popup).toBeHidden()
  await expect(card(page, w).locator('.team .tags').first()).not.toContainText(out.name)
  await expect(card(page, w).locator('.team .tags').first()).toContainText(inName)
  // His work stays on the visit, under his name.
  const st = await api.state(w.id)
  const kept = st.results.filter((r) => points.some((p) => p.id === r.item_id)) as (typeof st.results[number] & { user_id?: string })[]
  expect(kept.map((r) => r.user_id)).toEqual(points.map(() => out.user_id))
  await reasonInTrail(api, w.id, `${out.name}病休，改由${inName}参加`)
  expect(errors).toEqual([])
})

test('a swap the server refuses reads in Chinese, naming people and departments, without ids', async ({ api, page, shot }) => {
  await signIn(page, 'lead')
  const visits = (await api.planVisits(66)).filter((v) => v.status === 'open')
  const x = visits[2]
  const outX = scjgOf(x)[0]
  const onX = new Set(x.team.map((m) => m.user_id))
  const candidates = [...new Map(visits.flatMap(scjgOf).filter((m) => !onX.has(m.user_id)).map((m) => [m.user_id, m])).values()]
  expect(candidates.length, 'other 市市场监管局 inspectors on the task').toBeGreaterThanOrEqual(2)

  await page.goto(`/lead/tasks/${x.task_id}`)
  await card(page, x).getByTestId('lead-swap').first().click()
  const popup = page.getByTestId('lead-swap-popup')
  await popup.getByTestId('lead-swap-out').filter({ hasText: outX.name }).click()
  await expect(popup.getByTestId('lead-swap-nowork')).toContainText(`${outX.name}在这户检查中还没有签到或录入内容`)
  const chosen = popup.getByTestId('lead-swap-in').last()
  const chosenName = (await chosen.locator('.van-cell__title span').first().textContent())!.trim()
  await chosen.click()
  await popup.getByTestId('lead-swap-reason').locator('textarea').fill('人员调整')

  // Meanwhile the office has already taken him off this visit (for someone else than the lead chose).
  let swapped = false
  for (const c of candidates.filter((m) => m.name !== chosenName)) {
    const res = await api.raw('office', 'PATCH', `/visits/${x.id}`, {
      swap: { dept: 'scjg', out_user_id: outX.user_id, in_user_id: c.user_id },
      reason: '联席办统一调整',
    })
    if (res.ok) {
      swapped = true
      break
    }
  }
  expect(swapped, 'the office swapped him out').toBe(true)

  await popup.getByTestId('lead-swap-save').click()
  await page.locator('.van-dialog__confirm').click()
  const refusal = popup.getByTestId('lead-swap-error')
  await expect(refusal).toContainText(outX.name)
  await expect(refusal).toContainText('市市场监管局')
  await expect(refusal).toContainText('请刷新后再试')
  const text = (await refusal.textContent()) ?? ''
  expect(text).not.toMatch(UUID)
  expect(text).not.toMatch(/scjg|[A-Za-z]{4,}/)
  await shot(page, 'desk-lead-swap-refused.png')
})
