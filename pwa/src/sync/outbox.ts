// Making a change on the phone: every change is a mutation in the outbox
// (DESIGN §5 step 2), written with its local effect in one transaction
// (src/db/outbox.ts) and sent by the engine when the network allows.
import { appendMutation } from '../db/outbox'
import type { RowStore } from '../db/rows'
import { clientId, getSession } from '../db/meta'
import type { MutationName, OutboxEntry } from '../db/types'
import { nowISO } from '../format/date'
import { uuidv7 } from '../ids/uuid'
import { runMutator, type MutationArgs, type MutationContext } from './mutators'

type Listener = (e: OutboxEntry) => void
const listeners = new Set<Listener>()

/** onMutation calls fn after every new mutation (the engine schedules a push). */
export function onMutation(fn: Listener): () => void {
  listeners.add(fn)
  return () => listeners.delete(fn)
}

/** mutationContext is who and where a mutation is made. */
export async function mutationContext(): Promise<Omit<MutationContext, 'at' | 'mutation_id'>> {
  const s = await getSession()
  return { user_id: s?.user.id ?? '', client_id: await clientId() }
}

/**
 * mutate records a change. It never waits for the network: offline, the
 * change is on screen at once and waits in the outbox as 待同步.
 */
export async function mutate<N extends MutationName>(
  name: N,
  args: MutationArgs[N] | ((rows: RowStore) => Promise<MutationArgs[N]>),
  visitId: string,
): Promise<OutboxEntry> {
  const base = await mutationContext()
  const at = nowISO()
  const id = uuidv7()
  const entry = await appendMutation(
    { name, args: args as never, at, id, visit_id: visitId },
    (rows, e) => runMutator(name, e.args, rows, { ...base, at, mutation_id: id }),
  )
  listeners.forEach((fn) => fn(entry))
  return entry
}

/** replayer returns the function that re-applies a pending mutation on top of a pull. */
export function replayer(base: Omit<MutationContext, 'at' | 'mutation_id'>) {
  return (e: OutboxEntry, rows: RowStore) => runMutator(e.name, e.args, rows, { ...base, at: e.at, mutation_id: e.id })
}
