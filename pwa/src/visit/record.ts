// The 检查记录表 (现场检查记录) of one department: what the paper form holds,
// built from the records of a visit (issue 10 item 3). The data comes from
// IndexedDB on a phone that keeps the visit, or from the server's
// GET /visits/{id}/state for a desk user who keeps no local copy.
import type { Checkin, DeptFinish, ItemResult, Notice, Outcome, Signature, TeamMember, Visit } from '../db/types'
import { groupByMatter, inspectorSignature, pointLabel, signerOf } from './progress'

/** Everything recorded on a visit, as the phone keeps it or the server answers it. */
export interface RecordData {
  visit: Visit
  checkins: Checkin[]
  results: ItemResult[]
  outcomes: Outcome[]
  signatures: Signature[]
  notices: Notice[]
  finishes: DeptFinish[]
}

export interface RecordRow {
  label: string
  text: string
  key: boolean
  result: string
  note: string
  photos: string[]
}

export interface RecordMatter {
  name: string
  cls: string
  templated: boolean
  rows: RecordRow[]
}

export interface RecordInspector {
  member: TeamMember
  signature: Signature | undefined
}

export interface DeptRecord {
  dept: string
  deptName: string
  /** 执法主体全称; the department's name when the server has not sent one. */
  authority: string
  visit: Visit
  matters: RecordMatter[]
  /** The check-in the record cites for place and start time: the department's first, else the visit's first. */
  checkin: Checkin | undefined
  finish: DeptFinish | undefined
  inspectors: RecordInspector[]
  categories: string[]
  outcomeNote: string
  entity: Signature | undefined
  refusal: Signature | undefined
  notices: Notice[]
  counts: { total: number; pass: number; fail: number; na: number; open: number }
}

/** shortHash is the first 8 hex digits of a photo's sha256, enough to tell photos apart on paper. */
export const shortHash = (sha: string) => sha.slice(0, 8)

/** isLive tells a notice that stands from a voided (作废) one. */
export function isLive(n: Notice): boolean {
  return !(n as Notice & { voided_at?: string | null }).voided_at
}

/** buildDeptRecord assembles one department's 检查记录表. */
export function buildDeptRecord(d: RecordData, dept: string, names: { name: (code: string) => string }): DeptRecord {
  const v = d.visit
  const items = v.checklist.filter((i) => i.dept === dept).sort((a, b) => a.ord - b.ord)
  const byItem = new Map(d.results.map((r) => [r.item_id, r]))
  const counts = { total: items.length, pass: 0, fail: 0, na: 0, open: 0 }
  const matters: RecordMatter[] = groupByMatter(items).map((g) => ({
    name: g.name,
    cls: g.cls,
    templated: g.templated,
    rows: g.points.map((p) => {
      const r = byItem.get(p.id)
      if (!r) counts.open++
      else if (r.value === '符合') counts.pass++
      else if (r.value === '不符合') counts.fail++
      else counts.na++
      return {
        label: pointLabel(p, items.indexOf(p)),
        text: p.name,
        key: !!p.key,
        result: r?.value ?? '未填写',
        note: r?.note ?? '',
        photos: r?.photos ?? [],
      }
    }),
  }))
  const members = v.team.filter((m) => m.dept === dept && m.active !== false)
  // An inspector who signed and was later swapped out still signed this record.
  const signedOthers = v.team.filter(
    (m) => m.dept === dept && m.active === false && d.signatures.some((s) => s.kind === 'inspector' && signerOf(s) === m.user_id && s.dept === dept),
  )
  const memberIds = new Set([...members, ...signedOthers].map((m) => m.user_id))
  const checkins = [...d.checkins].sort((a, b) => (a.at < b.at ? -1 : 1))
  const info = v.dept_info?.find((x) => x.code === dept)
  const outcome = d.outcomes.find((o) => o.dept === dept)
  const bySig = (kind: Signature['kind']) => [...d.signatures].filter((s) => s.kind === kind).sort((a, b) => (a.at < b.at ? 1 : -1))[0]
  return {
    dept,
    deptName: info?.name || names.name(dept),
    authority: info?.authority || info?.name || names.name(dept),
    visit: v,
    matters,
    checkin: checkins.find((c) => memberIds.has(c.user_id)) ?? checkins[0],
    finish: d.finishes.find((f) => f.dept === dept),
    inspectors: [...members, ...signedOthers].map((m) => ({ member: m, signature: inspectorSignature(d.signatures, dept, m.user_id) })),
    categories: outcome?.categories ?? [],
    outcomeNote: outcome?.note ?? '',
    entity: bySig('entity'),
    refusal: bySig('refusal'),
    notices: d.notices.filter((n) => n.dept === dept).sort((a, b) => (a.issued_at < b.issued_at ? -1 : 1)),
    counts,
  }
}

/** The server's GET /visits/{id}/state answer, as far as the record reads it. */
export interface VisitStateWire {
  visit: Record<string, unknown>
  checkins?: Checkin[]
  results?: ItemResult[]
  outcomes?: Outcome[]
  signatures?: Signature[]
  notices?: Notice[]
  dept_finishes?: Omit<DeptFinish, 'id'>[]
}

/** fromServerState reads the server's answer into RecordData; normalize is the pull's visit reader. */
export function fromServerState(id: string, st: VisitStateWire, normalize: (id: string, d: Record<string, unknown>) => Visit): RecordData {
  return {
    visit: normalize(id, st.visit),
    checkins: st.checkins ?? [],
    results: (st.results ?? []).map((r) => ({ ...r, photos: r.photos ?? [] })),
    outcomes: (st.outcomes ?? []).map((o) => ({ ...o, categories: o.categories ?? [] })),
    signatures: st.signatures ?? [],
    notices: st.notices ?? [],
    finishes: (st.dept_finishes ?? []).map((f) => ({ ...f, id: `${f.visit_id}:${f.dept}` })),
  }
}
