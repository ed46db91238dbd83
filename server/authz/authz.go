// Package authz is the one authorization policy of 掌上查 (DESIGN §8.9): it
// decides who may do what to which department, region, task and visit. Every
// HTTP route names its action (server/http registers routes through it), every
// import asks it row by row, and the sync engine asks it for visibility and
// for the department a mutation acts for. No scope rule is written into a
// handler or a SQL query by hand.
//
// It knows no HTTP and no SQL, and imports only schema, so that sync (which
// knows no server package) can use it too: in the dependency order it sits
// beside schema.
//
// Two questions, one table:
//   - Allow(u, a): may u's role do a at all? (the route layer asks this)
//   - Check(u, a, scope): may u do a to this resource? (the service asks this,
//     once it has loaded the resource's region, department, task or team)
package authz

import (
	"fmt"
	"slices"

	"zsc/schema"
)

// Action is something a user does; each route, import and mutation names one.
type Action string

// The actions. Their rules are in the table below.
const (
	Public          Action = "public"           // no sign-in: login, refresh, logout, health, public results, the PWA
	SignedIn        Action = "signed_in"        // any signed-in user, about themselves or reference data
	PlanImport      Action = "plan.import"      // import the annual plan table (附件1)
	PlanList        Action = "plan.list"        // read plans
	PlanSettle      Action = "plan.settle"      // choose the member departments of a plan's placeholder (待定)
	EntityImport    Action = "entity.import"    // write entities of a region (risk class, status, tags)
	InspectorImport Action = "inspector.import" // write inspector accounts of a department and region
	ConflictImport  Action = "conflict.import"  // record 回避 of an inspector with an entity
	DirectoryRead   Action = "directory.read"   // search the entity and inspector directories and 回避 (名录库)
	TaskList        Action = "task.list"        // read a task
	TaskCreate      Action = "task.create"      // create a task of a plan for a region
	DrawRun         Action = "draw.run"         // run a task's draw
	DrawVerify      Action = "draw.verify"      // re-run a draw and compare; read its snapshot
	DrawRead        Action = "draw.read"        // read a task's population before its draw, and a draw's record and teams after it
	VisitList       Action = "visit.list"       // read a task's visits (lead, office)
	VisitPatch      Action = "visit.patch"      // adjust a visit's team or date
	VisitRedraw     Action = "visit.redraw"     // replace a person or entity of a visit
	VisitRead       Action = "visit.read"       // read one visit's whole state, its photos, its refused mutations
	SyncClient      Action = "sync.client"      // register or retire one's own install (the engine checks ownership)
	FieldClient     Action = "client.field"     // hold a mobile client: work recorded through it counts as mobile (DESIGN §3)
	ClientRetire    Action = "client.retire"    // retire another user's install (a lost phone)
	NumberLease     Action = "number.lease"     // hold leased notice numbers of one's department on a phone (R11)
	SyncPush        Action = "sync.push"        // push mutations (each checked by ResultsEnter and VisitRead)
	SyncPull        Action = "sync.pull"        // pull one's scope of the change log
	BlobWrite       Action = "blob.write"       // upload a photo (content-addressed)
	ConflictList    Action = "conflict.list"    // list open sync conflicts to settle; read what removed members sent
	ConflictSettle  Action = "conflict.settle"  // settle a conflict of one's department
	ResultsEnter    Action = "results.enter"    // enter a department's results (谁检查、谁录入)
	ResultsRead     Action = "results.read"     // read visits' results at the desk
	Publish         Action = "publish"          // publish a department's results (谁检查、谁公开)
	PublicationList Action = "publication.list" // read publications
	ChecklistImport Action = "checklist.import" // import a department's check-point templates
	ChecklistRead   Action = "checklist.read"   // read templates
	MetricsRead     Action = "metrics.read"     // the six targets, 附件3, stale devices
	TrailRead       Action = "trail.read"       // walk the audit chain of a task
	FollowupList    Action = "followup.list"    // notices due for 复查
	ReferralList    Action = "referral.list"    // 待移交立案
	UserRead        Action = "user.read"        // list users, their devices and what they did (the trail of a user)
	UserManage      Action = "user.manage"      // create, disable, reset the password of, move a user
)

// Need names the scope fields a rule must be given: a caller that forgets one
// gets an internal error, never a silent pass.
type Need uint8

// Scope fields a rule can need.
const (
	NeedRegion Need = 1 << iota // Scope.Region
	NeedDept                    // Scope.Dept
	NeedTask                    // Scope.Initiator (and Depts)
)

// DeptRule says how Scope.Dept is judged.
type DeptRule uint8

const (
	// DeptActsFor: one's own department; the 联席办 acts for every
	// department (as for imports and paper entry).
	DeptActsFor DeptRule = iota
	// DeptOwn: one's own department only, the 联席办 included (谁检查、谁公开).
	DeptOwn
	// DeptMember: one's own department, which must be a member department:
	// the 联席办 checks nothing in the field and issues no notices.
	DeptMember
)

// TaskRule says how a task (Scope.Initiator, Scope.Depts) is judged.
type TaskRule uint8

const (
	// TaskNone: the rule does not look at a task.
	TaskNone TaskRule = iota
	// TaskTakesPart: the 联席办, the initiating department or a participating
	// department (seeing and adjusting a task's draw and visits).
	TaskTakesPart
	// TaskInitiates: only who acts for the initiating department (creating
	// and drawing a task).
	TaskInitiates
)

// Rule is one line of the policy: which roles, and how the scope is judged.
// Admins pass every rule (after the scope fields are checked present).
type Rule struct {
	Label string   // what the action is, in Chinese, for messages
	Roles []string // roles allowed besides admin; nil with Public or SignedIn
	Needs Need
	Dept  DeptRule
	Task  TaskRule
	// Members: an active team member (Scope.Members) passes whatever the
	// region and task rules say (the department rule still holds); for an
	// inspector membership is the only way in.
	Members bool
	// Field: work in the field. Admins do not pass it: a desk account
	// never holds a phone whose work counts as mobile (DESIGN §3).
	Field bool
}

var (
	office    = []string{schema.RoleOffice}
	deskLead  = []string{schema.RoleOffice, schema.RoleLead}
	everyone  = []string{schema.RoleOffice, schema.RoleLead, schema.RoleInspector}
	fieldUser = []string{schema.RoleLead, schema.RoleInspector, schema.RoleOffice}
	field     = []string{schema.RoleLead, schema.RoleInspector}
	lead      = []string{schema.RoleLead}
)

// table is the policy. Read it as: role × action × scope.
var table = map[Action]Rule{
	Public:   {Label: "公开访问"},
	SignedIn: {Label: "登录后访问", Roles: everyone},

	// The plan is the 联席办's: the caller names it as the department.
	PlanImport: {Label: "导入年度抽查计划", Roles: office, Needs: NeedDept, Dept: DeptOwn},
	// A plan is judged like a task: the 联席办 sees every plan, a
	// department the plans it initiates or takes part in.
	PlanList: {Label: "查看抽查计划", Roles: deskLead, Needs: NeedTask, Task: TaskTakesPart},
	// A plan's placeholder (待定, 相关成员单位) is settled by who may
	// create the plan's tasks: the 联席办 or the initiating department's office.
	PlanSettle: {Label: "确定计划的待定部门", Roles: office, Needs: NeedTask, Task: TaskInitiates},

	EntityImport:    {Label: "导入检查对象名录", Roles: office, Needs: NeedRegion},
	InspectorImport: {Label: "导入执法检查人员名录", Roles: office, Needs: NeedRegion | NeedDept, Dept: DeptActsFor},
	ConflictImport:  {Label: "登记回避关系", Roles: office, Needs: NeedRegion | NeedDept, Dept: DeptActsFor},
	// The desk's 名录库: a county office sees its county, a department's
	// office its own department's inspectors (entities have no department).
	DirectoryRead: {Label: "查看名录库", Roles: office, Needs: NeedRegion, Dept: DeptActsFor},

	TaskList:    {Label: "查看抽查任务", Roles: deskLead, Needs: NeedRegion | NeedTask, Task: TaskTakesPart},
	TaskCreate:  {Label: "创建抽查任务", Roles: office, Needs: NeedRegion | NeedTask, Task: TaskInitiates},
	DrawRun:     {Label: "运行双随机抽取", Roles: office, Needs: NeedRegion | NeedTask, Task: TaskInitiates},
	DrawVerify:  {Label: "核验抽取结果", Roles: deskLead, Needs: NeedRegion | NeedTask, Task: TaskTakesPart},
	DrawRead:    {Label: "查看抽取记录", Roles: deskLead, Needs: NeedRegion | NeedTask, Task: TaskTakesPart},
	VisitList:   {Label: "查看检查户", Roles: deskLead, Needs: NeedRegion | NeedTask, Task: TaskTakesPart},
	VisitPatch:  {Label: "调整检查组或日期", Roles: deskLead, Needs: NeedRegion | NeedTask, Task: TaskTakesPart},
	VisitRedraw: {Label: "重新抽取", Roles: deskLead, Needs: NeedRegion | NeedTask, Task: TaskTakesPart},
	// A visit is judged by its task (Initiator may be empty: the sync
	// engine knows a visit's participating departments only).
	VisitRead: {Label: "查看检查", Roles: fieldUser, Needs: NeedRegion, Task: TaskTakesPart, Members: true},

	SyncClient:  {Label: "登记或停用本机", Roles: everyone},
	FieldClient: {Label: "使用移动端（手机）客户端", Roles: field, Field: true},
	// The office retires the phones of the users it oversees: the devices
	// list (MetricsRead) shows the same region and department.
	ClientRetire: {Label: "停用客户端", Roles: office, Needs: NeedRegion | NeedDept, Dept: DeptActsFor},
	NumberLease:  {Label: "领取通知书编号", Roles: field, Needs: NeedDept, Dept: DeptMember, Field: true},
	SyncPush:     {Label: "上传检查记录", Roles: everyone},
	SyncPull:     {Label: "同步数据", Roles: everyone},
	BlobWrite:    {Label: "上传照片", Roles: everyone},
	ConflictList: {Label: "处理同步冲突", Roles: deskLead},
	// Which department's conflict is the push's ResultsEnter check.
	ConflictSettle: {Label: "处理冲突", Roles: lead},

	ResultsEnter:    {Label: "录入检查结果", Roles: fieldUser, Needs: NeedDept, Dept: DeptActsFor},
	ResultsRead:     {Label: "查看检查结果", Roles: deskLead},
	Publish:         {Label: "公示检查结果", Roles: deskLead, Needs: NeedRegion | NeedDept, Dept: DeptOwn},
	PublicationList: {Label: "查看公示", Roles: deskLead},

	ChecklistImport: {Label: "导入检查表", Roles: deskLead, Needs: NeedDept, Dept: DeptActsFor},
	ChecklistRead:   {Label: "查看检查表", Roles: everyone},

	MetricsRead: {Label: "查看指标和统计", Roles: office},
	TrailRead:   {Label: "查看全程追溯", Roles: office, Needs: NeedRegion | NeedTask, Task: TaskTakesPart},
	// A notice is judged by its task's region and its own department: a
	// department never sees another's notices, even on a joint visit it
	// took part in; an inspector sees their department's notices on the
	// visits whose team they are on.
	FollowupList: {Label: "查看复查", Roles: everyone, Needs: NeedRegion | NeedDept, Dept: DeptActsFor, Members: true},
	ReferralList: {Label: "查看待移交立案", Roles: deskLead, Needs: NeedRegion | NeedDept, Dept: DeptActsFor, Members: true},

	// Users are judged by their region and department, like the phones
	// they hold (ClientRetire): the city 联席办 manages every user, a
	// county 联席办 its county's, a department's office its department's
	// in its region. An account moved to another department or region is
	// checked before and after. Granting or touching the admin role is
	// GrantRole's.
	UserRead:   {Label: "查看用户", Roles: office, Needs: NeedRegion | NeedDept, Dept: DeptActsFor},
	UserManage: {Label: "管理用户", Roles: office, Needs: NeedRegion | NeedDept, Dept: DeptActsFor},
}

// Scope is the resource an action touches, as far as the policy cares.
type Scope struct {
	Region    string   // the resource's region (an entity's, a task's, an inspector's)
	Dept      string   // the department acted for (an import row's, a result's, a publication's)
	Initiator string   // the task's initiating department
	Depts     []string // the task's participating departments
	Members   []string // user ids of the visit's active team members
}

// Actions lists every action of the table, sorted, for tests that walk it.
func Actions() []Action {
	out := make([]Action, 0, len(table))
	for a := range table {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// RuleOf returns the rule of a, and whether a is in the table.
func RuleOf(a Action) (Rule, bool) {
	r, ok := table[a]
	return r, ok
}

var roleNames = map[string]string{
	schema.RoleInspector: "检查人员", schema.RoleLead: "组长", schema.RoleOffice: "办公室", schema.RoleAdmin: "管理员",
}

// Allow answers the route layer's question: may u's role do a at all? It
// looks at no resource; Check does, once the service has loaded it.
func Allow(u *schema.User, a Action) error {
	r, ok := table[a]
	if !ok {
		return fmt.Errorf("authz: unknown action %q", a)
	}
	if a == Public {
		return nil
	}
	if u == nil {
		return schema.Errorf(schema.EUNAUTHORIZED, "请先登录")
	}
	if u.Role == schema.RoleAdmin && !r.Field || slices.Contains(r.Roles, u.Role) {
		return nil
	}
	return schema.Errorf(schema.EFORBIDDEN, "%s不能%s", roleName(u.Role), r.Label)
}

// Check answers the service's question: may u do a to the resource in s? It
// returns nil, a schema error (EFORBIDDEN with a Chinese reason, or
// EUNAUTHORIZED), or an internal error when the caller did not give the
// scope fields the rule needs.
func Check(u *schema.User, a Action, s Scope) error {
	if err := Allow(u, a); err != nil {
		return err
	}
	r := table[a]
	if r.Needs&NeedRegion != 0 && s.Region == "" {
		return fmt.Errorf("authz: %s needs a region", a)
	}
	if r.Needs&NeedDept != 0 && s.Dept == "" {
		return fmt.Errorf("authz: %s needs a department", a)
	}
	if r.Needs&NeedTask != 0 && s.Initiator == "" {
		return fmt.Errorf("authz: %s needs a task", a)
	}
	if u.Role == schema.RoleAdmin {
		return nil
	}
	if s.Dept != "" {
		ok := u.Dept == s.Dept
		switch r.Dept {
		case DeptActsFor:
			ok = ActsFor(u, s.Dept)
		case DeptMember:
			if s.Dept == schema.OfficeDept {
				return schema.Errorf(schema.EFORBIDDEN, "联席办不能%s", r.Label)
			}
		}
		if !ok {
			if r.Dept == DeptOwn {
				return schema.Errorf(schema.EFORBIDDEN, "只能%s本部门的（谁检查、谁公开），不能代其他部门", r.Label)
			}
			return schema.Errorf(schema.EFORBIDDEN, "只能%s本部门的，不能代其他部门", r.Label)
		}
	}
	if r.Members {
		if slices.Contains(s.Members, u.ID) {
			return nil
		}
		if u.Role == schema.RoleInspector {
			return schema.Errorf(schema.EFORBIDDEN, "你不是这户检查的检查组成员，不能%s", r.Label)
		}
	}
	if s.Region != "" && !coversRegion(u, s.Region) {
		return schema.Errorf(schema.EFORBIDDEN, "超出你的管辖区域，不能%s", r.Label)
	}
	switch r.Task {
	case TaskTakesPart:
		if !(u.Dept == schema.OfficeDept || u.Dept == s.Initiator || slices.Contains(s.Depts, u.Dept)) {
			return schema.Errorf(schema.EFORBIDDEN, "你的部门不参与这项任务，不能%s", r.Label)
		}
	case TaskInitiates:
		if !ActsFor(u, s.Initiator) {
			return schema.Errorf(schema.EFORBIDDEN, "只有发起部门或联席办可以%s", r.Label)
		}
	}
	return nil
}

// GrantRole answers whether u may give an account role, or manage an
// account that has it: only an admin makes or touches an admin, so the
// office cannot raise anyone (itself included) above itself.
func GrantRole(u *schema.User, role string) error {
	if err := Allow(u, UserManage); err != nil {
		return err
	}
	if role == schema.RoleAdmin && u.Role != schema.RoleAdmin {
		return schema.Errorf(schema.EFORBIDDEN, "只有管理员可以设置或管理管理员账号")
	}
	return nil
}

// Can is Check as a yes or no, for filters (lists, the pull's visibility).
// An internal error (a missing scope field) is a no.
func Can(u *schema.User, a Action, s Scope) bool { return Check(u, a, s) == nil }

// coversRegion reports whether u's region includes region: a city user
// covers its counties, a county user only itself, an admin everything.
func coversRegion(u *schema.User, region string) bool {
	return u.Role == schema.RoleAdmin || u.Region == region || u.Region == schema.CityRegion
}

// ActsFor reports whether u acts for dept: the 联席办 and admins act across
// departments, everyone else only for their own.
func ActsFor(u *schema.User, dept string) bool {
	return u.Role == schema.RoleAdmin || u.Dept == schema.OfficeDept || u.Dept == dept
}

func roleName(r string) string {
	if n, ok := roleNames[r]; ok {
		return n
	}
	return "未知角色"
}

// Filter is the policy's answer for a list: which resources of an action a
// user sees. The policy decides; a store only turns the answer into its
// query (WHERE region = ?, EXISTS a department, a team member), so that a
// list and a single check never disagree.
type Filter struct {
	All     bool   // everything: nothing to filter
	None    bool   // nothing by region and department (membership may still show some)
	Region  string // "" for every region (a city user), else this county only
	Dept    string // "" for every department (the 联席办), else resources of this department
	Members bool   // also the visits whose active team holds the user
	// MemberDept, when set, narrows what membership shows to the
	// resources of this department (a rule judging a department: a member
	// of a joint visit sees only their department's notices).
	MemberDept string
}

// ListFilter says what u sees of the resources of action a; a rule that
// judges a task lists the tasks a department takes part in.
func ListFilter(u *schema.User, a Action) Filter {
	r, ok := table[a]
	if !ok || u == nil {
		return Filter{None: true}
	}
	if u.Role == schema.RoleAdmin && !r.Field {
		return Filter{All: true}
	}
	f := Filter{Members: r.Members}
	if r.Members && r.Needs&NeedDept != 0 && !(r.Dept == DeptActsFor && u.Dept == schema.OfficeDept) {
		f.MemberDept = u.Dept
	}
	if !slices.Contains(r.Roles, u.Role) {
		return Filter{None: true}
	}
	if r.Members && u.Role == schema.RoleInspector {
		f.None = true
		return f
	}
	if u.Region != schema.CityRegion {
		f.Region = u.Region
	}
	if u.Dept != schema.OfficeDept {
		f.Dept = u.Dept
	}
	return f
}
