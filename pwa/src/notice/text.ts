// The text of a 责令改正通知书 (R11), built in one place so that the form's
// preview, the printed notice, its 存根 and the shared text say the same.
//
// What a legal reviewer checks, and why it is built this way:
// - The issuer is the authority's full name (执法主体全称, 庆阳市市场监督管理局),
//   never the department's short name or "我单位".
// - Each failed check point is one numbered problem: the inspector's finding,
//   then "上述行为违反了《…》第…条的规定" with the provision the entity
//   violated (违反条款, from the point's template).
// - 《中华人民共和国行政处罚法》第二十八条第一款 is the AUTHORITY's basis for
//   ordering correction, never something an entity violates. The 2021 text
//   (修订 2021-01-22, in force 2021-07-15) reads: "行政机关实施行政处罚时，
//   应当责令当事人改正或者限期改正违法行为。" (read aloud with the full text at
//   https://m.ximalaya.com/sound/645154324; quoted as 第二十八条第一款 at
//   https://law.idocdown.com/app/articles/blogs/detail/2633?category=1 and
//   https://www.lawparks.com/ask/what-kind-of-letter-rectify). So it appears
//   only in "依据…的规定，现责令你单位于…前改正上述违法行为", and a point whose
//   violation cites it is refused.
// - The layout (heading, number 庆市监责改〔2024〕12号, addressee, 经查 / 上述行为
//   违反了 / 依据…现责令, remedies, seal and date) follows the 责令改正通知书
//   of the 市场监督管理行政处罚文书格式范本（2021年修订版）, 国市监法发〔2021〕42号
//   (http://gkml.samr.gov.cn/nsjg/fgs/202107/t20210723_333003.html, listed at
//   http://www.law-lib.com/law/law_view.asp?id=725529).
// - The remedies line gives the periods of 行政复议法 (六十日, 2023 修订 第二十条)
//   and 行政诉讼法 第四十六条 (直接起诉 "应当自知道或者应当知道作出行政行为之日起
//   六个月内提出", https://laweer.com/question/d065bd312e3d7.html); it names no
//   复议机关 or court, which differ by department.
import { cnDate } from '../format/date'

/** The authority's basis for ordering correction: never a violated provision. */
export const CORRECTION_BASIS = '《中华人民共和国行政处罚法》第二十八条第一款'
export const TITLE = '责令改正通知书'
export const INTRO = '经查，你单位存在以下问题：'
export const CLOSING_OVERDUE = '逾期不改正的，本机关将依法处理。'
export const CLOSING_REMEDIES = '如不服本通知，可以在收到本通知书之日起六十日内依法申请行政复议，或者在六个月内依法向人民法院提起行政诉讼。'
/** Roles of the entity's signer that make them the 负责人 printed on the notice. */
export const PRINCIPAL_ROLES = ['负责人', '法定代表人']

/** A failed check point as the notice cites it. */
export interface NoticePoint {
  item_id: string
  /** The check point's text (检查内容), shown on the form beside the finding. */
  name: string
  /** What was found: the inspector's note, or the template's notice wording. */
  finding: string
  /** The provision violated (违反条款): 《中华人民共和国食品安全法》第四十五条第一款. */
  violation: string
}

/** The fields of a checklist item the notice reads (the visit record's check point). */
export interface CheckPointLike {
  id: string
  name: string
  violation?: string
  notice_text?: string
}

export interface NoticeInspector {
  name: string
  cert_no: string
}

/** findingOf is what a point's problem line says: the note, else the template's wording. */
export function findingOf(point: CheckPointLike, note: string | undefined): string {
  return oneLine(note || '') || oneLine(point.notice_text || '')
}

/** oneLine folds a text to one line (a finding is one numbered line of the notice). */
export function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, ' ').trim()
}

/**
 * cleanViolation trims what a template or an inspector may have written
 * around the provision ("违反了…的规定。"), so that the sentence the notice
 * builds reads once: 上述行为违反了《…》第…条的规定。
 */
export function cleanViolation(v: string): string {
  return oneLine(v)
    .replace(/^(上述行为)?违反了?/, '')
    .replace(/[。；;，,\s]+$/, '')
    .replace(/的?规定$/, '')
    .trim()
}

/** violationSentence is the line under a problem. */
export function violationSentence(violation: string): string {
  return `上述行为违反了${cleanViolation(violation)}的规定。`
}

/** citesCorrectionBasis says whether a violation names the 行政处罚法, which an entity cannot violate here. */
export function citesCorrectionBasis(violation: string): boolean {
  return /行政处罚法/.test(violation)
}

/** orderSentence is the order to correct, on the authority's basis, by the deadline. */
export function orderSentence(deadline: string): string {
  return `依据${CORRECTION_BASIS}的规定，现责令你单位于${cnDate(deadline)}前改正上述违法行为。`
}

/** periodText is the 整改期限 as the notice and its stub print it. */
export function periodText(days: number, deadline: string): string {
  return days > 0 ? `${days}个工作日（${cnDate(deadline)}前）` : `${cnDate(deadline)}前`
}

/**
 * validatePoints checks what the form is about to issue and returns every
 * problem in Chinese ([] when it may be issued).
 */
export function validatePoints(points: NoticePoint[]): string[] {
  if (points.length === 0) return ['请至少选择一项不符合的检查内容']
  const errs: string[] = []
  points.forEach((p, i) => {
    const n = `第 ${i + 1} 项`
    if (!oneLine(p.finding)) errs.push(`${n}：请填写发现的问题`)
    const v = cleanViolation(p.violation)
    if (!v) errs.push(`${n}：请填写违反的条款，如《中华人民共和国食品安全法》第四十五条第一款`)
    else if (citesCorrectionBasis(v)) {
      errs.push(`${n}：${CORRECTION_BASIS}是本机关责令改正的依据，不是被检查单位违反的条款，请填写其违反的具体条款`)
    } else if (!/《.+》/.test(v)) errs.push(`${n}：违反条款应写明法律法规的名称（加书名号《》）和条款`)
  })
  return errs
}

/**
 * noticeFields are what notice.issue carries (sync/PROTOCOL.md §4):
 * problems = the findings, one numbered line per point; legal_basis = the
 * violations, one per point in the same order, joined by "；".
 */
export function noticeFields(points: NoticePoint[]): { items: string[]; problems: string; legal_basis: string } {
  return {
    items: points.map((p) => p.item_id),
    problems: points.map((p, i) => `${i + 1}. ${oneLine(p.finding)}`).join('\n'),
    legal_basis: points.map((p) => cleanViolation(p.violation)).join('；'),
  }
}

/**
 * pointsOfNotice reads a stored notice back into its points. The findings
 * are the numbered lines of problems; the violations are legal_basis split on
 * "；" when that gives one per item, else each item's template violation (a
 * provision that itself holds "；"), else the whole legal_basis for all.
 */
export function pointsOfNotice(
  n: { items: string[]; problems: string; legal_basis: string },
  checklist: CheckPointLike[],
): NoticePoint[] {
  const lines = n.problems
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => l.replace(/^\d+\s*[.．、]\s*/, ''))
  const parts = n.legal_basis.split('；').map((s) => s.trim())
  const byId = new Map(checklist.map((c) => [c.id, c]))
  return n.items.map((id, i) => {
    const it = byId.get(id)
    let violation = parts.length === n.items.length ? parts[i] : it?.violation || n.legal_basis
    if (citesCorrectionBasis(violation) && it?.violation) violation = it.violation
    const finding = lines.length === n.items.length ? lines[i] : i === 0 ? lines.join('；') : ''
    return { item_id: id, name: it?.name ?? '', finding, violation }
  })
}

/** principalOf is the 负责人 printed on the notice: the entity's signer when they signed as 负责人 or 法定代表人. */
export function principalOf(signatures: { kind: string; signer: string; role?: string; at: string }[]): string {
  const s = signatures
    .filter((x) => x.kind === 'entity' && PRINCIPAL_ROLES.includes(x.role ?? ''))
    .sort((a, b) => (a.at < b.at ? 1 : -1))[0]
  return s?.signer ?? ''
}

export interface NoticeDocInput {
  authority: string
  /** The number as printed: the final one, else the provisional one. */
  number: string
  provisional: boolean
  entity: { name: string; uscc?: string; address?: string }
  /** 负责人, or '' for a line to fill in by hand. */
  principal: string
  points: NoticePoint[]
  deadline: string
  days: number
  /** The day of issue, 2024-06-03. */
  issuedOn: string
  inspectors: NoticeInspector[]
  served?: { to: string; on: string } | null
  voided?: { on: string; reason: string } | null
}

/** One numbered problem as printed. */
export interface DocProblem {
  n: number
  finding: string
  violation: string
}

/** NoticeDoc is the notice laid out: what the printed page and the stub show, line by line. */
export interface NoticeDoc {
  authority: string
  title: string
  number: string
  provisional: boolean
  addressee: string
  entity: { label: string; value: string }[]
  intro: string
  problems: DocProblem[]
  order: string
  period: string
  closing: string[]
  inspectors: NoticeInspector[]
  sealDate: string
  served: { to: string; date: string } | null
  voided: { date: string; reason: string } | null
  stub: { label: string; value: string }[]
}

/** buildNoticeDoc lays out a notice from what it holds. */
export function buildNoticeDoc(i: NoticeDocInput): NoticeDoc {
  const problems = i.points.map((p, k) => ({ n: k + 1, finding: oneLine(p.finding), violation: violationSentence(p.violation) }))
  const inspectors = i.inspectors.map((m) => ({ name: m.name, cert_no: m.cert_no }))
  const period = periodText(i.days, i.deadline)
  const violations = [...new Set(i.points.map((p) => cleanViolation(p.violation)).filter(Boolean))]
  return {
    authority: i.authority,
    title: TITLE,
    number: i.number,
    provisional: i.provisional,
    addressee: `${i.entity.name}：`,
    entity: [
      { label: '被检查单位', value: i.entity.name },
      { label: '统一社会信用代码', value: i.entity.uscc ?? '' },
      { label: '地址', value: i.entity.address ?? '' },
      { label: '负责人', value: i.principal },
    ],
    intro: INTRO,
    problems,
    order: orderSentence(i.deadline),
    period,
    closing: [CLOSING_OVERDUE, CLOSING_REMEDIES],
    inspectors,
    sealDate: cnDate(i.issuedOn),
    served: i.served ? { to: i.served.to, date: cnDate(i.served.on) } : null,
    voided: i.voided ? { date: cnDate(i.voided.on), reason: i.voided.reason } : null,
    stub: [
      { label: '文书编号', value: i.number },
      { label: '被检查单位', value: i.entity.name },
      { label: '统一社会信用代码', value: i.entity.uscc ?? '' },
      { label: '存在问题', value: problems.map((p) => `${p.n}. ${p.finding}`).join('\n') },
      { label: '违反条款', value: violations.join('；') },
      { label: '整改期限', value: period },
      { label: '执法人员', value: inspectors.map((m) => `${m.name}（执法证号：${m.cert_no || '　　'}）`).join('\n') },
      { label: '开具日期', value: cnDate(i.issuedOn) },
      { label: '签收人', value: i.served?.to ?? '' },
      { label: '签收日期', value: i.served ? cnDate(i.served.on) : '' },
    ],
  }
}

/** inspectorText prints one inspector with their 执法证号. */
export function inspectorText(m: NoticeInspector): string {
  return `${m.name}（执法证号：${m.cert_no || '　　　　'}）`
}

/** noticePlainText is the notice as plain text, for sharing (and for tests reading it whole). */
export function noticePlainText(d: NoticeDoc): string {
  const lines = [
    d.authority,
    d.title,
    `${d.number}${d.provisional ? '（临时编号）' : ''}`,
    ...(d.voided ? [`已作废：${d.voided.reason}`] : []),
    d.addressee,
    ...d.entity.map((e) => `${e.label}：${e.value || '＿＿＿＿＿＿'}`),
    d.intro,
    ...d.problems.flatMap((p) => [`${p.n}. ${p.finding}`, p.violation]),
    d.order,
    `整改期限：${d.period}`,
    ...d.closing,
    `执法人员：${d.inspectors.map(inspectorText).join('、')}`,
    `${d.authority}（印章）`,
    d.sealDate,
  ]
  return lines.join('\n')
}
