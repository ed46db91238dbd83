// What the sync-status indicator says, and when the next try is due
// (STYLE.md 16: offline is normal, and the status never lies). Plain
// functions with no Vue and no IndexedDB, so that tests drive them with a
// fake clock (tests/status.test.ts):
//   - 离线 only when the browser says there is no network;
//   - 服务器无法连接 when the network is up but the server gave no answer
//     (connection refused, a proxy's 5xx, a timeout);
//   - 同步失败 when the server answered and refused (the reason, in Chinese);
//   - 待同步 N 条 while work waits and nothing is wrong;
//   - 已同步 only after a run that got a real answer, with the outbox empty.
import type { SyncState } from '../db/types'

export type StatusKind = 'offline' | 'unreachable' | 'error' | 'pending' | 'syncing' | 'synced' | 'unknown'

/** The waits between failed runs: 2 s, 5 s, 15 s, 60 s, then every 60 s. */
export const RETRY_DELAYS_MS = [2_000, 5_000, 15_000, 60_000] as const

/**
 * A phone open on screen pulls this often even with nothing to send, so that
 * the lead's date change or swap arrives without anyone touching it.
 */
export const PERIODIC_PULL_MS = 3 * 60_000

/** How long one push or pull may take before the server counts as unreachable. */
export const REQUEST_TIMEOUT_MS = 30_000

/** retryDelay is the wait after `failures` failed runs in a row (0: no retry planned). */
export function retryDelay(failures: number): number {
  if (failures <= 0) return 0
  return RETRY_DELAYS_MS[Math.min(failures, RETRY_DELAYS_MS.length) - 1]
}

/** What one run of the engine came to. */
export type RunOutcome =
  /** Every request was answered: pushed `sent` mutations (of which `rejected` and `conflicts` did not apply as sent). */
  | { kind: 'ok'; sent: number; rejected: number; conflicts: number }
  /** The browser says there is no network: nothing was tried. */
  | { kind: 'offline' }
  /** The network is up but the server did not answer (no connection, 5xx, timeout). */
  | { kind: 'unreachable'; error: string }
  /** The server answered and refused (a 4xx other than the ones the engine handles itself). */
  | { kind: 'refused'; error: string }
  /** Nobody is signed in. */
  | { kind: 'signed-out' }

/** failed tells whether an outcome calls for a retry with backoff. */
export function failed(o: RunOutcome): boolean {
  return o.kind === 'unreachable' || o.kind === 'refused'
}

export interface StatusView {
  kind: StatusKind
  /** The indicator's words (the pill). */
  text: string
  /** The count shown beside the icon when the header is narrow ('' for none). */
  count: string
  /** A sentence under the header when something is wrong ('' when all is well). */
  detail: string
  /** Milliseconds until the next automatic retry, or null when none is planned. */
  retryIn: number | null
}

/** retryText says when the next try is due: "12 秒后重试", "1 分钟后重试", "正在重试". */
export function retryText(ms: number): string {
  if (ms <= 500) return '即将重试'
  const s = Math.ceil(ms / 1000)
  if (s < 60) return `${s} 秒后重试`
  return `${Math.round(s / 60)} 分钟后重试`
}

/**
 * statusView decides what the indicator says from the network, the shared
 * sync state, the outbox size and the clock.
 */
export function statusView(o: { online: boolean; state: SyncState; pending: number | null; now: number }): StatusView {
  const { state } = o
  // null: the outbox not counted yet (the screen just mounted). Never 已同步
  // on a count we do not have: the sync state may load first and say the
  // last sync went well while hundreds of changes wait.
  const pending = o.pending ?? 0
  const count = pending > 0 ? String(pending) : ''
  const waiting = pending > 0 ? `待同步 ${pending} 条，已保存在本机` : ''
  if (!o.online) {
    return { kind: 'offline', text: pending > 0 ? `离线 · 待同步 ${pending} 条` : '离线', count, detail: '', retryIn: null }
  }
  if (state.phase === 'syncing') return { kind: 'syncing', text: '同步中', count, detail: '', retryIn: null }
  const retryIn = state.next_retry_at ? Math.max(0, state.next_retry_at - o.now) : null
  const when = retryIn === null ? '' : retryText(retryIn)
  if (state.phase === 'unreachable') {
    const detail = ['服务器无法连接', waiting, when].filter(Boolean).join('，')
    return { kind: 'unreachable', text: '服务器无法连接', count, detail, retryIn }
  }
  if (state.phase === 'error') {
    const reason = state.last_error ? `同步失败（${state.last_error}）` : '同步失败'
    const detail = [reason, waiting, when].filter(Boolean).join('，')
    return { kind: 'error', text: '同步失败', count, detail, retryIn }
  }
  if (pending > 0) return { kind: 'pending', text: `待同步 ${pending} 条`, count, detail: '', retryIn: null }
  if (state.last_ok_at && o.pending !== null) return { kind: 'synced', text: '已同步', count: '', detail: '', retryIn: null }
  return { kind: 'unknown', text: '未同步', count: '', detail: '', retryIn: null }
}

/**
 * outcomeMessage is what a tap on the indicator says once its run is over
 * (a toast): what was sent, what the server refused, or why nothing went.
 * nextRetryIn is the wait the scheduler planned after a failure.
 */
export function outcomeMessage(o: RunOutcome, pending: number, nextRetryIn: number | null): string {
  const later = nextRetryIn ? `，${retryText(nextRetryIn)}` : ''
  switch (o.kind) {
    case 'ok': {
      if (pending > 0) return `已连接服务器，还有 ${pending} 条待同步`
      const parts = [o.sent > 0 ? `已同步，提交 ${o.sent} 条` : '已同步，已是最新']
      if (o.rejected > 0) parts.push(`${o.rejected} 条未被服务器接受`)
      if (o.conflicts > 0) parts.push(`${o.conflicts} 条待组长裁定`)
      return parts.join('，')
    }
    case 'offline':
      return pending > 0 ? `当前离线，${pending} 条记录已保存在本机，联网后自动同步` : '当前离线，联网后自动同步'
    case 'unreachable':
      return `服务器无法连接${pending > 0 ? `，${pending} 条记录已保存在本机` : ''}${later}`
    case 'refused':
      return `同步失败：${o.error}${later}`
    case 'signed-out':
      return '请先登录'
  }
}
