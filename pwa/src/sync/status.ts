// The sync-status indicator's wording (STYLE.md 13): 离线 / 待同步 N 条 /
// 同步中 / 同步失败 / 已同步.
import type { SyncState } from '../db/types'

export type StatusKind = 'offline' | 'pending' | 'syncing' | 'error' | 'synced'

export interface StatusView {
  kind: StatusKind
  text: string
}

/** statusView decides what the indicator says from the network, the shared sync state and the outbox size. */
export function statusView(o: { online: boolean; state: SyncState; pending: number; syncingHere: boolean }): StatusView {
  if (!o.online) return { kind: 'offline', text: o.pending > 0 ? `离线 · 待同步 ${o.pending} 条` : '离线' }
  if (o.syncingHere || o.state.phase === 'syncing') return { kind: 'syncing', text: '同步中' }
  if (o.state.phase === 'error') return { kind: 'error', text: o.pending > 0 ? `同步失败 · ${o.pending} 条` : '同步失败' }
  if (o.pending > 0) return { kind: 'pending', text: `待同步 ${o.pending} 条` }
  return { kind: 'synced', text: '已同步' }
}
