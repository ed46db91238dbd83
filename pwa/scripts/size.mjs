// Prints the first-load weight of the app: every script, module preload and
// stylesheet that dist/index.html loads, gzipped, and their total. Fails
// (exit 1) above the budget of 200 KB gzip.
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const BUDGET = 200 * 1024
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist')
const html = readFileSync(join(dist, 'index.html'), 'utf8')
const refs = new Set()
for (const m of html.matchAll(/<(?:script|link)\b[^>]*?(?:src|href)="([^"]+)"[^>]*>/g)) {
  const tag = m[0]
  const url = m[1]
  if (/^https?:/.test(url)) continue
  if (tag.startsWith('<script') || /rel="(stylesheet|modulepreload)"/.test(tag)) refs.add(url)
}
let total = 0
let raw = 0
const rows = []
for (const url of refs) {
  const file = readFileSync(join(dist, url.replace(/^\//, '')))
  const gz = gzipSync(file, { level: 9 }).length
  total += gz
  raw += file.length
  rows.push([url, file.length, gz])
}
const kb = (n) => (n / 1024).toFixed(1).padStart(7) + ' KB'
for (const [url, size, gz] of rows) console.log(`${kb(size)} raw ${kb(gz)} gzip  ${url}`)
console.log(`first load: ${rows.length} files, ${kb(raw).trim()} raw, ${kb(total).trim()} gzip (budget ${BUDGET / 1024} KB)`)
if (total > BUDGET) {
  console.error('over budget')
  process.exit(1)
}
