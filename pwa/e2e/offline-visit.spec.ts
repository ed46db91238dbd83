// A whole inspection with no signal: insp1 opens a visit, loses the network,
// reloads (the service worker serves the app), fills the 市市场监管局
// check points with a 不符合 point and a photo, checks in, confirms the
// outcome, collects the signatures (both inspectors of the department on
// this phone, and the entity's signer), issues a 责令改正通知书 and marks
// 本部门检查完毕; back online, the app syncs and the server holds all of it,
// from the mobile channel (the visit stays open: the other departments have
// not finished).
import { answer, chooseOutcome, drawSignature, expect, finishDepartment, item, openVisit, signIn, test, waitSynced } from './fixtures'
import { chinaYear } from './api'
import { photoFile } from './images'

test('insp1 completes a checklist offline and it all reaches the server', async ({ api, phone, shot }) => {
  const me = await api.userId('insp1')
  const visits = [...(await api.planVisits(7)), ...(await api.planVisits(66))]
  const visit = visits.find((v) => v.team.some((m) => m.user_id === me && m.active !== false))
  expect(visit, 'insp1 has a demo visit').toBeTruthy()
  const mine = visit!.items.filter((i) => i.dept === 'scjg').sort((a, b) => a.ord - b.ord)
  expect(mine.length).toBeGreaterThan(0)
  const failed = mine[0] as (typeof mine)[number] & { violation?: string }
  const inspectors = visit!.team.filter((m) => m.dept === 'scjg' && m.active !== false)
  expect(inspectors.map((m) => m.user_id), 'insp1 signs with his teammate').toContain(me)

  const p = await phone('insp1', { login: false })
  const { page, context } = p
  await page.goto('/login')
  await expect(page.getByTestId('login-submit')).toBeVisible()
  await shot(page, 'login.png')
  await signIn(page, 'insp1')
  await expect(page.locator(`[data-testid="visit-card"][data-visit-id="${visit!.id}"]`)).toBeVisible()
  await shot(page, 'tasks.png')
  await openVisit(page, visit!.id)

  // No signal, and the page is reloaded: the service worker serves the app, IndexedDB the visit.
  await context.setOffline(true)
  await expect(page.getByTestId('sync-status')).toHaveAttribute('data-state', 'offline')
  const reload = await page.reload()
  expect(reload?.fromServiceWorker(), 'the reload is answered by the service worker').toBe(true)
  await expect(page.getByTestId('section-mine')).toBeVisible()
  await expect(page.getByTestId('sync-status')).toHaveText('离线')
  await expect(page.locator('h1')).toHaveText(visit!.entity.name)

  // 签到 (the position is the emulated one).
  await page.getByTestId('checkin-button').click()
  await expect(page.getByTestId('checkin-info')).toContainText('已签到')

  // Every check point of 市市场监管局; the first does not comply, with a finding and a photo.
  for (const it of mine) await answer(page, it.id, it.id === failed.id ? '不符合' : '符合')
  const note = item(page, failed.id).getByTestId(`item-${failed.id}-note`).locator('textarea')
  await note.fill('未在显著位置公示食品经营许可证')
  await note.blur()
  await page.getByTestId(`photo-input-${failed.id}`).setInputFiles(photoFile(7))
  await expect(item(page, failed.id).locator('.thumb img')).toHaveCount(1)
  await expect(item(page, failed.id).locator('.thumb .badge')).toHaveText('待传')

  await chooseOutcome(page, '发现问题待后续处理')
  // Both inspectors of 市市场监管局 sign on this phone, then the entity's 负责人.
  for (const m of inspectors) await drawSignature(page, { inspector: m.user_id })
  await drawSignature(page, { entity: '王经理', role: 0, phone: '13800000000' })
  await expect(page.getByTestId('signature-section').locator('img')).toHaveCount(inspectors.length + 1)

  // 责令改正通知书 from the failed point, with a number leased to this phone.
  await page.locator('[data-testid="notice-open"][data-dept="scjg"]').click()
  await expect(page.getByTestId('notice-form')).toBeVisible()
  const year = chinaYear()
  const numberPattern = new RegExp(`^庆市监责改〔${year}〕\\d+号$`)
  await expect(page.getByTestId('notice-number-preview')).toHaveText(numberPattern)
  await expect(page.getByTestId(`notice-item-${failed.id}`).locator('[role="checkbox"]')).toHaveAttribute('aria-checked', 'true')
  await expect(page.getByTestId(`notice-finding-${failed.id}`)).toHaveValue(/未在显著位置公示食品经营许可证/)
  // The violated provision comes from the check point's template; a point without one needs it written.
  const violation = page.getByTestId(`notice-violation-${failed.id}`)
  if (failed.violation) await expect(violation).not.toHaveValue('')
  else await violation.fill('《中华人民共和国食品安全法》第三十五条第一款')
  await page.getByTestId('notice-days-10').click()
  await page.getByTestId('notice-submit').click()
  await expect(page.getByTestId('notice-paper')).toBeVisible()
  await expect(page.getByTestId('notice-number')).toHaveText(numberPattern)
  const offlineNumber = await page.getByTestId('notice-number').innerText()
  await shot(page, 'notice.png')

  // 本部门检查完毕, still offline: 待同步 until the server answers.
  await page.goto(`/visits/${visit!.id}`)
  await finishDepartment(page, 'scjg')
  await expect(page.getByTestId('dept-state-scjg')).toHaveText('本部门检查完毕（待同步）')

  // Still offline: 我的任务 opens from the service worker and shows the waiting work.
  await page.goto('/tasks')
  await expect(page.getByTestId('offline-badge')).toBeVisible()
  await expect(page.getByTestId('pending-count')).toHaveText(/待同步 \d+ 条/)
  await expect(page.getByTestId('sync-status')).toHaveText(/^离线 · 待同步 \d+ 条$/)
  await shot(page, 'offline.png')

  // Back online: the app syncs by itself on 'online'; the sync button too.
  await context.setOffline(false)
  await page.getByTestId('sync-button').click()
  await waitSynced(page)

  // The server holds every point, the photo, the signatures, the notice and the finish, all from the mobile channel.
  const st = await api.state(visit!.id, 'lead')
  const results = Object.fromEntries(st.results.map((r) => [r.item_id, r]))
  for (const it of mine) {
    expect(results[it.id]?.value, it.name).toBe(it.id === failed.id ? '不符合' : '符合')
    expect(results[it.id]?.channel).toBe('mobile')
  }
  expect(results[failed.id].note).toBe('未在显著位置公示食品经营许可证')
  expect(results[failed.id].photos).toHaveLength(1)
  const photo = results[failed.id].photos[0]
  expect(photo).toMatch(/^[0-9a-f]{64}$/)
  expect(await api.blobComplete(photo, 'lead'), 'the photo is on the server').toBe(true)
  expect(st.checkins.filter((c) => c.user_id === me)).toHaveLength(1)
  expect(st.outcomes.find((o) => o.dept === 'scjg')?.categories).toEqual(['发现问题待后续处理'])
  expect(st.signatures.map((s) => s.kind).sort()).toEqual(['entity', ...inspectors.map(() => 'inspector')])
  const sigs = st.signatures as unknown as { kind: string; signer: string; dept?: string; signer_id?: string; role?: string; confirmed?: boolean }[]
  expect(
    sigs.filter((s) => s.kind === 'inspector').map((s) => `${s.dept} ${s.signer_id}`).sort(),
    'each inspector signed for 市市场监管局',
  ).toEqual(inspectors.map((m) => `scjg ${m.user_id}`).sort())
  const ent = sigs.find((s) => s.kind === 'entity')!
  expect([ent.signer, ent.role, ent.confirmed]).toEqual(['王经理', '负责人', true])
  for (const s of st.signatures) expect(await api.blobComplete(s.photo, 'lead'), `${s.kind} signature image`).toBe(true)
  expect(st.notices).toHaveLength(1)
  const notice = st.notices[0]
  expect(notice.number_text).toMatch(numberPattern)
  expect(notice.number).not.toBeNull()
  expect(notice.provisional).toBe('')
  expect(notice.items).toEqual([failed.id])
  expect(notice.number_text, 'the leased number used offline is the final one').toBe(offlineNumber)
  expect(st.dept_finishes?.map((f) => f.dept)).toEqual(['scjg'])
  for (const rec of [...st.results, ...st.outcomes, ...st.checkins, ...st.signatures, ...st.notices, ...(st.dept_finishes ?? [])]) {
    expect(rec.channel).toBe('mobile')
  }
  // The other departments have not finished: the server keeps the visit open.
  expect(st.visit.status).toBe('open')

  // The phone shows the photo uploaded and the same number.
  await page.locator(`[data-testid="visit-card"][data-visit-id="${visit!.id}"]`).click()
  await expect(item(page, failed.id).locator('.thumb .badge')).toHaveCount(0)
  await expect(page.locator('[data-testid="notice-link"][data-dept="scjg"]')).toContainText(notice.number_text)
  await expect(page.getByTestId('dept-state-scjg')).toContainText('本部门已检查完毕')
  await expect(page.getByTestId('dept-chip-scjg')).toHaveAttribute('data-state', 'finished')
  await expect(page.getByTestId('completion-waits')).toContainText('尚未检查完毕')
  await expect(page.getByTestId('visit-status')).toHaveCount(0)
  await expect(page.getByTestId('sync-status')).toHaveText('已同步')
  await shot(page, 'checklist.png')
  expect(p.errors).toEqual([])
})
