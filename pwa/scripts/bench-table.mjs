// Puts every performance figure of issue 15 into ONE Markdown table (what |
// figure | goal | command), from the files one `make bench` run wrote:
//   --go FILE        the output of `go test -run '^$' -bench . -benchmem …` (its Benchmark lines)
//   --go-env "K=V"   the environment go test ran with, for the rows' commands
//   --server FILE    `go run ./server/bench … -json FILE`
//   --phone FILE     `node scripts/measure.mjs … --json FILE`
//   --week FILE      the stdout of the week-offline spec (`E2E_WEEK=1 npx playwright test e2e/week-offline.spec.ts`),
//   --week-rc FILE   and its exit status (0: the run passed)
//   --parts go,server,phone,week   the producers that were run: a missing file of one of them is a ❌ row and exit 1
//   --commit-file F  the commit the run started at (`git describe --always --dirty`); without it, HEAD now
//   --out FILE       also write the table there
//
//   make bench                 (runs the producers in order, then this)
//   node scripts/bench-table.mjs --server ../data/bench-server.json --phone ../data/bench-phone.json …
//
// Node, not Go: two of the four producers are Node already, the week spec's
// figures are parsed from its printed lines (it is not to grow a JSON
// output of its own), and a script here needs no build of its own.
//
// Every figure comes from those files; nothing here is typed in but the goals.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'

// The goals of issue 15 (its Done-when) and of the README's table.
const GOAL = {
  coldMs: 2000, // cold start to the first visit-card with the service worker installed (issue 15)
  firstLoadMs: 3000, // the very first load, no service worker yet (issue 15: ≤ 3.0 s)
  firstLoadKB: 200, // JS+CSS of the first load, gzip
  syncRatio: 1.1, // the day's sync against the link's physical time
  screenMs: 100, // each screen of the week offline, tap → interactive, median
  pushShare: 0.5, // durable push against the raw ceiling
  pullP99Ms: 10,
  phonesP99Ms: 250,
  a11y: 90,
}

const argv = process.argv.slice(2)
const opt = (name, def) => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1] : def
}
const parts = new Set(String(opt('parts', 'go,server,phone,week')).split(',').filter(Boolean))

// ---- formatting ---------------------------------------------------------------
const ok = (pass) => (pass ? '✅' : '❌')
const thousands = (x) => Math.round(x).toLocaleString('en-US')
const secs = (ms) => `${(ms / 1000).toFixed(2)} s`
const kb = (n) => `${thousands(n / 1024)} KB`
const mb = (n) => `${(n / 1024 / 1024).toFixed(2)} MB`
const msf = (x) => `${x.toFixed(1)} ms`
// "median of 3 (1.59–1.87 s)", or "1 run" when there is nothing to take the median of.
const medianOf = (xs, f) => (xs.length > 1 ? `median of ${xs.length} (${f(Math.min(...xs))}–${f(Math.max(...xs))})` : '(1 run)')
const code = (cmd) => `\`${cmd.replaceAll('|', '\\|')}\``
const cell = (s) => String(s).replaceAll('\n', ' ').replaceAll('|', '\\|')
// `--json FILE` only says where the figures went: a command to reproduce a row needs no such flag.
const withoutJSON = (cmd) => cmd.replace(/\s+--?json(?:=|\s+)\S+/g, '')

const rows = []
const row = (what, figure, goal, command) => rows.push([what, figure, goal ?? '', command ? code(command) : ''])
let failed = false
const missing = (what, file, command) => {
  failed = true
  row(what, `**no figures**: the run wrote no ${file} (its output above says why)`, '❌', command)
}

const readJSON = (file) => {
  if (!file || !existsSync(file)) return null
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    return null
  }
}
const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')

// ---- the phone: scripts/measure.mjs ---------------------------------------------
function phoneRows() {
  const file = opt('phone')
  const p = readJSON(file)
  if (!p) return missing('phone figures (cold start, day’s sync)', file, 'cd pwa && node scripts/measure.mjs')
  const cmd = `cd pwa && ${withoutJSON(p.command)}`
  if (p.size) row('JS+CSS of the first load, gzip (dist)', `${p.size.gzip_kb} KB (${p.size.files} files, ${p.size.raw_kb} KB raw)`, `< ${GOAL.firstLoadKB} KB ${ok(p.size.gzip_kb < GOAL.firstLoadKB)}`, cmd)
  const c = p.coldStart
  if (c) {
    const throttled = `throttled (${netLine(p.network)})`
    row(
      `cold start to the first visit-card, first load (no service worker, no HTTP cache), ${throttled}`,
      `**${secs(c.cold.median_ms)}** ${medianOf(c.cold.runs_ms, secs)}; ${kb(c.transfer.js + c.transfer.css)} JS+CSS on the wire`,
      `≤ ${(GOAL.firstLoadMs / 1000).toFixed(1)} s ${ok(c.cold.median_ms <= GOAL.firstLoadMs)}`,
      cmd,
    )
    row(
      'cold start, service worker installed (its first open from the precache)',
      `**${secs(c.warm.median_ms)}** ${medianOf(c.warm.runs_ms, secs)}`,
      `≤ ${(GOAL.coldMs / 1000).toFixed(1)} s ${ok(c.warm.median_ms <= GOAL.coldMs)}`,
      cmd,
    )
  } else if (!p.skip?.includes('b')) {
    failed = true
    row('cold start', '**no figures** in the phone run', '❌', cmd)
  }
  const s = p.syncMobile
  if (s) {
    const m = s.median
    row(
      `the day’s sync: ${m.mutations} mutations queued offline (${m.photos.count} photos, ${mb(m.photos.total)}), from reconnecting to 已同步, throttled; physical time = bytes up ÷ uplink + bytes down ÷ downlink + 1 RTT`,
      `**${m.ratio.toFixed(2)}×**: ${secs(m.ms)} against the physical ${secs(m.physical)} (${s.runs.length > 1 ? `median of ${s.runs.length}: ${s.runs.map((r) => r.ratio.toFixed(2) + '×').join(', ')}` : '1 run'}); ${kb(m.up)} up, ${kb(m.down)} down, ${m.requests} requests`,
      `≤ ${GOAL.syncRatio.toFixed(2)}× ${ok(m.ratio <= GOAL.syncRatio)}`,
      cmd,
    )
  } else if (!p.skip?.includes('c')) {
    failed = true
    row('the day’s sync', '**no figures** in the phone run', '❌', cmd)
  }
  if (p.syncLoopback) {
    const l = p.syncLoopback
    row('the same sync over loopback, no throttling', `${secs(l.ms)}; ${kb(l.up)} up, ${kb(l.down)} down, ${l.requests} requests`, '', cmd)
  }
  if (p.accessibility) {
    const a = p.accessibility
    const screens = [
      ['登录', a.login],
      ['我的任务', a.tasks],
      ['检查单', a.checklist],
    ].filter(([, r]) => r)
    const worst = Math.min(...screens.map(([, r]) => r.score))
    const failing = screens.flatMap(([n, r]) => (r.failed.length ? [`${n}: ${r.failed.join(', ')}`] : []))
    row(
      `Lighthouse accessibility, ${screens.map(([n]) => n).join(' / ')}`,
      `${screens.map(([, r]) => r.score).join(' / ')}${failing.length ? `; failing ${failing.join('; ')}` : ''}`,
      `≥ ${GOAL.a11y} ${ok(worst >= GOAL.a11y)}`,
      cmd,
    )
  }
}

const netLine = (n) =>
  n ? `${((n.downloadThroughput * 8) / 1024 / 1024).toFixed(1)} Mbps down, ${((n.uploadThroughput * 8) / 1024).toFixed(0)} kbps up, ${n.latency} ms RTT, CPU ×${n.cpuSlowdown}` : 'phone profile'

// ---- the week offline: the spec's printed lines -------------------------------------
/**
 * The lines of e2e/week-offline.spec.ts this relies on (its stdout, as Playwright's list reporter passes it on):
 *   week offline: 500 changes, 30 visits, 50 photos, 5 offline reloads; entry 95.3 s unthrottled
 *   | screen (CPU ×4, tap → interactive) | taps | median ms | max ms |   (then one row per screen; "min–max ms" also read)
 *   offline reload with the week's data (CPU ×4): 1100 ms to the first visit card
 *   sync on the throttled link (…): 64.7 s; 63 requests, 5729 KB up, 64 KB down; the link's physical time 61.6 s (1.05×)
 *   | storage.estimate() usage | 9012 KB | 1234 KB |
 *   | of which IndexedDB | 7158 KB | 1100 KB |
 *   | photos (blobs) | 50 · 5632 KB | 50 · 5632 KB |
 *   <screen>: median 31 ms[ of 30 taps (…)], budget 100 ms ✅
 *   and Playwright's own "N passed" / "N failed"; the exit status (--week-rc) decides whether the run passed.
 */
function weekRows() {
  const file = opt('week')
  const cmd = opt('week-cmd', 'cd pwa && E2E_WEEK=1 npx playwright test e2e/week-offline.spec.ts --workers=1')
  if (!file || !existsSync(file)) return missing('week offline', file ?? '--week log', cmd)
  const lines = stripAnsi(readFileSync(file, 'utf8'))
    .split('\n')
    .map((l) => l.trim())
  const rcFile = opt('week-rc')
  const rc = rcFile && existsSync(rcFile) ? Number(readFileSync(rcFile, 'utf8').trim()) : null
  const find = (re) => lines.map((l) => re.exec(l)).find(Boolean)
  const head = find(/^week offline: (\d+) changes, (\d+) visits, (\d+) photos, (\d+) offline reloads; entry ([\d.]+) s/)
  const reload = find(/^offline reload with the week's data[^:]*: (\d+) ms/)
  const sync = find(/^sync on the throttled link \([^)]*\): ([\d.]+) s; (\d+) requests, (\d+) KB up, (\d+) KB down; the link's physical time ([\d.]+) s \(([\d.]+)×\)/)
  const usage = find(/^\| storage\.estimate\(\) usage \| (\d+) KB \| (\d+) KB \|/)
  const idb = find(/^\| of which IndexedDB \| (\d+|–)(?: KB)? \| (\d+|–)(?: KB)? \|/)
  const blobs = find(/^\| photos \(blobs\) \| (\d+) · (\d+) KB \| (\d+) · (\d+) KB \|/)
  const passedN = find(/^(\d+) passed\b/)
  const failedN = find(/^(\d+) failed\b/)
  const screens = []
  for (const l of lines) {
    const m = /^(.+?): median (\d+(?:\.\d+)?) ms(.*), budget (\d+) ms\s*(✅|❌)$/.exec(l)
    if (m) screens.push({ screen: m[1], median: Number(m[2]), rest: m[3], budget: Number(m[4]) })
  }
  // The screen table: taps and the spread of each screen.
  const table = new Map()
  const at = lines.findIndex((l) => l.startsWith('| screen (CPU'))
  if (at >= 0) {
    for (const l of lines.slice(at + 2)) {
      if (!l.startsWith('|')) break
      const c = l.split('|').map((x) => x.trim())
      table.set(c[1], { taps: c[2], range: c[4] })
    }
  }
  const passed = rc === 0 && !!passedN && !failedN
  const why = rc === null ? 'no exit status' : rc !== 0 ? `exit status ${rc}` : !passedN ? 'no "passed" line' : ''
  const firstError = lines.find((l) => /^(Error|expect\(|TimeoutError)\b/.test(l))
  if (!passed) failed = true
  const bits = []
  if (head) bits.push(`${head[1]} changes, ${head[2]} visits, ${head[3]} photos, ${head[4]} offline reloads`)
  if (idb || usage) {
    const idbB = idb && idb[1] !== '–' ? `IndexedDB **${(Number(idb[1]) / 1024).toFixed(2)} MB**` : null
    const est = usage ? `storage.estimate ${(Number(usage[1]) / 1024).toFixed(2)} MB` : null
    bits.push(`${[idbB, est].filter(Boolean).join(', ')} before the sync${blobs ? ` (photos ${blobs[1]} · ${(Number(blobs[2]) / 1024).toFixed(2)} MB)` : ''}`)
  }
  if (sync) bits.push(`sync ${sync[1]} s on the throttled link = ${sync[6]}× its physical ${sync[5]} s (${sync[3]} KB up, ${sync[4]} KB down, ${sync[2]} requests)`)
  if (reload) bits.push(`offline reload to the first card ${reload[1]} ms`)
  if (head) bits.push(`entry ${head[5]} s unthrottled`)
  row(
    'week offline: changes queued with no network through the UI, offline reloads, then a throttled sync; nothing lost (every result, note, photo and check-in on the server), outbox drained',
    `${passed ? '**passed**' : `**failed** (${why}${firstError ? `: ${firstError.slice(0, 160)}` : ''}; see the log)`}${bits.length ? ': ' + bits.join('; ') : ''}`,
    `passes, nothing lost ${ok(passed)}`,
    cmd,
  )
  if (!head && !sync) {
    failed = true
    row('week offline figures', '**none printed** (the run stopped before its report)', '❌', cmd)
  }
  for (const s of screens) {
    const t = table.get(s.screen)
    const taps = /of (\d+) taps/.exec(s.rest)?.[1] ?? t?.taps
    row(
      `week offline, tap → interactive at CPU ×4: ${s.screen}`,
      `median **${s.median} ms**${taps ? ` of ${taps} taps` : ''}${t?.range ? ` (${/–/.test(t.range) ? t.range : `max ${t.range}`} ms)` : ''}`,
      `< ${s.budget} ms ${ok(s.median < s.budget)}`,
      cmd,
    )
  }
}

// ---- the server: go run ./server/bench -json ------------------------------------------
function serverRows() {
  const file = opt('server')
  const s = readJSON(file)
  if (!s) return missing('server figures (raw ceiling, durable push, pulls, 1,000 phones)', file, 'go run ./server/bench')
  const cmd = withoutJSON(s.command)
  const raw = s.raw
  if (raw) {
    row(
      `raw ceiling: INSERT into item_results, 50 rows per transaction, synchronous=FULL (${thousands(s.database.results)} results in the database)`,
      `${thousands(raw.rows_per_s_50)} rows/s${raw.rows_per_s_50_after_push ? `, again after the push ${thousands(raw.rows_per_s_50_after_push)} (the push is compared with the mean, ${thousands(raw.ceiling)})` : ''} (1,000 per transaction: ${thousands(raw.rows_per_s_1000)}; bare table: ${thousands(raw.bare_rows_per_s_50)})`,
      '',
      cmd,
    )
    row(
      'raw: each result with the rows a push writes for it (the result and its journal row: change, mutation record and audit entry in one), 50 per transaction',
      `${thousands(raw.bookkeeping_results_per_s_50)} results/s = ${(100 * (raw.bookkeeping_results_per_s_50 / raw.rows_per_s_50)).toFixed(0)}% of the raw ceiling`,
      '',
      cmd,
    )
  }
  const d = s.durability
  if (d) {
    row(
      `durable commits of 50 rows via the single writer, not durable (NORMAL) / fsync in COMMIT (SQLite's FULL) / fsync beside the writer (the server's FULL), 1 writer; ${d.writers_n} writers (group commit)`,
      `${thousands(d.normal_tx_per_s_1)} / ${thousands(d.in_commit_tx_per_s_1 ?? NaN)} / ${thousands(d.full_tx_per_s_1)} tx/s; ${thousands(d.normal_tx_per_s_n)} / ${thousands(d.in_commit_tx_per_s_n ?? NaN)} / ${thousands(d.full_tx_per_s_n)} tx/s (${d.full_tx_per_commit_n.toFixed(1)} per FULL commit)`,
      '',
      cmd,
    )
  }
  const p = s.push
  if (p) {
    const share = p.ratio_to_raw
    row(
      `durable (fsync) push over HTTP: ${p.phones} phones at once, batches of ${p.batch} \`item.set\`, full bookkeeping, against the raw ceiling`,
      `${share === undefined ? '' : `**${(100 * share).toFixed(0)}%** of the ceiling: `}${thousands(p.rows_per_s)} rows/s${raw ? ` ÷ ${thousands(raw.ceiling ?? raw.rows_per_s_50)}` : ''}${p.ratio_to_bookkeeping ? ` (${(100 * p.ratio_to_bookkeeping).toFixed(0)}% of its rows' bound)` : ''}; batch p50 / p99 ${msf(p.batches.p50_ms)} / **${msf(p.batches.p99_ms)}** (${p.batches.n} batches)${p.errors ? `; ${p.errors} errors` : ''}`,
      share === undefined ? 'run with the raw phase' : `≥ ${GOAL.pushShare * 100}% ${ok(share >= GOAL.pushShare && !p.errors)}`,
      cmd,
    )
  }
  if (s.pull) {
    const b = s.pull.bootstrap
    row(
      `bootstrap pull of an inspector's day (${s.pull.changes} changes, ${kb(s.pull.bytes)} before gzip), one at a time`,
      `p50 / p99 ${msf(b.p50_ms)} / **${msf(b.p99_ms)}** (${b.n} pulls); a new phone's first pull ${msf(s.pull.first.p50_ms)} / ${msf(s.pull.first.p99_ms)}`,
      `p99 < ${GOAL.pullP99Ms} ms ${ok(b.p99_ms < GOAL.pullP99Ms)}`,
      cmd,
    )
  }
  for (const ph of [s.phones, s.phones_bootstrap]) {
    if (!ph) continue
    const y = ph.syncs
    row(
      `${thousands(ph.phones)} phones syncing once within ${ph.window_s} s (${ph.bootstrap ? 'new phones: bootstrap pull' : 'phones that synced before: incremental pull'}, push ${ph.mutations} \`item.set\`, pull)`,
      `p50 / p99 / max ${msf(y.p50_ms)} / **${msf(y.p99_ms)}** / ${msf(y.max_ms)}, **${ph.errors} errors** (${y.n} syncs; p99 of pull / push / pull ${msf(ph.first_pull_p99_ms)} / ${msf(ph.push_p99_ms)} / ${msf(ph.second_pull_p99_ms)})`,
      `p99 < ${GOAL.phonesP99Ms} ms, no errors ${ok(y.p99_ms < GOAL.phonesP99Ms && ph.errors === 0)}`,
      cmd,
    )
  }
}

// ---- the Go benchmarks: `go test -bench` output ----------------------------------------
function goRows() {
  const file = opt('go')
  if (!file || !existsSync(file)) return missing('Go benchmarks', file ?? '--go log', "go test -run '^$' -bench . -benchmem -benchtime 1x ./...")
  const benchtime = opt('go-benchtime', '1x')
  // Environment the run gave go test (BENCH_QUICK's smaller synthetic year): a row's command needs it too.
  const env = opt('go-env', '').trim() ? `${opt('go-env').trim()} ` : ''
  let pkg = ''
  let n = 0
  const lines = stripAnsi(readFileSync(file, 'utf8')).split('\n')
  for (const l of lines) {
    const p = /^pkg: (\S+)/.exec(l)
    if (p) pkg = p[1]
    const m = /^(Benchmark\S+?)(?:-\d+)?\s+(\d+)\s+(.*)$/.exec(l)
    if (!m) continue
    const metrics = [...m[3].matchAll(/([\d.e+-]+) (\S+)/g)].map(([, v, unit]) => [Number(v), unit])
    const fig = metrics.map(([v, unit]) => {
      if (unit === 'ns/op') return v >= 1e9 ? `${(v / 1e9).toFixed(2)} s/op` : v >= 1e6 ? `${(v / 1e6).toFixed(1)} ms/op` : v >= 1e3 ? `${(v / 1e3).toFixed(1)} µs/op` : `${v} ns/op`
      if (unit === 'B/op') return v >= 1 << 20 ? `${(v / (1 << 20)).toFixed(0)} MB/op` : v >= 1024 ? `${(v / 1024).toFixed(0)} KB/op` : `${v} B/op`
      if (unit === 'allocs/op') return `${thousands(v)} allocs/op`
      return `${v >= 10000 ? thousands(v) : v} ${unit}`
    })
    const name = m[1].split('/')[0]
    const dir = pkg.replace(/^zsc\//, './')
    const iterations = Number(m[2]) > 1 ? `, ${m[2]} iterations` : ''
    row(`Go: ${m[1]} (${pkg.replace(/^zsc\//, '')}${iterations})`, fig.join(', '), '', `${env}go test -run '^$' -bench '^${name}$' -benchmem -benchtime ${benchtime} ${dir}/`)
    n++
  }
  const fail = lines.find((l) => /^(FAIL|--- FAIL|panic:)/.test(l))
  if (fail || n === 0) {
    failed = true
    row('Go benchmarks', `**${fail ? 'failed' : 'none ran'}**${fail ? `: ${cell(fail)}` : ''} (see the log)`, '❌', `${env}go test -run '^$' -bench . -benchmem -benchtime ${benchtime} ./...`)
  }
}

// ---- the table ---------------------------------------------------------------------------
// In the order of the Done-when: the phone, the week, the server; the micro-benchmarks last.
if (parts.has('phone')) phoneRows()
if (parts.has('week')) weekRows()
if (parts.has('server')) serverRows()
if (parts.has('go')) goRows()

const git = (...a) => {
  try {
    return execFileSync('git', a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return ''
  }
}
// The tree the run started on: others may commit while it runs.
const described = opt('commit-file') && existsSync(opt('commit-file')) ? readFileSync(opt('commit-file'), 'utf8').trim() : git('describe', '--always', '--dirty')
const commit = described.replace(/-dirty$/, '')
const dirty = described.endsWith('-dirty') ? ' plus uncommitted changes' : ''
const server = readJSON(opt('server'))
const phone = readJSON(opt('phone'))
const machine = server?.machine ? `${server.machine.cpu || 'CPU'}, ${server.machine.cpus} CPUs, ${server.machine.go}` : ''
const mode = opt('mode') ? ` (${opt('mode')})` : ''
const out = [
  `### Performance: one \`make bench\` run${mode}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC at ${commit || '?'}${dirty}`,
  '',
  '| what | figure | goal | command |',
  '|---|---|---|---|',
  // A command the row above has too is written "same", as the README does.
  ...rows.map(([a, b, c, d], i) => `| ${cell(a)} | ${cell(b)} | ${c} | ${d && i > 0 && d === rows[i - 1][3] ? 'same' : d} |`),
  '',
  [
    machine && `Machine: ${machine}`,
    phone?.chromium && `Chromium ${phone.chromium}`,
    `load average at the end ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' / ')}`,
    `parts run: ${[...parts].join(', ')}`,
  ]
    .filter(Boolean)
    .join('; ') + '.',
].join('\n')
console.log('\n' + out)
if (opt('out')) writeFileSync(opt('out'), out + '\n')
if (failed) {
  console.error('bench-table: a part of the run failed or wrote no figures (❌ rows above)')
  process.exit(1)
}
