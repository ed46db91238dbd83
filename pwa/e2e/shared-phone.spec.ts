// A shared phone (issue 11 item 1, DESIGN §8.1): insp1 records results with
// no signal, his session ends (the refresh token expired), insp2 signs in on
// the same phone and is told whose work waits; insp2 signs out; insp1 signs
// in again and his work reaches the server. Before the fix, insp2's sign-in
// deleted insp1's outbox: nothing reached the server.
import { answer, expect, item, openVisit, signIn, test, waitSynced } from './fixtures'
import { photoFile } from './images'

test("another user's sign-in keeps insp1's unsynced work, and it syncs when insp1 signs in again", async ({ api, phone, shot }) => {
  const me = await api.userId('insp1')
  const visits = [...(await api.planVisits(7)), ...(await api.planVisits(66))]
  const visit = visits.find((v) => v.status === 'open' && v.team.some((m) => m.user_id === me && m.active !== false))!
  expect(visit, 'insp1 has an open demo visit').toBeTruthy()
  const mine = visit.items.filter((i) => i.dept === 'scjg').sort((a, b) => a.ord - b.ord).slice(0, 3)
  expect(mine).toHaveLength(3)
  const before = await api.state(visit.id, 'lead')
  for (const it of mine) expect(before.results.find((r) => r.item_id === it.id), 'the item is unanswered on the server').toBeUndefined()

  const { page, context } = await phone('insp1')
  await openVisit(page, visit.id)
  await context.setOffline(true)
  await expect(page.getByTestId('sync-status')).toHaveAttribute('data-state', 'offline')
  await answer(page, mine[0].id, '不符合')
  const note = item(page, mine[0].id).getByTestId(`item-${mine[0].id}-note`).locator('textarea')
  await note.fill('未在显著位置公示食品经营许可证')
  await note.blur()
  await page.getByTestId(`photo-input-${mine[0].id}`).setInputFiles(photoFile(11))
  await expect(item(page, mine[0].id).locator('.thumb .badge')).toHaveText('待传')
  await answer(page, mine[1].id, '符合')
  await answer(page, mine[2].id, '不涉及')
  const status = page.getByTestId('sync-status')
  // A tap shows its answer before IndexedDB holds it: wait until each point
  // says 待同步, then take the count the outbox holds, which the status must say.
  for (const it of mine) await expect(item(page, it.id).getByText('待同步', { exact: true })).toBeVisible()
  const waiting = await page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open('zsc')
        open.onerror = () => reject(open.error)
        open.onsuccess = () => {
          const count = open.result.transaction('outbox').objectStore('outbox').count()
          count.onsuccess = () => {
            open.result.close()
            resolve(count.result)
          }
          count.onerror = () => reject(count.error)
        }
      }),
  )
  await expect(status).toHaveText(`离线 · 待同步 ${waiting} 条`)
  expect(waiting).toBeGreaterThanOrEqual(3)

  // insp1's session ends while the work is still on the phone: days later,
  // both of his tokens have expired.
  await page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('zsc')
        open.onerror = () => reject(open.error)
        open.onsuccess = () => {
          const tx = open.result.transaction('meta', 'readwrite')
          const store = tx.objectStore('meta')
          const get = store.get('session')
          get.onsuccess = () => store.put({
              ...get.result,
              value: { ...get.result.value, access_token: 'expired', access_expires_at: 0, refresh_token: 'expired', refresh_expires_at: 0 },
            })
          tx.oncomplete = () => {
            open.result.close()
            resolve()
          }
          tx.onerror = () => reject(tx.error)
        }
      }),
  )
  await page.reload()
  await expect(page).toHaveURL(/\/login/)
  await context.setOffline(false)

  // The login screen says whose work waits, and how much.
  const notice = `本机有 张检查 尚未上传的 ${waiting} 条记录和 1 张照片，张检查登录后会自动上传`
  await expect.soft(page.getByTestId('waiting-work')).toHaveText(notice)
  await shot(page, 'login-waiting-work.png')

  // insp2 signs in on the same phone and syncs: none of insp1's work goes out under insp2.
  await signIn(page, 'insp2')
  await waitSynced(page)
  const during = await api.state(visit.id, 'lead')
  for (const it of mine) expect(during.results.find((r) => r.item_id === it.id)).toBeUndefined()

  // insp2 signs out; insp1's work is still waiting.
  await page.goto('/me')
  await page.getByTestId('logout-button').click()
  await page.locator('.van-dialog').getByRole('button', { name: '退出' }).click()
  await expect(page).toHaveURL(/\/login/)
  await expect.soft(page.getByTestId('waiting-work')).toHaveText(notice)

  // insp1 signs in again: his work syncs.
  await signIn(page, 'insp1')
  await waitSynced(page)
  const after = await api.state(visit.id, 'lead')
  const results = Object.fromEntries(after.results.map((r) => [r.item_id, r]))
  expect(results[mine[0].id]?.value).toBe('不符合')
  expect(results[mine[0].id]?.note).toBe('未在显著位置公示食品经营许可证')
  expect(results[mine[1].id]?.value).toBe('符合')
  expect(results[mine[2].id]?.value).toBe('不涉及')
  for (const it of mine) expect(results[it.id]?.channel).toBe('mobile')
  expect(results[mine[0].id].photos).toHaveLength(1)
  await expect.poll(() => api.blobComplete(results[mine[0].id].photos[0])).toBe(true)
  await openVisit(page, visit.id)
  await expect(item(page, mine[0].id)).toHaveAttribute('data-value', '不符合')
})
