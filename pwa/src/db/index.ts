// The one module that owns IndexedDB (STYLE.md 11): one Dexie class with
// versioned stores. Everything else reads through the query functions of
// ./queries (inside liveQuery) and writes through the functions of this
// folder, each of which says what it does offline.
//
// Offline is the normal case: every write here is local only and completes
// without a network. Nothing in this folder calls fetch.
import Dexie, { type Table } from 'dexie'
import type {
  BlobRecord,
  Checkin,
  Conflict,
  Department,
  DeptFinish,
  Followup,
  ItemResult,
  Lease,
  Notice,
  Outcome,
  OutboxEntry,
  ParkedEntry,
  Region,
  Rejection,
  Signature,
  Synced,
  Visit,
} from './types'

export * from './types'

/** A key-value row of the meta store (client id, session, cursor, ...). */
export interface MetaRow {
  key: string
  value: unknown
}

export type Row<T> = T & Synced<T>

/** The stores whose rows come from the server and can be changed by pending mutations. */
export const SYNCED_TABLES = [
  'visits',
  'checkins',
  'results',
  'outcomes',
  'signatures',
  'notices',
  'followups',
  'conflicts',
  'leases',
  'dept_finishes',
] as const
export type SyncedTable = (typeof SYNCED_TABLES)[number]

/** The record type of each synced store. */
export interface SyncedRecords {
  visits: Visit
  checkins: Checkin
  results: ItemResult
  outcomes: Outcome
  signatures: Signature
  notices: Notice
  followups: Followup
  conflicts: Conflict
  leases: Lease
  dept_finishes: DeptFinish
}

/** ZscDB is the phone's database. Add a new version() for every schema change; never edit a landed one. */
export class ZscDB extends Dexie {
  meta!: Table<MetaRow, string>
  visits!: Table<Row<Visit>, string>
  checkins!: Table<Row<Checkin>, string>
  results!: Table<Row<ItemResult>, string>
  outcomes!: Table<Row<Outcome>, string>
  signatures!: Table<Row<Signature>, string>
  notices!: Table<Row<Notice>, string>
  followups!: Table<Row<Followup>, string>
  conflicts!: Table<Row<Conflict>, string>
  leases!: Table<Row<Lease>, string>
  dept_finishes!: Table<Row<DeptFinish>, string>
  rejections!: Table<Rejection, string>
  departments!: Table<Department, string>
  regions!: Table<Region, string>
  outbox!: Table<OutboxEntry, number>
  blobs!: Table<BlobRecord, string>
  parked!: Table<ParkedEntry, string>

  constructor(name = 'zsc') {
    super(name)
    // Version 1: the first schema. Only indexed fields are listed.
    this.version(1).stores({
      meta: '&key',
      visits: '&id, scheduled_on, task_id, status, _dirty',
      checkins: '&id, visit_id, _dirty',
      results: '&item_id, visit_id, _dirty',
      outcomes: '&id, visit_id, _dirty',
      signatures: '&id, visit_id, _dirty',
      notices: '&id, visit_id, deadline, status, _dirty',
      followups: '&id, notice_id, visit_id, _dirty',
      conflicts: '&id, visit_id, status, _dirty',
      leases: '&id, [dept+year], _dirty',
      rejections: '&mutation_id, seq',
      departments: '&code',
      regions: '&code',
      outbox: '&seq, &id, state, visit_id',
      blobs: '&sha256, uploaded, visit_id',
    })
    // Version 2 (issue 10): 本部门检查完毕, one row per visit and department, keyed visit_id:dept.
    this.version(2).stores({
      dept_finishes: '&id, visit_id, _dirty',
    })
    // Version 3 (issue 11, DESIGN §8.1): a shared phone keeps each user's
    // unsynced work. Outbox rows and images waiting for upload carry their
    // owner; another user's sign-in parks them instead of deleting them.
    // Rows already here belong to the last user who signed in.
    this.version(3)
      .stores({
        outbox: '&seq, &id, state, visit_id, owner',
        blobs: '&sha256, uploaded, visit_id, owner',
        parked: '&id, owner',
      })
      .upgrade(async (tx) => {
        const last = (await tx.table('meta').get('last_user_id'))?.value
        if (typeof last !== 'string' || !last) return
        await tx.table('outbox').toCollection().modify((e: OutboxEntry) => {
          e.owner ??= last
        })
        await tx.table('blobs').where('uploaded').equals(0).modify((b: BlobRecord) => {
          b.owner ??= last
        })
      })
    // Version 4 (issue 15, a week offline): the outbox's unanswered
    // mutations counted per state and visit from the index alone. Counting
    // them through the state index with anyOf walked a cursor over every
    // queued row (500 after a week) on each tap, for the 待同步 figures.
    // Adding an index keeps the rows; IndexedDB fills it from them.
    this.version(4).stores({
      outbox: '&seq, &id, state, visit_id, owner, [state+visit_id]',
    })
  }
}

/** db is the app's single database instance. */
export let db = new ZscDB()

/** resetDatabaseForTests drops every store and opens an empty database (tests only). */
export async function resetDatabaseForTests(): Promise<void> {
  db.close()
  await Dexie.delete('zsc')
  db = new ZscDB()
  await db.open()
}

export { liveQuery } from 'dexie'
