// 用户与设备: the accounts an admin or the office oversees (the server's
// policy decides which: authz user.read / user.manage), their devices, and
// the actions on them. Online only, through the app's one HTTP client.
import { request } from '../../api/http'
import type { Page } from '../office/directory'

export interface UserRow {
  id: string
  username: string
  name: string
  role: string
  dept: string
  dept_name: string
  region: string
  region_name: string
  cert_no: string
  disabled: boolean
  must_change_password: boolean
  created_at: string
  devices: number
  pending: number
  last_sync: string
}

export interface Device {
  id: string
  device_no: number
  kind: string
  platform: string
  installed: boolean
  app_version: string
  pending: number
  registered_at: string
  last_sync: string
  retired_at: string | null
  leases: number
}

export interface NewUser {
  username: string
  name: string
  role: string
  dept: string
  region: string
  cert_no: string
}

export interface Department {
  code: string
  name: string
}

export interface Region {
  code: string
  name: string
  level: string
}

export const ROLE_NAMES: Record<string, string> = { inspector: '检查人员', lead: '组长', office: '办公室', admin: '管理员' }
export const KIND_NAMES: Record<string, string> = { mobile: '手机', web: '网页', import: '导入' }

/** rolesFor lists the roles a caller may give: only an admin gives admin (server/authz GrantRole). */
export function rolesFor(callerRole: string | undefined): string[] {
  const roles = ['inspector', 'lead', 'office']
  return callerRole === 'admin' ? [...roles, 'admin'] : roles
}

/** checkPassword is the server's password rule (server/account), said before a round trip. */
export function checkPassword(username: string, pw: string): string {
  if ([...pw].length < 8) return '密码至少 8 位'
  if (pw.trim().toLowerCase() === username.toLowerCase()) return '密码不能与用户名相同'
  return ''
}

/** listUsers reads one page of the accounts the caller oversees, matching q. */
export function listUsers(q: string, page: number, size: number): Promise<Page<UserRow>> {
  const p = new URLSearchParams({ page: String(page), size: String(size) })
  if (q) p.set('q', q)
  return request<Page<UserRow>>(`/users?${p}`)
}
export const createUser = (u: NewUser) => request<{ user: UserRow; password: string }>('/users', { method: 'POST', body: u })
export const patchUser = (id: string, p: Partial<NewUser> & { reason?: string }) => request<UserRow>(`/users/${id}`, { method: 'PATCH', body: p })
export const disableUser = (id: string, reason: string) => request<UserRow>(`/users/${id}/disable`, { method: 'POST', body: { reason } })
export const enableUser = (id: string, reason: string) => request<UserRow>(`/users/${id}/enable`, { method: 'POST', body: { reason } })
export const resetPassword = (id: string) => request<{ user: UserRow; password: string }>(`/users/${id}/password`, { method: 'POST' })
export const userDevices = (id: string) => request<{ user: UserRow; devices: Device[] }>(`/users/${id}/devices`)
export const retireDevice = (userId: string, clientId: string, reason: string) =>
  request<{ devices: Device[] }>(`/users/${userId}/devices/${clientId}/retire`, { method: 'POST', body: { reason } }).then((r) => r.devices)
export const departments = () => request<Department[]>('/departments')
export const regions = () => request<Region[]>('/regions')
