// The sync-status indicator's words and the scheduler's timing, with a fake
// clock: 离线 / 服务器无法连接 / 同步失败（原因）/ 待同步 N 条 / 同步中 / 已同步
// only after a real answer; retries after 2 s, 5 s, 15 s, 60 s, then every
// 60 s; a phone on screen pulls every 3 minutes with nothing to send.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { SyncState } from '../src/db/types'
import { SyncScheduler, CHANGE_DEBOUNCE_MS } from '../src/sync/scheduler'
import { PERIODIC_PULL_MS, outcomeMessage, retryDelay, retryText, statusView, type RunOutcome } from '../src/sync/status'

const NOW = Date.parse('2024-06-03T02:00:00.000Z')
const idle = (p: Partial<SyncState> = {}): SyncState => ({ phase: 'idle', last_ok_at: null, last_error: '', last_error_at: null, ...p })

describe('statusView', () => {
  it('never says 已同步 before the outbox is counted', () => {
    const v = statusView({ online: true, state: { phase: 'idle', last_ok_at: '2024-06-03T02:00:00.000Z', last_error: '', last_error_at: null }, pending: null, now: NOW })
    expect(v.kind).not.toBe('synced')
    expect(v.text).not.toBe('已同步')
  })
  const view = (state: SyncState, pending = 0, online = true, now = NOW) => statusView({ online, state, pending, now })

  it('says 离线 only when the browser has no network, with the waiting count', () => {
    expect(view(idle({ last_ok_at: 'x' }), 0, false)).toMatchObject({ kind: 'offline', text: '离线', detail: '' })
    expect(view(idle({ phase: 'unreachable' }), 3, false)).toMatchObject({ kind: 'offline', text: '离线 · 待同步 3 条', count: '3' })
  })

  it('says 服务器无法连接 with the countdown to the next try, never 已同步, while the server does not answer', () => {
    const st = idle({ phase: 'unreachable', last_ok_at: '2024-06-03T01:00:00.000Z', last_error: '服务器无法连接', next_retry_at: NOW + 12_000 })
    expect(view(st, 0)).toMatchObject({
      kind: 'unreachable',
      text: '服务器无法连接',
      detail: '服务器无法连接，12 秒后重试',
      retryIn: 12_000,
    })
    expect(view(st, 2).detail).toBe('服务器无法连接，待同步 2 条，已保存在本机，12 秒后重试')
    expect(view(st, 0, true, NOW + 11_200).detail).toBe('服务器无法连接，1 秒后重试')
  })

  it('says 同步失败 with the reason in Chinese when the server refused', () => {
    const st = idle({ phase: 'error', last_error: '没有权限进行此操作', next_retry_at: NOW + 60_000 })
    expect(view(st, 1)).toMatchObject({ kind: 'error', text: '同步失败', detail: '同步失败（没有权限进行此操作），待同步 1 条，已保存在本机，1 分钟后重试' })
  })

  it('says 同步中 while a run goes, 待同步 N 条 while work waits, 已同步 only after an answer with the outbox empty', () => {
    expect(view(idle({ phase: 'syncing', next_retry_at: NOW + 5000 }), 2)).toMatchObject({ kind: 'syncing', text: '同步中', retryIn: null })
    expect(view(idle({ last_ok_at: 'x' }), 2)).toMatchObject({ kind: 'pending', text: '待同步 2 条', count: '2' })
    expect(view(idle({ last_ok_at: 'x' }), 0)).toMatchObject({ kind: 'synced', text: '已同步', detail: '' })
    expect(view(idle(), 0)).toMatchObject({ kind: 'unknown', text: '未同步' })
  })

  it('words the wait in seconds, then minutes', () => {
    expect(retryText(2000)).toBe('2 秒后重试')
    expect(retryText(14_001)).toBe('15 秒后重试')
    expect(retryText(60_000)).toBe('1 分钟后重试')
    expect(retryText(0)).toBe('即将重试')
  })
})

describe('retryDelay', () => {
  it('backs off 2 s, 5 s, 15 s, 60 s, then stays at 60 s', () => {
    expect([0, 1, 2, 3, 4, 5, 9].map(retryDelay)).toEqual([0, 2000, 5000, 15_000, 60_000, 60_000, 60_000])
  })
})

describe('outcomeMessage (what a tap on the indicator says)', () => {
  it('tells what happened, in Chinese', () => {
    expect(outcomeMessage({ kind: 'ok', sent: 0, rejected: 0, conflicts: 0 }, 0, null)).toBe('已同步，已是最新')
    expect(outcomeMessage({ kind: 'ok', sent: 3, rejected: 1, conflicts: 1 }, 0, null)).toBe('已同步，提交 3 条，1 条未被服务器接受，1 条待组长裁定')
    expect(outcomeMessage({ kind: 'unreachable', error: '服务器无法连接' }, 2, 5000)).toBe('服务器无法连接，2 条记录已保存在本机，5 秒后重试')
    expect(outcomeMessage({ kind: 'refused', error: '没有权限进行此操作' }, 0, 2000)).toBe('同步失败：没有权限进行此操作，2 秒后重试')
    expect(outcomeMessage({ kind: 'offline' }, 1, null)).toBe('当前离线，1 条记录已保存在本机，联网后自动同步')
  })
})

describe('SyncScheduler', () => {
  let outcomes: RunOutcome[]
  let runs: number[]
  let saved: { failures: number; next_retry_at: number | null }[]
  let online: boolean
  let visible: boolean
  let s: SyncScheduler

  beforeEach(() => {
    vi.useFakeTimers()
    vi.setSystemTime(NOW)
    outcomes = []
    runs = []
    saved = []
    online = true
    visible = true
    // Like the engine: every run reports its outcome to afterRun before it resolves.
    s = new SyncScheduler({
      run: async () => {
        runs.push(Date.now() - NOW)
        const o = outcomes.shift() ?? { kind: 'ok', sent: 0, rejected: 0, conflicts: 0 }
        s.afterRun(o)
        return o
      },
      online: () => online,
      visible: () => visible,
      save: (p) => saved.push(p),
    })
  })
  afterEach(() => {
    s.stop()
    vi.useRealTimers()
  })

  const down: RunOutcome = { kind: 'unreachable', error: '服务器无法连接' }

  it('retries a server that does not answer after 2 s, 5 s, 15 s, 60 s, then every 60 s, and saves when', async () => {
    outcomes = [down, down, down, down, down, down]
    await s.trigger()
    expect(saved.at(-1)).toEqual({ failures: 1, next_retry_at: NOW + 2000 })
    expect(s.retryIn()).toBe(2000)
    await vi.advanceTimersByTimeAsync(2000 + 5000 + 15_000 + 60_000 + 60_000)
    expect(runs).toEqual([0, 2000, 7000, 22_000, 82_000, 142_000])
    expect(saved.at(-1)).toEqual({ failures: 6, next_retry_at: NOW + 142_000 + 60_000 })
  })

  it('after the server answers again: no retry shown, the backoff starts over, and the periodic pull takes over', async () => {
    outcomes = [down, down]
    await s.trigger()
    await vi.advanceTimersByTimeAsync(2000)
    expect(s.failures).toBe(2)
    await vi.advanceTimersByTimeAsync(5000) // the third run answers
    expect(s.failures).toBe(0)
    expect(saved.at(-1)).toEqual({ failures: 0, next_retry_at: null })
    expect(s.retryIn()).toBeNull()
    expect(s.nextKind).toBe('periodic')
    await vi.advanceTimersByTimeAsync(PERIODIC_PULL_MS)
    expect(runs).toEqual([0, 2000, 7000, 7000 + PERIODIC_PULL_MS])
  })

  it('pulls every 3 minutes while on screen, even with nothing to send; not while hidden; at once when shown again', async () => {
    await s.trigger()
    await vi.advanceTimersByTimeAsync(PERIODIC_PULL_MS * 2)
    expect(runs).toEqual([0, PERIODIC_PULL_MS, PERIODIC_PULL_MS * 2])
    visible = false
    await vi.advanceTimersByTimeAsync(PERIODIC_PULL_MS * 3)
    expect(runs).toHaveLength(3)
    visible = true
    s.visible()
    await vi.advanceTimersByTimeAsync(0)
    expect(runs).toHaveLength(4)
  })

  it('plans nothing offline; the network coming back runs at once and starts the backoff over', async () => {
    outcomes = [down, down]
    await s.trigger()
    await vi.advanceTimersByTimeAsync(2000)
    expect(s.failures).toBe(2)
    online = false
    await vi.advanceTimersByTimeAsync(60_000 * 5)
    expect(runs).toEqual([0, 2000]) // the retry at 7 s found no network and planned nothing
    online = true
    outcomes = [down]
    s.online()
    await vi.advanceTimersByTimeAsync(0)
    expect(runs).toEqual([0, 2000, 300_000 + 2000])
    expect(s.failures).toBe(1)
    expect(s.retryIn()).toBe(2000)
  })

  it('a tap retries now instead of waiting, and a refusal backs off like no answer', async () => {
    outcomes = [down, { kind: 'refused', error: '没有权限进行此操作' }]
    await s.trigger()
    await vi.advanceTimersByTimeAsync(1000)
    await s.trigger() // the tap, 1 s before the planned retry
    expect(runs).toEqual([0, 1000])
    expect(s.failures).toBe(2)
    expect(s.retryIn()).toBe(5000)
    await vi.advanceTimersByTimeAsync(1000) // the cancelled retry does not run
    expect(runs).toEqual([0, 1000])
  })

  it('sends a burst of changes once, 800 ms after the last', async () => {
    s.changed()
    await vi.advanceTimersByTimeAsync(500)
    s.changed()
    await vi.advanceTimersByTimeAsync(CHANGE_DEBOUNCE_MS - 1)
    expect(runs).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(runs).toEqual([500 + CHANGE_DEBOUNCE_MS])
  })
})
