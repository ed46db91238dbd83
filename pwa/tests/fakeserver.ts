// A small stand-in for the sync server of sync/PROTOCOL.md, enough to drive
// the phone's engine end to end in tests: registration, push with gaps and
// replays, pull with bootstrap and cursor, and chunked blob upload.
import type { ChangeEntry } from '../src/db/pull'

interface Mut {
  seq: number
  id: string
  name: string
  at: string
  args: Record<string, unknown>
}

export class FakeServer {
  lastSeq = 0
  fates = new Map<number, { seq: number; status: string; reason?: string }>()
  log: { seq: number; change: ChangeEntry }[] = []
  state = new Map<string, ChangeEntry>() // kind:id → latest put
  blobs = new Map<string, { received: number; total: number; chunks: string[] }>()
  requests: { method: string; path: string; headers: Record<string, string>; body?: unknown }[] = []
  /** failNext: make the next request matching this predicate fail as if the network dropped. */
  failNext: ((method: string, path: string) => boolean) | null = null
  offline = false
  /** answer: every request gets this error answer (a proxy's 502, a 403), as a server that is up but refuses. */
  answer: { status: number; code: string; message: string } | null = null
  /** Visits the user was taken off: their mutations are rejected with this reason, as the real server does. */
  outOfScope = new Map<string, string>()

  put(change: ChangeEntry) {
    const seq = this.log.length + 1
    this.log.push({ seq, change })
    const key = `${change.kind}:${change.id}`
    if (change.op === 'put') this.state.set(key, change)
    else this.state.delete(key)
  }

  fetch = async (input: string, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input, 'http://zsc.test')
    const method = init.method ?? 'GET'
    const headers = Object.fromEntries(Object.entries((init.headers ?? {}) as Record<string, string>))
    let body: unknown
    if (typeof init.body === 'string') body = JSON.parse(init.body)
    this.requests.push({ method, path: url.pathname + url.search, headers, body })
    if (this.offline) throw new TypeError('Failed to fetch')
    if (this.answer) {
      const a = this.answer
      return new Response(JSON.stringify({ code: a.code, message: a.message }), { status: a.status, headers: { 'Content-Type': 'application/json' } })
    }
    if (this.failNext?.(method, url.pathname)) {
      this.failNext = null
      throw new TypeError('Failed to fetch')
    }
    const json = (status: number, v: unknown) => new Response(JSON.stringify(v), { status, headers: { 'Content-Type': 'application/json' } })
    const p = url.pathname
    if (p === '/api/v1/sync/clients') return json(200, { client_id: (body as { client_id: string }).client_id, last_seq: this.lastSeq })
    if (p === '/api/v1/sync/push') return json(...this.push(body as { mutations: Mut[] }))
    if (p === '/api/v1/sync/pull') {
      const cursor = Number(url.searchParams.get('cursor'))
      const head = this.log.length
      const token = url.searchParams.get('bootstrap') ?? ''
      if (this.bootstrapPage > 0 && (token || cursor === 0 || cursor > head)) return json(200, this.bootstrapPageOf(token, head))
      const changes = cursor === 0 || cursor > head ? [...this.state.values()] : this.log.filter((l) => l.seq > cursor).map((l) => l.change)
      return json(200, { cursor: head, has_more: false, last_seq: this.lastSeq, changes, missing_blobs: [], open_year: this.openYear || undefined })
    }
    if (p.startsWith('/api/v1/blobs/') && method === 'PUT') {
      const sha = p.split('/').pop()!
      const m = /bytes (\d+)-(\d+)\/(\d+)/.exec(headers['Content-Range'] ?? '')!
      const [start, end, total] = [Number(m[1]), Number(m[2]), Number(m[3])]
      const b = this.blobs.get(sha) ?? { received: 0, total, chunks: [] }
      if (start > b.received) return json(400, { code: 'invalid', message: 'gap', details: { received: b.received } })
      b.chunks.push(headers['Content-Range'])
      b.received = Math.max(b.received, end + 1)
      this.blobs.set(sha, b)
      const complete = b.received >= total
      return json(complete ? 201 : 200, { received: b.received, complete })
    }
    if (p === '/api/v1/departments' || p === '/api/v1/regions') return json(200, [])
    return json(404, { code: 'not_found', message: 'Not Found' })
  }

  /** bootstrapPage > 0 pages bootstraps by that many visits, as sync/pull.go does (PROTOCOL §3). */
  bootstrapPage = 0
  /** openYear is sent as every paged pull's open_year (a lead's). */
  openYear = 0
  /** bootstrapPages counts the bootstrap pages answered. */
  bootstrapPages = 0

  /** bootstrapPageOf is the page after token ("" for the first): b.{head at the start}.{visits sent}. */
  private bootstrapPageOf(token: string, head: number) {
    this.bootstrapPages++
    const [start, sent] = token ? token.split('.').slice(1).map(Number) : [head, 0]
    const all = [...this.state.values()]
    const visits = all.filter((c) => c.kind === 'visit').map((c) => c.id).sort()
    const page = visits.slice(sent, sent + this.bootstrapPage)
    const changes: ChangeEntry[] = []
    for (const v of page) {
      changes.push(this.state.get(`visit:${v}`)!)
      changes.push(...all.filter((c) => c.kind !== 'visit' && (c.data as { visit_id?: string })?.visit_id === v))
    }
    if (!token) changes.push(...all.filter((c) => c.kind !== 'visit' && !(c.data as { visit_id?: string })?.visit_id))
    const more = sent + page.length < visits.length
    return {
      cursor: start,
      has_more: more || head > start,
      last_seq: this.lastSeq,
      changes,
      missing_blobs: [],
      bootstrap: !token,
      bootstrap_token: more ? `b.${start}.${sent + page.length}` : undefined,
      open_year: this.openYear || undefined,
    }
  }

  private push(req: { mutations: Mut[] }): [number, unknown] {
    const results = []
    for (const m of req.mutations) {
      if (m.seq <= this.lastSeq) {
        results.push({ ...this.fates.get(m.seq)!, replayed: true })
        continue
      }
      if (m.seq !== this.lastSeq + 1) {
        return [409, { code: 'sequence_gap', message: 'gap', details: { expected_seq: this.lastSeq + 1 } }]
      }
      this.lastSeq = m.seq
      const fate = this.apply(m)
      this.fates.set(m.seq, fate)
      results.push({ ...fate, replayed: false })
    }
    return [200, { last_seq: this.lastSeq, results }]
  }

  private apply(m: Mut): { seq: number; status: string; reason?: string } {
    const gone = this.outOfScope.get(String(m.args.visit_id))
    if (gone !== undefined) return { seq: m.seq, status: 'rejected', reason: gone }
    if (m.name === 'item.set') {
      const prev = this.state.get(`item_result:${m.args.item_id}`)?.data as { version: number } | undefined
      this.put({
        kind: 'item_result',
        op: 'put',
        id: String(m.args.item_id),
        data: {
          item_id: m.args.item_id,
          visit_id: m.args.visit_id,
          dept: 'scjg',
          value: m.args.value,
          note: m.args.note,
          photos: m.args.photos,
          version: (prev?.version ?? 0) + 1,
          user_id: 'u-insp1',
          updated_at: '2024-06-03T02:00:00.000Z',
        },
      })
      return { seq: m.seq, status: 'applied' }
    }
    return { seq: m.seq, status: 'rejected', reason: `${m.name} not in this fake` }
  }
}
