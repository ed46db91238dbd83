// The public record of each draw (DESIGN §8.7, issue 11 item 8): anyone,
// signed out, reads on /public/draws the task, the snapshot hash, the seed
// and how it was made, the algorithm and the counts of each stratum, with how
// to verify. A draw the office runs shows a server-made seed; the demo's
// draws, whose seeds were supplied, say so.
import { createHash } from 'node:crypto'
import { test, expect } from './fixtures'
import { DESK } from './devices'

interface DrawRecord {
  id: string
  seed: string
  seed_source: string
  seed_sha256?: string
  snapshot_hash: string
  drawn: number
  population: number
}

test('the public page lists each draw with its seed, its source and how to verify it', async ({ api, page, shot, browser, server }) => {
  const plans = await api.json<{ plans: { id: string; seq: number }[] }>('office', 'GET', '/plans?year=2024')
  const plan = plans.plans.find((p) => p.seq === 4)!
  const task = await api.json<{ id: string }>('office', 'POST', '/tasks', { plan_id: plan.id, region: '621021' })

  // A seed in the request is refused: the server makes it.
  const refused = await api.raw('office', 'POST', `/tasks/${task.id}/draw`, { seed: 'ab'.repeat(32) })
  expect(refused.status).toBe(400)
  const draw = await api.json<DrawRecord>('office', 'POST', `/tasks/${task.id}/draw`)
  expect(draw.seed_source).toBe('random')

  await page.goto('/public/draws')
  await expect(page.getByRole('heading', { name: '“双随机”抽取记录公示' })).toBeVisible()
  await expect(page.getByRole('heading', { name: '如何核验' })).toBeVisible()
  // The seed itself is withheld while the batch's visits are open (it would
  // name the entities before the inspectors arrive); its SHA-256 is shown.
  const commitment = createHash('sha256').update(Buffer.from(draw.seed, 'hex')).digest('hex')
  const item = page.getByTestId('public-draw').filter({ hasText: commitment })
  await expect(item.getByTestId('seed')).toHaveText('待本批次检查全部完成后公布')
  await expect(item).not.toContainText(draw.seed)
  await expect(item).toHaveCount(1)
  await expect(item).toContainText('第4项')
  await expect(item).toContainText('庆城县')
  await expect(item).toContainText(draw.snapshot_hash)
  await expect(item).toContainText('zsc-draw/1')
  await expect(item).toContainText(`共 ${draw.population} 户，抽取 ${draw.drawn} 户`)
  await expect(item.getByTestId('seed-source')).toHaveText('服务器在快照固定后随机生成')
  await expect(item.locator('.strata tbody tr').first()).toBeVisible()

  // The demo's draws were given fixed seeds: the page says so.
  const demo = page.getByTestId('public-draw').filter({ hasText: '第66项' })
  await expect(demo.getByTestId('seed-source')).toHaveText('种子由操作人指定，不能证明抽取未被操纵')

  // Nothing about the teams: no inspector's name.
  const text = await page.locator('body').innerText()
  for (const name of ['张检查', '刘检查', '陈卫监']) expect(text).not.toContain(name)
  await shot(page, 'public-draws-390.png')

  const desk = await browser.newContext({ ...DESK, baseURL: server.url, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  const wide = await desk.newPage()
  await wide.goto('/public/draws')
  await expect(wide.getByTestId('public-draw').filter({ hasText: commitment })).toHaveCount(1)
  await shot(wide, 'public-draws-1280.png')
  // The results page links here.
  await wide.goto('/public')
  await wide.getByRole('link', { name: '抽取记录公示与核验方法 ›' }).click()
  await expect(wide).toHaveURL(/\/public\/draws$/)
  await desk.close()
})
