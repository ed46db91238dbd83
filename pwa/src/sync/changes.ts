// Where each change kind of a pull lives on the phone (sync/protocol.go:
// visit, checkin, item_result, outcome, signature, notice, followup,
// conflict, lease, dept_finish; rejection and blob are handled by the db
// module itself).
import type { ChangeEntry, ChangeTarget } from '../db/pull'
import type { ChecklistItem, Department, TeamMember, Visit } from '../db/types'

type Obj = Record<string, unknown>

const str = (v: unknown, d = ''): string => (typeof v === 'string' ? v : v == null ? d : String(v))

/** normalizeVisit reads a visit record, accepting the nested or flat forms of entity and team. */
export function normalizeVisit(id: string, d: Obj): Visit {
  const e = (d.entity as Obj | undefined) ?? {}
  const teamRaw = (d.team ?? d.members ?? []) as unknown
  let team: TeamMember[] = []
  if (Array.isArray(teamRaw)) {
    team = teamRaw.map((m: Obj) => ({
      user_id: str(m.user_id ?? m.id),
      name: str(m.name ?? m.user_name),
      dept: str(m.dept),
      cert_no: m.cert_no ? str(m.cert_no) : undefined,
      active: m.active === undefined ? true : Boolean(m.active),
    }))
  } else if (teamRaw && typeof teamRaw === 'object') {
    // {dept: [members]} form
    for (const [dept, list] of Object.entries(teamRaw as Record<string, Obj[]>)) {
      for (const m of list ?? []) team.push({ user_id: str(m.user_id ?? m.id), name: str(m.name), dept, active: true })
    }
  }
  const checklistRaw = (d.checklist ?? d.items ?? []) as Obj[]
  const checklist: ChecklistItem[] = checklistRaw.map((it, i) => ({
    id: str(it.id),
    visit_id: id,
    dept: str(it.dept),
    ord: typeof it.ord === 'number' ? it.ord : i,
    name: str(it.name),
    class: it.class ? str(it.class) : undefined,
    // Issue 10: each item is one check point of a 事项's template (or the 事项 itself, template null).
    catalogue_id: it.catalogue_id ? str(it.catalogue_id) : undefined,
    item_name: it.item_name ? str(it.item_name) : undefined,
    template: readTemplate(it.template),
    group_code: it.group_code ? str(it.group_code) : undefined,
    group_name: it.group_name ? str(it.group_name) : undefined,
    code: it.code ? str(it.code) : undefined,
    method: it.method ? str(it.method) : undefined,
    key: it.key === true,
    basis: it.basis ? str(it.basis) : undefined,
    violation: it.violation ? str(it.violation) : undefined,
    notice_text: it.notice_text ? str(it.notice_text) : undefined,
  }))
  const departments = Array.isArray(d.departments)
    ? (d.departments as unknown[]).map((x) => (typeof x === 'string' ? x : str((x as Obj).code ?? (x as Obj).dept)))
    : [...new Set(checklist.map((c) => c.dept).concat(team.map((t) => t.dept)))]
  // The departments' objects {code,name,short,kind,authority} carry the 执法主体全称 the record and notice print.
  const deptInfo: Department[] = Array.isArray(d.departments)
    ? (d.departments as unknown[])
        .filter((x): x is Obj => !!x && typeof x === 'object')
        .map((x) => ({
          code: str(x.code ?? x.dept),
          name: str(x.name),
          short: str(x.short),
          kind: x.kind ? str(x.kind) : undefined,
          authority: x.authority ? str(x.authority) : undefined,
        }))
        .filter((x) => x.code)
    : []
  return {
    id,
    task_id: str(d.task_id),
    task_name: d.task_name ? str(d.task_name) : undefined,
    plan_name: d.plan_name ? str(d.plan_name) : d.plan ? str((d.plan as Obj).name ?? d.plan) : undefined,
    region: d.region ? str(d.region) : undefined,
    scheduled_on: str(d.scheduled_on).slice(0, 10),
    status: (str(d.status, 'open') as Visit['status']) || 'open',
    completed_at: (d.completed_at as string | null) ?? null,
    version: typeof d.version === 'number' ? d.version : undefined,
    risk: d.risk ? str(d.risk) : undefined,
    entity: {
      id: str(e.id ?? d.entity_id),
      name: str(e.name ?? d.entity_name),
      uscc: str(e.uscc ?? d.uscc) || undefined,
      address: str(e.address ?? d.address) || undefined,
      region: str(e.region) || undefined,
      contact: str(e.contact ?? e.legal_rep) || undefined,
      phone: str(e.phone) || undefined,
      risk: str(e.risk ?? d.risk) || undefined,
    },
    departments: departments.filter(Boolean),
    dept_info: deptInfo.length ? deptInfo : undefined,
    team,
    checklist: checklist.sort((a, b) => (a.dept === b.dept ? a.ord - b.ord : 0)),
  }
}

function readTemplate(t: unknown): ChecklistItem['template'] {
  if (!t || typeof t !== 'object') return null
  const o = t as Obj
  return { id: str(o.id), version: typeof o.version === 'number' ? o.version : Number(o.version) || 0 }
}

/** toTarget maps one change to its store and record; null for kinds the phone does not keep. */
export function toTarget(c: ChangeEntry): ChangeTarget | null {
  const d = (c.data ?? {}) as Obj
  switch (c.kind) {
    case 'visit':
      return { table: 'visits', key: c.id, record: c.op === 'put' ? (normalizeVisit(c.id, d) as unknown as Obj) : null }
    case 'checkin':
      return { table: 'checkins', key: c.id, record: { ...d, id: c.id } }
    case 'item_result':
      return { table: 'results', key: c.id, record: { ...d, item_id: c.id, photos: (d.photos as string[] | null) ?? [] } }
    case 'outcome':
      return {
        table: 'outcomes',
        key: c.id,
        record: { ...d, id: c.id, categories: (d.categories as string[] | null) ?? [], note: str(d.note) },
      }
    case 'signature':
      return { table: 'signatures', key: c.id, record: { ...d, id: c.id } }
    case 'notice':
      return { table: 'notices', key: c.id, record: { ...d, id: c.id, items: (d.items as string[] | null) ?? [] } }
    case 'followup':
      return { table: 'followups', key: c.id, record: { ...d, id: c.id } }
    case 'conflict':
      return { table: 'conflicts', key: c.id, record: { ...d, id: c.id } }
    case 'lease':
      return { table: 'leases', key: c.id, record: { ...d, id: c.id, used_by: null } }
    case 'dept_finish':
      return { table: 'dept_finishes', key: c.id, record: { ...d, id: c.id, user_name: str(d.user_name) } }
    default:
      return null
  }
}
