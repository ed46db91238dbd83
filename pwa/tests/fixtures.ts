// Small fixtures for the sync tests: one signed-in inspector and one visit.
import { saveSession, setMeta, META } from '../src/db/meta'
import { applyPull, type ChangeEntry } from '../src/db/pull'
import { toTarget } from '../src/sync/changes'
import { mutationContext, replayer } from '../src/sync/outbox'

export const USER = { id: 'u-insp1', username: 'insp1', name: '张三', role: 'inspector' as const, dept: 'scjg', region: '621002' }
export const CLIENT = '0190d5a0-0000-7000-8000-00000000abcd'

export async function signIn() {
  await saveSession({
    access_token: 'a',
    access_expires_at: Date.now() + 3600_000,
    refresh_token: 'r',
    refresh_expires_at: Date.now() + 86400_000,
    user: USER,
  })
  await setMeta(META.clientId, CLIENT)
}

export const VISIT_ID = 'v-1'

export function visitChange(): ChangeEntry {
  return {
    kind: 'visit',
    op: 'put',
    id: VISIT_ID,
    data: {
      task_id: 't-1',
      scheduled_on: '2024-06-03',
      status: 'open',
      entity: { id: 'e-1', name: '庆阳市西峰区好味食品店', uscc: '91621002MA00000001', address: '西峰区南大街1号' },
      team: [
        { user_id: 'u-insp1', name: '张三', dept: 'scjg' },
        { user_id: 'u-insp2', name: '李四', dept: 'scjg' },
        { user_id: 'u-insp3', name: '王五', dept: 'wjw' },
      ],
      departments: ['scjg', 'wjw'],
      checklist: [
        { id: 'i-1', dept: 'scjg', ord: 1, name: '食品经营许可证是否有效', class: '一般检查' },
        { id: 'i-2', dept: 'scjg', ord: 2, name: '从业人员健康证明', class: '重点检查' },
        { id: 'i-3', dept: 'wjw', ord: 1, name: '卫生许可证', class: '一般检查' },
      ],
    },
  }
}

export function resultChange(itemId: string, value: string, version: number, by = 'u-insp2'): ChangeEntry {
  return {
    kind: 'item_result',
    op: 'put',
    id: itemId,
    data: { item_id: itemId, visit_id: VISIT_ID, dept: 'scjg', value, note: '', photos: [], version, user_id: by, updated_at: '2024-06-03T02:00:00.000Z' },
  }
}

/** pullPage applies one pull page the way the engine does. */
export async function pullPage(page: { cursor: number; last_seq: number; changes: ChangeEntry[]; bootstrap?: boolean }) {
  const replay = replayer(await mutationContext())
  await applyPull(page, { toTarget, replay, at: '2024-06-03T10:00:00.000+08:00' })
}
