import { describe, expect, it } from 'vitest'
import { checkPassword, rolesFor } from '../src/views/admin/users'

describe('users at the desk', () => {
  it('says the password rule before the server does', () => {
    expect(checkPassword('zhao.liu', 'short')).toBe('密码至少 8 位')
    expect(checkPassword('zhao.liu', 'ZHAO.LIU')).toBe('密码不能与用户名相同')
    expect(checkPassword('zhao.liu', '好好学习天天向上')).toBe('')
  })
  it('offers the admin role to admins only', () => {
    expect(rolesFor('office')).not.toContain('admin')
    expect(rolesFor('admin')).toContain('admin')
  })
})
