import { describe, expect, it } from 'vitest'
import { db } from '../src/db/index'
import type { Lease } from '../src/db/types'
import { issueNotice, voidNotice } from '../src/sync/actions'
import { nextLeasedNumber, noticeNumberText, numberView, planNoticeNumber } from '../src/sync/numbering'
import { isoDay } from '../src/format/date'
import { CLIENT, VISIT_ID, pullPage, signIn, visitChange } from './fixtures'

const YEAR = Number(isoDay().slice(0, 4))

function lease(n: number, extra: Partial<Lease> = {}): Lease {
  return {
    id: `scjg:${YEAR}:${n}`,
    dept: 'scjg',
    year: YEAR,
    number: n,
    text: noticeNumberText('庆市监', YEAR, n),
    expires_at: '2999-01-01T00:00:00.000Z',
    ...extra,
  }
}

function leaseChange(n: number) {
  const l = lease(n)
  return { kind: 'lease', op: 'put' as const, id: l.id, data: { dept: l.dept, year: l.year, number: l.number, text: l.text, expires_at: l.expires_at } }
}

const input = {
  visitId: VISIT_ID,
  dept: 'scjg',
  short: '庆市监',
  items: ['i-2'],
  problems: '从业人员健康证明过期',
  legalBasis: '《中华人民共和国食品安全法》第四十五条',
  deadline: '2024-06-18',
}

describe('notice numbers from a lease', () => {
  it('prints numbers as on the paper form', () => {
    expect(noticeNumberText('庆市监', 2024, 12)).toBe('庆市监责改〔2024〕12号')
  })

  it('takes the lowest unused, unexpired number of the department and year', () => {
    const leases = [
      lease(14),
      lease(12, { used_by: 'n-1' }),
      lease(13),
      lease(11, { expires_at: '2000-01-01T00:00:00.000Z' }),
      lease(10, { dept: 'wjw' }),
    ]
    expect(nextLeasedNumber(leases, 'scjg', YEAR)?.number).toBe(13)
    expect(nextLeasedNumber(leases, 'scjg', YEAR + 1)).toBeNull()
  })

  it('counts provisional numbers per client from the highest one it has', () => {
    const p = planNoticeNumber({
      leases: [],
      notices: [{ dept: 'scjg', year: 2024, provisional: '临-0190d5a0-3' }, { dept: 'wjw', year: 2024, provisional: '临-99999999-7' }],
      dept: 'scjg',
      year: 2024,
      short: '庆市监',
      clientId: CLIENT,
    })
    expect(p.provisional).toBe('临-0190d5a0-4')
  })

  it('falls back to a provisional number when the lease is exhausted', () => {
    const p = planNoticeNumber({ leases: [lease(12, { used_by: 'x' })], notices: [], dept: 'scjg', year: 2024, short: '庆市监', clientId: CLIENT })
    expect(p.number).toBeNull()
    expect(p.provisional).toBe('临-0190d5a0-1')
  })

  it('issues offline with the next leased number, then provisional ones once the lease runs out', async () => {
    await signIn()
    await pullPage({ cursor: 1, last_seq: 0, changes: [visitChange(), leaseChange(12), leaseChange(13)] })
    // One live notice per department per visit (R11): each re-issue follows a void, which keeps its number.
    const a = await issueNotice(input)
    await voidNotice(VISIT_ID, a, '测试：重新开具')
    const b = await issueNotice(input)
    await voidNotice(VISIT_ID, b, '测试：重新开具')
    const c = await issueNotice(input)
    await voidNotice(VISIT_ID, c, '测试：重新开具')
    const d = await issueNotice(input)
    const [na, nb, nc, nd] = await Promise.all([a, b, c, d].map((id) => db.notices.get(id)))
    expect(na?.number).toBe(12)
    expect(na?.number_text).toBe(`庆市监责改〔${YEAR}〕12号`)
    expect(nb?.number).toBe(13)
    expect(nc?.number).toBeNull()
    expect(nc?.provisional).toBe('临-0190d5a0-1')
    expect(nd?.provisional).toBe('临-0190d5a0-2')
    expect((await db.leases.get(`scjg:${YEAR}:12`))?.used_by).toBe(a)
    // What goes to the server: the leased number, or null with the provisional text.
    const sent = (await db.outbox.orderBy('seq').toArray()).filter((e) => e.name === 'notice.issue').map((e) => [e.args.number, e.args.provisional])
    expect(sent).toEqual([
      [12, ''],
      [13, ''],
      [null, '临-0190d5a0-1'],
      [null, '临-0190d5a0-2'],
    ])
  })

  it('keeps a leased number taken while a pull re-sends the lease, until the server applies the notice', async () => {
    await signIn()
    await pullPage({ cursor: 1, last_seq: 0, changes: [visitChange(), leaseChange(12), leaseChange(13)] })
    const first = await issueNotice(input)
    await voidNotice(VISIT_ID, first, '测试：重新开具')
    await pullPage({ cursor: 2, last_seq: 0, changes: [leaseChange(12)] })
    const second = await issueNotice(input)
    expect((await db.notices.get(second))?.number).toBe(13)
  })

  it('shows the final number and the provisional one it replaced after sync', async () => {
    await signIn()
    await pullPage({ cursor: 1, last_seq: 0, changes: [visitChange()] })
    const id = await issueNotice(input)
    const before = await db.notices.get(id)
    expect(numberView(before!)).toEqual({
      main: '临-0190d5a0-1',
      provisional: '临-0190d5a0-1',
      replaced: false,
      isProvisional: true,
    })
    await pullPage({
      cursor: 2,
      last_seq: 1,
      changes: [
        {
          kind: 'notice',
          op: 'put',
          id,
          data: { ...before, _base: undefined, _dirty: undefined, number: 15, number_text: `庆市监责改〔${YEAR}〕15号` },
        },
      ],
    })
    const after = await db.notices.get(id)
    expect(after?._dirty).toBe(0)
    expect(numberView(after!)).toEqual({
      main: `庆市监责改〔${YEAR}〕15号`,
      provisional: '临-0190d5a0-1',
      replaced: true,
      isProvisional: false,
    })
  })
})
