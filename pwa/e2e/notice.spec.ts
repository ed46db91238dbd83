// The 责令改正通知书 as a legal reviewer reads it (issue 10 item 5, R11–R12):
// insp1's teammate has recorded two 市市场监管局 check points 不符合 and the
// entity's 负责人 has signed; insp1, with no signal, issues the notice from
// the failed points with a deadline in working days counted on the holiday
// calendar, reads it as it prints (the authority's full name, each point's
// 违反条款 from the template — never the 行政处罚法 — the order on the
// authority's basis, both 执法证号, the 存根 on its own A4 page), voids it
// with a reason and re-issues it under a new number. Back online the server
// holds both, the void logged. After the deadline (the phone's clock moved),
// 复查 in the browser records 未改正 · 立案, and the 联席办 finds the case in
// 待移交立案.
import { createHash, randomUUID } from 'node:crypto'
import type { Page } from '@playwright/test'
import { expect, signIn, test, waitSynced, syncAndWait } from './fixtures'
import { chinaYear, type Api, type Visit } from './api'
import { DESK } from './devices'
import { photoPng } from './images'
import { deadlineFor } from '../src/notice/deadline'
import { cnDate, isoDay } from '../src/format/date'
import { calendar } from '../src/notice/holidays'

interface Point {
  id: string
  dept: string
  ord: number
  name: string
  code?: string
  violation?: string
  notice_text?: string
}
interface NoticeWire {
  id: string
  dept: string
  number: number | null
  number_text: string
  provisional: string
  items: string[]
  problems: string
  legal_basis: string
  deadline: string
  days: number
  authority: string
  inspectors: { user_id: string; name: string; cert_no: string }[]
  voided_at: string | null
  void_reason: string
  status: string
}

async function visitOfInsp1(api: Api): Promise<Visit> {
  const me = await api.userId('insp1')
  const visits = [...(await api.planVisits(66)), ...(await api.planVisits(7))]
  const visit = visits.find(
    (v) =>
      v.status === 'open' &&
      v.team.some((m) => m.user_id === me && m.active !== false) &&
      v.team.some((m) => m.dept === 'scjg' && m.user_id !== me && m.active !== false),
  )
  expect(visit, 'insp1 has an open demo visit with a 市市场监管局 teammate').toBeTruthy()
  return visit!
}

/** uploadPng puts a real PNG on the server (the entity's signature image) and returns its sha256. */
async function uploadPng(api: Api, as: string, seed: number): Promise<string> {
  const png = photoPng(seed, 200, 80)
  const sha = createHash('sha256').update(png).digest('hex')
  const { token } = await api.login(as)
  const res = await fetch(`${api.base}/api/v1/blobs/${sha}`, { method: 'PUT', headers: { authorization: `Bearer ${token}` }, body: new Uint8Array(png) })
  expect(res.status, 'the signature image uploads').toBe(201)
  return sha
}

/** paperText is the printed notice's text, whitespace folded. */
async function paperText(page: Page): Promise<string> {
  return (await page.getByTestId('notice-paper').innerText()).replace(/\s+/g, '')
}

test('a notice issued offline, printed, voided and re-issued; 复查 after the deadline goes to 待移交立案', async ({ api, phone, shot, browser, server }) => {
  test.setTimeout(180_000)
  const me = await api.userId('insp1')
  const visit = await visitOfInsp1(api)
  const points = (visit.items as Point[]).filter((i) => i.dept === 'scjg').sort((a, b) => a.ord - b.ord)
  const templated = points.filter((p) => p.violation)
  expect(templated.length, '市市场监管局 check points carry 违反条款').toBeGreaterThanOrEqual(2)
  const failed = templated.slice(0, 2)
  // The inspector's notes: the template's wording made concrete, as on site.
  const notes = failed.map((f) =>
    f.notice_text ? `${f.notice_text.replace(/[。；]$/, '')}（现场已拍照取证）` : `现场检查发现未做到：${f.name}`,
  )
  const inspectors = visit.team.filter((m) => m.dept === 'scjg' && m.active !== false)
  expect(inspectors.length).toBeGreaterThanOrEqual(2)

  // insp1's teammate records the points on his own phone, and the entity's 负责人 signs.
  const mate = visit.team.find((m) => m.dept === 'scjg' && m.user_id !== me && m.active !== false)!
  const mateUser = await api.usernameOf(mate)
  const matePhone = await api.mobileClient(mateUser)
  const sig = await uploadPng(api, mateUser, 11)
  const fates = await matePhone.push([
    ...points.map((p) => {
      const k = failed.findIndex((f) => f.id === p.id)
      return {
        name: 'item.set',
        args: { visit_id: visit.id, item_id: p.id, value: k >= 0 ? '不符合' : '符合', note: k >= 0 ? notes[k] : '', photos: [], base_version: 0 },
      }
    }),
    {
      name: 'signature.add',
      args: {
        id: randomUUID(),
        visit_id: visit.id,
        kind: 'entity',
        signer: '王经理',
        photo: sig,
        witness: '',
        note: '',
        role: '负责人',
        phone: '13800000000',
        confirmed: true,
      },
    },
  ])
  expect(fates.map((f) => `${f.status} ${f.reason ?? ''}`.trim())).toEqual(fates.map(() => 'applied'))

  const p = await phone('insp1')
  const { page, context } = p
  const year = chinaYear()
  const numberPattern = new RegExp(`^庆市监责改〔${year}〕\\d+号$`)

  // With no signal: the visit's department section offers 开具 (one live notice per department).
  await page.goto(`/visits/${visit.id}`)
  await context.setOffline(true)
  await expect(page.getByTestId('sync-status')).toHaveAttribute('data-state', 'offline')
  const open = page.locator('[data-testid="notice-open"][data-dept="scjg"]')
  await expect(open).toBeVisible()
  await open.click()
  await expect(page).toHaveURL(new RegExp(`/visits/${visit.id}/notice\\?dept=scjg$`))
  await expect(page.getByTestId('notice-form')).toBeVisible()

  // Prefilled from the failed points: the note as the finding, the template's provision as the violation.
  await expect(page.getByTestId('notice-form-authority')).toHaveText('庆阳市市场监督管理局')
  await expect(page.getByTestId('notice-number-preview')).toHaveText(numberPattern)
  for (const [k, f] of failed.entries()) {
    await expect(page.getByTestId(`notice-item-${f.id}`).locator('[role="checkbox"]')).toHaveAttribute('aria-checked', 'true')
    await expect(page.getByTestId(`notice-finding-${f.id}`)).toHaveValue(notes[k])
    await expect(page.getByTestId(`notice-violation-${f.id}`)).toHaveValue(f.violation!.replace(/[。；]$/, ''))
  }
  // 行政处罚法 as the violated provision is refused, with the reason.
  const v0 = page.getByTestId(`notice-violation-${failed[0].id}`)
  await v0.fill('《中华人民共和国行政处罚法》第二十八条第一款')
  await page.getByTestId('notice-submit').click()
  await expect(page.getByTestId('notice-errors')).toContainText('是本机关责令改正的依据，不是被检查单位违反的条款')
  await v0.fill(failed[0].violation!)

  // 整改期限: 5 working days, counted on the holiday calendar.
  const today = isoDay()
  const five = deadlineFor(today, 5).date
  await expect(page.getByTestId('notice-days-10')).toHaveAttribute('aria-checked', 'true')
  await page.getByTestId('notice-days-5').click()
  await expect(page.getByTestId('notice-deadline')).toContainText(cnDate(five))
  await shot(page, 'notice-form.png')
  await page.getByTestId('notice-submit').click()

  // The notice as it prints.
  await expect(page).toHaveURL(/\/notices\/[0-9a-f-]+$/)
  const firstId = page.url().split('/').pop()!
  await expect(page.getByTestId('notice-number')).toHaveText(numberPattern)
  const firstNumber = await page.getByTestId('notice-number').innerText()
  // The entity's signer comes from the visit's records, read after the notice itself.
  await expect(page.getByTestId('notice-paper')).toContainText('王经理')
  const text = await paperText(page)
  expect(text.startsWith('庆阳市市场监督管理局责令改正通知书')).toBe(true)
  expect(text).toContain(`${visit.entity.name}：`)
  expect(text).toContain(`统一社会信用代码：${visit.entity.uscc}`)
  expect(text).toContain('负责人：王经理')
  expect(text).toContain('经查，你单位存在以下问题：')
  for (const [k, f] of failed.entries()) {
    expect(text).toContain(notes[k].replace(/\s+/g, ''))
    expect(text).toContain(`上述行为违反了${f.violation!.replace(/[。；]$/, '').replace(/\s+/g, '')}的规定`)
  }
  expect(text).not.toMatch(/违反了?《中华人民共和国行政处罚法》/)
  expect(text).toContain(`依据《中华人民共和国行政处罚法》第二十八条第一款的规定，现责令你单位于${cnDate(five)}前改正上述违法行为。`)
  expect(text).toContain(`整改期限：5个工作日（${cnDate(five)}前）`)
  for (const m of inspectors) expect(text).toContain(`${m.name}（执法证号：${m.cert_no}）`)
  expect(text).toContain('逾期不改正的，本机关将依法处理。')
  expect(text).toContain('六十日内依法申请行政复议')
  expect(text).toContain(`庆阳市市场监督管理局（印章）${cnDate(today)}`)
  const stub = page.getByTestId('notice-stub')
  await expect(stub).toContainText('（存根）')
  await expect(stub).toContainText(firstNumber)
  await expect(stub).toContainText(`5个工作日（${cnDate(five)}前）`)
  for (const m of inspectors) await expect(stub).toContainText(m.cert_no)

  await shot(page, 'notice-view.png')

  // The A4 view: the notice on page 1, the 存根 on page 2 (printed to PDF by the browser).
  await page.getByTestId('notice-print-view').click()
  await expect(page).toHaveURL(new RegExp(`/notices/${firstId}/print$`))
  await expect(page.getByTestId('notice-print')).toBeVisible()
  await page.emulateMedia({ media: 'print' })
  const pdf = await page.pdf({ format: 'A4', preferCSSPageSize: true })
  expect(pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g)?.length, 'the notice and its 存根, one A4 page each').toBe(2)
  // The picture of the print: A4 at 96 dpi with its 20 mm margins, as the printer lays it out.
  await page.setViewportSize({ width: 794, height: 1123 })
  // Style attributes, not a <style> tag: the server's Content-Security-Policy
  // allows no injected style sheet, only style attributes.
  const margins = async (on: boolean) =>
    page.evaluate((on) => {
      const paper = document.querySelector<HTMLElement>('.notice-print')
      const stub = document.querySelector<HTMLElement>('.notice-print .stub')
      if (paper) paper.style.cssText = on ? 'padding: 20mm; background: #fff' : ''
      if (stub) stub.style.cssText = on ? 'margin-top: 40mm !important; border-top: 1px dashed #999; padding-top: 20mm !important' : ''
    }, on)
  await margins(true)
  await shot(page, 'notice-print.png', { fullPage: true })
  await margins(false)
  await page.setViewportSize({ width: 390, height: 844 })
  await page.emulateMedia({ media: 'screen' })
  await page.goBack()

  // 作废: a reason and a confirmation; the number stays, marked void.
  await page.getByTestId('notice-void').click()
  await page.getByTestId('notice-void-reason').locator('textarea').fill('整改期限填写有误，重新开具')
  await page.getByTestId('notice-void-confirm').click()
  await page.locator('.van-dialog__confirm').click()
  await expect(page.getByTestId('notice-voided')).toContainText('已作废：整改期限填写有误，重新开具')
  await expect(page.getByTestId('notice-void-mark')).toContainText('已作废：整改期限填写有误，重新开具')
  await expect(page.getByTestId('notice-number')).toHaveText(firstNumber)
  await shot(page, 'notice-voided.png')

  // 重新开具: a new number, 10 working days this time.
  await page.getByTestId('notice-reissue').click()
  await expect(page.getByTestId('notice-form')).toBeVisible()
  await expect(page.getByTestId('notice-reissue-of')).toContainText(firstNumber)
  await page.getByTestId('notice-submit').click()
  await expect(page).toHaveURL(/\/notices\/[0-9a-f-]+$/)
  const secondId = page.url().split('/').pop()!
  expect(secondId).not.toBe(firstId)
  await expect(page.getByTestId('notice-number')).toHaveText(numberPattern)
  const secondNumber = await page.getByTestId('notice-number').innerText()
  expect(secondNumber).not.toBe(firstNumber)
  const ten = deadlineFor(today, 10).date
  await expect(page.getByTestId('notice-order')).toContainText(cnDate(ten))

  // Every entry point now shows 查看通知书 for the department.
  await page.goto(`/visits/${visit.id}`)
  await expect(page.locator('[data-testid="notice-link"][data-dept="scjg"]')).toContainText(secondNumber)
  await expect(page.locator('[data-testid="notice-open"][data-dept="scjg"]')).toHaveCount(0)
  await page.goto(`/visits/${visit.id}/notice?dept=scjg`)
  await expect(page).toHaveURL(new RegExp(`/notices/${secondId}$`))

  // Back online: the server holds both, the first voided with its reason, the second live.
  await context.setOffline(false)
  await syncAndWait(page)
  const st = (await api.state(visit.id, 'lead')) as unknown as { notices: NoticeWire[] }
  const mine = st.notices.filter((n) => n.dept === 'scjg')
  const first = mine.find((n) => n.id === firstId)!
  const second = mine.find((n) => n.id === secondId)!
  expect(first.number_text).toBe(firstNumber)
  expect(first.voided_at).toBeTruthy()
  expect(first.void_reason).toBe('整改期限填写有误，重新开具')
  expect(first.days).toBe(5)
  expect(first.deadline).toBe(five)
  expect(second.number_text).toBe(secondNumber)
  expect(second.voided_at).toBeNull()
  expect(second.days).toBe(10)
  expect(second.deadline).toBe(ten)
  expect(second.authority).toBe('庆阳市市场监督管理局')
  expect(second.inspectors.map((m) => m.cert_no).sort()).toEqual(inspectors.map((m) => m.cert_no).sort())
  expect(second.items).toEqual(failed.map((f) => f.id))
  expect(second.legal_basis).not.toMatch(/行政处罚法/)
  for (const f of failed) expect(second.legal_basis).toContain(f.violation!.replace(/[。；]$/, ''))

  // 复查 after the deadline: the phone's clock moves two working days past it.
  const after = calendar.addWorkingDays(ten, 2)
  await page.clock.setFixedTime(new Date(`${after}T09:30:00+08:00`))
  await page.goto('/me')
  await page.getByTestId('me-followups').click()
  await expect(page).toHaveURL(/\/followups$/)
  const row = page.locator(`[data-testid="followup-row"][data-notice-id="${secondId}"]`)
  await expect(row).toContainText(visit.entity.name)
  await expect(row).toContainText('已逾期 2 个工作日')
  await expect(page.locator(`[data-testid="followup-row"][data-notice-id="${firstId}"]`), 'a voided notice is never due').toHaveCount(0)
  await shot(page, 'followups-due.png')
  await row.click()
  await expect(page).toHaveURL(new RegExp(`/notices/${secondId}/followup$`))
  await page.getByTestId('followup-corrected-no').click()
  await page.getByTestId('followup-action-case').click()
  await page.getByTestId('followup-submit').click()
  await expect(page.locator('.van-toast')).toContainText('请填写复查情况')
  await page.getByTestId('followup-note').locator('textarea').fill('复查时上述问题仍未改正，当事人未提交整改报告')
  await shot(page, 'followup.png')
  await page.getByTestId('followup-submit').click()
  await expect(page).toHaveURL(new RegExp(`/notices/${secondId}$`))
  await expect(page.getByTestId('notice-followup-result')).toContainText('未改正 · 立案')
  await waitSynced(page)
  const after2 = (await api.state(visit.id, 'lead')) as unknown as { notices: NoticeWire[] }
  expect(after2.notices.find((n) => n.id === secondId)?.status).toBe('not_corrected')

  // The 联席办's desk: 待移交立案 lists it; the done list of 复查 too.
  const office = await browser.newContext({ ...DESK, baseURL: server.url, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  const op = await office.newPage()
  await signIn(op, 'office', /\/office$/)
  await op.getByTestId('office-referrals').click()
  await expect(op).toHaveURL(/\/office\/referrals$/)
  const ref = op.locator(`[data-testid="referral-row"][data-notice-id="${secondId}"]`)
  await expect(ref).toContainText(secondNumber)
  await expect(ref).toContainText(visit.entity.name)
  await expect(ref.getByTestId('referral-action')).toHaveText('立案')
  await expect(ref).toContainText('复查时上述问题仍未改正')
  await shot(op, 'referrals.png')
  await op.goto('/followups')
  await op.getByRole('tab', { name: '已复查' }).click()
  await expect(op.locator(`[data-testid="followup-row"][data-notice-id="${secondId}"]`)).toContainText('未改正 · 立案')
  await office.close()
  expect(p.errors).toEqual([])
})

test('the 联席办 records a 复查 in the browser from the server’s due list', async ({ api, browser, server, shot }) => {
  // A notice of 市市场监管局 due tomorrow, on a visit insp1 is not on (the first test keeps its own).
  const me = await api.userId('insp1')
  const visits = [...(await api.planVisits(66)), ...(await api.planVisits(7))]
  const visit = visits.find(
    (v) => v.status === 'open' && !v.team.some((m) => m.user_id === me) && v.team.some((m) => m.dept === 'scjg' && m.active !== false),
  )
  expect(visit, 'a 市市场监管局 visit without insp1').toBeTruthy()
  const point = (visit!.items as Point[]).find((i) => i.dept === 'scjg' && i.violation)!
  const member = visit!.team.find((m) => m.dept === 'scjg' && m.active !== false)!
  const mobile = await api.mobileClient(await api.usernameOf(member))
  const noticeId = randomUUID()
  const due = calendar.addWorkingDays(isoDay(), 1)
  const fates = await mobile.push([
    { name: 'item.set', args: { visit_id: visit!.id, item_id: point.id, value: '不符合', note: '现场发现问题', photos: [], base_version: 0 } },
    {
      name: 'notice.issue',
      args: {
        id: noticeId,
        visit_id: visit!.id,
        dept: 'scjg',
        items: [point.id],
        problems: '1. 现场发现问题',
        legal_basis: point.violation,
        deadline: due,
        days: 1,
        year: chinaYear(),
        number: null,
        provisional: `临-${mobile.id.slice(0, 8)}-1`,
      },
    },
  ])
  expect(fates.map((f) => `${f.status} ${f.reason ?? ''}`.trim())).toEqual(['applied', 'applied'])

  // The desk keeps no local copy: the due list and the notice come from the server.
  const office = await browser.newContext({ ...DESK, baseURL: server.url, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  const op = await office.newPage()
  await signIn(op, 'office', /\/office$/)
  await op.getByTestId('office-followups').click()
  await expect(op).toHaveURL(/\/followups$/)
  const row = op.locator(`[data-testid="followup-row"][data-notice-id="${noticeId}"]`)
  await expect(row).toContainText(visit!.entity.name)
  await expect(row).toContainText('还剩 1 个工作日')
  await expect(row).toContainText(/庆市监责改〔\d{4}〕\d+号/)
  await row.click()
  await expect(op.getByTestId('followup-form')).toBeVisible()
  await expect(op.getByTestId('followup-number')).toContainText(/庆市监责改〔\d{4}〕\d+号/)
  await op.getByTestId('followup-corrected-yes').click()
  await op.getByTestId('followup-note').locator('textarea').fill('已在醒目位置公示许可证')
  await op.getByTestId('followup-submit').click()
  await expect(op).toHaveURL(/\/followups$/)
  await waitSynced(op)
  await expect
    .poll(async () => ((await api.state(visit!.id)) as unknown as { notices: NoticeWire[] }).notices.find((n) => n.id === noticeId)?.status)
    .toBe('corrected')
  await op.getByRole('tab', { name: '已复查' }).click()
  await expect(op.locator(`[data-testid="followup-row"][data-notice-id="${noticeId}"]`)).toContainText('已改正')
  // An inspector of another department never sees it (server scope, GET /followups).
  const insp3 = await api.json<{ items: { notice_id: string }[] }>('insp3', 'GET', '/followups?status=done')
  expect(insp3.items.map((n) => n.notice_id)).not.toContain(noticeId)
  await office.close()
})
