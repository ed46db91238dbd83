// The checklist's derived facts, kept out of the screens so that they are
// tested on their own: how a department's check points group into 事项
// (and 检查项目), a 事项's result derived from its points, a department's
// progress, what 本部门检查完毕 still waits for (R10a), and which of the
// server's rejections still matter. Everything here is a plain function of
// the records the phone holds; nothing reads IndexedDB or the network.
import { NO_PROBLEM, type ChecklistItem, type DeptFinish, type ItemValue, type OutboxEntry, type Signature, type TeamMember } from '../db/types'

/** The part of an item result this module reads. */
export interface PointAnswer {
  value: ItemValue
  note: string
  photos?: string[]
}
export type Answers = Record<string, PointAnswer | undefined>

/** The 检查项目 sub-heading of a run of points inside a 事项. */
export interface PointSubgroup {
  code: string
  name: string
  points: ChecklistItem[]
}

/** One 抽查事项 of a department with its check points, in order. */
export interface MatterGroup {
  /** Stable key: the 事项's catalogue id, else its title, else the single item's id. */
  key: string
  /** The 事项 title as the plan prints it. */
  name: string
  /** 一般检查 | 重点检查 (of the 事项). */
  cls: string
  /** false: the 事项 has no template and is answered as one line. */
  templated: boolean
  points: ChecklistItem[]
  /** 检查项目 sub-headings, only when the 事项's points belong to more than one. */
  subgroups: PointSubgroup[] | null
}

/**
 * groupByMatter groups one department's items by 事项, keeping the order in
 * which the 事项 first appear and the points' own order (ord). An item from
 * before check points (no item_name) is its own 事项, as it was.
 */
export function groupByMatter(items: ChecklistItem[]): MatterGroup[] {
  const sorted = [...items].sort((a, b) => a.ord - b.ord)
  const groups: MatterGroup[] = []
  const byKey = new Map<string, MatterGroup>()
  for (const it of sorted) {
    const key = it.catalogue_id || it.item_name || it.id
    let g = byKey.get(key)
    if (!g) {
      g = { key, name: it.item_name || it.name, cls: it.class ?? '', templated: !!it.template, points: [], subgroups: null }
      byKey.set(key, g)
      groups.push(g)
    }
    g.points.push(it)
    if (it.template) g.templated = true
  }
  for (const g of groups) {
    const subs: PointSubgroup[] = []
    for (const p of g.points) {
      const last = subs[subs.length - 1]
      const code = p.group_code ?? ''
      const name = p.group_name ?? ''
      if (last && last.code === code && last.name === name) last.points.push(p)
      else subs.push({ code, name, points: [p] })
    }
    // Sub-headings help only when there are several 检查项目 with names.
    g.subgroups = subs.length > 1 && subs.some((s) => s.name) ? subs : null
  }
  return groups
}

/** pointLabel is what a point is called in messages: its 检查内容代码, else its place in the department. */
export function pointLabel(item: ChecklistItem, index: number): string {
  return item.code ? item.code : String(index + 1)
}

/**
 * derivedResult is a 事项's result from its points (issue 10): any point
 * 不符合 → 不符合; else every point answered → 符合, or 不涉及 when every point
 * is 不涉及; else null (not all answered yet).
 */
export function derivedResult(points: ChecklistItem[], answers: Answers): ItemValue | null {
  if (points.length === 0) return null
  let answered = 0
  let na = 0
  for (const p of points) {
    const a = answers[p.id]
    if (!a) continue
    if (a.value === '不符合') return '不符合'
    answered++
    if (a.value === '不涉及') na++
  }
  if (answered < points.length) return null
  return na === points.length ? '不涉及' : '符合'
}

export interface Progress {
  done: number
  total: number
  failed: ChecklistItem[]
  /** 不符合 points without a finding written. */
  missingNotes: ChecklistItem[]
}

/** progressOf counts a department's answered points, its failed points and failed points still without a note. */
export function progressOf(items: ChecklistItem[], answers: Answers): Progress {
  let done = 0
  const failed: ChecklistItem[] = []
  const missingNotes: ChecklistItem[] = []
  for (const it of items) {
    const a = answers[it.id]
    if (!a) continue
    done++
    if (a.value === '不符合') {
      failed.push(it)
      if (!a.note.trim()) missingNotes.push(it)
    }
  }
  return { done, total: items.length, failed, missingNotes }
}

/** unanswered lists the points of a group no one has answered (其余全部符合 sets these, and only these). */
export function unanswered(points: ChecklistItem[], answers: Answers): ChecklistItem[] {
  return points.filter((p) => !answers[p.id])
}

/**
 * suggestedCategories is the R9 outcome the screen proposes for the user to
 * confirm: a failed point suggests 发现问题待后续处理, otherwise 未发现问题.
 */
export function suggestedCategories(items: ChecklistItem[], answers: Answers): string[] {
  return items.some((it) => answers[it.id]?.value === '不符合') ? ['发现问题待后续处理'] : [NO_PROBLEM]
}

/** signerOf is who an inspector signature belongs to: signer_id, or the phone user for signatures made before it existed. */
export function signerOf(s: Pick<Signature, 'signer_id' | 'user_id'>): string {
  return s.signer_id || s.user_id
}

/** inspectorSignature finds a member's signature for a department, if any. */
export function inspectorSignature(signatures: Signature[], dept: string, userId: string): Signature | undefined {
  return signatures.find((s) => s.kind === 'inspector' && signerOf(s) === userId && (!s.dept || s.dept === dept))
}

export interface FinishInput {
  /** The department's name (市市场监管局), never its code or notice prefix. */
  deptName: string
  dept: string
  items: ChecklistItem[]
  answers: Answers
  /** The department's recorded R9 categories (undefined or empty: not recorded). */
  categories?: string[]
  /** The department's active team members. */
  members: TeamMember[]
  signatures: Signature[]
}

export interface Readiness {
  ready: boolean
  /** What is missing, one Chinese sentence each, naming the department by name. */
  missing: string[]
}

/**
 * finishReadiness says whether 本部门检查完毕 may be sent, with the same
 * conditions the server checks (sync/PROTOCOL.md §4, dept.finish):
 * every point answered, a finding for every 不符合, the outcome recorded and
 * every active inspector of the department signed.
 */
export function finishReadiness(f: FinishInput): Readiness {
  const missing: string[] = []
  const p = progressOf(f.items, f.answers)
  if (p.done < p.total) missing.push(`${f.deptName}还有 ${p.total - p.done} 个检查点未填写`)
  if (p.missingNotes.length) {
    const labels = p.missingNotes.map((it) => pointLabel(it, f.items.indexOf(it)))
    missing.push(`第 ${labels.join('、')} 项不符合，须写明发现的问题`)
  }
  if (!f.categories?.length) missing.push(`${f.deptName}尚未确认检查结果`)
  // The server accepts it, but a record that finds a point 不符合 and says 未发现问题 contradicts itself.
  else if (p.failed.length && f.categories.length === 1 && f.categories[0] === NO_PROBLEM)
    missing.push('有不符合的检查点，检查结果不能为“未发现问题”，请重新选择')
  const unsigned = f.members.filter((m) => !inspectorSignature(f.signatures, f.dept, m.user_id))
  if (unsigned.length) missing.push(`检查人员${unsigned.map((m) => m.name).join('、')}尚未签名`)
  return { ready: missing.length === 0, missing }
}

/**
 * The state of a department's part of a visit: finished on the server,
 * finished on this phone and waiting to be sent (待同步), under way, or not
 * started.
 */
export type DeptState = 'finished' | 'finish_pending' | 'in_progress' | 'not_started'

/** deptStateOf reads a department's state; `finish` is its dept_finishes row as the phone holds it. */
export function deptStateOf(finish: (DeptFinish & { _base?: unknown }) | undefined, progress: Pick<Progress, 'done'>): DeptState {
  if (finish) return finish._base ? 'finished' : 'finish_pending'
  return progress.done > 0 ? 'in_progress' : 'not_started'
}

/** deptStateText is the state in words, for the visit header and the section. */
export function deptStateText(state: DeptState, progress: Pick<Progress, 'done' | 'total'>): string {
  switch (state) {
    case 'finished':
      return '已检查完毕'
    case 'finish_pending':
      return '检查完毕（待同步）'
    default:
      return `${progress.done}/${progress.total}`
  }
}

export interface CompletionInput {
  status: string
  departments: { code: string; name: string; state: DeptState }[]
  /** Check-ins and entity signatures or refusals on the visit. */
  checkins: number
  entitySigned: boolean
  /** Photos and signature images of this visit still on the phone only. */
  photosWaiting: number
  /** Every department finished from the web channel (paper entry): no check-in or entity signature needed. */
  paperOnly?: boolean
}

/**
 * completionWaits lists what the visit's completion still waits for, as the
 * server decides it (R10, R10a): an empty list once the visit is complete.
 * The phone only explains; it never marks the visit complete itself.
 */
export function completionWaits(c: CompletionInput): string[] {
  if (c.status === 'complete') return []
  const out: string[] = []
  const open = c.departments.filter((d) => d.state !== 'finished' && d.state !== 'finish_pending')
  if (open.length) out.push(`${open.map((d) => d.name).join('、')}尚未检查完毕`)
  const sending = c.departments.filter((d) => d.state === 'finish_pending')
  if (sending.length) out.push(`${sending.map((d) => d.name).join('、')}的“检查完毕”待同步`)
  if (!c.paperOnly) {
    if (c.checkins === 0) out.push('尚未签到')
    if (!c.entitySigned) out.push('被检查单位尚未签字（或记录拒签）')
  }
  if (c.photosWaiting > 0) out.push(`还有 ${c.photosWaiting} 张照片或签名待上传`)
  if (out.length === 0) out.push('等待服务器确认完成')
  return out
}

/** What a rejection is about: mutations with the same name and target supersede each other. */
function targetOf(e: Pick<OutboxEntry, 'name' | 'args'>): string {
  const a = e.args as Record<string, unknown>
  switch (e.name) {
    case 'item.set':
      return String(a.item_id)
    case 'outcome.set':
    case 'dept.finish':
      return String(a.dept)
    case 'signature.add':
      return a.kind === 'inspector' ? `inspector:${a.dept ?? ''}:${a.signer_id ?? ''}` : 'entity'
    case 'notice.issue':
      return `notice:${a.dept}`
    case 'notice.serve':
    case 'notice.void':
      return String(a.notice_id)
    default:
      return ''
  }
}

export interface RejectionContext {
  visitStatus: string
  /** Departments the server says are finished. */
  finishedDepts: Set<string>
  /** Entity signature or refusal present on the visit. */
  entitySigned: boolean
  /** The department of each checklist item, to tie an item.set to its department. */
  itemDept?: Record<string, string>
}

/**
 * relevantRejections keeps the rejected mutations of a visit that still
 * matter: a rejection disappears once a later mutation of the same kind and
 * target went through (or waits to be sent), once its department finished,
 * or once the visit is complete (then only notice matters remain).
 */
export function relevantRejections(entries: OutboxEntry[], ctx: RejectionContext): OutboxEntry[] {
  const rejected = entries.filter((e) => e.state === 'rejected')
  const notice = (e: OutboxEntry) => e.name.startsWith('notice.') || e.name === 'followup.record'
  return rejected.filter((r) => {
    if (ctx.visitStatus === 'complete' && !notice(r)) return false
    const t = targetOf(r)
    // Once the department finished, what was refused on its way there no longer stands in the way.
    const a = r.args as Record<string, unknown>
    const dept = r.name === 'item.set' ? (ctx.itemDept?.[String(a.item_id)] ?? '') : String(a.dept ?? '')
    if (dept && ctx.finishedDepts.has(dept) && r.name !== 'notice.issue') return false
    if (r.name === 'signature.add' && t === 'entity' && ctx.entitySigned) return false
    if (r.name === 'visit.complete' || r.name === 'visit.checkin') {
      // Superseded by any later answer from the server on the visit.
      if (entries.some((e) => e.seq > r.seq && e.name === r.name && e.state !== 'rejected')) return false
    }
    return !entries.some((e) => e.seq > r.seq && e.name === r.name && targetOf(e) === t && e.state !== 'rejected')
  })
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i
const CJK = /[\u3400-\u9fff]/

/**
 * displayReason is a server reason as the phone may show it: the server
 * writes them in Chinese; one that is not (an old server, a proxy) or that
 * carries an id is replaced by a plain sentence rather than shown raw.
 */
export function displayReason(reason: string): string {
  const r = reason.trim()
  if (!r || !CJK.test(r) || UUID.test(r)) return '服务器未接受这项操作，请联系组长或联席办核实'
  return r
}
