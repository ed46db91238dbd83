// The local effect of each mutation (DESIGN §5 step 2), written once and run
// twice: when the user makes the change, and again on top of every pull
// until the server has applied it (the rebase of step 4). Mutators only read
// and write rows through RowStore and must not depend on anything but their
// args and context, so that re-running them gives the same result.
import type { RowStore } from '../db/rows'
import type { ItemValue, MutationName, Notice } from '../db/types'

export interface MutationContext {
  user_id: string
  client_id: string
  at: string
  mutation_id: string
}

/** The args of each mutation exactly as the server decodes them (sync/mutations.go; unknown fields are rejected). */
export interface MutationArgs {
  'visit.checkin': { id: string; visit_id: string; lat: number | null; lng: number | null; accuracy: number | null }
  'item.set': { visit_id: string; item_id: string; value: ItemValue; note: string; photos: string[]; base_version: number }
  'outcome.set': { visit_id: string; dept: string; categories: string[]; note: string; base_version: number }
  'signature.add': {
    id: string
    visit_id: string
    kind: 'inspector' | 'entity' | 'refusal'
    signer: string
    photo: string
    witness: string
    note: string
    /** Kind inspector: the department signed for and the active team member who signs (the phone's user or a teammate). */
    dept?: string
    signer_id?: string
    /** Kind entity: 负责人 | 法定代表人 | 委托人, a phone number, and "以上情况属实" (must be true). */
    role?: string
    phone?: string
    confirmed?: boolean
  }
  'notice.issue': {
    id: string
    visit_id: string
    dept: string
    items: string[]
    problems: string
    legal_basis: string
    deadline: string
    year: number
    number: number | null
    provisional: string
    /** 整改期限 in working days (1–90); deadline is the date the phone counted on the holiday calendar. */
    days: number
  }
  'notice.serve': { visit_id: string; notice_id: string; served_to: string; signature: string }
  /** 作废: the notice's department voids it with a reason; its number stays used (R11). */
  'notice.void': { visit_id: string; notice_id: string; reason: string }
  'followup.record': {
    id: string
    visit_id: string
    notice_id: string
    corrected: boolean
    action: '' | '立案' | '移送'
    penalty: number
    note: string
  }
  'visit.complete': { visit_id: string }
  'conflict.settle': { visit_id: string; conflict_id: string; pick: 'server' | 'client'; base_version: number }
  'dept.finish': { visit_id: string; dept: string }
}

type Mutator<N extends MutationName> = (rows: RowStore, args: MutationArgs[N], ctx: MutationContext) => Promise<void>

export const mutators: { [N in MutationName]: Mutator<N> } = {
  async 'visit.checkin'(rows, a, ctx) {
    await rows.put('checkins', {
      id: a.id,
      visit_id: a.visit_id,
      user_id: ctx.user_id,
      at: ctx.at,
      lat: a.lat,
      lng: a.lng,
      accuracy: a.accuracy,
      client_id: ctx.client_id,
      channel: 'mobile',
    })
  },

  async 'item.set'(rows, a, ctx) {
    const prev = await rows.get('results', a.item_id)
    const visit = await rows.get('visits', a.visit_id)
    const dept = visit?.checklist.find((i) => i.id === a.item_id)?.dept ?? prev?.dept ?? ''
    await rows.put('results', {
      item_id: a.item_id,
      visit_id: a.visit_id,
      dept,
      value: a.value,
      note: a.note,
      photos: [...a.photos],
      // The version stays the server's: only the server advances it.
      version: prev?._base?.version ?? 0,
      user_id: ctx.user_id,
      client_id: ctx.client_id,
      channel: 'mobile',
      mutation_id: ctx.mutation_id,
      updated_at: ctx.at,
    })
  },

  async 'outcome.set'(rows, a, ctx) {
    const id = `${a.visit_id}:${a.dept}`
    const prev = await rows.get('outcomes', id)
    await rows.put('outcomes', {
      id,
      visit_id: a.visit_id,
      dept: a.dept,
      categories: [...a.categories],
      note: a.note,
      version: prev?._base?.version ?? 0,
      user_id: ctx.user_id,
      client_id: ctx.client_id,
      channel: 'mobile',
      mutation_id: ctx.mutation_id,
      updated_at: ctx.at,
    })
  },

  async 'signature.add'(rows, a, ctx) {
    // The server stores the signer's name and 执法证号 from the team; the phone shows the same at once.
    let certNo: string | undefined
    if (a.kind === 'inspector' && a.signer_id) {
      const visit = await rows.get('visits', a.visit_id)
      certNo = visit?.team.find((m) => m.user_id === a.signer_id)?.cert_no
    }
    await rows.put('signatures', {
      ...a,
      ...(certNo ? { cert_no: certNo } : {}),
      user_id: ctx.user_id,
      at: ctx.at,
      client_id: ctx.client_id,
      channel: 'mobile',
    })
  },

  async 'notice.issue'(rows, a, ctx) {
    // At most one live notice per department per visit (R11): the server
    // rejects a second one, so the phone does not show it either.
    const others = (await rows.where('notices', 'visit_id', a.visit_id)) as Notice[]
    if (others.some((n) => n.id !== a.id && n.dept === a.dept && !n.voided_at)) return
    // The server fills the authority and the inspectors from the visit record; so does the phone, at once.
    const visit = await rows.get('visits', a.visit_id)
    const authority = visit?.dept_info?.find((d) => d.code === a.dept)?.authority ?? ''
    const inspectors = (visit?.team ?? [])
      .filter((m) => m.dept === a.dept && m.active !== false)
      .map((m) => ({ user_id: m.user_id, name: m.name, cert_no: m.cert_no ?? '' }))
    let numberText = ''
    if (a.number !== null) {
      const lease = await rows.get('leases', `${a.dept}:${a.year}:${a.number}`)
      if (lease) {
        numberText = lease.text
        await rows.put('leases', { ...stripSync(lease), used_by: a.id })
      }
    }
    const notice: Notice = {
      id: a.id,
      visit_id: a.visit_id,
      dept: a.dept,
      year: a.year,
      number: a.number,
      number_text: numberText,
      provisional: a.provisional,
      items: [...a.items],
      problems: a.problems,
      legal_basis: a.legal_basis,
      deadline: a.deadline,
      issued_at: ctx.at,
      user_id: ctx.user_id,
      served_at: null,
      served_to: '',
      served_sig: '',
      status: 'issued',
      client_id: ctx.client_id,
      channel: 'mobile',
      authority,
      inspectors,
      days: a.days,
      voided_at: null,
      voided_by: null,
      void_reason: '',
    }
    await rows.put('notices', notice)
  },

  async 'notice.void'(rows, a, ctx) {
    const n = await rows.get('notices', a.notice_id)
    // A notice already followed up cannot be voided (the server rejects it); a void twice changes nothing.
    if (!n || n.voided_at || n.status === 'corrected' || n.status === 'not_corrected') return
    await rows.put('notices', { ...stripSync(n), voided_at: ctx.at, voided_by: ctx.user_id, void_reason: a.reason })
  },

  async 'notice.serve'(rows, a, ctx) {
    const n = await rows.get('notices', a.notice_id)
    if (!n) return
    await rows.put('notices', {
      ...stripSync(n),
      served_at: ctx.at,
      served_to: a.served_to,
      served_sig: a.signature,
      status: n.status === 'issued' ? 'served' : n.status,
    })
  },

  async 'followup.record'(rows, a, ctx) {
    await rows.put('followups', {
      id: a.id,
      notice_id: a.notice_id,
      visit_id: a.visit_id,
      corrected: a.corrected,
      action: a.action,
      penalty: a.penalty,
      note: a.note,
      user_id: ctx.user_id,
      at: ctx.at,
      client_id: ctx.client_id,
      channel: 'mobile',
    })
    const n = await rows.get('notices', a.notice_id)
    if (n) await rows.put('notices', { ...stripSync(n), status: a.corrected ? 'corrected' : 'not_corrected' })
  },

  // visit.complete only asks the server to try completing the visit now
  // (R10a): the phone never shows a visit complete before the server does,
  // so there is no local effect; the visit record's status comes from a pull.
  async 'visit.complete'() {},

  // 本部门检查完毕: shown as 待同步 (a row with no server copy) until the
  // server's dept_finish change arrives; a rejection takes it away again.
  async 'dept.finish'(rows, a, ctx) {
    const id = `${a.visit_id}:${a.dept}`
    if ((await rows.get('dept_finishes', id))?._base) return // already finished on the server: a no-op there too
    const visit = await rows.get('visits', a.visit_id)
    await rows.put('dept_finishes', {
      id,
      visit_id: a.visit_id,
      dept: a.dept,
      user_id: ctx.user_id,
      user_name: visit?.team.find((m) => m.user_id === ctx.user_id)?.name ?? '',
      at: ctx.at,
      client_id: ctx.client_id,
      channel: 'mobile',
      mutation_id: ctx.mutation_id,
    })
  },

  async 'conflict.settle'(rows, a, ctx) {
    const c = await rows.get('conflicts', a.conflict_id)
    if (!c) return
    await rows.put('conflicts', {
      ...stripSync(c),
      status: 'settled',
      settled_value: a.pick === 'server' ? c.server_value : c.client_value,
      settled_by: ctx.user_id,
      settled_at: ctx.at,
    })
  },
}

/** stripSync drops the phone's bookkeeping fields from a row before it is written back. */
function stripSync<T extends { _base?: unknown; _dirty?: unknown }>(row: T): Omit<T, '_base' | '_dirty'> {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { _base, _dirty, ...rest } = row
  return rest
}

/** runMutator applies a mutation by name; an unknown name does nothing locally. */
export async function runMutator(name: MutationName, args: Record<string, unknown>, rows: RowStore, ctx: MutationContext) {
  const m = mutators[name] as Mutator<MutationName> | undefined
  if (m) await m(rows, args as never, ctx)
}
