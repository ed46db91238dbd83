// useNotice: one notice as the screens show it, read live from IndexedDB —
// the notice, its visit, the entity's signer, the served-to signature — and
// laid out by the text builder (./text.ts), so that the screen, the print and
// the 存根 say the same.
import { computed, onScopeDispose, ref, watch, type Ref } from 'vue'
import { useLive } from '../composables/live'
import { useDepartments } from '../composables/departments'
import { blobBySha, followupsOfNotice, noticeById, visitById, visitRecords } from '../db/queries'
import type { Notice, Visit } from '../db/types'
import { isoDay } from '../format/date'
import { numberView } from '../sync/numbering'
import { buildNoticeDoc, pointsOfNotice, principalOf, type NoticeDoc } from './text'

/** authorityOf is the issuing department's 执法主体全称: the notice's own, else the visit record's, else the reference list's. */
export function authorityOf(n: Pick<Notice, 'authority' | 'dept'>, visit: Visit | undefined, refAuthority?: string): string {
  return n.authority || visit?.dept_info?.find((d) => d.code === n.dept)?.authority || refAuthority || ''
}

/** inspectorsOf are the notice's inspectors, else the department's active team members on the visit. */
export function inspectorsOf(n: Pick<Notice, 'inspectors' | 'dept'>, visit: Visit | undefined) {
  if (n.inspectors?.length) return n.inspectors
  return (visit?.team ?? [])
    .filter((m) => m.dept === n.dept && m.active !== false)
    .map((m) => ({ user_id: m.user_id, name: m.name, cert_no: m.cert_no ?? '' }))
}

export function useNotice(noticeId: Ref<string>) {
  const notice = useLive(() => noticeById(noticeId.value), undefined, noticeId)
  const visitId = computed(() => notice.value?.visit_id ?? '')
  const visit = useLive(async () => (visitId.value ? visitById(visitId.value) : undefined), undefined, visitId)
  const records = useLive(async () => (visitId.value ? visitRecords(visitId.value) : null), null, visitId)
  const followups = useLive(() => followupsOfNotice(noticeId.value), [], noticeId)
  const sigSha = computed(() => notice.value?.served_sig ?? '')
  const sigBlob = useLive(async () => (sigSha.value ? blobBySha(sigSha.value) : undefined), undefined, sigSha)
  const { map: depts, name: deptName } = useDepartments()

  // An object URL for the served-to signature, revoked when it changes or the screen closes.
  const sigUrl = ref('')
  watch(sigBlob, (b) => {
    if (sigUrl.value) URL.revokeObjectURL(sigUrl.value)
    sigUrl.value = b ? URL.createObjectURL(b.blob) : ''
  })
  onScopeDispose(() => sigUrl.value && URL.revokeObjectURL(sigUrl.value))

  const number = computed(() => (notice.value ? numberView(notice.value) : null))
  const authority = computed(() =>
    notice.value ? authorityOf(notice.value, visit.value, depts.value[notice.value.dept]?.authority) : '',
  )
  /** The other notices of the same department on the visit (a voided one's re-issue, or the one it replaced). */
  const siblings = computed(() =>
    (records.value?.notices ?? []).filter((n) => notice.value && n.dept === notice.value.dept && n.id !== notice.value.id),
  )
  const liveSibling = computed(() => siblings.value.find((n) => !n.voided_at))

  const doc = computed<NoticeDoc | null>(() => {
    const n = notice.value
    if (!n) return null
    const v = visit.value
    const sigs = (records.value?.signatures ?? []).filter((s) => !s.dept || s.dept === n.dept)
    return buildNoticeDoc({
      authority: authority.value || deptName(n.dept),
      number: number.value?.main ?? '',
      provisional: number.value?.isProvisional ?? false,
      entity: { name: v?.entity.name ?? '', uscc: v?.entity.uscc, address: v?.entity.address },
      principal: principalOf(sigs),
      points: pointsOfNotice(n, v?.checklist ?? []),
      deadline: n.deadline,
      days: n.days ?? 0,
      issuedOn: isoDay(n.issued_at),
      inspectors: inspectorsOf(n, v),
      served: n.served_at ? { to: n.served_to, on: n.served_at } : null,
      voided: n.voided_at ? { on: n.voided_at, reason: n.void_reason ?? '' } : null,
    })
  })

  return { notice, visit, records, followups, number, authority, doc, sigUrl, siblings, liveSibling, deptName }
}
