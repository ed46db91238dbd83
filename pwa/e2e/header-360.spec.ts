// The header at 360 and 390 px (issue 10, item 8): on every screen a phone
// user reaches — the inspector's, the lead's, the office's — the title and
// the sync-status indicator do not overlap, the title keeps room to be read,
// and nothing leaves the screen; also with the longest indicator
// (离线 · 待同步 N 条). On a 1280 px desktop the tab bar keeps to the app's
// column instead of stretching across; desk roles get the side navigation.
import type { Page } from '@playwright/test'
import { answer, expect, openPhone, signIn, test, type Phone } from './fixtures'

/** A phone of `user` signed in through the login screen (the office lands on its 工作台). */
async function phoneOf(browser: Parameters<typeof openPhone>[0], url: string, user: string): Promise<Phone> {
  const p = await openPhone(browser, url, user, false)
  await signIn(p.page, user, user === 'office' ? /\/office$/ : user === 'lead' ? /\/lead$/ : /\/tasks$/)
  return p
}

const WIDTHS = [
  { width: 360, height: 740 },
  { width: 390, height: 844 },
]

/** checkHeader asserts the header of the current screen at the current width. */
async function checkHeader(page: Page, where: string): Promise<void> {
  const header = page.getByTestId('app-header')
  await expect(header, `${where}: a header`).toBeVisible()
  const title = header.getByTestId('header-title')
  const pill = header.getByTestId('sync-status')
  await expect(title, `${where}: its title`).toBeVisible()
  await expect(title).not.toHaveText('')
  await expect(pill, `${where}: the sync status`).toBeVisible()
  const vw = page.viewportSize()!.width
  const t = (await title.boundingBox())!
  const p = (await pill.boundingBox())!
  const overlap = t.x < p.x + p.width && p.x < t.x + t.width && t.y < p.y + p.height && p.y < t.y + t.height
  expect(overlap, `${where} at ${vw}px: title ${JSON.stringify(t)} and status ${JSON.stringify(p)} overlap`).toBe(false)
  expect(p.x + p.width, `${where} at ${vw}px: the status stays on screen`).toBeLessThanOrEqual(vw)
  expect(p.x, `${where} at ${vw}px: the status stays on screen`).toBeGreaterThanOrEqual(0)
  // Not clipped to nothing: the whole title fits, or at least three characters show.
  const { client, scroll, font } = await title.evaluate((el) => ({
    client: el.clientWidth,
    scroll: el.scrollWidth,
    font: parseFloat(getComputedStyle(el).fontSize),
  }))
  expect(client, `${where} at ${vw}px: the title has room (${client} of ${scroll} px)`).toBeGreaterThanOrEqual(Math.min(scroll, 3 * font))
  const back = header.getByTestId('header-back')
  if (await back.count()) {
    const b = (await back.boundingBox())!
    expect(b.x + b.width, `${where}: the back arrow and the title do not overlap`).toBeLessThanOrEqual(t.x + 1)
  }
}

/** visitAll opens each path directly and checks its header at both widths. */
async function visitAll(p: Phone, paths: string[]): Promise<void> {
  for (const path of paths) {
    for (const size of WIDTHS) {
      await p.page.setViewportSize(size)
      await p.page.goto(path)
      await expect(p.page.getByTestId('app-header')).toBeVisible()
      await checkHeader(p.page, `${p.user} ${path}`)
    }
  }
}

test('no screen a phone user reaches has the title and the sync status overlapping, at 360 and 390 px', async ({ api, browser, server, shot }) => {
  // About forty page loads at two widths: a minute alone, more on a loaded CI machine.
  test.slow()
  const me = await api.userId('insp1')
  const visits = [...(await api.planVisits(66)), ...(await api.planVisits(7))]
  const visit = visits.find((v) => v.status === 'open' && v.team.some((m) => m.user_id === me && m.active !== false))!
  expect(visit, 'insp1 has an open visit').toBeTruthy()
  const tasks = await api.json<{ id: string; plan_seq: number }[]>('office', 'GET', '/tasks')
  const task = tasks.find((t) => t.plan_seq === 66)!
  // A notice id the phone does not hold: the screen still has its header (it says the notice is not here).
  const notice = '0190c3a2-0000-7000-8000-000000000000'

  const inspectorPaths = [
    '/tasks',
    `/visits/${visit.id}`,
    `/visits/${visit.id}/notice`,
    `/visits/${visit.id}/record/scjg`,
    `/notices/${notice}`,
    `/notices/${notice}/followup`,
    '/followups',
    '/me',
  ]
  const insp = await phoneOf(browser, server.url, 'insp1')
  await visitAll(insp, inspectorPaths)

  // The longest status, offline with work waiting: still no overlap.
  await insp.page.setViewportSize(WIDTHS[0])
  await insp.page.goto(`/visits/${visit.id}`)
  await insp.context.setOffline(true)
  const point = visit.items.filter((i) => i.dept === 'scjg').sort((a, b) => a.ord - b.ord)[0]
  await answer(insp.page, point.id, '符合')
  await expect(insp.page.getByTestId('sync-status')).toHaveText('离线 · 待同步 1 条')
  for (const path of inspectorPaths.filter((x) => !x.startsWith('/followups'))) {
    for (const size of WIDTHS) {
      await insp.page.setViewportSize(size)
      await insp.page.goto(path)
      await expect(insp.page.getByTestId('sync-status')).toHaveAttribute('data-state', 'offline')
      await checkHeader(insp.page, `insp1 offline ${path}`)
    }
  }
  // At 360 px the indicator is its icon and the count; the words stay for screen readers.
  await insp.page.setViewportSize(WIDTHS[0])
  await insp.page.goto(`/visits/${visit.id}`)
  const pill = insp.page.getByTestId('sync-status')
  await expect(pill.locator('.text')).toHaveCSS('position', 'absolute')
  await expect(pill.locator('.count')).toHaveAttribute('data-count', '1')
  await shot(insp.page, 'header-360.png')
  await insp.context.setOffline(false)
  await insp.page.getByTestId('sync-status').click()
  await expect(insp.page.getByTestId('sync-status')).toHaveAttribute('data-state', 'synced')

  const lead = await phoneOf(browser, server.url, 'lead')
  await visitAll(lead, ['/tasks', '/lead', `/lead/tasks/${task.id}`, '/lead/conflicts', `/visits/${visit.id}`, '/office/entry', '/office/referrals', '/office/checklists', '/me'])

  const office = await phoneOf(browser, server.url, 'office')
  await visitAll(office, ['/office', '/office/entry', '/office/referrals', '/office/checklists', '/me'])

  for (const p of [insp, lead, office]) {
    expect(p.errors).toEqual([])
    await p.context.close()
  }
})

test('on a 1280 px desktop the tab bar keeps to the app column, centred; desk roles get the side navigation', async ({ browser, server }) => {
  // An inspector at a desktop keeps the phone's frame.
  const insp = await phoneOf(browser, server.url, 'insp1')
  await insp.page.setViewportSize({ width: 1280, height: 800 })
  await insp.page.goto('/tasks')
  const bar = insp.page.getByTestId('tabbar')
  await expect(bar).toBeVisible()
  const box = (await bar.boundingBox())!
  expect(box.width, 'inspector: the tab bar is not stretched').toBeLessThanOrEqual(720)
  expect(Math.abs(box.x + box.width / 2 - 640), 'inspector: the tab bar is centred').toBeLessThanOrEqual(1)
  await expect(insp.page.getByTestId('desk-nav')).toHaveCount(0)
  await checkHeader(insp.page, 'inspector desktop')
  await insp.context.close()

  // The office and the lead at 1280 px: the side navigation, no tab bar, the screen beside it.
  for (const user of ['office', 'lead']) {
    const p = await phoneOf(browser, server.url, user)
    await p.page.setViewportSize({ width: 1280, height: 800 })
    await p.page.goto(user === 'office' ? '/office' : '/lead')
    const nav = p.page.getByTestId('desk-nav')
    await expect(nav).toBeVisible()
    await expect(p.page.getByTestId('tabbar')).toHaveCount(0)
    await expect(nav.locator('[aria-current="page"]')).toHaveText(user === 'office' ? '工作台' : '任务安排')
    const n = (await nav.boundingBox())!
    const h = (await p.page.getByTestId('app-header').boundingBox())!
    expect(h.x, `${user}: the screen is beside the navigation`).toBeGreaterThanOrEqual(n.x + n.width - 1)
    expect(h.width, `${user}: the desk screen uses the width`).toBeGreaterThan(1000)
    await checkHeader(p.page, `${user} desktop`)
    // Below 1024 px (a tablet) the tab bar comes back, kept to the column.
    await p.page.setViewportSize({ width: 1000, height: 800 })
    await expect(p.page.getByTestId('desk-nav')).toHaveCount(0)
    await expect(p.page.getByTestId('tabbar')).toBeVisible()
    expect((await p.page.getByTestId('tabbar').boundingBox())!.width).toBeLessThanOrEqual(720)
    await p.context.close()
  }
})
