// A conflict: insp1 on two phones (two clients) changes the same item with no
// signal to different values. The first sync wins; the second is a conflict
// that the phone shows; lead sees it under 冲突 with both values and settles
// it after confirming; both phones show the settled value after their next pull.
import { answer, expect, item, openVisit, test, waitSynced, type Phone, syncAndWait } from './fixtures'

// One tap each (one item.set per phone). Today every further offline edit of
// the same item (a note typed after the tap) is one more open conflict on the
// server (sync/push.go conflict() adds a row per losing mutation).
async function offlineAnswer(p: Phone, visitId: string, itemId: string, value: '符合' | '不符合') {
  const { page } = p
  await openVisit(page, visitId)
  await p.context.setOffline(true)
  await expect(page.getByTestId('sync-status')).toHaveAttribute('data-state', 'offline')
  await answer(page, itemId, value)
  await expect(page.getByTestId('sync-status')).toHaveText(/^离线 · 待同步 \d+ 条$/)
}

test('two phones disagree offline; the lead confirms a settlement and both phones follow', async ({ api, phone, shot }) => {
  const me = await api.userId('insp1')
  const visits = [...(await api.planVisits(66)), ...(await api.planVisits(7))]
  const visit = visits.find((v) => v.status === 'open' && v.team.some((m) => m.user_id === me && m.active !== false))!
  expect(visit, 'insp1 has an open visit').toBeTruthy()
  const target = visit.items.filter((i) => i.dept === 'scjg').sort((a, b) => a.ord - b.ord)[0]

  const a = await phone('insp1')
  const b = await phone('insp1')
  await offlineAnswer(a, visit.id, target.id, '符合')
  await offlineAnswer(b, visit.id, target.id, '不符合')

  // Phone A syncs first: its value is the server's.
  await a.context.setOffline(false)
  await syncAndWait(a.page)
  let st = await api.state(visit.id, 'lead')
  expect(st.results.find((r) => r.item_id === target.id)?.value).toBe('符合')

  // Phone B syncs second: a conflict, shown on the item and in 我的.
  await b.context.setOffline(false)
  await syncAndWait(b.page)
  await expect(b.page.getByTestId(`item-${target.id}-conflict`)).toBeVisible()
  await expect(item(b.page, target.id)).toHaveAttribute('data-value', '符合')
  // The inspector whose value lost still sees it, marked 待组长裁定.
  const noteB = item(b.page, target.id).getByTestId('conflict-note')
  await expect(noteB).toHaveAttribute('data-status', 'open')
  await expect(noteB).toContainText('待组长裁定')
  await expect(noteB.getByTestId('conflict-mine')).toContainText('你提交的：不符合')
  await noteB.scrollIntoViewIfNeeded()
  await shot(b.page, 'conflict-note.png')
  st = await api.state(visit.id, 'lead')
  expect(st.conflicts.filter((c) => c.target === target.id)).toHaveLength(1)
  const conflict = st.conflicts.find((c) => c.target === target.id)
  expect(conflict?.status).toBe('open')
  await b.page.goto('/me')
  await b.page.getByText('最近的记录').click()
  await expect(b.page.locator('.ob-row').filter({ hasText: '检查事项' }).filter({ hasText: '有冲突' })).toHaveCount(1)

  // The lead sees both values under 冲突 and takes phone B's with one tap.
  const lead = await phone('lead')
  await lead.page.locator('.van-tabbar-item', { hasText: '冲突' }).click()
  await expect(lead.page).toHaveURL(/\/lead\/conflicts$/)
  const card = lead.page.locator(`[data-testid="conflict-card"][data-conflict-id="${conflict!.id}"]`)
  await expect(card).toBeVisible()
  await expect(card).toContainText(target.name)
  await expect(card.locator('[data-side="server"] .val')).toHaveText('符合')
  await expect(card.locator('[data-side="client"] .val')).toHaveText('不符合')
  // 先提交 / 后提交 with names and real times, never 服务器值 / 手机值.
  await expect(card.locator('[data-order="先提交"]')).toHaveCount(1)
  await expect(card.locator('[data-order="后提交"]')).toHaveCount(1)
  await expect(card.locator('[data-side="server"]')).toHaveAttribute('data-order', '先提交')
  await expect(card.locator('[data-side="server"] .when')).toHaveText(/^提交于 \d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}:\d{2}$/)
  await expect(card.locator('[data-side="client"] .when')).toHaveText(/^填写于 \d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}:\d{2}$/)
  await expect(card).toContainText('张检查')
  await shot(lead.page, 'conflicts.png')
  // The lead confirms first: the dialog names what will be kept; 再想想 keeps the conflict open.
  await lead.page.getByTestId(`conflict-settle-client-${conflict!.id}`).click()
  const dialog = lead.page.locator('.van-dialog')
  await expect(dialog).toContainText('采用张检查')
  await expect(dialog).toContainText('不符合')
  await dialog.getByRole('button', { name: '再想想' }).click()
  await expect(card).toBeVisible()
  await lead.page.getByTestId(`conflict-settle-client-${conflict!.id}`).click()
  await dialog.getByRole('button', { name: '确认采用' }).click()
  await expect(card).toBeHidden()
  await waitSynced(lead.page)
  await expect(lead.page.locator('.van-cell', { hasText: target.name })).toContainText('组长已裁定：采用不符合（张检查的结果）')

  st = await api.state(visit.id, 'lead')
  expect(st.conflicts.find((c) => c.id === conflict!.id)?.status).toBe('settled')
  const settled = st.results.find((r) => r.item_id === target.id)!
  expect(settled.value).toBe('不符合')

  // Both phones follow on their next pull.
  for (const p of [a, b]) {
    await openVisit(p.page, visit.id)
    await syncAndWait(p.page)
    await expect(item(p.page, target.id)).toHaveAttribute('data-value', '不符合')
    await expect(p.page.getByTestId(`item-${target.id}-conflict`)).toHaveCount(0)
    // Every phone of the visit is told the lead's decision.
    const note = item(p.page, target.id).getByTestId('conflict-note')
    await expect(note).toHaveAttribute('data-status', 'settled')
    await expect(note).toContainText('组长已裁定：采用不符合（张检查的结果）')
  }
  for (const p of [a, b, lead]) expect(p.errors).toEqual([])
})

// Issue 11 item 3: the lead's screen shows 符合 (v1); before the lead decides,
// insp1 corrects it to 不涉及 (v2). "Keep" must not write 符合 back: the
// server refuses the settlement made against v1, the screen says so in
// Chinese and shows the conflict again with 不涉及; keeping it then settles
// without writing anything (the result stays 不涉及 v2).
test('a settlement against a value that moved is refused and the conflict shown again', async ({ api, phone }) => {
  const me = await api.userId('insp1')
  const visits = [...(await api.planVisits(66)), ...(await api.planVisits(7))]
  const visit = visits.find((v) => v.status === 'open' && v.team.some((m) => m.user_id === me && m.active !== false))!
  expect(visit, 'insp1 has an open visit').toBeTruthy()
  const target = visit.items.filter((i) => i.dept === 'scjg').sort((a, b) => a.ord - b.ord)[1]
  const set = (value: string, base: number) => ({
    name: 'item.set',
    args: { visit_id: visit.id, item_id: target.id, value, note: '', photos: [], base_version: base },
  })
  const first = await api.mobileClient('insp1')
  const second = await api.mobileClient('insp1')
  const version = async () => (await api.state(visit.id, 'lead')).results.find((r) => r.item_id === target.id)?.version ?? 0
  const v0 = await version()
  expect((await first.push([set('符合', v0)]))[0].status).toBe('applied')
  expect((await second.push([set('不符合', v0)]))[0].status).toBe('conflict')
  const conflict = (await api.state(visit.id, 'lead')).conflicts.find((c) => c.target === target.id && c.status === 'open')!
  expect(conflict).toBeTruthy()

  const lead = await phone('lead')
  await lead.page.locator('.van-tabbar-item', { hasText: '冲突' }).click()
  const card = lead.page.locator(`[data-testid="conflict-card"][data-conflict-id="${conflict.id}"]`)
  await expect(card.locator('[data-side="server"] .val')).toHaveText('符合')

  // insp1 corrects the answer while the lead looks at the old one.
  const v1 = await version()
  expect((await first.push([set('不涉及', v1)]))[0].status).toBe('applied')

  await lead.page.getByTestId(`conflict-settle-server-${conflict.id}`).click()
  const dialog = lead.page.locator('.van-dialog')
  await dialog.getByRole('button', { name: '确认采用' }).click()
  const refused = lead.page.locator('.van-dialog').filter({ hasText: '裁定未保存' })
  await expect(refused).toBeVisible()
  await expect(refused).toContainText('已被修改')
  await expect(refused).toContainText('不涉及')
  await expect(refused).not.toContainText(/[A-Za-z]{4,}/)
  await refused.getByRole('button', { name: '重新查看' }).click()
  // Shown again, open, with the current value.
  await expect(card).toBeVisible()
  await expect(card.locator('[data-side="server"] .val')).toHaveText('不涉及')
  let st = await api.state(visit.id, 'lead')
  expect(st.results.find((r) => r.item_id === target.id)).toMatchObject({ value: '不涉及', version: v1 + 1 })
  expect(st.conflicts.find((c) => c.id === conflict.id)?.status).toBe('open')

  // Keeping the value now shown settles it and writes nothing.
  await lead.page.getByTestId(`conflict-settle-server-${conflict.id}`).click()
  await dialog.getByRole('button', { name: '确认采用' }).click()
  await expect(card).toBeHidden()
  await waitSynced(lead.page)
  st = await api.state(visit.id, 'lead')
  expect(st.conflicts.find((c) => c.id === conflict.id)?.status).toBe('settled')
  expect(st.results.find((r) => r.item_id === target.id)).toMatchObject({ value: '不涉及', version: v1 + 1 })
  await expect(lead.page.locator('.van-cell', { hasText: target.name })).toContainText('组长已裁定：采用不涉及')
  expect(lead.errors).toEqual([])
})
