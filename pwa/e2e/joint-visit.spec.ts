// A joint visit of plan 66 (市市场监管局, 市住建局, 市卫健委): insp1 and insp3
// each fill their own department's items and outcome with no signal, then
// sync one after the other (both orders, on two visits); the 市住建局 part
// comes through the API from that department's team member on a mobile
// client; the visit is completed in the app and nothing is lost.
import type { Api, Visit } from './api'
import { answer, chooseOutcome, expect, item, openVisit, test, waitSynced, type Phone } from './fixtures'

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
  for (const it of visit.items.filter((i) => i.dept === dept)) {
    await answer(page, it.id, part.value)
    if (part.note) {
      const note = item(page, it.id).getByTestId(`item-${it.id}-note`).locator('textarea')
      await note.fill(part.note)
      await note.blur()
    }
  }
  await chooseOutcome(page, part.outcome)
  // The other departments' items are read-only here.
  for (const it of visit.items.filter((i) => i.dept !== dept)) {
    await expect(page.getByTestId(`item-${it.id}-pass`)).toHaveCount(0)
  }
  await expect(page.getByTestId('sync-status')).toHaveText(/^离线 · 待同步 \d+ 条$/)
}

async function reconnect(p: Phone) {
  await p.context.setOffline(false)
  await p.page.getByTestId('sync-status').click()
  await waitSynced(p.page)
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
    expect(st.conflicts).toEqual([])
    expect(st.visit.status).toBe('open')

    // 市住建局's part, from its own team member's phone (the API).
    await api.answerDepartment(visit.id, 'zjj', { value: '符合', categories: ['未发现问题'] })

    // The phone that synced last pulls everyone's work and completes the visit in the app.
    const last = phones[order[1]].page
    await last.getByTestId('sync-status').click()
    await waitSynced(last)
    for (const it of visit.items) await expect(item(last, it.id)).toHaveAttribute('data-value', it.dept === 'zjj' ? '符合' : PARTS[it.dept as Dept].value)
    await last.getByTestId('complete-visit').click()
    await last.locator('.van-dialog__confirm').click()
    await expect(last).toHaveURL(/\/tasks$/)
    await waitSynced(last)

    st = await api.state(visit.id)
    expect(st.visit.status).toBe('complete')
    const want: Record<string, string> = { scjg: PARTS.scjg.value, wjw: PARTS.wjw.value, zjj: '符合' }
    expect(st.results).toHaveLength(visit.items.length)
    for (const it of visit.items) expect(st.results.find((r) => r.item_id === it.id)?.value, it.name).toBe(want[it.dept])
    expect(st.outcomes.map((o) => o.dept).sort()).toEqual(['scjg', 'wjw', 'zjj'])

    // The other phone learns it on its next pull.
    const other = phones[order[0]].page
    await other.goto('/tasks')
    await other.getByTestId('sync-button').click()
    await waitSynced(other)
    await expect(other.locator(`[data-testid="visit-card"][data-visit-id="${visit.id}"]`)).toContainText('已完成')
    for (const p of Object.values(phones)) expect(p.errors).toEqual([])
  })
}
