// The records the phone keeps. Their shapes follow the server's change data
// (sync/protocol.go and sync/PROTOCOL.md); the phone adds two bookkeeping
// fields to every synced row (see Synced below).

export type ItemValue = '符合' | '不符合' | '不涉及'
export const ITEM_VALUES: readonly ItemValue[] = ['符合', '不符合', '不涉及']

/** R9's result categories; NO_PROBLEM excludes every other one. */
export const NO_PROBLEM = '未发现问题'
export const CORRECTED = '发现问题经责令已改正'
export const OUTCOME_CATEGORIES = [
  NO_PROBLEM,
  '发现问题待后续处理',
  CORRECTED,
  '未发现开展本次抽查涉及的经营活动',
  '通过登记的住所（经营场所）无法联系',
  '不配合检查情节严重',
  '已关闭停业或正在组织清算',
  '已注销/被吊销/被撤销/迁出',
] as const

/**
 * Synced is what the phone adds to each row it gets from the server:
 * the top-level fields are what the screens show (server state with the
 * pending mutations applied on top), `_base` is the server's own copy (null
 * when the row was made on this phone and the server has not sent it yet),
 * and `_dirty` is 1 when a pending mutation changed the row since the last
 * pull. A pull resets every dirty row to its base and re-applies the pending
 * mutations (src/sync/rebase.ts).
 */
export interface Synced<T> {
  _base: T | null
  _dirty: 0 | 1
}

export interface User {
  id: string
  username: string
  name: string
  role: 'inspector' | 'lead' | 'office' | 'admin'
  dept: string
  region: string
  cert_no?: string
}

export interface Entity {
  id: string
  name: string
  uscc?: string
  address?: string
  region?: string
  contact?: string
  phone?: string
  risk?: string
}

export interface TeamMember {
  user_id: string
  name: string
  dept: string
  cert_no?: string
  active?: boolean
}

export interface ChecklistItem {
  id: string
  visit_id?: string
  dept: string
  ord: number
  /** The check point's text (检查内容), or the 事项 title when the 事项 has no template. */
  name: string
  class?: string
  /** The 抽查事项 this point belongs to (its id and title as the plan prints it). */
  catalogue_id?: string
  item_name?: string
  /** The template version the visit was drawn with; null: no template, one line for the whole 事项. */
  template?: { id: string; version: number } | null
  /** 检查项目代码 and 检查项目 (e.g. "2", "从业人员管理"). */
  group_code?: string
  group_name?: string
  /** 检查内容代码 (e.g. "2.1"). */
  code?: string
  /** 参考检查方法. */
  method?: string
  /** 重点项. */
  key?: boolean
  /** 检查依据, e.g. 《中华人民共和国食品安全法》第四十五条. */
  basis?: string
  /** 违反条款 cited on a notice when the point fails. */
  violation?: string
  /** The finding's wording on a notice (may be empty). */
  notice_text?: string
}

export interface Visit {
  id: string
  task_id: string
  task_name?: string
  plan_name?: string
  region?: string
  scheduled_on: string
  status: 'open' | 'complete' | 'replaced'
  completed_at?: string | null
  version?: number
  risk?: string
  entity: Entity
  departments: string[]
  /** The participating departments with their names and 执法主体全称, in the task's order (when the server sent them). */
  dept_info?: Department[]
  team: TeamMember[]
  checklist: ChecklistItem[]
}

export interface Checkin {
  id: string
  visit_id: string
  user_id: string
  at: string
  lat: number | null
  lng: number | null
  accuracy: number | null
  client_id?: string
  channel?: string
}

export interface ItemResult {
  item_id: string
  visit_id: string
  dept: string
  value: ItemValue
  note: string
  photos: string[]
  version: number
  user_id: string
  client_id?: string
  channel?: string
  mutation_id?: string
  updated_at: string
}

export interface Outcome {
  /** visit_id + ":" + dept, the change id. */
  id: string
  visit_id: string
  dept: string
  categories: string[]
  note: string
  version: number
  user_id: string
  updated_at: string
  client_id?: string
  channel?: string
  mutation_id?: string
}

export interface Signature {
  id: string
  visit_id: string
  kind: 'inspector' | 'entity' | 'refusal'
  signer: string
  photo: string
  witness: string
  note: string
  /** Kind inspector: the department signed for, the team member who signed (maybe the phone user's teammate) and his 执法证号. */
  dept?: string
  signer_id?: string
  cert_no?: string
  /** Kind entity: the signer's capacity (负责人 / 法定代表人 / 委托人), phone, and "以上情况属实" confirmed. */
  role?: string
  phone?: string
  confirmed?: boolean
  user_id: string
  at: string
  client_id?: string
  channel?: string
}

/** One department's 本部门检查完毕 on a visit (R10a). `id` is visit_id:dept, the change id. */
export interface DeptFinish {
  id: string
  visit_id: string
  dept: string
  user_id: string
  user_name: string
  at: string
  client_id?: string
  channel?: string
  mutation_id?: string
}

export interface Notice {
  id: string
  visit_id: string
  dept: string
  year: number
  number: number | null
  number_text: string
  provisional: string
  items: string[]
  problems: string
  legal_basis: string
  deadline: string
  issued_at: string
  user_id: string
  served_at: string | null
  served_to: string
  served_sig: string
  status: 'issued' | 'served' | 'corrected' | 'not_corrected'
  client_id?: string
  channel?: string
  /** 执法主体全称 of the issuing department (the server fills it from the visit record). */
  authority?: string
  /** The department's active team members when issued, with their 执法证号 (filled by the server). */
  inspectors?: NoticeInspector[]
  /** 整改期限 in working days; deadline is that many working days after the day of issue. */
  days?: number
  /** Set when the notice was voided (作废): the number stays used; a live notice has none. */
  voided_at?: string | null
  voided_by?: string | null
  void_reason?: string
}

/** An inspector named on a notice. */
export interface NoticeInspector {
  user_id: string
  name: string
  cert_no: string
}

export interface Followup {
  id: string
  notice_id: string
  visit_id: string
  corrected: boolean
  action: '' | '立案' | '移送'
  penalty: number
  note: string
  user_id: string
  at: string
  client_id?: string
  channel?: string
}

export interface Conflict {
  id: string
  visit_id: string
  kind: 'item_result' | 'outcome'
  target: string
  dept: string
  server_value: unknown
  server_user: string
  server_user_name?: string
  server_at: string
  server_version: number
  client_value: unknown
  client_user: string
  client_user_name?: string
  client_at: string
  mutation_id: string
  status: 'open' | 'settled'
  settled_value?: unknown
  settled_by?: string | null
  /** The lead who settled it, by name (issue 10 contract). */
  settled_by_name?: string
  settled_at?: string | null
}

/** One leased notice number (R11). `id` is dept:year:number. */
export interface Lease {
  id: string
  dept: string
  year: number
  number: number
  text: string
  expires_at: string
  /** The notice made on this phone that took the number; set locally. */
  used_by?: string | null
}

export interface Rejection {
  mutation_id: string
  seq: number
  name: string
  reason: string
  at: string
}

export interface Department {
  code: string
  name: string
  short: string
  kind?: string
  /** 执法主体全称, e.g. 庆阳市市场监督管理局. */
  authority?: string
}

export interface Region {
  code: string
  name: string
}

/** The states of an outbox entry (DESIGN §5 step 2-3). */
export type OutboxState = 'pending' | 'sending' | 'applied' | 'conflict' | 'rejected'

export type MutationName =
  | 'visit.checkin'
  | 'item.set'
  | 'outcome.set'
  | 'signature.add'
  | 'notice.issue'
  | 'notice.serve'
  | 'followup.record'
  | 'visit.complete'
  | 'conflict.settle'
  | 'dept.finish'
  | 'notice.void'

/** One mutation in the outbox. name, id, seq, at and args never change once written. */
export interface OutboxEntry {
  seq: number
  id: string
  name: MutationName
  at: string
  args: Record<string, unknown>
  state: OutboxState
  reason: string
  attempts: number
  last_error: string
  sent_at: string | null
  settled_at: string | null
  /** Which visit the mutation acts on, for per-visit pending badges. */
  visit_id: string
  /**
   * The user id of whoever made it (DESIGN §8.1): on a shared phone each
   * user's work waits for that user, and is pushed only under their session.
   * Absent on rows written before version 3 of the database.
   */
  owner?: string
}

/**
 * A mutation of a user who is not signed in, set aside (parked) while
 * another user works on this phone, with the client it belongs to; it goes
 * back into the outbox when its owner signs in again (src/db/owners.ts).
 */
export interface ParkedEntry extends OutboxEntry {
  owner: string
  client_id: string
}

/** A photo or signature image, content-addressed (DESIGN §5 step 6). */
export interface BlobRecord {
  sha256: string
  blob: Blob
  type: string
  size: number
  /** 1 once the server holds the whole file. */
  uploaded: 0 | 1
  /** Bytes the server confirmed so far, to resume from. */
  received: number
  created_at: string
  visit_id: string
  /** The user whose mutation named it (photos waiting for upload): uploaded only under their session. */
  owner?: string
}

/** The session: tokens and the signed-in user, kept so the app opens offline. */
export interface Session {
  access_token: string
  access_expires_at: number
  refresh_token: string
  refresh_expires_at: number
  user: User
}

/** The sync engine's last known state, shared by every tab through the db. */
export interface SyncState {
  /**
   * idle: the last run got its answers (or found no network); syncing: a run
   * is going; unreachable: the network is up but the server did not answer
   * (no connection, 5xx, timeout); error: the server answered and refused
   * (last_error says why, in Chinese).
   */
  phase: 'idle' | 'syncing' | 'error' | 'unreachable'
  /** When a run last got every answer it asked for; 已同步 is shown only after one. */
  last_ok_at: string | null
  last_error: string
  last_error_at: string | null
  /** Failed runs in a row (the backoff step, src/sync/status.ts). */
  failures?: number
  /** When the next automatic retry is due (epoch ms), or null when none is planned. */
  next_retry_at?: number | null
}
