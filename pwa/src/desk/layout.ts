// The desk's frame: when the side navigation replaces the phone's tab bar,
// which sections a role sees, in which groups, and which one is active.
// Kept apart from the components so that the rules are tested alone.
import { onBeforeUnmount, ref, type Ref } from 'vue'
import { deskSections, type DeskSection } from './nav'

/** The roles that work at a desk; inspectors keep the phone's frame at every width. */
export const DESK_ROLES = ['office', 'lead', 'admin']

/** The width from which a desk role gets the side navigation (a tablet, 768 px, keeps the tab bar). */
export const DESK_MIN_WIDTH = 1024

/** The groups in the order the navigation lists them. */
export const GROUP_ORDER: DeskSection['group'][] = ['工作台', '计划与名录', '任务与抽取', '检查与结果', '系统']

export function isDeskRole(role: string | undefined): boolean {
  return !!role && DESK_ROLES.includes(role)
}

/** sectionsFor lists the sections a role sees, in the list's order. */
export function sectionsFor(role: string | undefined, sections: DeskSection[] = deskSections): DeskSection[] {
  if (!role) return []
  return sections.filter((s) => s.roles.includes(role))
}

/** groupsFor groups a role's sections in GROUP_ORDER, leaving out empty groups. */
export function groupsFor(
  role: string | undefined,
  sections: DeskSection[] = deskSections,
): { group: DeskSection['group']; items: DeskSection[] }[] {
  const mine = sectionsFor(role, sections)
  return GROUP_ORDER.map((group) => ({ group, items: mine.filter((s) => s.group === group) })).filter((g) => g.items.length > 0)
}

/**
 * activeSection is the section a path belongs to: the longest `to` that is
 * the path or a parent of it, so that /office/entry is 录入纸质结果 and not
 * 工作台, and /lead/tasks/7 is 任务安排.
 */
export function activeSection(path: string, sections: DeskSection[]): DeskSection | undefined {
  let best: DeskSection | undefined
  for (const s of sections) {
    if (path === s.to || path.startsWith(s.to.endsWith('/') ? s.to : `${s.to}/`)) {
      if (!best || s.to.length > best.to.length) best = s
    }
  }
  return best
}

/** useMinWidth follows a min-width media query (the window is resized, a tablet turns). */
export function useMinWidth(px: number): Ref<boolean> {
  const query = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia(`(min-width: ${px}px)`) : null
  const matches = ref(query?.matches ?? false)
  if (query) {
    const onChange = (e: MediaQueryListEvent) => (matches.value = e.matches)
    query.addEventListener('change', onChange)
    onBeforeUnmount(() => query.removeEventListener('change', onChange))
  }
  return matches
}
