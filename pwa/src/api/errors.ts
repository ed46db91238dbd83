// The server's error codes in Chinese, in one place (STYLE.md 3). The
// server's `message` adds detail (a row, a field) and is shown under it.

export const ERROR_TEXT: Record<string, string> = {
  invalid: '提交的内容不符合要求',
  not_found: '找不到该记录',
  conflict: '数据已被他人修改，请刷新后再试',
  forbidden: '没有权限进行此操作',
  unauthorized: '登录已失效，请重新登录',
  too_large: '文件过大',
  rate_limited: '操作过于频繁，请稍后再试',
  sequence_gap: '同步序号不连续，正在重新发送',
  internal: '服务器内部错误，请稍后再试',
}

/** ApiError is an error answer of the server: {code, message, details} with its HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly serverMessage: string,
    readonly body: Record<string, unknown> = {},
  ) {
    super(`${status} ${code}: ${serverMessage}`)
    this.name = 'ApiError'
  }
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

/** errorText turns any error into one Chinese sentence for the user. */
export function errorText(err: unknown): string {
  if (err instanceof OfflineError) return '当前离线，已保存在本机，联网后自动同步'
  if (err instanceof ApiError) {
    const base = ERROR_TEXT[err.code] ?? `请求失败（${err.status}）`
    return err.serverMessage && err.code !== 'internal' ? `${base}：${err.serverMessage}` : base
  }
  if (err instanceof Error && err.name === 'QuotaExceededError') return '手机存储空间不足'
  return '操作失败，请重试'
}
