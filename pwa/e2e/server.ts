// Starts the real server for the end-to-end tests: `zsc serve --demo` on a
// fresh database in a temporary directory and a free loopback port, waits for
// it to say it listens and for /healthz (bounded), and stops it afterwards.
import { spawn, type ChildProcess } from 'node:child_process'
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

export interface ZscServer {
  url: string
  port: number
  dir: string
  log: () => string
  stop: () => Promise<void>
}

function freePort(): Promise<number> {
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
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    let out = ''
    const proc = spawn(
      ZSC_BIN,
      ['serve', '--demo', '--demo-entities', opts.entities ?? DEMO_ENTITIES, '--db', join(dir, 'zsc.db'), '--addr', `127.0.0.1:${port}`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    proc.stdout!.on('data', (b: Buffer) => (out += b.toString()))
    proc.stderr!.on('data', (b: Buffer) => (out += b.toString()))
    const stop = async () => {
      await stopProcess(proc)
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
