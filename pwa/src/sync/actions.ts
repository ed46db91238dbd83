// What the screens can do. Each action is one mutation through the outbox
// (./outbox.ts): on screen at once, sent when the network allows.
import type { ItemValue, Lease, Notice } from '../db/types'
import { NO_PROBLEM } from '../db/types'
import { clientId, getMeta } from '../db/meta'
import { isoDay } from '../format/date'
import { uuidv7 } from '../ids/uuid'
import { mutate } from './outbox'
import { META_DEVICE_NO, planNoticeNumber } from './numbering'
import { calendar } from '../notice/holidays'

export interface Position {
  lat: number
  lng: number
  accuracy: number
}

/** checkIn records arrival with the GPS position when one was had. */
export function checkIn(visitId: string, pos: Position | null) {
  return mutate(
    'visit.checkin',
    { id: uuidv7(), visit_id: visitId, lat: pos?.lat ?? null, lng: pos?.lng ?? null, accuracy: pos?.accuracy ?? null },
    visitId,
  )
}

/** setItem answers one checklist item; base_version is the server version the phone last saw. */
export function setItem(visitId: string, itemId: string, v: { value: ItemValue; note: string; photos: string[] }) {
  return mutate(
    'item.set',
    async (rows) => {
      const cur = await rows.get('results', itemId)
      return {
        visit_id: visitId,
        item_id: itemId,
        value: v.value,
        note: v.note,
        photos: [...v.photos],
        base_version: cur?._base?.version ?? 0,
      }
    },
    visitId,
  )
}

/** normalizeCategories enforces R9: 未发现问题 excludes the others (the newest choice wins). */
export function normalizeCategories(next: string[], prev: string[]): string[] {
  const added = next.filter((c) => !prev.includes(c))
  if (added.includes(NO_PROBLEM)) return [NO_PROBLEM]
  if (next.includes(NO_PROBLEM) && next.length > 1) return next.filter((c) => c !== NO_PROBLEM)
  return next
}

export function setOutcome(visitId: string, dept: string, categories: string[], note: string) {
  return mutate(
    'outcome.set',
    async (rows) => {
      const cur = await rows.get('outcomes', `${visitId}:${dept}`)
      return { visit_id: visitId, dept, categories: [...categories], note, base_version: cur?._base?.version ?? 0 }
    },
    visitId,
  )
}

export function addSignature(
  visitId: string,
  s: { kind: 'inspector' | 'entity' | 'refusal'; signer: string; photo: string; witness?: string; note?: string },
) {
  return mutate(
    'signature.add',
    { id: uuidv7(), visit_id: visitId, kind: s.kind, signer: s.signer, photo: s.photo, witness: s.witness ?? '', note: s.note ?? '' },
    visitId,
  )
}

export interface NoticeInput {
  visitId: string
  dept: string
  short: string
  items: string[]
  problems: string
  legalBasis: string
  deadline: string
  /** 整改期限 in working days; counted back from the deadline on the holiday calendar when not given. */
  days?: number
}

/**
 * issueNotice issues a 责令改正通知书 with the next leased number, or a
 * provisional one when the lease is exhausted (R11). The number is chosen
 * inside the outbox transaction, so two notices never take the same one.
 */
export async function issueNotice(input: NoticeInput): Promise<string> {
  const id = uuidv7()
  const cid = await clientId()
  // The server's number for this phone (DESIGN §8.6); absent before the first pull.
  const deviceNo = await getMeta<number>(META_DEVICE_NO)
  const year = Number(isoDay().slice(0, 4))
  await mutate(
    'notice.issue',
    async (rows) => {
      const leases = (await rows.where('leases', '[dept+year]', [input.dept, year])) as Lease[]
      const notices = (await rows.all('notices')) as Notice[]
      const plan = planNoticeNumber({ leases, notices, dept: input.dept, year, short: input.short, clientId: cid, deviceNo })
      return {
        id,
        visit_id: input.visitId,
        dept: input.dept,
        items: [...input.items],
        problems: input.problems,
        legal_basis: input.legalBasis,
        deadline: input.deadline,
        year,
        number: plan.number,
        provisional: plan.provisional,
        days: input.days ?? calendar.workingDaysBetween(isoDay(), input.deadline),
      }
    },
    input.visitId,
  )
  return id
}

/** voidNotice voids (作废) a notice with a reason; the number stays used and a re-issue takes a new one (R11). */
export function voidNotice(visitId: string, noticeId: string, reason: string) {
  return mutate('notice.void', { visit_id: visitId, notice_id: noticeId, reason }, visitId)
}

export function serveNotice(visitId: string, noticeId: string, servedTo: string, signatureSha: string) {
  return mutate('notice.serve', { visit_id: visitId, notice_id: noticeId, served_to: servedTo, signature: signatureSha }, visitId)
}

export function recordFollowup(
  visitId: string,
  noticeId: string,
  f: { corrected: boolean; action: '' | '立案' | '移送'; penalty: number; note: string },
) {
  return mutate(
    'followup.record',
    { id: uuidv7(), visit_id: visitId, notice_id: noticeId, corrected: f.corrected, action: f.corrected ? '' : f.action, penalty: f.penalty, note: f.note },
    visitId,
  )
}

export function completeVisit(visitId: string) {
  return mutate('visit.complete', { visit_id: visitId }, visitId)
}

/**
 * settleConflict keeps the current value ('server') or takes the phone's
 * ('client'). baseVersion is the conflict's server_version the lead was
 * shown: the server refuses the settlement (settle_stale) when the value
 * moved since, rather than deciding on a value the lead never saw.
 */
export function settleConflict(visitId: string, conflictId: string, pick: 'server' | 'client', baseVersion: number) {
  return mutate('conflict.settle', { visit_id: visitId, conflict_id: conflictId, pick, base_version: baseVersion }, visitId)
}
