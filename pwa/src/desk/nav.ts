// The desk's sections (office, lead, admin at a desk): one list, read by the
// frame (App.vue) for the side navigation at desktop widths and by the
// phone's tab bar. Each screen of the desk adds its own line here.
export interface DeskSection {
  /** The route's path; the section is active for it and the paths under it. */
  to: string
  /** The Chinese name shown in the navigation. */
  title: string
  /** A Vant icon name. */
  icon: string
  /** The roles that see it. */
  roles: string[]
  /** The group it is listed under in the side navigation. */
  group: '工作台' | '计划与名录' | '任务与抽取' | '检查与结果' | '系统'
}

export const deskSections: DeskSection[] = [
  { to: '/office', title: '工作台', icon: 'chart-trending-o', roles: ['office', 'admin'], group: '工作台' },
  { to: '/lead', title: '任务安排', icon: 'cluster-o', roles: ['lead', 'admin'], group: '任务与抽取' },
  { to: '/lead/conflicts', title: '冲突处理', icon: 'warning-o', roles: ['lead', 'admin'], group: '检查与结果' },
  { to: '/tasks', title: '我的检查', icon: 'todo-list-o', roles: ['lead', 'admin'], group: '检查与结果' },
  { to: '/followups', title: '复查', icon: 'underway-o', roles: ['office', 'lead', 'admin'], group: '检查与结果' },
  { to: '/office/entry', title: '录入纸质结果', icon: 'edit', roles: ['office', 'lead', 'admin'], group: '检查与结果' },
  { to: '/office/publications', title: '结果公示', icon: 'bullhorn-o', roles: ['office', 'lead', 'admin'], group: '检查与结果' },
  { to: '/office/referrals', title: '待移交立案', icon: 'records-o', roles: ['office', 'lead', 'admin'], group: '检查与结果' },
  { to: '/office/plans', title: '年度计划', icon: 'calendar-o', roles: ['office', 'admin'], group: '计划与名录' },
  { to: '/office/checklists', title: '检查表管理', icon: 'orders-o', roles: ['office', 'lead', 'admin'], group: '计划与名录' },
  { to: '/office/directory', title: '名录库', icon: 'friends-o', roles: ['office', 'admin'], group: '计划与名录' },
  { to: '/office/tasks', title: '任务与抽取', icon: 'aim', roles: ['office', 'admin'], group: '任务与抽取' },
  { to: '/admin/users', title: '用户与设备', icon: 'manager-o', roles: ['office', 'admin'], group: '系统' },
  { to: '/office/trail', title: '留痕', icon: 'search', roles: ['office', 'admin'], group: '系统' },
]
