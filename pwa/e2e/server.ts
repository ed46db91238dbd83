// Starts the real server for the end-to-end tests: `zsc serve --demo` on a
// fresh database in a temporary directory and a free loopback port, waits for
// it to say it listens and for /healthz (bounded), and stops it afterwards.
// The database is a SQLite file in that directory or, with ZSC_E2E_PG set
// (`make test-e2e-pg`), a schema of its own in that PostgreSQL database.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
/** The binary `make build` writes (override with ZSC_BIN). */
export const ZSC_BIN = resolve(process.env.ZSC_BIN ?? join(here, '..', '..', 'bin', 'zsc'))
/** Entities of the demo directory: small, so the server starts in about a second. */
export const DEMO_ENTITIES = process.env.ZSC_DEMO_ENTITIES ?? '3000'

/**
 * A PostgreSQL URL (ZSC_E2E_PG; .ci/run's `make test-e2e-pg` sets it to the
 * database of the Go suite's PostgreSQL pass): every server of the suite then
 * keeps its data there, each in a new schema dropped when it stops.
 */
export const E2E_PG = process.env.ZSC_E2E_PG ?? ''

/** run runs a command to its end and returns its output; a failure throws with what it printed. */
function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' })
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`)
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} (exit ${r.status ?? r.signal}):\n${r.stderr}${r.stdout}`)
  return r.stdout
}

/** A server's database, on SQLite or PostgreSQL, and the operator's backup and restore of it. */
export interface Database {
  /** what names it to zsc: --db, and (on PostgreSQL) --data for the key file */
  args: string[]
  /** backup copies it to `to` (`zsc backup`; on PostgreSQL pg_dump of its schema, the documented way) */
  backup: (to: string) => void
  /** restore puts that copy back in place (`zsc restore`; on PostgreSQL pg_restore, then `zsc new-epoch`) */
  restore: (from: string) => void
  /** drop removes it (the SQLite file goes with its directory) */
  drop: () => void
}

/** newDatabase makes an empty database for a server whose files go in dir. */
export function newDatabase(dir: string): Database {
  if (!E2E_PG) {
    const file = join(dir, 'zsc.db')
    return {
      args: ['--db', file],
      backup: (to) => void run(ZSC_BIN, ['backup', to, '--db', file]),
      restore: (from) => void run(ZSC_BIN, ['restore', from, '--db', file]),
      drop: () => {},
    }
  }
  // psql and pg_dump take the plain URL; zsc's driver takes search_path from it.
  const schema = `e2e_${randomBytes(6).toString('hex')}`
  const url = new URL(E2E_PG)
  url.searchParams.set('search_path', schema)
  const psql = (sql: string) => run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', E2E_PG, '-c', sql])
  psql(`CREATE SCHEMA ${schema}`)
  return {
    args: ['--db', url.toString(), '--data', dir],
    backup: (to) => void run('pg_dump', ['-d', E2E_PG, '--schema', schema, '--format', 'custom', '--file', to]),
    restore: (from) => {
      psql(`DROP SCHEMA ${schema} CASCADE`)
      run('pg_restore', ['-d', E2E_PG, '--exit-on-error', from])
      run(ZSC_BIN, ['new-epoch', '--db', url.toString()])
    },
    drop: () => psql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`),
  }
}

export interface ZscServer {
  url: string
  port: number
  dir: string
  log: () => string
  stop: () => Promise<void>
}

/** freePort finds a loopback port nobody listens on (for a server a spec starts itself). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer()
    s.unref()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      s.close(() => resolvePort(port))
    })
  })
}

function exited(p: ChildProcess): boolean {
  return p.exitCode !== null || p.signalCode !== null
}

async function stopProcess(p: ChildProcess): Promise<void> {
  if (exited(p)) return
  const done = new Promise<void>((r) => p.once('exit', () => r()))
  p.kill('SIGTERM')
  const timer = setTimeout(() => !exited(p) && p.kill('SIGKILL'), 10_000)
  await done
  clearTimeout(timer)
}

/** startServer runs one server; it tries another port when the one it picked was taken meanwhile. */
export async function startServer(opts: { entities?: string; timeoutMs?: number } = {}): Promise<ZscServer> {
  if (!existsSync(ZSC_BIN)) throw new Error(`${ZSC_BIN} not found: run \`make build\` first (or set ZSC_BIN)`)
  const timeoutMs = opts.timeoutMs ?? 60_000
  let lastError = ''
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'zsc-e2e-'))
    const db = newDatabase(dir)
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    let out = ''
    const proc = spawn(
      ZSC_BIN,
      ['serve', '--demo', '--demo-entities', opts.entities ?? DEMO_ENTITIES, ...db.args, '--addr', `127.0.0.1:${port}`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    proc.stdout!.on('data', (b: Buffer) => (out += b.toString()))
    proc.stderr!.on('data', (b: Buffer) => (out += b.toString()))
    const stop = async () => {
      await stopProcess(proc)
      db.drop()
      rmSync(dir, { recursive: true, force: true })
    }
    const deadline = Date.now() + timeoutMs
    let healthy = false
    while (Date.now() < deadline && !exited(proc)) {
      // Our own process said it bound the port: then /healthz is ours too.
      if (out.includes(`listening on http://127.0.0.1:${port}`)) {
        try {
          const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) })
          if (res.ok) {
            healthy = true
            break
          }
        } catch {
          // not yet
        }
      }
      await new Promise((r) => setTimeout(r, 100))
    }
    if (healthy && !exited(proc)) return { url, port, dir, log: () => out, stop }
    lastError = exited(proc) ? `zsc exited (${proc.exitCode ?? proc.signalCode}):\n${out}` : `no /healthz within ${timeoutMs} ms:\n${out}`
    await stop()
  }
  throw new Error(lastError)
}
