// The conflict records and team of the visit on screen, handed down to every
// ConflictNote of its check points without threading props through each
// level (ChecklistView provides them; a note outside a visit's page reads
// them itself).
import { inject, provide, type InjectionKey, type Ref } from 'vue'
import type { Conflict, TeamMember } from '../db/types'

export interface ConflictContext {
  conflicts: Ref<Conflict[]>
  team: Ref<TeamMember[]>
}

const KEY: InjectionKey<ConflictContext> = Symbol('visit-conflicts')

/** provideConflicts makes a visit's conflicts and team available to the ConflictNotes below. */
export function provideConflicts(conflicts: Ref<Conflict[]>, team: Ref<TeamMember[]>): void {
  provide(KEY, { conflicts, team })
}

/** injectConflicts returns what an ancestor provided, or null. */
export function injectConflicts(): ConflictContext | null {
  return inject(KEY, null)
}
