// 名录库 at the desk (issue 12 item 2), 1280×800: the 联席办 uploads three
// new entities of 西峰区 (valid USCCs, new to the demo), reads the preview —
// 新增 3 and the county's entities the file leaves out (never deleted) —
// with nothing written, confirms, and finds one by its name with its detail;
// previews a change of one of them (信用风险分类 B → C, field by field) and
// cancels it, nothing changed. An inspector file with two bad rows shows
// both in the row error table and writes nothing; the fixed file adds two
// inspectors. A 回避 file pairing insp2 and a new inspector with a new
// entity is previewed, imported, listed in 回避名单 and shown on each
// inspector's detail, the new one's with its 执法证号 and 专业领域.
import { DESK } from './devices'
import { expect, signIn, test } from './fixtures'

test.use({ ...DESK })

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i

// GB 32100-2015, as schema/uscc.go computes the check character.
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
function uscc(first17: string): string {
  const sum = [...first17].reduce((s, c, i) => s + ALPHABET.indexOf(c) * WEIGHTS[i], 0)
  return first17 + ALPHABET[(31 - (sum % 31)) % 31]
}

const NEW = [
  { uscc: uscc('91621002MAE7K3001'), name: '庆阳市西峰区新禾餐饮管理有限公司', address: '西峰区南大街18号', risk: 'B' },
  { uscc: uscc('92621002MAE7K3002'), name: '西峰区北街口面馆', address: '西峰区北大街7号', risk: 'A' },
  { uscc: uscc('91621002MAE7K3003'), name: '庆阳市西峰区百味食品有限公司', address: '西峰区长庆大道66号', risk: 'C' },
]

interface EntityPage {
  total: number
  items: { uscc: string; name: string; risk: string; address: string; tags: string[]; region: string }[]
}

const csv = (lines: string[]) => Buffer.from('\ufeff' + lines.join('\r\n') + '\r\n', 'utf8')

test('the 联席办 imports entities, an inspector file is refused by row, and a 回避 shows on the inspector', async ({ api, page, shot }) => {
  test.setTimeout(150_000)
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))

  // The demo's 西峰区: how many entities, and a 检查对象 tag of its own to give the new ones.
  const before = await api.json<EntityPage>('office', 'GET', '/entities?region=621002&size=1')
  const tag = before.items[0].tags[0]
  for (const e of NEW) expect((await api.json<EntityPage>('office', 'GET', `/entities?q=${e.uscc}`)).total).toBe(0)

  await signIn(page, 'office', /\/office$/)
  // The desk's navigation has the screen under 计划与名录.
  await page.getByTestId('desk-frame').getByText('名录库', { exact: true }).click()
  await expect(page).toHaveURL(/\/office\/directory/)
  const all = await api.json<EntityPage>('office', 'GET', '/entities?size=1')
  await expect(page.getByTestId('dir-entities-total')).toHaveText(`共 ${all.total} 户`)

  // 1. Entities: preview, nothing written, confirm, found.
  const header = 'uscc,name,region,address,tags,risk,status,lat,lng,flags'
  const entityFile = csv([header, ...NEW.map((e) => [e.uscc, e.name, '621002', e.address, tag, e.risk, '存续', '', '', ''].join(','))])
  await page.getByTestId('dir-entities-file').setInputFiles({ name: '西峰区新增主体.csv', mimeType: 'text/csv', buffer: entityFile })
  // The server's answer is held back a moment, so that the progress bar can be seen.
  let release = () => {}
  const held = new Promise<void>((r) => (release = r))
  await page.route('**/api/v1/entities/import?dry_run=1', async (route) => {
    await held
    await route.continue()
  })
  await page.getByTestId('dir-entities-preview').click()
  const progress = page.getByTestId('dir-entities-progress')
  await expect(progress).toBeVisible()
  await expect(progress).toContainText(/正在上传|服务器正在检查并比对/)
  release()
  await expect(progress).toHaveCount(0)
  await page.unroute('**/api/v1/entities/import?dry_run=1')
  const box = page.getByTestId('dir-entities-preview-box')
  await expect(box).toBeVisible()
  await expect(box).toHaveAttribute('data-created', '3')
  await expect(page.getByTestId('dir-entities-preview-summary')).toHaveText(`新增 3 户，变更 0 户，不变 0 户，文件中未列出 ${before.total} 户`)
  const added = page.getByTestId('dir-entities-added').getByTestId('dir-added-row')
  await expect(added).toHaveCount(3)
  await expect(added.nth(0)).toHaveAttribute('data-key', NEW[0].uscc)
  await expect(added.nth(0)).toContainText('第 2 行')
  await expect(added.nth(0)).toContainText(NEW[0].name)
  await expect(added.nth(0)).toContainText('西峰区')
  await expect(added.nth(0)).toContainText('B 类 · 存续')
  await expect(box).toContainText(`文件中未列出（不会删除） ${before.total} 户`)
  await expect(page.getByTestId('dir-entities-absent').getByTestId('dir-absent-row')).toHaveCount(Math.min(50, before.total))
  expect(await page.locator('body').innerText()).not.toMatch(UUID)
  await shot(page, 'desk-directory-preview.png')
  expect((await api.json<EntityPage>('office', 'GET', `/entities?q=${NEW[0].uscc}`)).total).toBe(0)

  await page.getByTestId('dir-entities-confirm').click()
  await expect(page.getByTestId('dir-entities-result')).toHaveText(/已导入检查对象名录库：新增 3 户，变更 0 户，不变 0 户/)
  await expect(box).toHaveCount(0)
  const stored = await api.json<EntityPage>('office', 'GET', `/entities?q=${NEW[0].uscc}`)
  expect(stored.items.map((e) => [e.name, e.risk, e.region])).toEqual([[NEW[0].name, 'B', '621002']])

  await page.getByTestId('dir-entities-q').fill('新禾餐饮')
  await page.getByTestId('dir-entities-search').click()
  await expect(page.getByTestId('dir-entities-total')).toHaveText('共 1 户')
  const row = page.locator(`[data-testid="dir-entity-row"][data-uscc="${NEW[0].uscc}"]`)
  await expect(row).toContainText(NEW[0].name)
  await expect(row).toContainText('B 类')
  await row.click()
  const detail = page.getByTestId('dir-detail')
  await expect(detail).toContainText(NEW[0].uscc)
  await expect(detail).toContainText(NEW[0].address)
  await expect(page.getByTestId('dir-detail-risk')).toHaveText('B 类（一般风险）')
  await expect(detail).toContainText(tag)
  await shot(page, 'desk-directory-entity.png')
  await detail.locator('.van-popup__close-icon').click()
  await expect(detail).toHaveCount(0)

  // A change of our own new entity, field by field; 取消 writes nothing.
  const changed = csv([header, [NEW[0].uscc, NEW[0].name, '621002', '西峰区南大街20号', tag, 'C', '存续', '', '', ''].join(',')])
  await page.getByTestId('dir-entities-file').setInputFiles({ name: '风险分类调整.csv', mimeType: 'text/csv', buffer: changed })
  await page.getByTestId('dir-entities-preview').click()
  await expect(box).toHaveAttribute('data-updated', '1')
  const change = page.getByTestId('dir-entities-changed').getByTestId('dir-changed-row')
  await expect(change).toHaveCount(1)
  await expect(change.locator('[data-field="risk"]')).toHaveText(/信用风险分类：\s*B\s*→\s*C/)
  await expect(change.locator('[data-field="address"]')).toHaveText(/地址：\s*西峰区南大街18号\s*→\s*西峰区南大街20号/)
  await shot(page, 'desk-directory-changes.png')
  await page.getByTestId('dir-entities-cancel').click()
  await expect(box).toHaveCount(0)
  expect((await api.json<EntityPage>('office', 'GET', `/entities?q=${NEW[0].uscc}`)).items[0].risk).toBe('B')

  // 2. Inspectors: a file with two bad rows is refused whole, every row shown.
  await page.getByRole('tab', { name: '执法检查人员名录库' }).click()
  await expect(page).toHaveURL(/tab=inspectors/)
  const inspectorFile = csv([
    'username,name,dept,region,cert_no,specialities,expert,on_duty',
    'scjg-621002-91,赵新民,scjg,621002,62621002009101,食品安全|计量,否,是',
    'scjg-621002-92,钱小红,xyz,621002,,特种设备,否,是',
    'scjg-621002-93,孙立,scjg,621002,62621002009103,食品安全,也许,是',
  ])
  await page.getByTestId('dir-inspectors-file').setInputFiles({ name: '西峰区执法人员.csv', mimeType: 'text/csv', buffer: inspectorFile })
  await page.getByTestId('dir-inspectors-preview').click()
  const errBox = page.getByTestId('dir-inspectors-errors')
  await expect(errBox).toBeVisible()
  await expect(errBox).toContainText('文件有 2 处错误，未导入任何内容')
  const errRows = errBox.getByTestId('dir-error-row')
  await expect(errRows).toHaveCount(2)
  await expect(errRows.nth(0).locator('td').nth(0)).toHaveText('第 3 行')
  await expect(errRows.nth(0).locator('td').nth(1)).toHaveText('部门')
  await expect(errRows.nth(0).locator('td').nth(2)).toContainText('未知的部门代码 xyz')
  await expect(errRows.nth(1).locator('td').nth(0)).toHaveText('第 4 行')
  await expect(errRows.nth(1).locator('td').nth(1)).toHaveText('专家')
  await expect(errRows.nth(1).locator('td').nth(2)).toContainText('也许')
  await expect(page.getByTestId('dir-inspectors-preview-box')).toHaveCount(0)
  await shot(page, 'desk-directory-errors.png')
  expect((await api.json<{ total: number }>('office', 'GET', '/inspectors?q=scjg-621002-9')).total).toBe(0)

  // The fixed file: 2 new inspectors with their tags, previewed and imported.
  const fixedFile = csv([
    'username,name,dept,region,cert_no,specialities,expert,on_duty',
    'scjg-621002-91,赵新民,scjg,621002,62621002009101,食品安全|计量,否,是',
    'scjg-621002-93,孙立,scjg,621002,62621002009103,食品安全,否,是',
  ])
  await page.getByTestId('dir-inspectors-file').setInputFiles({ name: '西峰区执法人员（改正）.csv', mimeType: 'text/csv', buffer: fixedFile })
  await expect(errBox).toHaveCount(0)
  await page.getByTestId('dir-inspectors-preview').click()
  const ibox = page.getByTestId('dir-inspectors-preview-box')
  await expect(ibox).toHaveAttribute('data-created', '2')
  const newInsp = ibox.getByTestId('dir-added-row')
  await expect(newInsp).toHaveCount(2)
  await expect(newInsp.nth(0)).toContainText('赵新民')
  await expect(newInsp.nth(0)).toContainText('市市场监管局')
  await expect(newInsp.nth(0)).toContainText('62621002009101')
  await page.getByTestId('dir-inspectors-confirm').click()
  await expect(page.getByTestId('dir-inspectors-result')).toContainText('新增 2 名')
  expect((await api.json<{ total: number }>('office', 'GET', '/inspectors?q=scjg-621002-9')).total).toBe(2)

  // 3. 回避: insp2 and the new entity; previewed, imported, listed.
  await page.getByRole('tab', { name: '回避名单' }).click()
  const conflictFile = csv(['inspector,uscc,reason', `insp2,${NEW[0].uscc},亲属关系`, `scjg-621002-91,${NEW[0].uscc},曾任职`])
  await page.getByTestId('dir-conflicts-file').setInputFiles({ name: '回避名单.csv', mimeType: 'text/csv', buffer: conflictFile })
  await page.getByTestId('dir-conflicts-preview').click()
  const cbox = page.getByTestId('dir-conflicts-preview-box')
  await expect(cbox).toHaveAttribute('data-created', '2')
  const pair = cbox.getByTestId('dir-added-row')
  await expect(pair).toHaveCount(2)
  await expect(pair.nth(0)).toContainText('刘检查')
  await expect(pair.nth(0)).toContainText(NEW[0].name)
  await expect(pair.nth(0)).toContainText('亲属关系')
  await shot(page, 'desk-directory-recusals.png')
  await page.getByTestId('dir-conflicts-confirm').click()
  await expect(page.getByTestId('dir-conflicts-result')).toContainText('新增 2 条')
  const listed = page.locator(`[data-testid="dir-conflict-row"][data-username="insp2"][data-uscc="${NEW[0].uscc}"]`)
  await expect(listed).toContainText('亲属关系')

  // On insp2's detail in the inspector directory.
  await page.getByRole('tab', { name: '执法检查人员名录库' }).click()
  await page.getByTestId('dir-inspectors-q').fill('insp2')
  await page.getByTestId('dir-inspectors-search').click()
  await expect(page.getByTestId('dir-inspectors-total')).toHaveText('共 1 名')
  await page.locator('[data-testid="dir-inspector-row"][data-username="insp2"]').click()
  const idetail = page.getByTestId('dir-detail')
  await expect(idetail).toContainText('刘检查')
  const rec = idetail.locator(`[data-testid="dir-detail-conflict"][data-uscc="${NEW[0].uscc}"]`)
  await expect(rec).toContainText(NEW[0].name)
  await expect(rec).toContainText('亲属关系')
  await idetail.locator('.van-popup__close-icon').click()
  await expect(idetail).toHaveCount(0)

  // And on the new inspector's, with the tags: 执法证号 and 专业领域.
  await page.getByTestId('dir-inspectors-q').fill('赵新民')
  await page.getByTestId('dir-inspectors-tag').fill('计量')
  await page.getByTestId('dir-inspectors-search').click()
  await expect(page.getByTestId('dir-inspectors-total')).toHaveText('共 1 名')
  await page.locator('[data-testid="dir-inspector-row"][data-username="scjg-621002-91"]').click()
  await expect(page.getByTestId('dir-detail-cert')).toHaveText('62621002009101')
  await expect(page.getByTestId('dir-detail-specialities')).toHaveText(/食品安全\s*计量/)
  await expect(idetail.locator(`[data-testid="dir-detail-conflict"][data-uscc="${NEW[0].uscc}"]`)).toContainText('曾任职')
  expect(await page.locator('body').innerText()).not.toMatch(UUID)
  await shot(page, 'desk-directory-detail.png')
  await idetail.locator('.van-popup__close-icon').click()

  // On a tablet (768 px) the tabs, the upload and the list fit: tables scroll inside, the page does not.
  await page.setViewportSize({ width: 768, height: 1024 })
  await page.getByRole('tab', { name: '检查对象名录库' }).click()
  await expect(page.getByTestId('dir-entities-file')).toBeAttached()
  await expect(page.getByTestId('dir-entities-search')).toBeVisible()
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(768)
  expect(errors).toEqual([])
})
