// One department's check points on a phone with no signal (issue 10 items
// 2–4): insp1 opens a joint visit of plan 66, loses the network, reloads,
// and walks the 市市场监管局 part: one point 不符合 (the note is required and
// focused, a photo, a second photo deleted after a confirmation), the rest by
// 其余全部符合, the proposed outcome confirmed, both inspectors sign on this
// phone (insp1 and his teammate), the entity's signer signs with role, phone
// and 以上情况属实, then 本部门检查完毕, which shows 待同步 until the server
// answers. The 检查记录表 prints from the phone (offline) and from the desk
// (the office keeps no local copy). Taps are counted on the way.
import { drawStroke, expect, signIn, Taps, test, openVisit, item, type Phone, syncAndWait } from './fixtures'
import { createHash } from 'node:crypto'
import { deptCode, type Api, type Visit } from './api'
import { photoFile, photoPng } from './images'

interface Point {
  id: string
  dept: string
  ord: number
  name: string
  catalogue_id?: string
  item_name?: string
  template?: { id: string; version: number } | null
  code?: string
  key?: boolean
}
interface SignatureWire {
  kind: string
  signer: string
  dept?: string
  signer_id?: string
  cert_no?: string
  role?: string
  phone?: string
  confirmed?: boolean
}

/**
 * finishDepartment records another department's whole part as one of its
 * inspectors on a phone of his own, through the API: every point 符合, the
 * outcome, both inspectors' signatures (the image uploaded first) and
 * 本部门检查完毕.
 */
async function finishDepartment(api: Api, visitId: string, dept: string, seed: number) {
  const st = await api.state(visitId)
  const members = st.visit.team.filter((m) => m.dept === dept && m.active !== false)
  const phone = await api.mobileClient(await api.usernameOf(members[0]))
  const png = photoPng(seed)
  const sha = createHash('sha256').update(png).digest('hex')
  const { token } = await api.login(phone.username)
  const up = await fetch(`${api.base}/api/v1/blobs/${sha}`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png' }, body: new Uint8Array(png) })
  expect(up.status, 'the signature image uploads').toBe(201)
  const fates = await phone.push([
    ...st.visit.items
      .filter((i) => i.dept === dept)
      .map((i) => ({ name: 'item.set', args: { visit_id: visitId, item_id: i.id, value: '符合', note: '', photos: [], base_version: 0 } })),
    { name: 'outcome.set', args: { visit_id: visitId, dept, categories: ['未发现问题'], note: '', base_version: 0 } },
    ...members.map((m) => ({
      name: 'signature.add',
      args: { id: crypto.randomUUID(), visit_id: visitId, kind: 'inspector', signer: m.name, photo: sha, witness: '', note: '', dept, signer_id: m.user_id },
    })),
    { name: 'dept.finish', args: { visit_id: visitId, dept } },
  ])
  expect(
    fates.filter((f) => f.status !== 'applied').map((f) => f.reason),
    `${dept} finished through the API`,
  ).toEqual([])
}

/** visitOfInsp1 is the demo visit of plan 66 (else 7) insp1 and insp2 share, in the status asked for. */
async function visitOfInsp1(api: Api, status = 'open'): Promise<Visit> {
  const [me, mate] = [await api.userId('insp1'), await api.userId('insp2')]
  const visits = [...(await api.planVisits(66)), ...(await api.planVisits(7))]
  const on = (v: Visit, id: string) => v.team.some((m) => m.user_id === id && m.active !== false)
  const visit = visits.find((v) => v.status === status && on(v, me) && on(v, mate))
  expect(visit, `insp1 and insp2 share a demo visit (${status})`).toBeTruthy()
  return visit!
}

test('insp1 walks 市市场监管局 check points offline, signs with his teammate and finishes the department', async ({ api, phone, shot }) => {
  const me = await api.userId('insp1')
  const visit = await visitOfInsp1(api)
  const points = (visit.items as Point[]).filter((i) => i.dept === 'scjg').sort((a, b) => a.ord - b.ord)
  expect(points.length, '市市场监管局 has check points').toBeGreaterThan(0)
  const teammate = visit.team.find((m) => m.dept === 'scjg' && m.active !== false && m.user_id !== me)!
  expect(teammate, 'insp1 has a 市市场监管局 teammate on the visit').toBeTruthy()
  const failed = points[0]
  const matters = [...new Set(points.map((p) => p.catalogue_id || p.item_name || p.id))]

  const p: Phone = await phone('insp1')
  const { page, context } = p
  const taps = new Taps()
  await page.goto('/tasks')
  await page.locator(`[data-testid="visit-card"][data-visit-id="${visit.id}"]`).click()
  taps.n++
  await expect(page.getByTestId('section-mine')).toBeVisible()

  // No signal, and the page is reloaded: the service worker serves the app, IndexedDB the visit.
  await context.setOffline(true)
  await expect(page.getByTestId('sync-status')).toHaveAttribute('data-state', 'offline')
  await page.reload()
  const mine = page.getByTestId('section-mine')
  await expect(mine).toHaveAttribute('data-dept', 'scjg')
  await expect(page.getByTestId('dept-chip-scjg')).toHaveText(`市市场监管局 0/${points.length}`)

  await taps.tap(page.getByTestId('checkin-button'))
  await expect(page.getByTestId('checkin-info')).toContainText('已签到')

  // Each point shows its code and text; a 重点项 its mark.
  for (const pt of points) {
    const row = item(page, pt.id)
    await expect(row).toBeVisible()
    if (pt.template) await expect(row).toContainText(pt.name)
    if (pt.key) await expect(row.getByTestId('point-key')).toHaveText('★ 重点')
  }
  if (points.every((pt) => !pt.template)) await expect(mine.getByTestId('matter-untemplated').first()).toBeVisible()
  const withBasis = points.find((pt) => pt.template)
  if (withBasis) {
    await page.getByTestId(`point-${withBasis.id}-basis-toggle`).click()
    await expect(page.getByTestId(`point-${withBasis.id}-basis`)).toContainText('检查依据')
    await page.getByTestId(`point-${withBasis.id}-basis-toggle`).click()
  }

  // At 360 px the three answers stay large, one line each.
  await page.setViewportSize({ width: 360, height: 780 })
  for (const key of ['pass', 'fail', 'na']) {
    const b = (await page.getByTestId(`item-${failed.id}-${key}`).boundingBox())!
    expect(b.height, `${key} is a large target on one line`).toBeGreaterThanOrEqual(44)
    expect(b.height, `${key} is a large target on one line`).toBeLessThanOrEqual(52)
  }
  await page.setViewportSize({ width: 390, height: 844 })

  // 不符合: the note is focused at once and required (red hint until written).
  await taps.tap(page.getByTestId(`item-${failed.id}-fail`))
  await expect(item(page, failed.id)).toHaveAttribute('data-value', '不符合')
  const note = page.getByTestId(`item-${failed.id}-note`).locator('textarea')
  await expect(note).toBeFocused()
  await expect(page.getByTestId(`item-${failed.id}-note-missing`)).toBeVisible()
  await expect(page.getByTestId('dept-finish-scjg')).toBeDisabled()
  await expect(page.getByTestId('dept-missing-scjg')).toContainText('不符合，须写明发现的问题')
  await expect(page.getByTestId('dept-missing-scjg')).toContainText(`检查人员`)
  await note.fill('后厨2名从业人员未能提供有效健康证明')
  await note.blur()
  await expect(page.getByTestId(`item-${failed.id}-note-missing`)).toHaveCount(0)

  // A photo of it; a second one deleted, after a confirmation (cancel first).
  taps.n++ // 拍照 (the camera's own shutter is not ours to count)
  await page.getByTestId(`photo-input-${failed.id}`).setInputFiles(photoFile(21))
  await expect(item(page, failed.id).locator('.thumb img')).toHaveCount(1)
  await page.getByTestId(`photo-input-${failed.id}`).setInputFiles(photoFile(22))
  await expect(item(page, failed.id).locator('.thumb img')).toHaveCount(2)
  const remove = item(page, failed.id).getByTestId('photo-remove').nth(1)
  const rbox = (await remove.boundingBox())!
  expect(Math.min(rbox.width, rbox.height), 'the delete target is at least 40 px').toBeGreaterThanOrEqual(40)
  await remove.click()
  await page.locator('.van-dialog').getByRole('button', { name: '取消' }).click()
  await expect(item(page, failed.id).locator('.thumb img')).toHaveCount(2)
  await remove.click()
  await page.locator('.van-dialog').getByRole('button', { name: '删除' }).click()
  await expect(item(page, failed.id).locator('.thumb img')).toHaveCount(1)

  // 其余全部符合: one tap per 事项 for everything not answered; a 事项 of one line has none: one tap on 符合.
  const matterOf = (pt: Point) => pt.catalogue_id || pt.item_name || pt.id
  for (const key of matters) {
    const of = points.filter((pt) => matterOf(pt) === key)
    if (of.length > 1) await taps.tap(page.getByTestId(`rest-pass-${key}`))
    else if (of[0].id !== failed.id) await taps.tap(page.getByTestId(`item-${of[0].id}-pass`))
  }
  for (const pt of points) if (pt.id !== failed.id) await expect(item(page, pt.id)).toHaveAttribute('data-value', '符合')
  await expect(mine.locator(`[data-testid="matter"][data-matter="${matters[0]}"]`)).toHaveAttribute('data-result', '不符合')
  await expect(page.getByTestId('dept-chip-scjg')).toHaveText(`市市场监管局 ${points.length}/${points.length}`)

  // The outcome: proposed from the points, confirmed with one tap.
  const outcome = mine.getByTestId('outcome-section')
  await expect(outcome.getByTestId('outcome-proposal')).toBeVisible()
  await expect(outcome.locator('[data-category="发现问题待后续处理"]')).toHaveAttribute('aria-checked', 'true')
  await taps.tap(outcome.getByTestId('outcome-confirm'))
  await expect(outcome).toHaveAttribute('data-recorded', '1')

  // Both inspectors sign on this phone: insp1, then his teammate (name and 执法证号 shown).
  await expect(page.getByTestId('dept-missing-scjg')).toHaveText(/尚未签名/)
  await page.getByTestId('dept-finish-block-scjg').evaluate((el) => el.scrollIntoView({ block: 'end' }))
  await shot(page, 'checkpoints-missing.png')
  for (const m of [visit.team.find((x) => x.user_id === me)!, teammate]) {
    await taps.tap(page.getByTestId(`sign-inspector-${m.user_id}`))
    await expect(page.getByTestId('signing-who')).toHaveText(`${m.name} · 执法证号 ${m.cert_no}`)
    await drawStroke(page)
    taps.n++
    await taps.tap(page.getByTestId('signature-save'))
    await expect(page.getByTestId(`inspector-${m.user_id}`)).toHaveAttribute('data-signed', '1')
    await expect(page.getByTestId(`inspector-${m.user_id}`)).toContainText(m.cert_no)
  }

  // The entity's signer: name, role, phone, 以上情况属实 (required), then the signature.
  await taps.tap(page.getByTestId('signature-open-entity'))
  await taps.tap(page.getByTestId('signature-signer').locator('input'))
  await page.getByTestId('signature-signer').locator('input').fill('王建国')
  await taps.tap(page.getByTestId('entity-role-1'))
  await taps.tap(page.getByTestId('entity-phone').locator('input'))
  await page.getByTestId('entity-phone').locator('input').fill('13909341234')
  await drawStroke(page)
  taps.n++
  await expect(page.getByTestId('signature-save')).toBeDisabled()
  await taps.tap(page.getByTestId('entity-confirm'))
  await shot(page, 'sign-entity.png')
  await taps.tap(page.getByTestId('signature-save'))
  await expect(page.getByTestId('entity-signature')).toContainText('王建国（法定代表人）')
  await expect(page.getByTestId('entity-signature')).toContainText('以上情况属实')

  // 本部门检查完毕: enabled now; 待同步 until the server answers; the points are read-only.
  await expect(page.getByTestId('dept-missing-scjg')).toHaveCount(0)
  await taps.tap(page.getByTestId('dept-finish-scjg'))
  await expect(page.getByTestId('dept-state-scjg')).toHaveText('本部门检查完毕（待同步）')
  await expect(page.getByTestId('dept-chip-scjg')).toHaveText('市市场监管局 检查完毕（待同步）')
  await expect(page.getByTestId(`item-${failed.id}-fail`)).toHaveCount(0)
  await expect(page.getByTestId('visit-status')).toHaveCount(0)
  await expect(item(page, failed.id).getByTestId('point-readonly-value')).toHaveText('不符合')
  const tag = (await item(page, failed.id).getByTestId('point-readonly-value').boundingBox())!
  expect(tag.height, 'the read-only 不符合 tag stays on one line').toBeLessThan(30)
  await page.evaluate(() => window.scrollTo(0, 0))
  await shot(page, 'checkpoints.png')
  await mine.evaluate((el) => el.scrollIntoView())
  await shot(page, 'checkpoints-points.png')
  await page.getByTestId('dept-finish-block-scjg').evaluate((el) => el.scrollIntoView({ block: 'end' }))
  await shot(page, 'checkpoints-finish.png')
  console.log(`taps for 市市场监管局 (${points.length} points, one failed with a photo, check-in, outcome, 3 signatures, finish): ${taps.n}`)

  // The 检查记录表 prints from the phone, offline.
  await page.getByTestId('record-link-scjg').click()
  const sheet = page.getByTestId('record-sheet')
  await expect(sheet).toBeVisible()
  await expect(page.getByTestId('record-authority')).toHaveText('庆阳市市场监督管理局')
  await expect(page.getByTestId('record-entity')).toHaveText(visit.entity.name)
  await expect(sheet.getByTestId('record-point')).toHaveCount(points.length)
  await expect(sheet.locator('[data-testid="record-point"][data-result="不符合"]')).toContainText('后厨2名从业人员未能提供有效健康证明')
  await expect(sheet.locator('[data-testid="record-point"][data-result="不符合"]')).toContainText('照片 1 张')
  await expect(page.getByTestId('record-inspectors')).toContainText(teammate.cert_no)
  await expect(sheet.getByTestId('record-inspector-sign').locator('img')).toHaveCount(2)
  await expect(page.getByTestId('record-entity-sign')).toContainText('王建国（法定代表人）')
  await expect(page.getByTestId('record-outcome')).toHaveText('发现问题待后续处理')
  await expect(page.getByTestId('record-print')).toBeVisible()
  await shot(page, 'record.png')
  // As printed: A4 width, print media (the header and the 打印 button are not printed).
  await page.setViewportSize({ width: 794, height: 1123 })
  await page.emulateMedia({ media: 'print' })
  await expect(page.getByTestId('record-print')).toBeHidden()
  await expect(page.locator('.van-nav-bar')).toBeHidden()
  await shot(page, 'record-print.png', { fullPage: true })
  await page.emulateMedia({ media: 'screen' })
  await page.setViewportSize({ width: 390, height: 844 })
  await page.goBack()

  // Back online: the server applies the finish and sends it back.
  await context.setOffline(false)
  await syncAndWait(page)
  await expect(page.getByTestId('dept-state-scjg')).toContainText('本部门已检查完毕')
  await expect(page.getByTestId('dept-chip-scjg')).toHaveText('市市场监管局 已检查完毕')
  await expect(page.getByTestId('visit-rejected')).toHaveCount(0)
  // The visit is not complete while other departments are not done, and the phone does not say it is.
  await expect(page.getByTestId('visit-status')).toHaveCount(0)
  await expect(page.getByTestId('completion-waits')).toContainText('尚未检查完毕')

  // The other departments finish on their own phones: the server completes the visit by itself,
  // and this phone shows 已完成 only once the server says so, with a way back to the list.
  const others = visit.departments.map(deptCode).filter((d) => d !== 'scjg')
  for (const [k, d] of others.entries()) await finishDepartment(api, visit.id, d, 40 + k)
  expect((await api.state(visit.id)).visit.status, 'the server completed the visit').toBe('complete')
  await syncAndWait(page)
  await expect(page.getByTestId('visit-complete-banner')).toBeVisible()
  await expect(page.getByTestId('visit-status')).toHaveText('已完成')
  for (const d of visit.departments.map(deptCode)) await expect(page.getByTestId(`dept-chip-${d}`)).toContainText('已检查完毕')
  await expect(page.getByTestId('completion-waits')).toHaveCount(0)
  await expect(page.getByTestId('signature-open-entity')).toHaveCount(0)
  await page.evaluate(() => window.scrollTo(0, 0))
  await shot(page, 'checkpoints-complete.png')
  await page.getByTestId('back-to-tasks').click()
  await expect(page).toHaveURL(/\/tasks$/)

  const st = (await api.state(visit.id, 'lead')) as unknown as {
    signatures: SignatureWire[]
    dept_finishes?: { dept: string; channel: string }[]
    results: { item_id: string; value: string; note: string; photos: string[] }[]
  }
  expect(st.dept_finishes?.find((f) => f.dept === 'scjg')?.channel).toBe('mobile')
  const insp = st.signatures.filter((s) => s.kind === 'inspector' && s.dept === 'scjg')
  expect(insp.map((s) => [s.dept, s.signer_id]).sort()).toEqual([
    ['scjg', me],
    ['scjg', teammate.user_id],
  ].sort())
  expect(insp.find((s) => s.signer_id === teammate.user_id)?.cert_no).toBe(teammate.cert_no)
  const ent = st.signatures.find((s) => s.kind === 'entity')!
  expect([ent.signer, ent.role, ent.phone, ent.confirmed]).toEqual(['王建国', '法定代表人', '13909341234', true])
  const res = Object.fromEntries(st.results.map((r) => [r.item_id, r]))
  for (const pt of points) expect(res[pt.id]?.value, pt.name).toBe(pt.id === failed.id ? '不符合' : '符合')
  expect(res[failed.id].photos).toHaveLength(1)
  expect(p.errors).toEqual([])
})

test('the office prints a department’s 检查记录表 from the server; the layout holds at 360 px', async ({ api, browser, server }) => {
  // The visit the test above completed (this file's server); alone, an open one.
  const visit = await visitOfInsp1(api, 'complete').catch(() => visitOfInsp1(api))
  const desk = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', baseURL: server.url })
  const page = await desk.newPage()
  await signIn(page, 'office', /\/office$/)
  await page.goto(`/visits/${visit.id}/record/scjg`)
  await expect(page.getByTestId('record-sheet')).toBeVisible()
  await expect(page.getByTestId('record-authority')).toHaveText('庆阳市市场监督管理局')
  await expect(page.getByTestId('record-entity')).toHaveText(visit.entity.name)
  const n = (visit.items as Point[]).filter((i) => i.dept === 'scjg').length
  await expect(page.getByTestId('record-point')).toHaveCount(n)
  // A department the visit does not have says so.
  await page.goto(`/visits/${visit.id}/record/xf`)
  await expect(page.getByText('这次检查没有该部门的检查内容')).toBeVisible()
  await desk.close()

  // 360 px, read-only (the department finished above): tags and chips never wrap one character per line.
  const small = await browser.newContext({ viewport: { width: 360, height: 780 }, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', baseURL: server.url, serviceWorkers: 'allow' })
  const phonePage = await small.newPage()
  await signIn(phonePage, 'insp2')
  await openVisit(phonePage, visit.id)
  for (const t of await phonePage.getByTestId('point-readonly-value').all()) {
    const b = (await t.boundingBox())!
    expect(b.height, 'a read-only answer stays on one line').toBeLessThan(30)
  }
  for (const chip of await phonePage.getByTestId('dept-states').locator('span').all()) {
    const b = (await chip.boundingBox())!
    expect(b.height, 'a department chip stays on one line').toBeLessThan(30)
  }
  await small.close()
})
