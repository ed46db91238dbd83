// What the checklist screen does beyond single answers (src/sync/actions.ts):
// 其余全部符合, 本部门检查完毕 and the signatures of issue 10. Each is one or more
// mutations through the outbox: on screen at once, offline included, and
// sent when the network allows.
import type { ChecklistItem, TeamMember } from '../db/types'
import { uuidv7 } from '../ids/uuid'
import { mutate } from '../sync/outbox'
import { setItem } from '../sync/actions'
import { unanswered, type Answers } from './progress'

/** The capacities in which someone signs for the entity (sync.EntitySignerRoles). */
export const ENTITY_ROLES = ['负责人', '法定代表人', '委托人'] as const
export type EntityRole = (typeof ENTITY_ROLES)[number]

/**
 * restPass answers every point of a group nobody answered yet with 符合: one
 * item.set each (the server keeps per-point versions and conflicts), one
 * tap for the user. Points already answered keep their answer. Returns how
 * many were set.
 */
export async function restPass(visitId: string, points: ChecklistItem[], answers: Answers): Promise<number> {
  const todo = unanswered(points, answers)
  for (const p of todo) await setItem(visitId, p.id, { value: '符合', note: '', photos: [] })
  return todo.length
}

/** finishDept sends 本部门检查完毕 for a department (R10a); the server decides, the phone shows 待同步 until then. */
export function finishDept(visitId: string, dept: string) {
  return mutate('dept.finish', { visit_id: visitId, dept }, visitId)
}

/** signInspector stores an inspector's signature for a department; `member` may be the phone user's teammate. */
export function signInspector(visitId: string, dept: string, member: TeamMember, photo: string) {
  return mutate(
    'signature.add',
    { id: uuidv7(), visit_id: visitId, kind: 'inspector', signer: member.name, photo, witness: '', note: '', dept, signer_id: member.user_id },
    visitId,
  )
}

export interface EntitySigner {
  name: string
  role: EntityRole
  phone: string
}

/** signEntity stores the entity signer's signature, confirming 以上情况属实. */
export function signEntity(visitId: string, s: EntitySigner, photo: string) {
  return mutate(
    'signature.add',
    {
      id: uuidv7(),
      visit_id: visitId,
      kind: 'entity',
      signer: s.name.trim(),
      photo,
      witness: '',
      note: '',
      role: s.role,
      phone: s.phone.trim(),
      confirmed: true,
    },
    visitId,
  )
}

/** recordRefusal stores the entity's refusal to sign: the reason, and a witness or a photo (R10). */
export function recordRefusal(visitId: string, r: { reason: string; witness: string; photo: string }) {
  return mutate(
    'signature.add',
    { id: uuidv7(), visit_id: visitId, kind: 'refusal', signer: '', photo: r.photo, witness: r.witness.trim(), note: r.reason.trim() },
    visitId,
  )
}

/** entitySignerProblem says what is missing before the entity may sign, or '' when nothing is. */
export function entitySignerProblem(s: { name: string; role: string; phone: string; confirmed: boolean }): string {
  if (!s.name.trim()) return '请填写签字人姓名'
  if (!(ENTITY_ROLES as readonly string[]).includes(s.role)) return '请选择签字人身份'
  const phone = s.phone.trim()
  if (phone && !/^[0-9+\-() ]{5,20}$/.test(phone)) return '联系电话格式不正确'
  if (!s.confirmed) return '请勾选“以上情况属实”'
  return ''
}

/** refusalProblem says what a refusal record still lacks, or ''. */
export function refusalProblem(r: { reason: string; witness: string; photo: string }): string {
  if (!r.reason.trim()) return '请填写拒签情况'
  if (!r.witness.trim() && !r.photo) return '请填写见证人或拍照留证'
  return ''
}
