// A joint visit of plan 66 (市市场监管局, 市住建局, 市卫健委): insp1 and insp3
// each check in and walk their own department's part with no signal (every
// check point, the outcome, both of the department's inspectors signing on
// the phone, 本部门检查完毕), then sync one after the other (both orders, on
// two visits); the 市住建局 part, finished too, comes through the API from
// that department's team member on a mobile client; the entity signs in the
// app on the phone that synced last, the server then completes the visit by
// itself, both phones learn it, and nothing is lost.
import type { Api, Visit } from './api'
import { answer, chooseOutcome, drawSignature, expect, finishDepartment, item, openVisit, test, waitSynced, type Phone, syncAndWait } from './fixtures'

/** An open plan-66 visit with insp1 and insp3 on its team (the office swaps them in when the draw did not). */
async function sharedVisit(api: Api): Promise<Visit> {
  const [i1, i3] = [await api.userId('insp1'), await api.userId('insp3')]
  const missing = (v: Visit) => [i1, i3].filter((id) => !v.team.some((m) => m.user_id === id && m.active !== false)).length
  const open = (await api.planVisits(66)).filter((v) => v.status === 'open')
  open.sort((a, b) => missing(a) - missing(b) || a.id.localeCompare(b.id))
  for (const v of open) {
    try {
      return await api.ensureMember(await api.ensureMember(v, 'insp1'), 'insp3')
    } catch {
      // this visit's draw cannot take them (R5): try the next
    }
  }
  throw new Error('no plan-66 visit can take insp1 and insp3')
}

const PARTS = {
  scjg: { user: 'insp1', value: '不符合' as const, note: '后厨未落实索证索票', outcome: '发现问题待后续处理' },
  wjw: { user: 'insp3', value: '符合' as const, note: '', outcome: '未发现问题' },
}
type Dept = keyof typeof PARTS

async function workOffline(p: Phone, visit: Visit, dept: Dept) {
  const part = PARTS[dept]
  const { page } = p
  await openVisit(page, visit.id)
  await p.context.setOffline(true)
  await expect(page.getByTestId('sync-status')).toHaveAttribute('data-state', 'offline')
  await page.getByTestId('checkin-button').click()
  await expect(page.getByTestId('checkin-info')).toContainText('已签到')
  for (const it of visit.items.filter((i) => i.dept === dept)) {
    await answer(page, it.id, part.value)
    if (part.note) {
      const note = item(page, it.id).getByTestId(`item-${it.id}-note`).locator('textarea')
      await note.fill(part.note)
      await note.blur()
    }
  }
  await chooseOutcome(page, part.outcome)
  // Both inspectors of the department sign on this phone, then 本部门检查完毕 (待同步 while offline).
  for (const m of visit.team.filter((x) => x.dept === dept && x.active !== false)) await drawSignature(page, { inspector: m.user_id })
  await finishDepartment(page, dept)
  await expect(page.getByTestId(`dept-state-${dept}`)).toHaveText('本部门检查完毕（待同步）')
  // The other departments' points are read-only here (folded; unfolded they offer no answer to tap).
  for (const d of new Set(visit.items.filter((i) => i.dept !== dept).map((i) => i.dept))) {
    await page.getByTestId(`dept-expand-${d}`).click()
    const points = visit.items.filter((i) => i.dept === d)
    await expect(page.locator(`[data-testid="section-other"][data-dept="${d}"]`).getByTestId('checklist-item')).toHaveCount(points.length)
    for (const it of points) await expect(page.getByTestId(`item-${it.id}-pass`)).toHaveCount(0)
    await page.getByTestId(`dept-expand-${d}`).click()
  }
  await expect(page.getByTestId('sync-status')).toHaveText(/^离线 · 待同步 \d+ 条$/)
}

async function reconnect(p: Phone) {
  await p.context.setOffline(false)
  await syncAndWait(p.page)
}

for (const order of [
  ['scjg', 'wjw'],
  ['wjw', 'scjg'],
] as [Dept, Dept][]) {
  test(`joint visit: ${PARTS[order[0]].user} syncs first, then ${PARTS[order[1]].user}; nothing is lost`, async ({ api, phone }) => {
    const visit = await sharedVisit(api)
    const phones = { scjg: await phone('insp1'), wjw: await phone('insp3') }

    // Both open the visit online (it is on both phones), then work with no signal.
    for (const d of ['scjg', 'wjw'] as Dept[]) await workOffline(phones[d], visit, d)

    for (const d of order) await reconnect(phones[d])
    let st = await api.state(visit.id)
    for (const d of ['scjg', 'wjw'] as Dept[]) {
      for (const it of visit.items.filter((i) => i.dept === d)) {
        const r = st.results.find((x) => x.item_id === it.id)
        expect(r?.value, `${d} ${it.name}`).toBe(PARTS[d].value)
        expect(r?.note).toBe(PARTS[d].note)
        expect(r?.channel).toBe('mobile')
      }
      expect(st.outcomes.find((o) => o.dept === d)?.categories).toEqual([PARTS[d].outcome])
    }
    expect(st.dept_finishes?.map((f) => `${f.dept} ${f.channel}`).sort()).toEqual(['scjg mobile', 'wjw mobile'])
    expect(st.checkins).toHaveLength(2)
    expect(st.conflicts).toEqual([])
    expect(st.visit.status).toBe('open')

    // 市住建局's part, finished, from its own team member's phone (the API).
    await api.answerDepartment(visit.id, 'zjj', { value: '符合', categories: ['未发现问题'], finish: true })
    expect((await api.state(visit.id)).visit.status, 'no entity signature yet: the visit stays open').toBe('open')

    // The phone that synced last pulls everyone's work: every department finished, the entity's signature awaited.
    const last = phones[order[1]].page
    await syncAndWait(last)
    for (const d of ['scjg', 'wjw', 'zjj']) await expect(last.getByTestId(`dept-chip-${d}`)).toHaveAttribute('data-state', 'finished')
    await expect(last.getByTestId('completion-waits')).toContainText('被检查单位')
    await expect(last.getByTestId('visit-status')).toHaveCount(0)
    for (const d of ['scjg', 'wjw', 'zjj'].filter((d) => d !== order[1])) await last.getByTestId(`dept-expand-${d}`).click()
    for (const it of visit.items) await expect(item(last, it.id)).toHaveAttribute('data-value', it.dept === 'zjj' ? '符合' : PARTS[it.dept as Dept].value)

    // The entity signs in the app; the server completes the visit by itself and the phone shows it.
    await drawSignature(last, { entity: '王经理', role: 0, phone: '13800000000' })
    await waitSynced(last)
    await expect.poll(async () => (await api.state(visit.id)).visit.status, { message: 'the server completed the visit' }).toBe('complete')
    await syncAndWait(last)
    await expect(last.getByTestId('visit-complete-banner')).toBeVisible()
    await expect(last.getByTestId('visit-status')).toHaveText('已完成')
    await last.getByTestId('back-to-tasks').click()
    await expect(last).toHaveURL(/\/tasks$/)

    st = await api.state(visit.id)
    expect(st.visit.status).toBe('complete')
    const want: Record<string, string> = { scjg: PARTS.scjg.value, wjw: PARTS.wjw.value, zjj: '符合' }
    expect(st.results).toHaveLength(visit.items.length)
    for (const it of visit.items) expect(st.results.find((r) => r.item_id === it.id)?.value, it.name).toBe(want[it.dept])
    expect(st.outcomes.map((o) => o.dept).sort()).toEqual(['scjg', 'wjw', 'zjj'])
    expect(st.dept_finishes?.map((f) => f.dept).sort()).toEqual(['scjg', 'wjw', 'zjj'])
    const team = visit.team.filter((m) => m.active !== false)
    const sigs = st.signatures as unknown as { kind: string; signer: string; dept?: string; signer_id?: string; channel: string }[]
    expect(
      sigs.filter((s) => s.kind === 'inspector').map((s) => `${s.dept} ${s.signer_id}`).sort(),
      'every inspector signed for his department',
    ).toEqual(team.map((m) => `${m.dept} ${m.user_id}`).sort())
    expect(sigs.filter((s) => s.kind === 'entity').map((s) => `${s.signer} ${s.channel}`)).toEqual(['王经理 mobile'])

    // The other phone learns it on its next pull.
    const other = phones[order[0]].page
    await other.goto('/tasks')
    await other.getByTestId('sync-button').click()
    await waitSynced(other)
    await expect(other.locator(`[data-testid="visit-card"][data-visit-id="${visit.id}"]`)).toContainText('已完成')
    for (const p of Object.values(phones)) expect(p.errors).toEqual([])
  })
}
