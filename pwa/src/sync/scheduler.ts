// When the next sync runs (DESIGN §5 step 7), as a small class with its
// clock and its effects passed in, so that tests drive it with fake timers
// (tests/scheduler.test.ts). ./triggers.ts wires it to the browser:
//   1. events run a sync at once: app open, 'online', the app becoming
//      visible, a tap on the indicator; a change runs one 800 ms later
//      (several quick taps go out together);
//   2. after a failed run (server unreachable or refusing) the next try
//      waits 2 s, 5 s, 15 s, 60 s, then every 60 s, and the time it is due
//      is saved so that every tab shows "12 秒后重试";
//   3. after a good run, a phone open on screen pulls again every 3 minutes
//      even with nothing to send, so the lead's changes arrive;
//   4. offline nothing is planned: the 'online' event starts the next run.
// Every finished run reports to afterRun(), whoever started it (a timer,
// an event, the 同步 button), so the backoff counts every failure once.
import { PERIODIC_PULL_MS, failed, retryDelay, type RunOutcome } from './status'

export interface SchedulerDeps {
  /** run syncs now (joining a run in progress) and resolves with its outcome. */
  run: () => Promise<RunOutcome>
  online: () => boolean
  visible: () => boolean
  /** save shares the backoff with every tab (the indicator's countdown). */
  save: (patch: { failures: number; next_retry_at: number | null }) => unknown
  now?: () => number
}

/** How long after a change its sync starts. */
export const CHANGE_DEBOUNCE_MS = 800

export class SyncScheduler {
  /** Failed runs in a row. */
  failures = 0
  /** When the planned run is due (epoch ms), or null. */
  nextAt: number | null = null
  /** Why the planned run is due: a retry after a failure, or the periodic pull. */
  nextKind: 'retry' | 'periodic' | null = null
  private timer: ReturnType<typeof setTimeout> | undefined
  private debounce: ReturnType<typeof setTimeout> | undefined
  private readonly now: () => number

  constructor(private readonly deps: SchedulerDeps) {
    this.now = deps.now ?? Date.now
  }

  /** trigger runs a sync now, instead of the planned one. */
  trigger(): Promise<RunOutcome> {
    this.cancel()
    return this.deps.run()
  }

  /** changed asks for a sync shortly after a local change. */
  changed(): void {
    clearTimeout(this.debounce)
    this.debounce = setTimeout(() => void this.trigger(), CHANGE_DEBOUNCE_MS)
  }

  /** online: the network is back, try at once (the backoff starts over). */
  online(): void {
    this.failures = 0
    void this.trigger()
  }

  /** visible: the app came to the screen, sync at once so that it shows the latest. */
  visible(): void {
    void this.trigger()
  }

  /** afterRun plans the next run from the outcome of the one that just ended. */
  afterRun(o: RunOutcome): void {
    this.cancel()
    if (failed(o)) {
      this.failures++
      this.plan(retryDelay(this.failures), 'retry')
    } else {
      this.failures = 0
      // Offline or signed out: nothing to plan; 'online' or a login starts the next run.
      if (o.kind === 'ok') this.plan(PERIODIC_PULL_MS, 'periodic')
    }
    void this.deps.save({ failures: this.failures, next_retry_at: this.nextKind === 'retry' ? this.nextAt : null })
  }

  /** retryIn is the wait until the planned retry, or null when none is planned. */
  retryIn(): number | null {
    return this.nextKind === 'retry' && this.nextAt !== null ? Math.max(0, this.nextAt - this.now()) : null
  }

  /** stop cancels every planned run (logout, tests). */
  stop(): void {
    this.cancel()
    clearTimeout(this.debounce)
  }

  private plan(ms: number, kind: 'retry' | 'periodic'): void {
    this.nextAt = this.now() + ms
    this.nextKind = kind
    this.timer = setTimeout(() => this.fire(kind), ms)
  }

  private cancel(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.nextAt = null
    this.nextKind = null
  }

  private fire(kind: 'retry' | 'periodic'): void {
    this.timer = undefined
    this.nextAt = null
    this.nextKind = null
    // Offline: the 'online' event runs the next sync.
    if (!this.deps.online()) return
    // The periodic pull is for a phone someone looks at; the visibility event catches up.
    if (kind === 'periodic' && !this.deps.visible()) return
    void this.deps.run()
  }
}
