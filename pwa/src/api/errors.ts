// The server's error codes and messages in Chinese, in one place (STYLE.md 3).
// A user reads only Chinese: a server message is shown only when it is
// Chinese already (the server writes its rejection reasons in Chinese), a
// known English message is translated, and any other one gives way to the
// code's Chinese text with the HTTP status in Chinese terms. Ids (UUIDs,
// photo hashes) never reach a screen: they are cut out of every message.

export const ERROR_TEXT: Record<string, string> = {
  invalid: '提交的内容不符合要求',
  unprocessable: '提交的内容有误',
  not_found: '找不到该记录',
  conflict: '数据已被他人修改，请刷新后再试',
  forbidden: '没有权限进行此操作',
  unauthorized: '登录已失效，请重新登录',
  too_large: '文件过大',
  rate_limited: '操作过于频繁，请稍后再试',
  sequence_gap: '同步序号不连续，正在重新发送',
  epoch_changed: '服务器已从备份恢复，本机先下载最新数据再上传',
  seq_reused: '同步序号已被本机此前的另一条记录使用，正在重新编号发送',
  settle_stale: '裁定未保存：该结果在你查看后已被修改，请重新查看后再裁定',
  internal: '服务器内部错误，请稍后再试',
  insufficient_storage: '服务器存储空间已满，照片仍保存在手机上，稍后自动重新上传',
}

/** The HTTP statuses a user may meet, in Chinese terms (when the code is unknown). */
const STATUS_TEXT: Record<number, string> = {
  400: '请求有误',
  401: '登录已失效，请重新登录',
  403: '没有权限进行此操作',
  404: '找不到该记录',
  405: '不支持此操作',
  408: '服务器响应超时',
  409: '数据已被他人修改，请刷新后再试',
  413: '文件过大',
  415: '提交的内容格式不受支持',
  422: '提交的内容有误',
  429: '操作过于频繁，请稍后再试',
  500: '服务器内部错误，请稍后再试',
  502: '服务器暂时无法连接',
  503: '服务器暂时无法使用',
  504: '服务器响应超时',
}

/**
 * Known English messages of the server (server/http, sync/) and of the
 * browser, in Chinese. The first pattern that matches wins.
 */
const KNOWN: [RegExp, string][] = [
  [/wrong username or password/i, '用户名或密码错误'],
  [/refresh token (already used|expired|unknown)|sign in again|access token expired|invalid access token|missing bearer token|not signed in/i, '登录已失效，请重新登录'],
  [/user disabled or unknown/i, '账号已停用或不存在'],
  [/username and password are required/i, '请填写用户名和密码'],
  [/password must have at least (\d+) characters/i, '密码至少需要 $1 位'],
  [/is not registered/i, '本机尚未在服务器登记，正在重新登记'],
  [/outside your (department|region)/i, '不在你的部门或辖区范围内'],
  [/a photo may have at most|is larger than \d+ bytes|the limit is \d+/i, '照片过大，请重新拍摄或压缩后再试'],
  [/hash to .* upload it again|not a sha256/i, '照片在传输中损坏，将重新上传'],
  [/the new inspector must be an inspector of/i, '新检查人员必须是本部门的执法人员'],
  [/the new inspector is not on duty/i, '新检查人员不在岗'],
  [/the new inspector has no 执法证号/i, '新检查人员没有执法证号，不能担任检查人员'],
  [/the new inspector has a recorded conflict of interest/i, '新检查人员与该检查户存在回避情形'],
  [/unknown inspector/i, '找不到该检查人员'],
  [/scheduled_on must be a date/i, '检查日期格式不正确'],
  [/visit .* not found|no visit/i, '找不到这户的检查'],
  [/task .* not found/i, '找不到该任务'],
  [/plan .* not found/i, '找不到该计划'],
  [/user .* not found/i, '找不到该用户'],
  [/no photo/i, '服务器上没有这张照片'],
  [/no client/i, '服务器上没有本机的登记'],
  [/unknown department/i, '未知的部门'],
  [/unknown region/i, '未知的地区'],
  [/internal error/i, '服务器内部错误，请稍后再试'],
  [/failed to fetch|networkerror|network request failed|load failed/i, '服务器无法连接'],
  [/timed? ?out|timeout/i, '服务器响应超时'],
]

/** A UUID (any version), a 64-digit photo hash, or a long hex id. */
const ID_PATTERN = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\b[0-9a-f]{32,64}\b/gi
const HAN = /[\u4e00-\u9fff]/
/**
 * Words of Latin letters a Chinese sentence may keep: the plan's and the law's own abbreviations, and the file
 * formats an import's messages name (请另存为 .xlsx、.csv 或 .tsv).
 */
const ALLOWED_WORDS = new Set(['USCC', 'GPS', 'PWA', 'APP', 'ID', 'XLSX', 'EXCEL', 'OFFICE', 'UTF'])

/** hasLatinWords tells whether text holds an English word (4+ letters) that is not an allowed abbreviation. */
export function hasLatinWords(text: string): boolean {
  for (const m of text.matchAll(/[A-Za-z]{4,}/g)) if (!ALLOWED_WORDS.has(m[0].toUpperCase())) return true
  return false
}

/** stripIds removes ids from a message and tidies the brackets and spaces they leave behind. */
export function stripIds(text: string): string {
  return text
    .replace(ID_PATTERN, '')
    .replace(/[（(]\s*[)）]/g, '')
    .replace(/[“"]\s*[”"]/g, '')
    .replace(/\s{2,}/g, ' ')
    // The space that stood before an id between two Chinese words goes with it.
    .replace(/([\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])/g, '$1')
    .replace(/\s+([，。；：、）])/g, '$1')
    .trim()
}

/**
 * chineseMessage turns a server message into Chinese for a screen: a
 * Chinese message without its ids, a known English one translated, or ''
 * when neither (the caller then says what the code means).
 */
export function chineseMessage(message: string): string {
  const msg = (message ?? '').trim()
  if (!msg) return ''
  for (const [re, zh] of KNOWN) {
    const m = re.exec(msg)
    if (m) return zh.replace(/\$(\d)/g, (_, i: string) => m[Number(i)] ?? '')
  }
  // A Chinese sentence may carry a field name in brackets ("（schema_version 2）")
  // or after a colon ("格式错误：mutations[3].seq …"): drop those parts.
  const clean = stripIds(msg).replace(/[（(][^（）()]*[A-Za-z]{4,}[^（）()]*[)）]/g, '')
  if (!HAN.test(clean)) return ''
  if (!hasLatinWords(clean)) return clean
  const head = clean.split(/[：:]/)[0].trim()
  return HAN.test(head) && !hasLatinWords(head) ? head : ''
}

/**
 * userReason is a rejection reason of the server (a push result, a pull's
 * `rejection`) fit for a screen: Chinese, no ids.
 */
export function userReason(reason: string | undefined): string {
  if (!reason) return ''
  return chineseMessage(reason) || '服务器未接受这条记录'
}

/** ApiError is an error answer of the server: {code, message, details} with its HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    /** The server's message as sent (may be English): for logs, never for a screen; use errorText. */
    readonly serverMessage: string,
    readonly body: Record<string, unknown> = {},
  ) {
    super(`${status} ${code}: ${serverMessage}`)
    this.name = 'ApiError'
  }

  /**
   * The server's id of the request (body `request_id`, header X-Request-ID):
   * the line of its log that says what went wrong, for a report to the IT
   * department. '' when the answer did not carry one.
   */
  get requestId(): string {
    const id = this.body.request_id
    return typeof id === 'string' ? id : ''
  }
}

/**
 * requestIdText is the request's id for a screen, " （请求编号 1234-5678-9012-3456）",
 * or '' when there is none or it is not made of digits: the server makes
 * its ids of digit groups so that they read well in a Chinese sentence; an
 * id a proxy made (hex, letters) stays in the log and the error's body.
 */
export function requestIdText(err: ApiError): string {
  const id = err.requestId
  return /^[0-9][0-9-]{3,39}$/.test(id) ? `（请求编号 ${id}）` : ''
}

/** OfflineError means the request never got an answer: no network, or the server is unreachable. It is not shown as an error. */
export class OfflineError extends Error {
  constructor(cause?: unknown) {
    super('offline')
    this.name = 'OfflineError'
    this.cause = cause
  }
}

/** isOffline reports whether err means "no network" (normal, never a toast). */
export function isOffline(err: unknown): boolean {
  return err instanceof OfflineError
}

/** codeText is the Chinese for an error code, or for the HTTP status when the code is unknown. */
export function codeText(code: string, status: number): string {
  return ERROR_TEXT[code] ?? STATUS_TEXT[status] ?? `请求未成功（服务器返回 ${status} 错误）`
}

/** apiErrorText is the Chinese sentence for an error answer: the code's meaning, then the server's detail when it is Chinese. */
export function apiErrorText(err: ApiError): string {
  const base = codeText(err.code, err.status)
  // A failure of the server: the user can do nothing but report it, and the
  // request's id lets the IT department find it in the log.
  if (err.code === 'internal' || err.status >= 500) return base + requestIdText(err)
  const detail = chineseMessage(err.serverMessage)
  if (!detail || detail === base) return base
  return `${base}：${detail}`
}

/** errorText turns any error into one Chinese sentence for the user. */
export function errorText(err: unknown): string {
  if (err instanceof OfflineError) return '当前离线，已保存在本机，联网后自动同步'
  if (err instanceof ApiError) return apiErrorText(err)
  if (err instanceof Error && err.name === 'QuotaExceededError') return '手机存储空间不足'
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return '服务器响应超时'
  return '操作失败，请重试'
}
