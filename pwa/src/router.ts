// Routes, each lazy, each with a Chinese title. The office dashboard lives
// under /office in its own chunk (ECharts never reaches the field bundle).
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { currentUser, loadSession } from './auth/session'
import { prefetchTasksScreen } from './db/startup'
import { preloadChecklist } from './visit/preload'

declare module 'vue-router' {
  interface RouteMeta {
    title: string
    public?: boolean
    tab?: string
    roles?: string[]
    /** A phone screen listed in the desk's navigation: at a desk it keeps the 720 px column. */
    column?: boolean
  }
}

export function homeFor(role: string | undefined): string {
  if (role === 'office') return '/office'
  // A lead's day is arranging the department's visits (任务安排); their own checks are one tap away (我的检查).
  if (role === 'lead') return '/lead'
  return '/tasks'
}

const routes: RouteRecordRaw[] = [
  // '/' only sends each role to its home (see the guard below).
  { path: '/', component: () => import('./views/TasksView.vue'), meta: { title: '掌上查' } },
  { path: '/login', component: () => import('./views/LoginView.vue'), meta: { title: '登录', public: true } },
  { path: '/public', component: () => import('./views/PublicResults.vue'), meta: { title: '抽查结果公示查询', public: true } },
  { path: '/public/draws', component: () => import('./views/PublicDraws.vue'), meta: { title: '抽取记录公示', public: true } },
  { path: '/tasks', component: () => import('./views/TasksView.vue'), meta: { title: '我的任务', tab: 'tasks', column: true } },
  { path: '/visits/:id', component: () => import('./views/ChecklistView.vue'), meta: { title: '检查单' } },
  { path: '/visits/:id/notice', component: () => import('./views/NoticeFormView.vue'), meta: { title: '责令改正通知书' } },
  // 检查记录表 of one department, A4 print; desk roles without a local copy read the server's visit state.
  { path: '/visits/:id/record/:dept', component: () => import('./views/RecordPrintView.vue'), meta: { title: '检查记录表' } },
  { path: '/notices/:id', component: () => import('./views/NoticeView.vue'), meta: { title: '责令改正通知书' } },
  { path: '/notices/:id/followup', component: () => import('./views/FollowupView.vue'), meta: { title: '复查' } },
  // The notice and its 存根 as they print on A4.
  { path: '/notices/:id/print', component: () => import('./views/NoticePrintView.vue'), meta: { title: '打印责令改正通知书' } },
  // 复查: notices whose deadline passed or is near (phones: their own copy; desks: the server's).
  { path: '/followups', component: () => import('./views/FollowupsDueView.vue'), meta: { title: '复查', tab: 'me', column: true } },
  { path: '/me', component: () => import('./views/MeView.vue'), meta: { title: '我的', tab: 'me' } },
  {
    path: '/lead',
    component: () => import('./views/lead/LeadTasksView.vue'),
    meta: { title: '任务安排', tab: 'lead', roles: ['lead', 'admin'] },
  },
  {
    path: '/lead/tasks/:id',
    component: () => import('./views/lead/LeadVisitsView.vue'),
    meta: { title: '检查户安排', tab: 'lead', roles: ['lead', 'admin'] },
  },
  {
    path: '/lead/conflicts',
    component: () => import('./views/lead/ConflictsView.vue'),
    meta: { title: '冲突处理', tab: 'conflicts', roles: ['lead', 'admin'] },
  },
  {
    path: '/office',
    component: () => import('./views/office/OfficeHome.vue'),
    meta: { title: '联席办工作台', tab: 'office', roles: ['office', 'admin'] },
  },
  {
    // 录入纸质检查结果: ?task=&visit=&dept= pick the task, visit and department.
    path: '/office/entry',
    component: () => import('./views/office/PaperEntry.vue'),
    meta: { title: '录入纸质检查结果', tab: 'office', roles: ['office', 'lead', 'admin'] },
  },
  {
    // 待移交立案: notices found not corrected at 复查, for 立案 or 移送.
    path: '/office/referrals',
    component: () => import('./views/office/ReferralsView.vue'),
    meta: { title: '待移交立案', tab: 'office', roles: ['office', 'lead', 'admin'] },
  },
  {
    // 年度计划: import the plan table with a preview; plans by year; settle placeholders.
    path: '/office/plans',
    component: () => import('./views/office/PlansView.vue'),
    meta: { title: '年度计划', tab: 'office', roles: ['office', 'admin'] },
  },
  {
    // 检查表管理: import and read the checklist templates (?t= opens one version).
    path: '/office/checklists',
    component: () => import('./views/office/ChecklistsView.vue'),
    meta: { title: '检查表管理', tab: 'office', roles: ['office', 'lead', 'admin'] },
  },
  {
    // 名录库: the entity and inspector directories and the 回避名单 (?tab=): upload with a preview, search, detail.
    path: '/office/directory',
    component: () => import('./views/office/DirectoryView.vue'),
    meta: { title: '名录库', tab: 'office', roles: ['office', 'admin'] },
  },
  {
    // 任务与抽取: create tasks per plan and region (or every region of the level at once); list them with their state.
    path: '/office/tasks',
    component: () => import('./views/office/TasksView.vue'),
    meta: { title: '任务与抽取', tab: 'office', roles: ['office', 'admin'] },
  },
  {
    // One task's draw: the population per risk class before it; the result, teams, verify and re-draws after it.
    path: '/office/tasks/:id',
    component: () => import('./views/office/DrawView.vue'),
    meta: { title: '抽取', tab: 'office', roles: ['office', 'admin'] },
  },
  {
    // 抽取记录 on A4, for the file and the public notice of the draw.
    path: '/office/draws/:id/print',
    component: () => import('./views/office/DrawPrintView.vue'),
    meta: { title: '打印抽取记录', roles: ['office', 'admin'] },
  },
  {
    // 用户与设备: accounts, one-time passwords, disabling, devices and lost phones.
    path: '/admin/users',
    component: () => import('./views/admin/UsersView.vue'),
    meta: { title: '用户与设备', roles: ['office', 'admin'] },
  },
  {
    // 留痕: the audit trail both ways; ?kind=&id= names the start.
    path: '/office/trail',
    component: () => import('./views/office/TrailView.vue'),
    meta: { title: '留痕', roles: ['office', 'admin'] },
  },
  {
    // 结果公示: due and overdue publications per department, preview and publish (谁检查、谁公开).
    path: '/office/publications',
    component: () => import('./views/office/PublicationsView.vue'),
    meta: { title: '结果公示', tab: 'office', roles: ['office', 'lead', 'admin'] },
  },
  { path: '/:pathMatch(.*)*', redirect: '/' },
]

export const router = createRouter({
  history: createWebHistory(),
  routes,
  scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
})

let loaded = false
router.beforeEach(async (to) => {
  if (!loaded) {
    const session = loadSession()
    // 我的任务's records are read beside the session (queued right after it), not after the route has resolved.
    if (to.path === '/tasks' || to.path === '/') prefetchTasksScreen()
    await session
    loaded = true
  }
  const user = currentUser.value
  if (!to.meta.public && !user) return { path: '/login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} }
  if ((to.path === '/login' || to.path === '/') && user) return homeFor(user.role)
  if (to.meta.roles && user && !to.meta.roles.includes(user.role)) return homeFor(user.role)
  return true
})

// A checklist opens with its records read (src/visit/preload.ts): one render, not an empty page first.
router.beforeResolve(async (to) => {
  if (/^\/visits\/[^/]+$/.test(to.path)) await preloadChecklist(String(to.params.id))
})

router.afterEach((to) => {
  document.title = to.meta.title && to.meta.title !== '掌上查' ? `${to.meta.title} - 掌上查` : '掌上查'
})
