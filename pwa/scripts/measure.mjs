// Measures the PWA on Debian's Chromium against the real server and prints
// a Markdown table (run by hand, not part of `npm test`):
//   a) JS+CSS of the first load: gzip of what dist/index.html loads
//      (scripts/size.mjs) and the bytes really transferred from zsc;
//   b) cold start: from navigation to the first visit-card of 我的任务 for
//      a signed-in insp1 (session and visits in IndexedDB) with no HTTP cache
//      and no service worker, on a throttled phone (1.6 Mbps down, 750 kbps
//      up, 150 ms RTT, CPU ×4); the same with the service worker (warm);
//   c) the sync of 200 mutations (20 of them with a new photo) queued offline
//      through the UI, from reconnecting until the indicator reads 已同步,
//      over loopback and over the throttled profile;
//   d) Lighthouse 12 accessibility of 登录, 我的任务 and 检查单.
//
//   make build && cd pwa && node scripts/measure.mjs [--runs 3] [--url http://127.0.0.1:8080] [--skip b,c,d]
//   --trace DIR also writes a Chromium trace of each cold start and prints where its time went.
//   --json FILE also writes the figures as JSON (`make bench` puts them into one table with the server's).
//
// Without --url it starts ../bin/zsc serve --demo --demo-entities 3000 on a
// temporary database and a free port, and stops it at the end.
import { spawn, execFileSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, rmSync, existsSync, writeFileSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { deflateSync } from 'node:zlib'
import { chromium } from 'playwright-core'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const CHROME = process.env.CHROMIUM_PATH || process.env.CHROME_PATH || '/usr/bin/chromium'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage']
const PASSWORD = 'zsc-demo-2024'
const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'zh-CN',
  timezoneId: 'Asia/Shanghai',
  serviceWorkers: 'allow',
}
// Regular 3G-ish phone link of the brief: 1.6 Mbps down, 750 kbps up, 150 ms RTT.
const MOBILE_NET = { offline: false, latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (750 * 1024) / 8 }
const CPU_SLOWDOWN = 4

const argv = process.argv.slice(2)
const opt = (name, def) => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1] : def
}
const RUNS = Number(opt('runs', 3))
const SKIP = new Set(String(opt('skip', '')).split(',').filter(Boolean))
const log = (...a) => console.error('·', ...a)

// ---- the server -------------------------------------------------------------
function freePort() {
  return new Promise((res, rej) => {
    const s = createServer()
    s.on('error', rej)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => res(port))
    })
  })
}

async function startServer() {
  const bin = resolve(process.env.ZSC_BIN ?? join(root, '..', 'bin', 'zsc'))
  if (!existsSync(bin)) throw new Error(`${bin} not found: run make build first`)
  const dir = mkdtempSync(join(tmpdir(), 'zsc-measure-'))
  const port = await freePort()
  const proc = spawn(bin, ['serve', '--demo', '--demo-entities', '3000', '--db', join(dir, 'zsc.db'), '--addr', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  proc.stdout.on('data', (b) => (out += b))
  proc.stderr.on('data', (b) => (out += b))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline && proc.exitCode === null) {
    if (out.includes(`listening on http://127.0.0.1:${port}`)) {
      const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false)
      if (ok) break
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  if (proc.exitCode !== null || !out.includes('listening')) throw new Error(`zsc did not start:\n${out}`)
  return {
    url,
    stop: async () => {
      if (proc.exitCode === null) {
        const done = new Promise((r) => proc.once('exit', r))
        proc.kill('SIGTERM')
        await done
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

// ---- helpers ----------------------------------------------------------------
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const secs = (ms) => `${(ms / 1000).toFixed(2)} s`
const kb = (n) => `${(n / 1024).toFixed(1)} KB`

async function signIn(page, user) {
  await page.goto('/login')
  await page.getByTestId('login-username').locator('input').fill(user)
  await page.getByTestId('login-password').locator('input').fill(PASSWORD)
  await page.getByTestId('login-submit').click()
  await page.waitForURL(/\/tasks$/)
  await waitSynced(page, 60_000)
  await page.waitForFunction(() => navigator.serviceWorker?.controller?.state === 'activated', null, { timeout: 60_000 })
}

async function waitSynced(page, timeout) {
  await page.waitForFunction(
    () => {
      const el = document.querySelector('[data-testid="sync-status"]')
      return el?.getAttribute('data-state') === 'synced'
    },
    null,
    { timeout, polling: 50 },
  )
}

/** A camera-like PNG (smooth colours with grain), different for each seed. */
function photoPng(seed, w = 1600, h = 1200) {
  const crcTable = new Uint32Array(256).map((_, n) => {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    return c >>> 0
  })
  const crc32 = (buf) => {
    let c = 0xffffffff
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8)
    return (c ^ 0xffffffff) >>> 0
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(td))
    return Buffer.concat([len, td, crc])
  }
  let x32 = seed * 2654435761 + 1
  const rnd = () => {
    x32 ^= x32 << 13
    x32 ^= x32 >>> 17
    x32 ^= x32 << 5
    return (x32 >>> 0) / 4294967296
  }
  const raw = Buffer.alloc((w * 3 + 1) * h)
  for (let y = 0; y < h; y++) {
    const row = y * (w * 3 + 1)
    for (let x = 0; x < w; x++) {
      const o = row + 1 + x * 3
      const g = (rnd() - 0.5) * 24
      raw[o] = Math.max(0, Math.min(255, (x * 255) / w + g))
      raw[o + 1] = Math.max(0, Math.min(255, ((y * 255) / h + seed * 53) % 256 + g))
      raw[o + 2] = Math.max(0, Math.min(255, 128 + 100 * Math.sin((x + y + seed * 40) / 90) + g))
    }
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr[8] = 8
  ihdr[9] = 2
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 1 })), chunk('IEND', Buffer.alloc(0))])
}

// ---- a) first-load weight ---------------------------------------------------
function sizeReport() {
  const out = execFileSync(process.execPath, [join(root, 'scripts', 'size.mjs')], { encoding: 'utf8' })
  const m = /first load: (\d+) files, ([\d.]+) KB raw, ([\d.]+) KB gzip/.exec(out)
  if (!m) throw new Error(`unexpected size.mjs output:\n${out}`)
  return { files: Number(m[1]), raw: Number(m[2]), gzip: Number(m[3]) }
}

// ---- b) cold start ----------------------------------------------------------
async function throttle(page, context) {
  const cdp = await context.newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.emulateNetworkConditions', MOBILE_NET)
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN })
  return cdp
}

/** Records, in the page, when the first visit-card appears (ms since the navigation started). */
function markFirstCard() {
  const mark = () => {
    if (window.__firstCard === undefined && document.querySelector('[data-testid="visit-card"]')) window.__firstCard = performance.now()
  }
  new MutationObserver(mark).observe(document, { childList: true, subtree: true })
}

async function coldStart(browser, base) {
  // --trace DIR: a Chromium performance trace of each load (DIR/cold-N.json, DIR/warm-N.json, for DevTools)
  // and, on stderr, where the time went: the network waterfall, the app's zsc:* marks and the main thread's work.
  const traceDir = opt('trace')
  const runNo = (coldStart.runs = (coldStart.runs ?? 0) + 1)
  const traced = async (page, cdp, label, load) => {
    if (!traceDir) return load()
    const events = []
    cdp.on('Tracing.dataCollected', (e) => events.push(...e.value))
    const complete = new Promise((res) => cdp.once('Tracing.tracingComplete', res))
    await cdp.send('Tracing.start', {
      transferMode: 'ReportEvents',
      traceConfig: { includedCategories: ['devtools.timeline', 'v8.execute', 'blink.user_timing', 'loading', 'disabled-by-default-devtools.timeline', 'v8'] },
    })
    const ms = await load()
    await cdp.send('Tracing.end')
    await complete
    mkdirSync(traceDir, { recursive: true })
    writeFileSync(join(traceDir, `${label}-${runNo}.json`), JSON.stringify({ traceEvents: events }))
    const timing = await page.evaluate(() => ({
      nav: performance.getEntriesByType('navigation').map((e) => ({ name: 'document', start: e.startTime, end: e.responseEnd, size: e.transferSize, first: e.responseStart }))[0],
      resources: performance.getEntriesByType('resource').map((e) => ({ name: e.name.replace(location.origin, ''), start: e.startTime, end: e.responseEnd, size: e.transferSize })),
      marks: performance.getEntriesByType('mark').filter((m) => m.name.startsWith('zsc:')).map((m) => ({ name: m.name, at: m.startTime })),
    }))
    log(`${label} ${runNo}: first visit-card at ${ms.toFixed(0)} ms`)
    const n = timing.nav
    log(`  document: first byte ${n.first.toFixed(0)}, done ${n.end.toFixed(0)} ms (${n.size} B over the network)`)
    for (const r of timing.resources.filter((r) => r.start < ms)) log(`  ${r.start.toFixed(0).padStart(5)}–${r.end.toFixed(0).padStart(5)} ms ${String(r.size).padStart(7)} B  ${r.name}`)
    for (const m of timing.marks) log(`  mark ${m.name} at ${m.at.toFixed(0)} ms`)
    // The page's main thread: the renderer thread that parsed this document.
    const parse = events.find((e) => e.name === 'ParseHTML' && String(e.args?.beginData?.url ?? '').includes('/tasks'))
    const start = events.find((e) => e.name === 'navigationStart' && e.pid === parse?.pid)
    if (parse && start) {
      const cut = start.ts + ms * 1000
      const main = events.filter((e) => e.pid === parse.pid && e.tid === parse.tid && e.ph === 'X' && e.ts >= start.ts && e.ts < cut).sort((a, b) => a.ts - b.ts)
      const kinds = {
        script: ['EvaluateScript', 'v8.compileModule', 'v8.evaluateModule', 'FunctionCall', 'TimerFire', 'EventDispatch', 'RunMicrotasks', 'v8.compile', 'V8.ScriptCompiler', 'CompileScript', 'v8.run', 'FireAnimationFrame'],
        'parse HTML': ['ParseHTML'],
        'style, layout': ['UpdateLayoutTree', 'Layout', 'ParseAuthorStyleSheet', 'RecalculateStyles', 'PrePaint'],
        paint: ['Paint', 'PaintImage', 'Layerize', 'Commit', 'CompositeLayers'],
        gc: ['MajorGC', 'MinorGC', 'V8.GC_SCAVENGER', 'V8.GC_MARK_COMPACTOR', 'BlinkGC.AtomicPhase'],
      }
      const kindOf = new Map(Object.entries(kinds).flatMap(([k, names]) => names.map((n) => [n, k])))
      const sum = { busy: 0 }
      let taskEnd = 0
      let countedEnd = 0
      for (const e of main) {
        if (e.name === 'RunTask' && e.ts >= taskEnd) {
          sum.busy += Math.min(e.dur ?? 0, cut - e.ts)
          taskEnd = e.ts + (e.dur ?? 0)
        }
        const k = kindOf.get(e.name)
        if (k && e.ts >= countedEnd) {
          sum[k] = (sum[k] ?? 0) + Math.min(e.dur ?? 0, cut - e.ts)
          countedEnd = e.ts + (e.dur ?? 0)
        }
      }
      log(`  main thread until then: ${Object.entries(sum).map(([k, v]) => `${k} ${(v / 1000).toFixed(0)} ms`).join(', ')}`)
      const scripts = new Map()
      for (const e of main.filter((e) => e.name === 'EvaluateScript' || e.name === 'v8.compileModule' || e.name === 'v8.evaluateModule' || e.name === 'v8.compile')) {
        const url = String(e.args?.data?.url ?? e.args?.fileName ?? '').replace(base, '')
        if (url) scripts.set(url, (scripts.get(url) ?? 0) + (e.dur ?? 0))
      }
      for (const [url, d] of [...scripts].sort((a, b) => b[1] - a[1]).slice(0, 8)) log(`    ${(d / 1000).toFixed(0).padStart(5)} ms compile/evaluate ${url}`)
    }
    return ms
  }
  // Waiting through a Playwright locator injects its selector engine into the page, on the main
  // thread being timed (about 150 ms at CPU ×4, seen in the traces): ask CDP for the mark instead.
  const firstCard = async (cdp) => {
    const deadline = Date.now() + 120_000
    for (;;) {
      const { result } = await cdp.send('Runtime.evaluate', { expression: 'window.__firstCard', returnByValue: true })
      if (typeof result.value === 'number') return result.value
      if (Date.now() > deadline) throw new Error('no visit-card within 120 s')
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  const context = await browser.newContext({ ...PHONE, baseURL: base })
  const setup = await context.newPage()
  await signIn(setup, 'insp1')
  // Cold: no service worker, no Cache Storage, no HTTP cache. IndexedDB (the session, the visits) stays.
  await setup.evaluate(async () => {
    for (const r of await navigator.serviceWorker.getRegistrations()) await r.unregister()
    for (const k of await caches.keys()) await caches.delete(k)
  })
  await setup.close()
  const page = await context.newPage()
  await page.addInitScript(markFirstCard)
  const cdp = await throttle(page, context)
  await cdp.send('Network.clearBrowserCache')
  const types = new Map()
  let js = 0
  let css = 0
  let all = 0
  cdp.on('Network.responseReceived', (e) => types.set(e.requestId, e.type))
  cdp.on('Network.loadingFinished', (e) => {
    all += e.encodedDataLength
    if (types.get(e.requestId) === 'Script') js += e.encodedDataLength
    if (types.get(e.requestId) === 'Stylesheet') css += e.encodedDataLength
  })
  const cold = await traced(page, cdp, 'cold', async () => {
    await page.goto('/tasks', { waitUntil: 'commit' })
    return firstCard(cdp)
  })
  const transfer = { js, css, all }
  // Warm: the service worker installed by that load answers from its precache.
  await page.waitForFunction(() => navigator.serviceWorker?.controller?.state === 'activated', null, { timeout: 120_000 })
  await page.close()
  const again = await context.newPage()
  await again.addInitScript(markFirstCard)
  const againCdp = await throttle(again, context)
  const warm = await traced(again, againCdp, 'warm', async () => {
    await again.goto('/tasks', { waitUntil: 'commit' })
    return firstCard(againCdp)
  })
  await context.close()
  return { cold, warm, transfer }
}

// ---- c) sync of 200 queued mutations with 20 photos --------------------------
/**
 * byteCounter is a TCP relay in front of the server that counts what crosses
 * it each way (request and answer bytes with their headers, as on the wire,
 * compressed where compressed): the bytes the link would carry.
 */
async function byteCounter(base) {
  const target = new URL(base)
  const count = { up: 0, down: 0, requests: 0, routes: {} }
  const socks = new Set()
  const srv = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname)
    socks.add(client).add(upstream)
    client.on('data', (b) => {
      count.up += b.length
      // Each HTTP/1.1 request line on the connection is one round trip's request.
      const lines = b.toString('latin1').match(/^(GET|POST|PUT|HEAD|DELETE|PATCH|OPTIONS) \/[^ ?]*/gm) ?? []
      count.requests += lines.length
      // Which requests, by route (a sha256 or an id as :id): where the round trips go.
      for (const l of lines) {
        const k = l.replace(/[0-9a-f]{64}|[0-9a-f-]{36}/g, ':id')
        count.routes[k] = (count.routes[k] ?? 0) + 1
      }
    })
    upstream.on('data', (b) => (count.down += b.length))
    client.pipe(upstream)
    upstream.pipe(client)
    const close = () => {
      client.destroy()
      upstream.destroy()
      socks.delete(client)
      socks.delete(upstream)
    }
    client.on('error', close).on('close', close)
    upstream.on('error', close).on('close', close)
  })
  await new Promise((res) => srv.listen(0, '127.0.0.1', res))
  return {
    url: `http://127.0.0.1:${srv.address().port}`,
    count,
    reset: () => Object.assign(count, { up: 0, down: 0, requests: 0, routes: {} }),
    snapshot: () => ({ ...count, routes: { ...count.routes } }),
    close: () => {
      for (const s of socks) s.destroy()
      return new Promise((res) => srv.close(res))
    },
  }
}

async function queuedSync(browser, base, profile) {
  const relay = await byteCounter(base)
  try {
    return await queuedSyncVia(browser, relay, profile)
  } finally {
    await relay.close()
  }
}

async function queuedSyncVia(browser, relay, profile) {
  const context = await browser.newContext({ ...PHONE, baseURL: relay.url })
  const page = await context.newPage()
  page.on('console', (m) => m.type() === 'error' && log('console:', m.text()))
  page.on('pageerror', (e) => log('pageerror:', e.message))
  await signIn(page, 'insp1')
  const cdp = await context.newCDPSession(page)
  await cdp.send('Network.enable')
  const ids = await page.getByTestId('visit-card').evaluateAll((els) => els.map((e) => e.getAttribute('data-visit-id')))
  await cdp.send('Network.emulateNetworkConditions', { offline: true, latency: 0, downloadThroughput: -1, uploadThroughput: -1 })
  await page.waitForFunction(() => !navigator.onLine)

  // Photos new to the server on every run (their sha256 differs).
  const seedBase = Math.floor(Math.random() * 1e6) * 1000
  const TOTAL = 200
  const PHOTOS = 20
  let made = 0
  const tapped = new Map()
  const photoEvery = Math.floor(TOTAL / PHOTOS)
  // Round-robin over insp1's visits: open one, tap its 市市场监管局 items, go to the next.
  for (let round = 0; made < TOTAL; round++) {
    const id = ids[round % ids.length]
    await page.goto(`/visits/${id}`)
    const items = page.getByTestId('section-mine').getByTestId('checklist-item')
    await items.first().waitFor()
    const itemIds = await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-item')))
    for (const it of itemIds) {
      for (let k = 0; k < 10 && made < TOTAL; k++) {
        const row = page.locator(`[data-testid="checklist-item"][data-item="${it}"]`)
        if (made % photoEvery === photoEvery - 1 && tapped.has(it)) {
          const before = await row.locator('.thumb').count()
          await page.getByTestId(`photo-input-${it}`).setInputFiles({ name: `p${made}.png`, mimeType: 'image/png', buffer: photoPng(seedBase + made + 1) })
          await row.locator('.thumb').nth(before).waitFor().catch(async (err) => {
            await page.screenshot({ path: '/tmp/measure-fail.png' })
            log('toast:', await page.locator('.van-toast').allInnerTexts(), 'thumbs', await row.locator('.thumb').count(), 'made', made)
            throw err
          })
        } else {
          // The value to tap comes from what this run did, not from the screen (which may still be loading):
          // first 不涉及 (never used otherwise, so it is a change), then 符合 and 不符合 in turn.
          const prev = tapped.get(it)
          const next = prev === undefined ? '不涉及' : prev === '符合' ? '不符合' : '符合'
          tapped.set(it, next)
          await page.getByTestId(`item-${it}-${{ 符合: 'pass', 不符合: 'fail', 不涉及: 'na' }[next]}`).click()
          await page.waitForFunction(([sel, v]) => document.querySelector(sel)?.getAttribute('data-value') === v, [`[data-testid="checklist-item"][data-item="${it}"]`, next])
        }
        made++
        // Every tap is one more mutation in the outbox.
        await page
          .waitForFunction((n) => document.querySelector('[data-testid="sync-status"]')?.textContent?.includes(`待同步 ${n} 条`), made, { timeout: 30_000 })
          .catch(async (err) => {
            log('after action', made, 'status', await page.getByTestId('sync-status').innerText(), 'item', it, 'k', k)
            await page.screenshot({ path: '/tmp/measure-fail.png' })
            throw err
          })
      }
    }
  }
  await page
    .waitForFunction((n) => document.querySelector('[data-testid="sync-status"]')?.textContent?.includes(`待同步 ${n} 条`), TOTAL)
    .catch(async (err) => {
      log('status:', await page.getByTestId('sync-status').innerText(), 'made', made)
      log(
        'outbox:',
        await page.evaluate(async () => {
          const out = {}
          for (const { name } of await indexedDB.databases()) {
            const db = await new Promise((res) => {
              const r = indexedDB.open(name)
              r.onsuccess = () => res(r.result)
            })
            if (!db.objectStoreNames.contains('outbox')) continue
            const rows = await new Promise((res) => {
              const q = db.transaction('outbox').objectStore('outbox').getAll()
              q.onsuccess = () => res(q.result)
            })
            for (const r of rows) out[`${r.state}:${r.name}`] = (out[`${r.state}:${r.name}`] ?? 0) + 1
            out.seqs = `${rows[0]?.seq}..${rows.at(-1)?.seq} (${rows.length})`
            out.rejected = rows.filter((r) => r.state !== 'pending').map((r) => [r.seq, r.state, r.reason, r.last_error])
          }
          return JSON.stringify(out)
        }),
      )
      await page.screenshot({ path: '/tmp/measure-fail.png' })
      throw err
    })
  const photoBytes = await page.evaluate(async () => {
    const names = (await indexedDB.databases()).map((d) => d.name)
    let total = 0
    let count = 0
    for (const name of names) {
      const db = await new Promise((res, rej) => {
        const r = indexedDB.open(name)
        r.onsuccess = () => res(r.result)
        r.onerror = () => rej(r.error)
      })
      if (!db.objectStoreNames.contains('blobs')) continue
      const rows = await new Promise((res) => {
        const q = db.transaction('blobs').objectStore('blobs').getAll()
        q.onsuccess = () => res(q.result)
      })
      for (const r of rows) if (!r.uploaded) (total += r.size), count++
      db.close()
    }
    return { total, count }
  })
  // Wait on 我的任务 (opened offline from the service worker), not on a
  // checklist: the visits carry the photos of the runs before this one, and
  // a checklist on screen fetches those at once (another phone's photos,
  // not this day's sync: 5.8 MB down per earlier run).
  await page.goto('/tasks')
  await page.getByTestId('visit-card').first().waitFor()
  if (profile === 'mobile') await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN })
  // Settle: nothing of the offline work is on the wire before the reconnect.
  await new Promise((r) => setTimeout(r, 500))
  relay.reset()
  // A photo fetched back from the server while syncing is bytes down the
  // sync did not need: say when and from where.
  const gets = []
  cdp.on('Network.requestWillBeSent', (e) => {
    if (e.request.method === 'GET' && e.request.url.includes('/api/v1/blobs/')) {
      gets.push({ at: Date.now() - t0, by: e.initiator?.stack?.callFrames?.slice(0, 4).map((f) => `${f.functionName}@${f.url.split('/').pop()}:${f.lineNumber}`).join(' < ') ?? e.initiator?.type })
    }
  })
  const t0 = Date.now()
  await cdp.send('Network.emulateNetworkConditions', profile === 'mobile' ? MOBILE_NET : { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 })
  await waitSynced(page, 600_000)
  const ms = Date.now() - t0
  const bytes = relay.snapshot()
  await context.close()
  // The link's physical time: the bytes up at the uplink's rate plus the
  // bytes down at the downlink's rate (counted one after the other, not
  // overlapped: a push's answer follows its request), plus one RTT for the
  // last answer to come back. Only the throttled profile has a link.
  const physical =
    profile === 'mobile' ? (bytes.up / MOBILE_NET.uploadThroughput + bytes.down / MOBILE_NET.downloadThroughput) * 1000 + MOBILE_NET.latency : null
  log(`sync ${profile} requests:`, JSON.stringify(bytes.routes))
  if (gets.length) log(`sync ${profile}: ${gets.length} photos fetched back, first at ${secs(gets[0].at)} by ${gets[0].by}`)
  return { ms, photos: photoBytes, mutations: TOTAL, up: bytes.up, down: bytes.down, requests: bytes.requests, physical }
}

// ---- d) Lighthouse accessibility ---------------------------------------------
async function accessibility(base) {
  const { default: lighthouse } = await import('lighthouse')
  const chromeLauncher = await import('chrome-launcher')
  const flags = {
    output: 'json',
    logLevel: 'error',
    onlyCategories: ['accessibility'],
    formFactor: 'mobile',
    screenEmulation: { mobile: true, width: 390, height: 844, deviceScaleFactor: 2, disabled: false },
    throttlingMethod: 'provided',
  }
  const audit = async (url, port, keepStorage) => {
    const r = await lighthouse(url, { ...flags, port, disableStorageReset: keepStorage })
    const lhr = r.lhr
    const failed = Object.values(lhr.audits)
      .filter((a) => a.score === 0 && lhr.categories.accessibility.auditRefs.some((ref) => ref.id === a.id && ref.weight > 0))
      .map((a) => a.id)
    // What fails, once per kind of element (stderr): enough to find the CSS to change.
    for (const id of failed) {
      const seen = new Map()
      for (const item of lhr.audits[id].details?.items ?? []) {
        const key = `${item.node?.snippet?.replace(/ data-v-[0-9a-f]+=""/g, '').replace(/>.*$/, '>') ?? ''} ${item.node?.explanation?.split('\n')[1]?.trim() ?? ''}`
        seen.set(key, (seen.get(key) ?? 0) + 1)
      }
      for (const [key, n] of seen) log(`${new URL(lhr.finalDisplayedUrl).pathname} ${id} ×${n}: ${key}`)
    }
    return { score: Math.round(lhr.categories.accessibility.score * 100), failed, finalUrl: lhr.finalDisplayedUrl }
  }
  const out = {}
  // 登录: a clean browser, as the CLI does it.
  const chrome = await chromeLauncher.launch({ chromePath: CHROME, chromeFlags: ARGS })
  try {
    out.login = await audit(`${base}/login`, chrome.port, false)
  } finally {
    await chrome.kill()
  }
  // 我的任务 and 检查单: signed in first, in the same profile; Lighthouse keeps the storage.
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'zsc-lh-'))
  const context = await chromium.launchPersistentContext(dir, { executablePath: CHROME, args: [...ARGS, `--remote-debugging-port=${port}`], ...PHONE, baseURL: base })
  try {
    const page = context.pages()[0] ?? (await context.newPage())
    await signIn(page, 'insp1')
    const visit = await page.getByTestId('visit-card').first().getAttribute('data-visit-id')
    out.tasks = await audit(`${base}/tasks`, port, true)
    out.checklist = await audit(`${base}/visits/${visit}`, port, true)
  } finally {
    await context.close()
    rmSync(dir, { recursive: true, force: true })
  }
  return out
}

// ---- main -------------------------------------------------------------------
const server = opt('url') ? { url: opt('url'), stop: async () => undefined } : await startServer()
const rows = []
// The figures behind the rows, for --json (times in ms, sizes in bytes unless named KB).
const figures = { command: `node scripts/measure.mjs ${argv.join(' ')}`.trim(), runs: RUNS, skip: [...SKIP] }
try {
  const size = sizeReport()
  log(`size: ${size.gzip} KB gzip`)
  figures.size = { files: size.files, raw_kb: size.raw, gzip_kb: size.gzip }
  const browser = await chromium.launch({ executablePath: CHROME, args: ARGS })
  try {
    if (!SKIP.has('b')) {
      const runs = []
      for (let i = 0; i < RUNS; i++) {
        runs.push(await coldStart(browser, server.url))
        log(`cold start run ${i + 1}: cold ${secs(runs.at(-1).cold)}, warm ${secs(runs.at(-1).warm)}`)
      }
      const t = runs[0].transfer
      figures.coldStart = {
        cold: { median_ms: median(runs.map((r) => r.cold)), runs_ms: runs.map((r) => r.cold) },
        warm: { median_ms: median(runs.map((r) => r.warm)), runs_ms: runs.map((r) => r.warm) },
        transfer: t,
      }
      rows.push(['a) JS+CSS first load, gzip (dist, `scripts/size.mjs`)', `${size.gzip} KB (${size.files} files, ${size.raw} KB raw)`, 'budget 200 KB'])
      rows.push(['a) JS+CSS transferred on a cold load (from zsc)', `${kb(t.js + t.css)} (JS ${kb(t.js)}, CSS ${kb(t.css)}); all requests ${kb(t.all)}`, 'incl. headers; CDP encodedDataLength'])
      rows.push([`b) cold start to first visit-card, no cache, no SW (median of ${RUNS})`, secs(median(runs.map((r) => r.cold))), `runs: ${runs.map((r) => secs(r.cold)).join(', ')}`])
      rows.push([`b) warm start to first visit-card, SW precache (median of ${RUNS})`, secs(median(runs.map((r) => r.warm))), `runs: ${runs.map((r) => secs(r.warm)).join(', ')}`])
    } else {
      rows.push(['a) JS+CSS first load, gzip (dist, `scripts/size.mjs`)', `${size.gzip} KB (${size.files} files, ${size.raw} KB raw)`, 'budget 200 KB'])
    }
    if (!SKIP.has('c')) {
      const loop = await queuedSync(browser, server.url, 'loopback')
      log(`sync loopback: ${secs(loop.ms)}, ${kb(loop.up)} up, ${kb(loop.down)} down, ${loop.requests} requests`)
      figures.syncLoopback = loop
      rows.push([
        `c) sync of ${loop.mutations} queued mutations with ${loop.photos.count} photos, loopback, no throttling`,
        secs(loop.ms),
        `photos ${kb(loop.photos.total)} in all; ${kb(loop.up)} up, ${kb(loop.down)} down, ${loop.requests} requests; from reconnect to 已同步`,
      ])
      const runs = []
      for (let i = 0; i < RUNS; i++) {
        const r = await queuedSync(browser, server.url, 'mobile')
        runs.push(r)
        log(`sync mobile run ${i + 1}: ${secs(r.ms)}, ${kb(r.up)} up, ${kb(r.down)} down, ${r.requests} requests, physical ${secs(r.physical)}, ${(r.ms / r.physical).toFixed(2)}×`)
      }
      const mid = runs.find((r) => r.ms === median(runs.map((x) => x.ms))) ?? runs[0]
      figures.syncMobile = { median: { ...mid, ratio: mid.ms / mid.physical }, runs: runs.map((r) => ({ ...r, ratio: r.ms / r.physical })) }
      rows.push([
        `c) sync of ${mid.mutations} queued mutations with ${mid.photos.count} photos, throttled profile (median of ${RUNS})`,
        `${secs(mid.ms)} = **${(mid.ms / mid.physical).toFixed(2)}×** the physical time ${secs(mid.physical)}`,
        `photos ${kb(mid.photos.total)}; ${kb(mid.up)} up, ${kb(mid.down)} down, ${mid.requests} requests; physical = up ÷ 750 kbps + down ÷ 1.6 Mbps + 1 RTT; runs: ${runs.map((r) => `${secs(r.ms)} (${(r.ms / r.physical).toFixed(2)}×)`).join(', ')}`,
      ])
    }
  } finally {
    await browser.close()
  }
  if (!SKIP.has('d')) {
    const a = await accessibility(server.url)
    figures.accessibility = a
    for (const [screen, r] of Object.entries(a)) {
      const path = new URL(r.finalUrl).pathname.replace(/[0-9a-f-]{36}/, ':id')
      rows.push([`d) Lighthouse accessibility, ${{ login: '登录', tasks: '我的任务', checklist: '检查单' }[screen]} (${path})`, String(r.score), r.failed.length ? `failing: ${r.failed.join(', ')}` : 'no failing audit'])
    }
  }
} finally {
  await server.stop()
}

const chromiumVersion = execFileSync(CHROME, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().replace(/^Chromium /, '')
const netNote = `throttled profile: ${(MOBILE_NET.downloadThroughput * 8) / 1024 / 1024} Mbps down, ${(MOBILE_NET.uploadThroughput * 8) / 1024} kbps up, ${MOBILE_NET.latency} ms RTT, CPU ×${CPU_SLOWDOWN}`
console.log(`\n| what | figure | notes |\n|---|---|---|`)
for (const r of rows) console.log(`| ${r.join(' | ')} |`)
console.log(`\nChromium ${chromiumVersion}, ${netNote}; \`node scripts/measure.mjs\` (${new Date().toISOString().slice(0, 10)}).`)
if (opt('json')) {
  Object.assign(figures, { chromium: chromiumVersion, network: { ...MOBILE_NET, cpuSlowdown: CPU_SLOWDOWN }, date: new Date().toISOString() })
  writeFileSync(opt('json'), JSON.stringify(figures, null, 2) + '\n')
}
