// Reference data: departments and regions, fetched when online.
import { db } from './index'
import type { Department, Region } from './types'

/** putDepartments replaces the department list. Offline: not called; the last list stays. */
export async function putDepartments(list: Department[]): Promise<void> {
  await db.transaction('rw', db.departments, async () => {
    await db.departments.clear()
    await db.departments.bulkPut(list)
  })
}

/** putRegions replaces the region list. Offline: not called; the last list stays. */
export async function putRegions(list: Region[]): Promise<void> {
  await db.transaction('rw', db.regions, async () => {
    await db.regions.clear()
    await db.regions.bulkPut(list)
  })
}
