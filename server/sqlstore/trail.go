package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"zsc/schema"
	"zsc/server/authz"
	"zsc/server/report"
)

// Trail walks the audit trail (R15) from one record of the chain plan →
// task → draw → visit → result → notice → publication: back to the plan
// (逆向可溯) and forward to the publications (顺向可追). Each record brings
// its audit-log rows (who, when, device, channel, action); records written
// without an audit row of their own (a visit created by its draw, a plan by
// its year's import) get one entry from the record and its parent's row.
// kind "result" takes a checklist item id, or "{visit id}:{dept}" for a
// department's outcome. The walk's rules (where it may start, positions,
// a department's part of a visit) are report's (trailwalk.go); this reads
// the rows they name.
func (db *DB) Trail(ctx context.Context, u *schema.User, kind, id string) (*report.Trail, error) {
	if err := report.TrailStart(kind, id); err != nil {
		return nil, err
	}
	w := &trailWalker{u: u, out: &report.Trail{Kind: kind, ID: id, Entries: []report.TrailEntry{}}, names: map[string]string{}}
	err := db.Read(ctx, func(tx *sql.Tx) error {
		w.tx = tx
		switch kind {
		case "entity":
			return w.entity(id)
		case "user":
			return w.user(id)
		}
		return w.walk(kind, id)
	})
	if err != nil {
		return nil, err
	}
	if err := db.Read(ctx, func(tx *sql.Tx) error { return w.userNames(tx) }); err != nil {
		return nil, err
	}
	for i := range w.out.Entries {
		w.out.Entries[i].Reason = report.TrailReason(w.out.Entries[i].Reason)
	}
	return w.out, nil
}

type trailWalker struct {
	tx    *sql.Tx
	u     *schema.User
	out   *report.Trail
	names map[string]string // user id → name
	// labels and deptOf describe the records under the visits walked, by kind and id.
	labels, deptOf map[string]string
}

// chain is the ancestry of a record, filled as far as the record reaches.
type chain struct {
	plan, task, draw, visit string
	visitDept               string // result, outcome, notice, publication: the department
}

func notFound(kind, id string) error { return schema.Errorf(schema.ENOTFOUND, "no %s %s", kind, id) }

func (w *trailWalker) one(q string, args []any, dst ...any) error {
	err := w.tx.QueryRow(q, args...).Scan(dst...)
	if errors.Is(err, sql.ErrNoRows) {
		return sql.ErrNoRows
	}
	return err
}

func (w *trailWalker) walk(kind, id string) error {
	var c chain
	var outcomeDept, noticeID string
	var err error
	switch kind {
	case "publication":
		err = w.one(`SELECT visit_id, dept FROM publications WHERE id = ?`, []any{id}, &c.visit, &c.visitDept)
	case "notice":
		noticeID = id
		err = w.one(`SELECT visit_id, dept FROM notices WHERE id = ?`, []any{id}, &c.visit, &c.visitDept)
	case "result":
		if v, d, ok := report.ResultRef(id); ok {
			outcomeDept = d
			c.visit, c.visitDept = v, d
			var n int
			err = w.one(`SELECT count(*) FROM outcomes WHERE visit_id = ? AND dept = ?`, []any{v, d}, &n)
			if err == nil && n == 0 {
				err = sql.ErrNoRows
			}
		} else {
			err = w.one(`SELECT ci.visit_id, ci.dept FROM checklist_items ci WHERE ci.id = ?`, []any{id}, &c.visit, &c.visitDept)
		}
	case "visit":
		c.visit = id
	case "draw":
		c.draw = id
	case "task":
		c.task = id
	case "plan":
		c.plan = id
	}
	if errors.Is(err, sql.ErrNoRows) {
		return notFound(kind, id)
	} else if err != nil {
		return err
	}
	if c.visit != "" {
		if err := w.one(`SELECT draw_id, task_id FROM visits WHERE id = ?`, []any{c.visit}, &c.draw, &c.task); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return notFound(kind, id)
			}
			return err
		}
	}
	if c.draw != "" && c.task == "" {
		if err := w.one(`SELECT task_id FROM draws WHERE id = ?`, []any{c.draw}, &c.task); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return notFound(kind, id)
			}
			return err
		}
	}
	if c.task != "" {
		if err := w.one(`SELECT plan_id FROM tasks WHERE id = ?`, []any{c.task}, &c.plan); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return notFound(kind, id)
			}
			return err
		}
		if ok, err := w.canSeeTask(c.task); err != nil {
			return err
		} else if !ok {
			return schema.Errorf(schema.EFORBIDDEN, "%s %s is outside your region or department", kind, id)
		}
	}
	if c.task == "" {
		if err := w.one(`SELECT id FROM plans WHERE id = ?`, []any{c.plan}, new(string)); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return notFound(kind, id)
			}
			return err
		}
	}

	// Before: the ancestors, plan first.
	pos := func(k string) string { return report.AncestorPosition(kind, k) }
	if err := w.plan(c.plan, pos("plan")); err != nil {
		return err
	}
	if c.task != "" {
		if err := w.task(c.task, pos("task")); err != nil {
			return err
		}
	}
	if c.draw != "" {
		if err := w.draw(c.draw, pos("draw")); err != nil {
			return err
		}
	}
	if c.visit != "" {
		if err := w.visitOwn(c.visit, pos("visit")); err != nil {
			return err
		}
	}
	// The record itself and after.
	switch kind {
	case "plan":
		return w.eachChild(`SELECT id FROM tasks WHERE plan_id = ? ORDER BY region, batch`, c.plan, func(task string) error {
			if ok, err := w.canSeeTask(task); err != nil || !ok {
				return err
			}
			if err := w.task(task, report.After); err != nil {
				return err
			}
			return w.taskDown(task)
		})
	case "task":
		return w.taskDown(c.task)
	case "draw":
		return w.drawDown(c.draw)
	case "visit":
		return w.visitDown(c.visit, func(string, string) bool { return true }, report.After)
	case "result", "notice", "publication":
		// Within the visit, the department's part of the chain
		// (report.DeptPart says what is kept and where it stands).
		part := report.NewDeptPart(kind, id, c.visitDept, outcomeDept != "")
		noticeOf := map[string]string{}
		if noticeID != "" {
			if err := eachRow(w.tx, `SELECT id, notice_id FROM followups WHERE visit_id = ?`, []any{c.visit}, func(sc scanner) error {
				var f, n string
				err := sc.Scan(&f, &n)
				noticeOf[f] = n
				return err
			}); err != nil {
				return err
			}
		}
		return w.visitDown(c.visit, func(k, entity string) bool {
			return part.Keep(k, entity, w.deptOf[k+"\x00"+entity], noticeOf[entity])
		}, "", part.Position)
	}
	return nil
}

func (w *trailWalker) canSeeTask(task string) (bool, error) {
	s, err := taskScope(w.tx, task)
	if err != nil {
		return false, err
	}
	return authz.Can(w.u, authz.TrailRead, s), nil
}

func (w *trailWalker) eachChild(q, parent string, fn func(id string) error) error {
	rows, err := w.tx.Query(q, parent)
	if err != nil {
		return err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if w.out.Truncated {
			return nil
		}
		if err := fn(id); err != nil {
			return err
		}
	}
	return nil
}

func (w *trailWalker) add(e report.TrailEntry) {
	if len(w.out.Entries) >= report.TrailLimit {
		w.out.Truncated = true
		return
	}
	if e.UserID != "" {
		w.names[e.UserID] = ""
	}
	w.out.Entries = append(w.out.Entries, e)
}

// byEntity is the WHERE of the partial index audit_log_entity (migration
// 0008), which a query must repeat for SQLite to use the index: records
// under a visit are looked up through their parent, never by entity.
const byEntity = `(parent_kind <> 'visit' OR kind = 'visit')`

// AuditByEntity is byEntity, for tests.
const AuditByEntity = byEntity

// audit adds the audit rows of one record (a plan, task, draw or visit).
func (w *trailWalker) audit(auditKind, entity string, base report.TrailEntry) (int, error) {
	rows, err := w.tx.Query(`SELECT at, coalesce(user_id, ''), coalesce(client_id, ''), channel, action, reason FROM audit_log
		WHERE kind = ? AND entity_id = ? AND `+byEntity+` ORDER BY id`, auditKind, entity)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		e := base
		if err := rows.Scan(&e.At, &e.UserID, &e.ClientID, &e.Channel, &e.Action, &e.Reason); err != nil {
			return n, err
		}
		w.add(e)
		n++
	}
	return n, rows.Err()
}

func (w *trailWalker) plan(id, position string) error {
	var seq, year int
	var name, created string
	if err := w.one(`SELECT seq, year, name, created_at FROM plans WHERE id = ?`, []any{id}, &seq, &year, &name, &created); err != nil {
		return err
	}
	base := report.TrailEntry{Position: position, Depth: report.DepthPlan, Kind: "plan", ID: id, Label: report.PlanLabel(seq, name)}
	// A plan arrives with its year's import: that row is its history.
	rows, err := w.tx.Query(`SELECT at, coalesce(user_id, ''), coalesce(client_id, ''), channel, action, reason FROM audit_log
		WHERE kind = 'plan_year' AND entity_id = ? AND `+byEntity+` AND at <= ? ORDER BY id DESC LIMIT 1`, strconv.Itoa(year), created)
	if err != nil {
		return err
	}
	defer rows.Close()
	found := false
	for rows.Next() {
		e := base
		if err := rows.Scan(&e.At, &e.UserID, &e.ClientID, &e.Channel, &e.Action, &e.Reason); err != nil {
			return err
		}
		w.add(e)
		found = true
	}
	if !found {
		e := base
		e.At, e.Action = created, "plan.import"
		w.add(e)
	}
	return rows.Err()
}

func (w *trailWalker) task(id, position string) error {
	var region, level, regionName string
	var batch int
	if err := w.one(`SELECT t.region, t.level, t.batch, coalesce(r.name, t.region) FROM tasks t LEFT JOIN regions r ON r.code = t.region WHERE t.id = ?`,
		[]any{id}, &region, &level, &batch, &regionName); err != nil {
		return err
	}
	_, err := w.audit("task", id, report.TrailEntry{Position: position, Depth: report.DepthTask, Kind: "task", ID: id,
		Label: fmt.Sprintf("%s 第%d批（%s）", regionName, batch, level)})
	return err
}

func (w *trailWalker) draw(id, position string) error {
	var drawn, population int
	if err := w.one(`SELECT drawn, population FROM draws WHERE id = ?`, []any{id}, &drawn, &population); err != nil {
		return err
	}
	_, err := w.audit("draw", id, report.TrailEntry{Position: position, Depth: report.DepthDraw, Kind: "draw", ID: id,
		Label: fmt.Sprintf("从 %d 户中抽取 %d 户", population, drawn)})
	return err
}

func (w *trailWalker) taskDown(task string) error {
	var drawID string
	err := w.one(`SELECT id FROM draws WHERE task_id = ?`, []any{task}, &drawID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return err
	}
	if err := w.draw(drawID, report.After); err != nil {
		return err
	}
	return w.drawDown(drawID)
}

func (w *trailWalker) drawDown(drawID string) error {
	return w.eachChild(`SELECT id FROM visits WHERE draw_id = ? ORDER BY scheduled_on, id`, drawID, func(visit string) error {
		if err := w.visitOwn(visit, report.After); err != nil {
			return err
		}
		return w.visitDown(visit, func(string, string) bool { return true }, report.After)
	})
}

// visitOwn adds a visit's creation (by its draw) and its own audit rows
// (adjusted, re-drawn, completed).
func (w *trailWalker) visitOwn(id, position string) error {
	var name, uscc, created, drawBy string
	if err := w.one(`SELECT e.name, e.uscc, v.created_at, d.created_by FROM visits v JOIN entities e ON e.id = v.entity_id
		JOIN draws d ON d.id = v.draw_id WHERE v.id = ?`, []any{id}, &name, &uscc, &created, &drawBy); err != nil {
		return err
	}
	base := report.TrailEntry{Position: position, Depth: report.DepthVisit, Kind: "visit", ID: id, Label: name + "（" + uscc + "）"}
	e := base
	e.At, e.Action, e.UserID, e.Channel = created, "visit.create", drawBy, schema.ChannelWeb
	w.add(e)
	_, err := w.audit("visit", id, base)
	return err
}

// visitDown adds the records under a visit, read from the audit rows whose
// parent is the visit: check-ins, signatures, item results, outcomes,
// notices, follow-ups and publications, in the order they happened. keep
// filters them; position decides where each stands (a fixed position, or
// a function of the record's kind and id when position is "").
func (w *trailWalker) visitDown(visit string, keep func(kind, entity string) bool, position string, positionOf ...func(kind, entity string) string) error {
	if err := w.visitLookups(visit); err != nil {
		return err
	}
	// audit_entries: the phones' applied records are journal rows (migration 0019).
	rows, err := w.tx.Query(`SELECT kind, entity_id, at, coalesce(user_id, ''), coalesce(client_id, ''), channel, action, reason FROM audit_entries
		WHERE parent_kind = 'visit' AND parent_id = ? AND kind IN ('checkin', 'signature', 'item_result', 'outcome', 'notice', 'followup', 'publication')
		ORDER BY at, src, id`, visit)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e report.TrailEntry
		if err := rows.Scan(&e.Kind, &e.ID, &e.At, &e.UserID, &e.ClientID, &e.Channel, &e.Action, &e.Reason); err != nil {
			return err
		}
		if !keep(e.Kind, e.ID) {
			continue
		}
		e.Position = position
		if position == "" && len(positionOf) > 0 {
			e.Position = positionOf[0](e.Kind, e.ID)
		}
		e.Depth = report.DepthResult
		if e.Kind == "followup" {
			e.Depth = report.DepthFollowup
		}
		e.Label = w.labels[e.Kind+"\x00"+e.ID]
		e.OfficeEntered = (e.Kind == "item_result" || e.Kind == "outcome") && e.Channel == schema.ChannelWeb
		w.add(e)
	}
	return rows.Err()
}

// visitLookups loads the labels and departments of a visit's records.
func (w *trailWalker) visitLookups(visit string) error {
	if w.labels == nil {
		w.labels, w.deptOf = map[string]string{}, map[string]string{}
	}
	set := func(kind, id, dept, label string) {
		w.labels[kind+"\x00"+id] = label
		w.deptOf[kind+"\x00"+id] = dept
	}
	queries := []struct {
		kind, q string
	}{
		{"item_result", `SELECT ci.id, ci.dept, ci.name || coalesce('：' || ir.value, '') FROM checklist_items ci
			LEFT JOIN item_results ir ON ir.item_id = ci.id WHERE ci.visit_id = ?`},
		{"outcome", `SELECT o.visit_id || ':' || o.dept, o.dept, d.name || ' 检查结果' FROM outcomes o JOIN departments d ON d.code = o.dept WHERE o.visit_id = ?`},
		{"notice", `SELECT n.id, n.dept, CASE WHEN n.number_text <> '' THEN n.number_text ELSE n.provisional END || CASE WHEN n.voided_at IS NULL THEN '' ELSE '（已作废）' END FROM notices n WHERE n.visit_id = ?`},
		{"followup", `SELECT f.id, n.dept, '复查：' || CASE WHEN f.corrected = 1 THEN '已整改' ELSE f.action END FROM followups f
			JOIN notices n ON n.id = f.notice_id WHERE f.visit_id = ?`},
		{"publication", `SELECT p.id, p.dept, d.name || ' 公示' FROM publications p JOIN departments d ON d.code = p.dept WHERE p.visit_id = ?`},
		{"checkin", `SELECT c.id, '', '到场签到' FROM checkins c WHERE c.visit_id = ?`},
		{"signature", `SELECT s.id, '', CASE s.kind WHEN 'entity' THEN '被检查单位签名' WHEN 'refusal' THEN '拒签记录' ELSE '检查人员签名' END FROM signatures s WHERE s.visit_id = ?`},
	}
	for _, q := range queries {
		rows, err := w.tx.Query(q.q, visit)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, dept, label string
			if err := rows.Scan(&id, &dept, &label); err != nil {
				rows.Close()
				return err
			}
			set(q.kind, id, dept, label)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// userNames fills in the names of the users the trail names.
func (w *trailWalker) userNames(tx *sql.Tx) error {
	if len(w.names) == 0 {
		return nil
	}
	ids := make([]any, 0, len(w.names))
	for id := range w.names {
		ids = append(ids, id)
	}
	for start := 0; start < len(ids); start += 500 {
		batch := ids[start:min(start+500, len(ids))]
		rows, err := tx.Query(`SELECT id, name FROM users WHERE id IN (?`+strings.Repeat(", ?", len(batch)-1)+`)`, batch...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return err
			}
			w.names[id] = name
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for i := range w.out.Entries {
		w.out.Entries[i].UserName = w.names[w.out.Entries[i].UserID]
	}
	return nil
}

// entity walks the trail of a 检查对象 (by id or 统一社会信用代码): the entity,
// then each visit of it the caller may see, with the task and draw that
// picked it before (逆向可溯) and what came of the visit after (顺向可追).
func (w *trailWalker) entity(key string) error {
	var id, name, uscc, updated string
	err := w.one(`SELECT id, name, uscc, updated_at FROM entities WHERE id = ? OR uscc = ?`, []any{key, key}, &id, &name, &uscc, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return schema.Errorf(schema.ENOTFOUND, "没有这个检查对象")
	} else if err != nil {
		return err
	}
	w.out.ID = id
	w.add(report.TrailEntry{Position: report.Self, Depth: report.DepthVisit, Kind: "entity", ID: id, Label: name + "（" + uscc + "）",
		At: updated, Action: "entities.import", Channel: schema.ChannelImport})
	type visit struct{ id, task, draw string }
	var visits []visit
	if err := eachRow(w.tx, `SELECT id, task_id, draw_id FROM visits WHERE entity_id = ? ORDER BY created_at, id`, []any{id}, func(sc scanner) error {
		var v visit
		err := sc.Scan(&v.id, &v.task, &v.draw)
		visits = append(visits, v)
		return err
	}); err != nil {
		return err
	}
	for _, v := range visits {
		if w.out.Truncated {
			return nil
		}
		if ok, err := w.canSeeTask(v.task); err != nil {
			return err
		} else if !ok {
			continue
		}
		if err := w.task(v.task, report.Before); err != nil {
			return err
		}
		if err := w.draw(v.draw, report.Before); err != nil {
			return err
		}
		if err := w.visitOwn(v.id, report.After); err != nil {
			return err
		}
		if err := w.visitDown(v.id, func(string, string) bool { return true }, report.After); err != nil {
			return err
		}
	}
	return nil
}

// userTrailLabel names the record of an audit row for the trail of a user,
// in words: the entity of a visit (or of the visit a record hangs from),
// an account, a task, a plan year, a device.
const userTrailLabel = `CASE
	WHEN a.parent_kind = 'visit' THEN (SELECT e.name FROM visits v JOIN entities e ON e.id = v.entity_id WHERE v.id = a.parent_id)
	WHEN a.kind = 'visit' THEN (SELECT e.name FROM visits v JOIN entities e ON e.id = v.entity_id WHERE v.id = a.entity_id)
	WHEN a.kind = 'user' THEN (SELECT name || '（' || username || '）' FROM users WHERE id = a.entity_id)
	WHEN a.kind = 'task' THEN (SELECT coalesce(r.name, t.region) || ' 第' || t.batch || '批' FROM tasks t LEFT JOIN regions r ON r.code = t.region WHERE t.id = a.entity_id)
	WHEN a.kind = 'draw' THEN (SELECT '从 ' || population || ' 户中抽取 ' || drawn || ' 户' FROM draws WHERE id = a.entity_id)
	WHEN a.kind = 'plan_year' THEN a.entity_id || ' 年度抽查计划'
	WHEN a.kind = 'plan' THEN (SELECT name FROM plans WHERE id = a.entity_id)
	WHEN a.kind = 'client' THEN (SELECT '设备 ' || coalesce(CAST(device_no AS TEXT), '') || ' ' || platform FROM clients WHERE id = a.entity_id)
	ELSE '' END`

// user walks the trail of a person: what they did and what was done to
// their account and devices, newest first. The caller must oversee the
// user (authz.UserRead: their region and department).
func (w *trailWalker) user(key string) error {
	var id, region, dept, name, username string
	err := w.one(`SELECT id, region, dept, name, username FROM users WHERE id = ? OR username = ?`, []any{key, key}, &id, &region, &dept, &name, &username)
	if errors.Is(err, sql.ErrNoRows) {
		return schema.Errorf(schema.ENOTFOUND, "没有这个用户")
	} else if err != nil {
		return err
	}
	if err := authz.Check(w.u, authz.UserRead, authz.Scope{Region: region, Dept: dept}); err != nil {
		return err
	}
	w.out.ID = id
	depth := map[string]int{"plan_year": report.DepthPlan, "plan": report.DepthPlan, "task": report.DepthTask, "draw": report.DepthDraw, "visit": report.DepthVisit, "followup": report.DepthFollowup}
	// Their journal rows (applied records from their devices, migration 0019)
	// are found by device, through the index of the phones' sequence numbers.
	rows, err := w.tx.Query(`SELECT a.kind, a.entity_id, a.at, coalesce(a.user_id, ''), coalesce(a.client_id, ''), a.channel, a.action, a.reason,
		coalesce(`+userTrailLabel+`, '')
		FROM (SELECT 1 AS src, id, kind, entity_id, at, user_id, client_id, channel, action, reason, parent_kind, parent_id FROM audit_log
			WHERE user_id = ? OR (kind = 'user' AND entity_id = ?) OR (kind = 'client' AND entity_id IN (SELECT c.id FROM clients c WHERE c.user_id = ?))
		UNION ALL
		SELECT 0, seq, kind, entity_id, received_at, actor_id, mutation_client, channel, action, '', 'visit', visit_id FROM changes
			WHERE mutation_id IS NOT NULL AND mutation_client IN (SELECT c.id FROM clients c WHERE c.user_id = ?) AND actor_id = ?) a
		ORDER BY a.at DESC, a.src DESC, a.id DESC LIMIT ?`, id, id, id, id, id, report.TrailLimit+1)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		e := report.TrailEntry{Position: report.Self}
		if err := rows.Scan(&e.Kind, &e.ID, &e.At, &e.UserID, &e.ClientID, &e.Channel, &e.Action, &e.Reason, &e.Label); err != nil {
			return err
		}
		if d, ok := depth[e.Kind]; ok {
			e.Depth = d
		} else {
			e.Depth = report.DepthResult
		}
		if e.Kind == "user" && e.ID == id && e.UserID != id {
			e.Position = report.Before // done to them by someone else
		}
		e.OfficeEntered = (e.Kind == "item_result" || e.Kind == "outcome") && e.Channel == schema.ChannelWeb
		w.add(e)
	}
	return rows.Err()
}
