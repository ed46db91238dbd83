// A week offline (issue 15 item 3, R7): insp1, on the phone profile, with no
// network, queues 500 changes over 30 visits of 12+ check points each, 50 of
// them with a photo, and reloads the app offline after every 100 changes; the
// screens are timed on a 4× slowed CPU with the week's data in IndexedDB;
// then the phone reconnects on the throttled link (1.6 Mbps down / 750 kbps
// up / 150 ms RTT, CPU ×4) and syncs. Nothing may be lost (the server holds
// every result, note, photo and check-in), the outbox drains, and the
// IndexedDB size is printed as a table for the README.
//
//   ZSC_BIN=… npx playwright test e2e/week-offline.spec.ts --workers=1
//
// The demo gives insp1 6 visits; the office draws second batches of plans 7
// and 8 in 西峰区 through the API and puts insp1 on the teams (an office swap),
// which gives 30 visits of 15–22 市市场监管局 check points.
//
// The 500 changes, each one mutation in the outbox (nothing is merged):
//   30 check-ins + 370 check points answered (12 per visit, 13 on ten of
//   them; 50 are 不符合) + 50 notes on the 不符合 points + 50 photos = 500.
// Entering them through the UI on the 4× CPU would take most of the budget:
// the first 28 visits are entered unthrottled; the last two, the screen
// timings and the sync run with the CPU slowed 4×. Each screen change is
// timed 7 times (the last two visits, then REVISITS visits answered
// earlier opened and left again) and reported as median and spread.
import type { CDPSession, Page } from '@playwright/test'
import { expect, item, signIn, test, waitSynced } from './fixtures'
import type { Api, Visit } from './api'
import { photoFile } from './images'

const VISITS = 30
const CHANGES = 500
const PHOTOS = 50
const MIN_POINTS = 12
const DEPT = 'scjg'
// The link of the phone profile, as scripts/measure.mjs sets it.
const MOBILE_NET = { offline: false, latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (750 * 1024) / 8 }
const OFFLINE = { offline: true, latency: 0, downloadThroughput: -1, uploadThroughput: -1 }
const CPU_SLOWDOWN = 4
/** The budget of one screen, tap to interactive, on the slowed CPU. */
const SCREEN_BUDGET_MS = 100

// Playwright's trace snapshots the page's DOM after each action; inside the
// timed screen changes that cost 7–24 ms a change at CPU ×4, the harness's
// time, not the app's. A failure here still says where it failed.
test.use({ trace: 'off' })
/** Visits answered earlier that are opened again on the slowed CPU, for more taps per screen. */
const REVISITS = 5

interface PlannedVisit {
  visit: Visit
  /** the check points answered, in order */
  points: { id: string; fail: boolean; note: string; photoSeed: number }[]
}

/**
 * weekOfVisits gives insp1 VISITS open visits of 12+ 市市场监管局 check
 * points: the demo's in 西峰区 (plans 7, 8, 66) and second batches of plans
 * 7 and 8 drawn by the office now, with insp1 swapped onto each team.
 */
async function weekOfVisits(api: Api): Promise<Visit[]> {
  const tasks = await api.json<{ id: string; plan_id: string; plan_seq: number; region: string }[]>('office', 'GET', '/tasks')
  for (const seq of [7, 8]) {
    const first = tasks.find((t) => t.plan_seq === seq && t.region === '621002')
    expect(first, `the demo has a task of plan ${seq} in 西峰区`).toBeTruthy()
    const t = await api.json<{ id: string }>('office', 'POST', '/tasks', { plan_id: first!.plan_id, region: '621002', batch: 2 })
    await api.json('office', 'POST', `/tasks/${t.id}/draw`)
  }
  const all = await api.json<{ id: string; plan_seq: number; region: string; batch: number }[]>('office', 'GET', '/tasks')
  const candidates: Visit[] = []
  for (const t of all.filter((x) => x.region === '621002').sort((a, b) => a.plan_seq - b.plan_seq || a.batch - b.batch)) {
    for (const v of await api.json<Visit[]>('office', 'GET', `/visits?task=${t.id}`)) {
      if (v.status === 'open' && v.items.filter((i) => i.dept === DEPT).length >= MIN_POINTS) candidates.push(v)
    }
  }
  expect(candidates.length, 'enough open visits of 12+ 市市场监管局 check points').toBeGreaterThanOrEqual(VISITS)
  const out: Visit[] = []
  for (const v of candidates.slice(0, VISITS)) out.push(await api.ensureMember(v, 'insp1'))
  return out
}

/** plan spreads the 500 changes over the visits (see the header). */
function plan(visits: Visit[]): PlannedVisit[] {
  let failsLeft = PHOTOS
  let seed = 1000
  const planned = visits.map((visit, i) => {
    const points = visit.items.filter((it) => it.dept === DEPT).sort((a, b) => a.ord - b.ord)
    const answered = MIN_POINTS + (i % 3 === 0 ? 1 : 0)
    // Two 不符合 points on the first 20 visits, one on the last 10.
    const fails = Math.min(failsLeft, i < 20 ? 2 : 1)
    failsLeft -= fails
    const failAt = new Set(fails === 2 ? [1, 6] : fails === 1 ? [3] : [])
    return {
      visit,
      points: points.slice(0, answered).map((p, k) => ({
        id: p.id,
        fail: failAt.has(k),
        note: failAt.has(k) ? `第${i + 1}户第${k + 1}项：现场发现问题，已拍照留证` : '',
        photoSeed: failAt.has(k) ? ++seed : 0,
      })),
    }
  })
  const total = planned.reduce((n, v) => n + 1 + v.points.length + 2 * v.points.filter((p) => p.fail).length, 0)
  expect(total, 'the plan makes exactly 500 changes').toBe(CHANGES)
  expect(planned.flatMap((v) => v.points).filter((p) => p.photoSeed).length).toBe(PHOTOS)
  return planned
}

/** changesOf counts one visit's mutations: the check-in, each answer, and a note and a photo per 不符合. */
const changesOf = (v: PlannedVisit) => 1 + v.points.length + 2 * v.points.filter((p) => p.fail).length

async function expectQueued(page: Page, n: number) {
  await expect(page.getByTestId('sync-status')).toHaveText(`离线 · 待同步 ${n} 条`)
}

/**
 * timeTap taps `tap` in the page and returns the milliseconds until the next
 * screen is interactive. "Interactive" here: the screen's content (`ready`,
 * at least `count` of them) is in the DOM with a non-empty box, a frame has
 * been produced after it, and a task posted after that frame has run, so the
 * main thread is free to answer the next tap. Measured inside the page with
 * performance.now(), so the test runner's round trips are not counted.
 */
async function timeTap(page: Page, tap: string, ready: string, count = 1, mark = false): Promise<number> {
  return page.evaluate(
    async ({ tap, ready, count, mark }) => {
      // With a profile being taken, a millisecond of named busy work on each
      // side of the timed span marks it in the samples (outside the span).
      const spin = () => {
        const end = performance.now() + 1
        while (performance.now() < end);
      }
      if (mark)
        (function zscTapStart() {
          spin()
        })()
      const target = document.querySelector<HTMLElement>(tap)
      if (!target) throw new Error(`nothing to tap at ${tap}`)
      const shown = () => {
        const els = document.querySelectorAll(ready)
        if (els.length < count) return false
        const r = els[0].getBoundingClientRect()
        return r.width > 0 && r.height > 0
      }
      const t0 = performance.now()
      target.click()
      await new Promise<void>((resolve) => {
        if (shown()) return resolve()
        const mo = new MutationObserver(() => {
          if (shown()) {
            mo.disconnect()
            resolve()
          }
        })
        mo.observe(document.body, { childList: true, subtree: true, attributes: true })
      })
      await new Promise<void>((resolve) =>
        requestAnimationFrame(() => {
          const ch = new MessageChannel()
          ch.port1.onmessage = () => resolve()
          ch.port2.postMessage(null)
        }),
      )
      const ms = performance.now() - t0
      if (mark)
        (function zscTapEnd() {
          spin()
        })()
      return ms
    },
    { tap, ready, count, mark },
  )
}

/**
 * passAll taps 符合 on each point in turn, inside the page, each once the
 * previous one shows its answer: the same buttons and handlers as a finger,
 * without a round trip to the test runner per tap (the unthrottled entry).
 */
async function passAll(page: Page, ids: string[]): Promise<void> {
  if (ids.length === 0) return
  await page.evaluate(async (ids) => {
    for (const id of ids) {
      const button = document.querySelector<HTMLElement>(`[data-testid="item-${id}-pass"]`)
      if (!button) throw new Error(`no 符合 button for ${id}`)
      button.click()
      const deadline = performance.now() + 10_000
      while (document.querySelector(`[data-testid="checklist-item"][data-item="${id}"]`)?.getAttribute('data-value') !== '符合') {
        if (performance.now() > deadline) throw new Error(`${id} does not show 符合`)
        await new Promise((r) => setTimeout(r, 5))
      }
    }
  }, ids)
}

interface IdbReport {
  stores: Record<string, number>
  outboxStates: Record<string, number>
  blobBytes: number
  blobsWaiting: number
  usage: number
  indexedDB: number | null
  /** the phone's own copy of insp1's results: item id → value, note, photos */
  results: Record<string, { value: string; note: string; photos: string[] }>
}

/** idbReport reads the app's IndexedDB directly (every database with an outbox) and the storage estimate. */
async function idbReport(page: Page): Promise<IdbReport> {
  return page.evaluate(async () => {
    const all = <T,>(db: IDBDatabase, store: string) =>
      new Promise<T[]>((resolve, reject) => {
        const q = db.transaction(store).objectStore(store).getAll()
        q.onsuccess = () => resolve(q.result as T[])
        q.onerror = () => reject(q.error)
      })
    const out = {
      stores: {} as Record<string, number>,
      outboxStates: {} as Record<string, number>,
      blobBytes: 0,
      blobsWaiting: 0,
      usage: 0,
      indexedDB: null as number | null,
      results: {} as Record<string, { value: string; note: string; photos: string[] }>,
    }
    for (const { name } of await indexedDB.databases()) {
      if (!name) continue
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open(name)
        r.onsuccess = () => resolve(r.result)
        r.onerror = () => reject(r.error)
      })
      try {
        if (!db.objectStoreNames.contains('outbox')) continue
        for (const s of Array.from(db.objectStoreNames)) {
          const rows = await all<Record<string, unknown>>(db, s)
          out.stores[s] = (out.stores[s] ?? 0) + rows.length
          if (s === 'outbox') for (const r of rows) out.outboxStates[String(r.state)] = (out.outboxStates[String(r.state)] ?? 0) + 1
          if (s === 'blobs')
            for (const r of rows) {
              out.blobBytes += Number(r.size ?? 0)
              if (!r.uploaded) out.blobsWaiting++
            }
          if (s === 'results')
            for (const r of rows)
              out.results[String(r.item_id)] = { value: String(r.value), note: String(r.note ?? ''), photos: [...((r.photos as string[]) ?? [])] }
        }
      } finally {
        db.close()
      }
    }
    const est = (await navigator.storage.estimate()) as StorageEstimate & { usageDetails?: { indexedDB?: number } }
    out.usage = est.usage ?? 0
    out.indexedDB = est.usageDetails?.indexedDB ?? null
    return out
  })
}

const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

// About 5–8 minutes on this shared 2-core machine: tagged @week, which
// `npm run e2e` (and so `make test`) leaves out; `make test-week` runs it
// (E2E_WEEK=1 npx playwright test e2e/week-offline.spec.ts).
test('a week offline: 500 changes, 30 visits, 50 photos, offline reloads, then a throttled sync loses nothing', { tag: '@week' }, async ({ api, phone }) => {
  test.setTimeout(600_000)
  const started = Date.now()
  const phase = (what: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${what}`)
  const me = await api.userId('insp1')
  const planned = plan(await weekOfVisits(api))

  const p = await phone('insp1', { login: false })
  const { page, context } = p
  await signIn(page, 'insp1')
  await expect(page.getByTestId('visit-card')).not.toHaveCount(0)
  for (const v of planned) await expect(page.locator(`[data-testid="visit-card"][data-visit-id="${v.visit.id}"]`)).toHaveCount(1)

  // No network for the week: the page's link is cut (the app shell comes from the service worker).
  const cdp: CDPSession = await context.newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.emulateNetworkConditions', OFFLINE)
  await expect(page.getByTestId('sync-status')).toHaveText('离线')

  let made = 0
  let reloads = 0
  const reloadOffline = async () => {
    const res = await page.reload()
    expect(res?.fromServiceWorker(), 'the offline reload is answered by the service worker').toBe(true)
    reloads++
    await expectQueued(page, made)
  }

  // WEEK_PROFILE=<dir>: a CPU profile of each timed tap, <dir>/<n> <screen>.cpuprofile (where the time goes).
  const profileDir = process.env.WEEK_PROFILE
  let profiled = 0
  // WEEK_TRACE=<dir>: a Chrome trace of each timed tap (style, layout, paint: what a CPU profile calls "(program)").
  const traceDir = process.env.WEEK_TRACE
  const timeTapOf = async (screen: string, tap: string, ready: string, count = 1): Promise<number> => {
    if (profileDir) await cdp.send('Profiler.start')
    if (traceDir) {
      const fs = await import('node:fs')
      fs.mkdirSync(traceDir, { recursive: true })
      await context.browser()!.startTracing(page, { path: `${traceDir}/${String(++profiled).padStart(2, '0')} ${screen}.json`, categories: ['devtools.timeline'] })
    }
    const ms = await timeTap(page, tap, ready, count, !!profileDir || !!traceDir)
    if (traceDir) await context.browser()!.stopTracing()
    if (profileDir) {
      const { profile } = await cdp.send('Profiler.stop')
      const fs = await import('node:fs')
      fs.mkdirSync(profileDir, { recursive: true })
      fs.writeFileSync(`${profileDir}/${String(++profiled).padStart(2, '0')} ${screen}.cpuprofile`, JSON.stringify(profile))
    }
    return ms
  }

  const enter = async (v: PlannedVisit, timed?: Record<string, number[]>) => {
    const card = `[data-testid="visit-card"][data-visit-id="${v.visit.id}"]`
    const rows = '[data-testid="section-mine"] [data-testid="checklist-item"]'
    const mine = v.visit.items.filter((i) => i.dept === DEPT).length
    // The tap is timed from a card on screen (the list may still be drawing after the URL changed).
    await expect(page.locator(card)).toBeVisible()
    if (timed) timed['我的任务 → 检查单'].push(await timeTapOf('我的任务 → 检查单', card, rows, mine))
    else await page.locator(card).click()
    await expect(page).toHaveURL(new RegExp(`/visits/${v.visit.id}$`))
    await expect(page.locator(rows)).toHaveCount(mine)

    await page.getByTestId('checkin-button').click()
    await expect(page.getByTestId('checkin-info')).toContainText('已签到')
    let passes: string[] = []
    const flush = async () => {
      if (!timed) await passAll(page, passes)
      passes = []
    }
    for (const pt of v.points) {
      const row = item(page, pt.id)
      if (!pt.fail) {
        if (!timed) {
          passes.push(pt.id)
          continue
        }
        const tap = `[data-testid="item-${pt.id}-pass"]`
        timed['检查项 符合'].push(await timeTapOf('检查项 符合', tap, `[data-testid="checklist-item"][data-item="${pt.id}"][data-value="符合"]`))
        await expect(row).toHaveAttribute('data-value', '符合')
        continue
      }
      await flush()
      await page.getByTestId(`item-${pt.id}-fail`).click()
      await expect(row).toHaveAttribute('data-value', '不符合')
      const note = page.getByTestId(`item-${pt.id}-note`).locator('textarea')
      await note.fill(pt.note)
      await note.blur()
      await expect(page.getByTestId(`item-${pt.id}-note-missing`)).toHaveCount(0)
      await page.getByTestId(`photo-input-${pt.id}`).setInputFiles(photoFile(pt.photoSeed))
      await expect(row.locator('.thumb img')).toHaveCount(1)
    }
    await flush()
    made += changesOf(v)
    await expectQueued(page, made)

    const back = '[data-testid="header-back"]'
    if (timed) timed['检查单 → 我的任务'].push(await timeTapOf('检查单 → 我的任务', back, '[data-testid="visit-card"]', VISITS))
    else await page.locator(back).click()
    await expect(page).toHaveURL(/\/tasks$/)
  }

  // The first 28 visits at full CPU speed, reloading offline after every 100 changes.
  const fast = planned.slice(0, VISITS - 2)
  for (const v of fast) {
    const before = Math.floor(made / 100)
    await enter(v)
    if (Math.floor(made / 100) > before) {
      await reloadOffline()
      phase(`${made} changes queued, reloaded offline`)
    }
  }
  const enterMs = Date.now() - started

  // The last two visits, and the screens, on the 4× slowed CPU with the week's data on the phone.
  phase('the last two visits and the screens on the 4× CPU')
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN })
  if (profileDir) {
    await cdp.send('Profiler.enable')
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 })
  }
  const timed: Record<string, number[]> = { '我的任务 → 检查单': [], '检查项 符合': [], '检查单 → 我的任务': [], '我的任务 → 我的': [], '我的 → 我的任务': [] }
  const toMeAndBack = async () => {
    timed['我的任务 → 我的'].push(await timeTapOf('我的任务 → 我的', '[data-testid="tabbar"] .van-tabbar-item:last-child', '[data-testid="me-followups"]'))
    await expect(page).toHaveURL(/\/me$/)
    timed['我的 → 我的任务'].push(await timeTapOf('我的 → 我的任务', '[data-testid="tabbar"] .van-tabbar-item:first-child', '[data-testid="visit-card"]', VISITS))
    await expect(page).toHaveURL(/\/tasks$/)
  }
  for (const v of planned.slice(VISITS - 2)) {
    await enter(v, timed)
    await toMeAndBack()
  }
  // One tap per screen is noise on a shared machine: REVISITS more rounds,
  // each opening another visit answered this week (its points drawn with
  // their answers, notes and photos), leaving it, and going to 我的 and back.
  for (const v of planned.slice(VISITS - 2 - REVISITS, VISITS - 2).reverse()) {
    const card = `[data-testid="visit-card"][data-visit-id="${v.visit.id}"]`
    const rows = '[data-testid="section-mine"] [data-testid="checklist-item"]'
    const mine = v.visit.items.filter((i) => i.dept === DEPT).length
    await expect(page.locator(card)).toBeVisible()
    timed['我的任务 → 检查单'].push(await timeTapOf('我的任务 → 检查单', card, rows, mine))
    await expect(page).toHaveURL(new RegExp(`/visits/${v.visit.id}$`))
    await expect(page.locator(rows)).toHaveCount(mine)
    await expect(item(page, v.points[0].id)).toHaveAttribute('data-value', '符合')
    timed['检查单 → 我的任务'].push(await timeTapOf('检查单 → 我的任务', '[data-testid="header-back"]', '[data-testid="visit-card"]', VISITS))
    await expect(page).toHaveURL(/\/tasks$/)
    await toMeAndBack()
  }
  expect(made).toBe(CHANGES)
  const t0 = Date.now()
  await reloadOffline()
  await expect(page.getByTestId('visit-card').first()).toBeVisible()
  const reloadMs = Date.now() - t0

  // The first visit's changes are the oldest of 500: its points still read 待同步.
  const oldest = planned[0]
  await page.locator(`[data-testid="visit-card"][data-visit-id="${oldest.visit.id}"]`).click()
  for (const pt of oldest.points) await expect(item(page, pt.id).getByText('待同步', { exact: true })).toBeVisible()
  await page.getByTestId('header-back').click()
  await expect(page).toHaveURL(/\/tasks$/)

  const before = await idbReport(page)
  expect(before.outboxStates, 'all 500 changes wait in the outbox').toEqual({ pending: CHANGES })
  expect(before.blobsWaiting, 'the 50 photos wait on the phone').toBe(PHOTOS)
  // Nothing reached the server while offline.
  const st0 = await api.state(planned[0].visit.id)
  expect(st0.results.filter((r) => r.dept === DEPT)).toEqual([])

  // Back on the throttled link (the CPU still ×4): the app syncs by itself.
  const wire = { up: 0, down: 0, requests: 0 }
  const count = async (r: import('@playwright/test').Request) => {
    const z = await r.sizes().catch(() => null)
    if (!z) return
    wire.requests++
    wire.up += z.requestHeadersSize + z.requestBodySize
    wire.down += z.responseHeadersSize + z.responseBodySize
  }
  page.on('requestfinished', count)
  phase('reconnecting on the throttled link')
  const s0 = Date.now()
  await cdp.send('Network.emulateNetworkConditions', MOBILE_NET)
  await waitSynced(page, 240_000)
  // 已同步 must mean the outbox is empty; wait for that too, so that a false
  // 已同步 shows as the outbox's states below rather than as a race.
  await expect
    .poll(async () => (await idbReport(page)).outboxStates, { timeout: 240_000, intervals: [1000] })
    .toEqual({ applied: CHANGES })
  const syncMs = Date.now() - s0
  page.off('requestfinished', count)
  // Playwright does not size a request body that is a Blob: the photos' bytes are the phone's own sizes.
  wire.up += before.blobBytes
  // The link's physical time for these bytes, as scripts/measure.mjs counts it.
  const physicalMs = (wire.up / MOBILE_NET.uploadThroughput + wire.down / MOBILE_NET.downloadThroughput) * 1000 + MOBILE_NET.latency
  const after = await idbReport(page)
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 })
  expect(after.outboxStates, 'the outbox drained: every change applied, none refused or in conflict').toEqual({ applied: CHANGES })
  expect(after.blobsWaiting, 'every photo uploaded').toBe(0)

  // Nothing lost: the server holds every answer, note and photo the phone made, and each check-in.
  let photosOnServer = 0
  for (const v of planned) {
    const st = await api.state(v.visit.id)
    const results = Object.fromEntries(st.results.map((r) => [r.item_id, r]))
    expect(st.checkins.filter((c) => c.user_id === me), `the check-in at ${v.visit.entity.name}`).toHaveLength(1)
    for (const pt of v.points) {
      const got = results[pt.id]
      const local = before.results[pt.id]
      expect(local, `the phone kept ${pt.id}`).toBeTruthy()
      expect(got, `${v.visit.entity.name} ${pt.id} on the server`).toBeTruthy()
      expect({ value: got.value, note: got.note, photos: got.photos, channel: got.channel }).toEqual({ ...local, channel: 'mobile' })
      expect(got.value).toBe(pt.fail ? '不符合' : '符合')
      expect(got.note).toBe(pt.note)
      expect(got.photos).toHaveLength(pt.fail ? 1 : 0)
      for (const sha of got.photos) {
        expect(await api.blobComplete(sha), `photo ${sha} is whole on the server`).toBe(true)
        photosOnServer++
      }
    }
    const answered = st.results.filter((r) => r.dept === DEPT)
    expect(answered.map((r) => r.item_id).sort(), 'no other point of the visit was touched').toEqual(v.points.map((pt) => pt.id).sort())
  }
  expect(photosOnServer).toBe(PHOTOS)
  await expect(page.getByTestId('sync-status')).toHaveText('已同步')

  // The report, to copy into the README.
  const rows = Object.entries(timed).map(
    ([screen, ms]) => `| ${screen} | ${ms.length} | ${median(ms).toFixed(0)} | ${Math.min(...ms).toFixed(0)}–${Math.max(...ms).toFixed(0)} |`,
  )
  const slowest = Math.max(...Object.values(timed).flat())
  console.log(
    [
      `week offline: ${CHANGES} changes, ${VISITS} visits, ${PHOTOS} photos, ${reloads} offline reloads; entry ${(enterMs / 1000).toFixed(1)} s unthrottled`,
      '',
      '| screen (CPU ×4, tap → interactive) | taps | median ms | min–max ms |',
      '|---|---|---|---|',
      ...rows,
      '',
      `offline reload with the week's data (CPU ×4): ${reloadMs} ms to the first visit card`,
      `sync on the throttled link (1.6 Mbps / 750 kbps / 150 ms, CPU ×4): ${(syncMs / 1000).toFixed(1)} s; ${wire.requests} requests, ${kb(wire.up)} up, ${kb(wire.down)} down; the link's physical time ${(physicalMs / 1000).toFixed(1)} s (${(syncMs / physicalMs).toFixed(2)}×)`,
      '',
      '| IndexedDB | before sync | after sync |',
      '|---|---|---|',
      `| storage.estimate() usage | ${kb(before.usage)} | ${kb(after.usage)} |`,
      `| of which IndexedDB | ${before.indexedDB === null ? '–' : kb(before.indexedDB)} | ${after.indexedDB === null ? '–' : kb(after.indexedDB)} |`,
      `| photos (blobs) | ${before.stores.blobs} · ${kb(before.blobBytes)} | ${after.stores.blobs} · ${kb(after.blobBytes)} |`,
      ...['outbox', 'visits', 'results', 'checkins'].map((s) => `| ${s} rows | ${before.stores[s] ?? 0} | ${after.stores[s] ?? 0} |`),
      '',
      `slowest screen ${slowest.toFixed(0)} ms; total ${((Date.now() - started) / 1000).toFixed(0)} s`,
    ].join('\n'),
  )
  // The screens' times are measured and reported against the budget, not
  // asserted: a timed assertion on a shared 2-core machine fails on the
  // neighbours' load, not on the app (README "Measured" keeps the figures).
  for (const [screen, ms] of Object.entries(timed)) {
    const m = median(ms)
    const each = ms.map((x) => x.toFixed(0)).join(' ')
    console.log(`${screen}: median ${m.toFixed(0)} ms of ${ms.length} taps (${each}), budget ${SCREEN_BUDGET_MS} ms ${m < SCREEN_BUDGET_MS ? '✅' : '❌'}`)
  }
  expect(p.errors).toEqual([])
})
