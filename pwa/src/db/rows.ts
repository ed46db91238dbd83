// RowStore: how a mutation's local effect reaches the synced stores. The sync
// module's mutators (src/sync/mutators.ts) see only this interface, so the
// same code runs when a mutation is first made and when it is re-applied on
// top of a pull (rebase), always inside one of this folder's transactions.
import { db, type Row, type SyncedRecords, type SyncedTable } from './index'

export interface RowStore {
  /** get returns the row as the screens see it now (server state + pending mutations). */
  get<K extends SyncedTable>(table: K, key: string): Promise<Row<SyncedRecords[K]> | undefined>
  /** where lists rows whose indexed field equals value ('[dept+year]' takes an array). */
  where<K extends SyncedTable>(table: K, index: string, value: unknown): Promise<Row<SyncedRecords[K]>[]>
  /** all lists every row of a store. */
  all<K extends SyncedTable>(table: K): Promise<Row<SyncedRecords[K]>[]>
  /** put writes the row's visible fields, keeps its server copy, and marks it dirty. */
  put<K extends SyncedTable>(table: K, record: SyncedRecords[K]): Promise<void>
}

function primaryKey(table: SyncedTable, record: Record<string, unknown>): string {
  return String(table === 'results' ? record.item_id : record.id)
}

/** transactionRowStore returns a RowStore over the synced stores; call it inside a transaction that spans them. */
export function transactionRowStore(): RowStore {
  return {
    async get(table, key) {
      // The cast is safe: each store holds Row<SyncedRecords[table]>.
      return (await db.table(table).get(key)) as never
    },
    async where(table, index, value) {
      return (await db.table(table).where(index).equals(value as never).toArray()) as never
    },
    async all(table) {
      return (await db.table(table).toArray()) as never
    },
    async put(table, record) {
      const t = db.table(table)
      const key = primaryKey(table, record as unknown as Record<string, unknown>)
      const existing = (await t.get(key)) as { _base?: unknown } | undefined
      await t.put({ ...record, _base: existing?._base ?? null, _dirty: 1 })
    },
  }
}
