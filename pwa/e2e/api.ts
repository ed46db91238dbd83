// A small client of the zsc HTTP API for the end-to-end tests: logs in as the
// demo accounts, reads visits and their server state, and plays a phone
// (a registered client of kind mobile) to record another department's part.
import { createHash, randomUUID } from 'node:crypto'
import { expect } from '@playwright/test'

export const PASSWORD = 'zsc-demo-2024'

export interface TeamMember {
  user_id: string
  name: string
  dept: string
  cert_no: string
  active: boolean
}
export interface ChecklistItem {
  id: string
  dept: string
  ord: number
  name: string
}
export interface Visit {
  id: string
  task_id: string
  status: string
  scheduled_on: string
  plan: { seq: number; name: string }
  entity: { name: string; uscc: string; address: string }
  departments: (string | { code: string })[]
  team: TeamMember[]
  items: ChecklistItem[]
}
export interface ItemResult {
  item_id: string
  dept: string
  value: string
  note: string
  photos: string[]
  version: number
  channel: string
}
export interface Outcome {
  dept: string
  categories: string[]
  version: number
  channel: string
}
export interface VisitState {
  visit: Visit
  checkins: { user_id: string; channel: string }[]
  results: ItemResult[]
  outcomes: Outcome[]
  signatures: { kind: string; signer: string; photo: string; channel: string }[]
  notices: { id: string; dept: string; number: number | null; number_text: string; provisional: string; items: string[]; channel: string }[]
  conflicts: { id: string; status: string; target: string }[]
  blobs: unknown[]
  dept_finishes?: { dept: string; user_id: string; channel: string; at: string }[]
}
interface User {
  id: string
  username: string
  name: string
  dept: string
  role: string
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what}: ${status} ${JSON.stringify(body)}`)
  }
}

/** The year of today in China time (notice numbers and leases use it). */
export function chinaYear(now = Date.now()): number {
  return new Date(now + 8 * 3600 * 1000).getUTCFullYear()
}

export const deptCode = (d: string | { code: string }) => (typeof d === 'string' ? d : d.code)

export class Api {
  private sessions = new Map<string, { token: string; user: User }>()

  constructor(readonly base: string) {}

  async login(username: string): Promise<{ token: string; user: User }> {
    const have = this.sessions.get(username)
    if (have) return have
    const res = await fetch(`${this.base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: PASSWORD }),
    })
    const body = (await res.json()) as { access_token: string; user: User }
    if (!res.ok) throw new ApiError(res.status, body, `login ${username}`)
    const s = { token: body.access_token, user: body.user }
    this.sessions.set(username, s)
    return s
  }

  async raw(as: string, method: string, path: string, body?: unknown): Promise<Response> {
    const { token } = await this.login(as)
    return fetch(`${this.base}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  }

  async json<T>(as: string, method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.raw(as, method, path, body)
    const text = await res.text()
    const data = text ? JSON.parse(text) : undefined
    if (!res.ok) throw new ApiError(res.status, data, `${method} ${path} as ${as}`)
    return data as T
  }

  async userId(username: string): Promise<string> {
    return (await this.login(username)).user.id
  }

  /** The visits of the demo task of plan `seq` (66 大中型餐饮服务, 7 养老机构). */
  async planVisits(seq: number): Promise<Visit[]> {
    const tasks = await this.json<{ id: string; plan_seq: number }[]>('office', 'GET', '/tasks')
    const task = tasks.find((t) => t.plan_seq === seq)
    if (!task) throw new Error(`no demo task of plan ${seq}`)
    return this.json<Visit[]>('office', 'GET', `/visits?task=${task.id}`)
  }

  async state(visitId: string, as = 'office'): Promise<VisitState> {
    return this.json<VisitState>(as, 'GET', `/visits/${visitId}/state`)
  }

  /**
   * usernameOf finds the login of a team member: the demo accounts carry it
   * in their 执法证号 (62621002-insp1); the synthetic pool members are
   * {dept}-{region}-{nn} with nn = the last three digits of the 执法证号 + 1.
   * Checked against the member's user id.
   */
  async usernameOf(m: TeamMember): Promise<string> {
    let username = ''
    const demo = /^62\d{6}-(.+)$/.exec(m.cert_no)
    const synth = /^62(\d{6})\d{3}(\d{3})$/.exec(m.cert_no)
    if (demo) username = demo[1]
    else if (synth) username = `${m.dept}-${synth[1]}-${String(Number(synth[2]) + 1).padStart(2, '0')}`
    else throw new Error(`cannot tell the username of ${m.name} (${m.cert_no})`)
    expect(await this.userId(username), `${username} is ${m.name}`).toBe(m.user_id)
    return username
  }

  /** ensureMember puts `username` on the visit's team for its department (an office swap) unless already there. */
  async ensureMember(visit: Visit, username: string): Promise<Visit> {
    const { user } = await this.login(username)
    const active = visit.team.filter((m) => m.active !== false)
    if (active.some((m) => m.user_id === user.id)) return visit
    const out = active.find((m) => m.dept === user.dept)
    if (!out) throw new Error(`${visit.entity.name} has no ${user.dept} member to swap`)
    return this.json<Visit>('office', 'PATCH', `/visits/${visit.id}`, {
      swap: { dept: user.dept, out_user_id: out.user_id, in_user_id: user.id },
      reason: '端到端测试：调整检查人员',
    })
  }

  /** A phone of `username`, registered as a mobile client, that pushes mutations like the app does. */
  async mobileClient(username: string): Promise<MobileClient> {
    const c = new MobileClient(this, username)
    await this.json(username, 'POST', '/sync/clients', {
      client_id: c.id,
      kind: 'mobile',
      platform: 'e2e',
      installed: false,
      app_version: 'e2e',
    })
    return c
  }

  /**
   * answerDepartment records one department's part of a visit as one of its
   * team members on a mobile client: every check point of that department,
   * then the outcome; with `finish`, also both inspectors' signatures and
   * 本部门检查完毕 (dept.finish).
   */
  async answerDepartment(
    visitId: string,
    dept: string,
    opts: { value?: string; categories?: string[]; note?: string; finish?: boolean } = {},
  ): Promise<MobileClient> {
    const st = await this.state(visitId)
    const member = st.visit.team.find((m) => m.dept === dept && m.active !== false)
    if (!member) throw new Error(`no active ${dept} member on ${visitId}`)
    const phone = await this.mobileClient(await this.usernameOf(member))
    const items = st.visit.items.filter((i) => i.dept === dept)
    const version = (id: string) => st.results.find((r) => r.item_id === id)?.version ?? 0
    const muts: { name: string; args: Record<string, unknown> }[] = [
      ...items.map((i) => ({
        name: 'item.set',
        args: { visit_id: visitId, item_id: i.id, value: opts.value ?? '符合', note: opts.note ?? '', photos: [], base_version: version(i.id) },
      })),
      {
        name: 'outcome.set',
        args: {
          visit_id: visitId,
          dept,
          categories: opts.categories ?? ['未发现问题'],
          note: '',
          base_version: st.outcomes.find((o) => o.dept === dept)?.version ?? 0,
        },
      },
    ]
    if (opts.finish) {
      for (const m of st.visit.team.filter((x) => x.dept === dept && x.active !== false)) {
        const photo = await this.upload(phone.username, `${m.name}的签名 ${randomUUID()}`)
        muts.push({ name: 'signature.add', args: { id: randomUUID(), visit_id: visitId, kind: 'inspector', photo, dept, signer_id: m.user_id } })
      }
      muts.push({ name: 'dept.finish', args: { visit_id: visitId, dept } })
    }
    const fates = await phone.push(muts)
    expect(fates.map((f) => `${f.status} ${f.reason ?? ''}`.trim()), `${dept} part of ${visitId}`).toEqual(fates.map(() => 'applied'))
    return phone
  }

  /** upload stores bytes made of `text` as a photo (PUT /blobs/{sha256}) and returns its name. */
  async upload(as: string, text: string): Promise<string> {
    const bytes = Buffer.from(text)
    const sha = createHash('sha256').update(bytes).digest('hex')
    const { token } = await this.login(as)
    const res = await fetch(`${this.base}/api/v1/blobs/${sha}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      body: bytes,
    })
    if (res.status !== 201) throw new ApiError(res.status, await res.text(), `PUT /blobs/${sha}`)
    return sha
  }

  /**
   * completeVisit finishes every department not yet finished (its check
   * points, outcome, both inspectors' signatures, 本部门检查完毕), checks in
   * and records the entity's signature, all through the API as the team's
   * phones would; the server then completes the visit by itself.
   */
  async completeVisit(visitId: string): Promise<VisitState> {
    const st = await this.state(visitId)
    const finished = new Set((st.dept_finishes ?? []).map((f) => f.dept))
    let last: MobileClient | null = null
    for (const d of st.visit.departments.map(deptCode)) {
      if (!finished.has(d)) last = await this.answerDepartment(visitId, d, { finish: true })
    }
    if (!last) {
      const member = st.visit.team.find((m) => m.active !== false)!
      last = await this.mobileClient(await this.usernameOf(member))
    }
    const sig = await this.upload(last.username, `被检查单位签名 ${randomUUID()}`)
    const fates = await last.push([
      { name: 'visit.checkin', args: { id: randomUUID(), visit_id: visitId, lat: null, lng: null, accuracy: null } },
      {
        name: 'signature.add',
        args: { id: randomUUID(), visit_id: visitId, kind: 'entity', signer: '王经理', role: '负责人', phone: '13800000000', confirmed: true, photo: sig },
      },
      { name: 'visit.complete', args: { visit_id: visitId } },
    ])
    for (const f of fates) expect(f.status, f.reason).toBe('applied')
    const after = await this.state(visitId)
    expect(after.visit.status).toBe('complete')
    return after
  }

  /** blobComplete asks HEAD /blobs/{sha} whether the server has the whole photo. */
  async blobComplete(sha: string, as = 'office'): Promise<boolean> {
    const res = await this.raw(as, 'HEAD', `/blobs/${sha}`)
    return res.status === 200 && res.headers.get('upload-complete') === '?1'
  }
}

export interface Fate {
  seq: number
  status: 'applied' | 'conflict' | 'rejected'
  reason?: string
}

export class MobileClient {
  readonly id = randomUUID()
  private seq = 0

  constructor(
    private readonly api: Api,
    readonly username: string,
  ) {}

  async push(mutations: { name: string; args: Record<string, unknown> }[]): Promise<Fate[]> {
    const body = {
      client_id: this.id,
      schema_version: 1,
      mutations: mutations.map((m) => ({ seq: ++this.seq, id: randomUUID(), name: m.name, at: new Date().toISOString(), args: m.args })),
    }
    const res = await this.api.json<{ last_seq: number; results: Fate[] }>(this.username, 'POST', '/sync/push', body)
    return res.results
  }
}
