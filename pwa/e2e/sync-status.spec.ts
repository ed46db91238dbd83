// The sync status tells the truth (issue 10, item 7; STYLE.md 16): with the
// server stopped the phone says 服务器无法连接 — never 离线, never 已同步 —
// shows when it tries again (2 s, then 5 s, …), a tap tries at once and
// says what happened; 已同步 comes back only after the restarted server
// answered. A refusal says 同步失败 with the reason in Chinese; no network
// says 离线. A phone left open pulls by itself every few minutes, so the
// lead's date change arrives untouched. Screenshots of each state.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { Api } from './api'
import { PHONE, answer, expect, openPhone, openVisit, signIn, test, waitSynced } from './fixtures'
import { DEMO_ENTITIES, ZSC_BIN, freePort, newDatabase } from './server'

/**
 * A server this file can stop and start again on the same port and
 * database, as a real outage does (the suite's shared server is removed
 * with its database when stopped).
 */
class RestartableServer {
  private proc: ChildProcess | null = null
  readonly dir = mkdtempSync(join(tmpdir(), 'zsc-e2e-sync-'))
  readonly db = newDatabase(this.dir)
  port = 0
  get url() {
    return `http://127.0.0.1:${this.port}`
  }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort()
    const args = ['serve', '--demo', '--demo-entities', DEMO_ENTITIES, ...this.db.args, '--addr', `127.0.0.1:${this.port}`]
    const proc = spawn(ZSC_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    proc.stdout!.on('data', (b: Buffer) => (out += b.toString()))
    proc.stderr!.on('data', (b: Buffer) => (out += b.toString()))
    this.proc = proc
    const deadline = Date.now() + 60_000
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`zsc exited:\n${out}`)
      try {
        if ((await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(1000) })).ok) return
      } catch {
        // not yet
      }
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error(`zsc did not answer /healthz:\n${out}`)
  }

  async stop(): Promise<void> {
    const p = this.proc
    if (!p || p.exitCode !== null || p.signalCode !== null) return
    const done = new Promise<void>((r) => p.once('exit', () => r()))
    p.kill('SIGTERM')
    await done
    this.proc = null
  }

  async remove(): Promise<void> {
    await this.stop()
    this.db.drop()
    rmSync(this.dir, { recursive: true, force: true })
  }
}

/** recordStates notes every state the indicator shows, with the time, from now on (the page keeps the list). */
async function recordStates(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __states: { at: number; state: string }[] }
    w.__states = []
    setInterval(() => {
      const s = document.querySelector('[data-testid="sync-status"]')?.getAttribute('data-state') ?? ''
      const last = w.__states[w.__states.length - 1]
      if (!last || last.state !== s) w.__states.push({ at: Date.now(), state: s })
    }, 20)
  })
}

async function states(page: Page): Promise<{ at: number; state: string }[]> {
  return page.evaluate(() => (window as unknown as { __states: { at: number; state: string }[] }).__states)
}

const status = (page: Page) => page.getByTestId('sync-status')
const detail = (page: Page) => page.getByTestId('sync-detail')
const toast = (page: Page) => page.locator('.van-toast:visible')

test('server stopped: 服务器无法连接 with a countdown and backoff; a tap retries and says so; 已同步 only after the server answers', async ({
  browser,
  shot,
}) => {
  const server = new RestartableServer()
  await server.start()
  try {
    const api = new Api(server.url)
    const me = await api.userId('insp1')
    const visits = [...(await api.planVisits(66)), ...(await api.planVisits(7))]
    const visit = visits.find((v) => v.status === 'open' && v.team.some((m) => m.user_id === me && m.active !== false))!
    expect(visit, 'insp1 has an open visit').toBeTruthy()
    const point = visit.items.filter((i) => i.dept === 'scjg').sort((a, b) => a.ord - b.ord)[0]

    const phone = await openPhone(browser, server.url, 'insp1')
    const { page } = phone
    await openVisit(page, visit.id)
    await expect(status(page)).toHaveText('已同步')

    // The server goes down; the network stays up.
    await server.stop()
    await answer(page, point.id, '符合')
    await expect(status(page)).toHaveAttribute('data-state', 'unreachable')
    await expect(status(page)).toHaveText('服务器无法连接')
    await expect(detail(page)).toContainText('服务器无法连接，待同步 1 条，已保存在本机')
    // The backoff steps up (2 s, then 5 s, then 15 s), and the wait is on screen.
    await expect(detail(page)).toHaveText(/1[0-5] 秒后重试/, { timeout: 20_000 })
    await shot(page, 'sync-unreachable.png')

    // A tap tries at once and says what happened.
    await status(page).click()
    await expect(toast(page).filter({ hasText: '服务器无法连接' })).toContainText(/1 条记录已保存在本机，(\d+ 秒|1 分钟)后重试/)
    await expect(status(page)).toHaveText('服务器无法连接')

    // The server comes back: nothing says 已同步 until it has answered.
    await recordStates(page)
    const answers: number[] = []
    page.on('response', (r) => {
      if (r.url().includes('/api/v1/sync/') && r.ok()) answers.push(r.request().timing().startTime)
    })
    await server.start()
    const answered = page.waitForResponse((r) => r.url().includes('/api/v1/sync/pull') && r.ok(), { timeout: 30_000 })
    await page.getByTestId('sync-retry').click()
    await answered
    await expect(toast(page).filter({ hasText: '已同步' })).toHaveText('已同步，提交 1 条')
    await waitSynced(page)
    await expect(detail(page)).toHaveCount(0)
    const seen = await states(page)
    const firstAnswer = Math.min(...answers)
    expect(seen[0].state, JSON.stringify(seen)).toBe('unreachable')
    expect(seen.filter((s) => s.state === 'synced' && s.at < firstAnswer), JSON.stringify(seen)).toEqual([])
    expect(seen.map((s) => s.state)).toContain('syncing')
    expect((await api.state(visit.id)).results.find((r) => r.item_id === point.id)?.value).toBe('符合')
    await shot(page, 'sync-synced.png')

    // No network at all is 离线, not an error.
    await phone.context.setOffline(true)
    await answer(page, point.id, '不涉及')
    await expect(status(page)).toHaveText('离线 · 待同步 1 条')
    await expect(detail(page)).toHaveCount(0)
    await shot(page, 'sync-offline.png')
    await status(page).click()
    await expect(toast(page)).toContainText('当前离线，1 条记录已保存在本机，联网后自动同步')
    await phone.context.setOffline(false)
    await waitSynced(page)
    expect(phone.errors).toEqual([])
    await phone.context.close()
  } finally {
    await server.remove()
  }
})

test('a refusal says 同步失败 with its reason in Chinese, and retries', async ({ phone, shot }) => {
  const p = await phone('insp1')
  const { page } = p
  // The server refuses this client's pushes and pulls (as for a phone another user registered).
  let refused = 0
  await p.context.route('**/api/v1/sync/pull**', async (route) => {
    refused++
    await route.fulfill({
      status: 403,
      contentType: 'application/json',
      body: JSON.stringify({ code: 'forbidden', message: 'client 0190c3a2-7d1e-7c3a-9f1e-3b2a1c0d9e8f belongs to another user' }),
    })
  })
  await status(page).click()
  await expect(status(page)).toHaveAttribute('data-state', 'error')
  await expect(status(page)).toHaveText('同步失败')
  await expect(detail(page)).toContainText('同步失败（没有权限进行此操作）')
  await expect(detail(page)).toHaveText(/秒后重试/)
  await expect(toast(page)).toContainText('同步失败：没有权限进行此操作')
  await shot(page, 'sync-error.png')
  // It tries again by itself (after 2 s, then 5 s).
  const before = refused
  await expect.poll(() => refused, { timeout: 10_000 }).toBeGreaterThan(before)
  await p.context.unroute('**/api/v1/sync/pull**')
  await page.getByTestId('sync-retry').click()
  await waitSynced(page)
  expect(p.errors).toEqual([])
})

test('a phone left open pulls by itself every few minutes: the lead’s date change arrives untouched', async ({ api, browser, server }) => {
  const me = await api.userId('insp1')
  const visits = [...(await api.planVisits(66)), ...(await api.planVisits(7))]
  const visit = visits.find((v) => v.status === 'open' && v.team.some((m) => m.user_id === me && m.active !== false))!
  // The page's clock is ours, so that three minutes pass in a moment.
  const context = await browser.newContext({ ...PHONE, baseURL: server.url })
  const page = await context.newPage()
  await page.clock.install()
  await signIn(page, 'insp1')
  const card = page.locator(`[data-testid="visit-card"][data-visit-id="${visit.id}"]`)
  await expect(card).toBeVisible()

  // The lead moves the visit to a day 30 days from now (China time).
  const moved = new Date(Date.now() + 30 * 86400_000 + 8 * 3600_000)
  const day = moved.toISOString().slice(0, 10)
  const title = `${moved.getUTCFullYear()}年${moved.getUTCMonth() + 1}月${moved.getUTCDate()}日`
  await api.json('office', 'PATCH', `/visits/${visit.id}`, { scheduled_on: day, reason: '端到端测试：组长调整检查日期' })
  // Nothing is sent and nobody taps: the periodic pull brings the change.
  const pulled = page.waitForResponse((r) => r.url().includes('/api/v1/sync/pull') && r.ok())
  await page.clock.fastForward('03:05')
  await pulled
  await expect(page.locator('section', { has: card }).locator('.section-title')).toContainText(title)
  await context.close()
})
