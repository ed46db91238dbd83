package sqlstore

import (
	"cmp"
	"encoding/json"
	"slices"

	"zsc/schema"
	zsync "zsc/sync"
)

// Reads of the pull: a bootstrap carries the whole state of every visit the
// caller sees. Read one visit at a time (VisitState) it costs about a dozen
// queries per visit, so VisitStates reads many visits with one query per
// record kind. The per-visit order of each kind must stay VisitState's
// (VisitRecords and loadVisit): phones compare their views with the
// server's, and the tests check that the two readings agree.

// BootstrapVisits implements zsync.ReadTx: one page of a bootstrap's
// visits, read by the primary key from after on, so that a page costs its
// own visits and not the whole scope's.
func (t *syncTx) BootstrapVisits(s zsync.Scope, openYear int, after string, limit int) ([]string, error) {
	q := `SELECT v.id FROM visits v WHERE v.id > ?`
	args := []any{after}
	if vq, vargs := visible(s); vq != "" {
		q += ` AND v.id IN (` + vq + `)`
		args = append(args, vargs...)
	}
	if openYear != 0 {
		// Open work of the year, and whatever of the user's own teams.
		q += ` AND (v.status = 'open' AND (SELECT p.year FROM tasks t JOIN plans p ON p.id = t.plan_id WHERE t.id = v.task_id) = ?
			OR v.id IN (SELECT visit_id FROM visit_members WHERE user_id = ? AND active = 1))`
		args = append(args, openYear, s.User.ID)
	}
	return strings1(t, q+` ORDER BY v.id LIMIT ?`, append(args, limit)...)
}

// OpenYear implements zsync.ReadTx.
func (t *syncTx) OpenYear(clockYear int) (int, error) {
	var year int
	err := t.row(`WITH open AS (SELECT DISTINCT p.year FROM plans p JOIN tasks t ON t.plan_id = p.id
			WHERE EXISTS (SELECT 1 FROM visits v WHERE v.task_id = t.id AND v.status = 'open'))
		SELECT coalesce((SELECT max(year) FROM open WHERE year <= ?), (SELECT min(year) FROM open), ?)`, clockYear, clockYear).Scan(&year)
	return year, err
}

// inVisits restricts a column to the visits listed in the query's JSON
// array argument: one statement (prepared once) for any number of visits.
const inVisits = ` IN (SELECT value FROM json_each(?))`

// VisitStates implements zsync.ReadTx.
func (t *syncTx) VisitStates(visitIDs []string) ([]*zsync.VisitState, error) {
	if len(visitIDs) == 0 {
		return []*zsync.VisitState{}, nil
	}
	// list holds each visit once, so that no join meets a visit twice.
	by := make(map[string]*zsync.VisitState, len(visitIDs))
	list := make([]string, 0, len(visitIDs))
	out := make([]*zsync.VisitState, len(visitIDs))
	for i, id := range visitIDs {
		st, ok := by[id]
		if !ok {
			st = &zsync.VisitState{Checkins: []zsync.Checkin{}, Results: []zsync.ItemResult{}, Outcomes: []zsync.Outcome{},
				Signatures: []zsync.Signature{}, Notices: []zsync.Notice{}, Followups: []zsync.Followup{},
				Conflicts: []zsync.Conflict{}, Blobs: []zsync.Blob{}, Finishes: []zsync.DeptFinish{}}
			by[id] = st
			list = append(list, id)
		}
		out[i] = st
	}
	b, err := json.Marshal(list)
	if err != nil {
		return nil, err
	}
	ids := string(b)
	each := func(query string, scan func(sc interface{ Scan(...any) error }) error) error {
		return t.each(query, ids, scan)
	}
	err = each(`SELECT `+checkinCols+` FROM checkins WHERE visit_id`+inVisits+` ORDER BY visit_id, at, id`,
		func(sc interface{ Scan(...any) error }) error {
			x, err := scanCheckin(sc)
			if err == nil {
				by[x.VisitID].Checkins = append(by[x.VisitID].Checkins, x)
			}
			return err
		})
	if err != nil {
		return nil, err
	}
	err = each(`SELECT `+outcomeCols+` FROM outcomes WHERE visit_id`+inVisits+` ORDER BY visit_id, dept`,
		func(sc interface{ Scan(...any) error }) error {
			x, err := scanOutcome(sc)
			if err == nil {
				by[x.VisitID].Outcomes = append(by[x.VisitID].Outcomes, x)
			}
			return err
		})
	if err != nil {
		return nil, err
	}
	err = each(`SELECT `+signatureCols+` FROM signatures WHERE visit_id`+inVisits+` ORDER BY visit_id, at, id`,
		func(sc interface{ Scan(...any) error }) error {
			x, err := scanSignature(sc)
			if err == nil {
				by[x.VisitID].Signatures = append(by[x.VisitID].Signatures, x)
			}
			return err
		})
	if err != nil {
		return nil, err
	}
	err = each(`SELECT `+noticeCols+` FROM notices WHERE visit_id`+inVisits+` ORDER BY visit_id, issued_at, id`,
		func(sc interface{ Scan(...any) error }) error {
			x, err := scanNotice(sc)
			if err == nil {
				by[x.VisitID].Notices = append(by[x.VisitID].Notices, x)
			}
			return err
		})
	if err != nil {
		return nil, err
	}
	err = each(`SELECT `+followupCols+` FROM followups WHERE visit_id`+inVisits+` ORDER BY visit_id, at, id`,
		func(sc interface{ Scan(...any) error }) error {
			x, err := scanFollowup(sc)
			if err == nil {
				by[x.VisitID].Followups = append(by[x.VisitID].Followups, x)
			}
			return err
		})
	if err != nil {
		return nil, err
	}
	err = each(conflictSelect+` WHERE c.visit_id`+inVisits+` ORDER BY c.visit_id, c.id`,
		func(sc interface{ Scan(...any) error }) error {
			x, err := scanConflict(sc)
			if err == nil {
				by[x.VisitID].Conflicts = append(by[x.VisitID].Conflicts, x)
			}
			return err
		})
	if err != nil {
		return nil, err
	}
	err = each(`SELECT `+deptFinishCols+` FROM dept_finishes f LEFT JOIN users u ON u.id = f.user_id
		WHERE f.visit_id`+inVisits+` ORDER BY f.visit_id, f.at, f.dept`,
		func(sc interface{ Scan(...any) error }) error {
			x, err := scanDeptFinish(sc)
			if err == nil {
				by[x.VisitID].Finishes = append(by[x.VisitID].Finishes, x)
			}
			return err
		})
	if err != nil {
		return nil, err
	}
	err = each(`SELECT r.visit_id, b.sha256, b.size FROM blob_refs r JOIN blobs b ON b.sha256 = r.sha256
		WHERE r.visit_id`+inVisits+` ORDER BY r.visit_id, b.sha256`,
		func(sc interface{ Scan(...any) error }) error {
			var visit string
			var b zsync.Blob
			err := sc.Scan(&visit, &b.SHA256, &b.Size)
			if err == nil {
				by[visit].Blobs = append(by[visit].Blobs, b)
			}
			return err
		})
	if err != nil {
		return nil, err
	}
	visits, err := t.loadVisits(ids, list, by)
	if err != nil {
		return nil, err
	}
	for id, st := range by {
		v, ok := visits[id]
		if !ok {
			return nil, schema.Errorf(schema.ENOTFOUND, "要下载的一户检查记录已不存在，请重新同步")
		}
		if st.Visit, err = json.Marshal(v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// loadVisits is loadVisit of the visits in the JSON array ids, with one
// query per part instead of four per visit, and it reads the visits' item
// results into their states along with the checklist: one pass over the
// checklist serves both. It must build each Visit exactly as loadVisit does
// (nil slices included), since the "visit" change is its JSON, and each
// state's results in VisitRecords' order.
func (t *syncTx) loadVisits(ids string, list []string, states map[string]*zsync.VisitState) (map[string]*Visit, error) {
	out := make(map[string]*Visit, len(states))
	err := t.each(`SELECT v.id, v.task_id, v.draw_id, v.status, v.scheduled_on, coalesce(v.completed_at, ''), v.version, t.region,
			p.id, p.year, p.seq, p.name, e.id, e.uscc, e.name, e.address, e.region, e.lat, e.lng
		FROM visits v JOIN tasks t ON t.id = v.task_id JOIN plans p ON p.id = t.plan_id JOIN entities e ON e.id = v.entity_id
		WHERE v.id`+inVisits, ids, func(sc interface{ Scan(...any) error }) error {
		v := &Visit{}
		err := sc.Scan(&v.ID, &v.TaskID, &v.DrawID, &v.Status, &v.ScheduledOn, &v.CompletedAt, &v.Version, &v.Region,
			&v.Plan.ID, &v.Plan.Year, &v.Plan.Seq, &v.Plan.Name, &v.Entity.ID, &v.Entity.USCC, &v.Entity.Name, &v.Entity.Address,
			&v.Entity.Region, &v.Entity.Lat, &v.Entity.Lng)
		out[v.ID] = v
		return err
	})
	if err != nil {
		return nil, err
	}
	// A task's departments are the same for each of its visits: read once
	// per task. Their order ranks the team and the checklist.
	depts := map[string][]Department{}
	err = t.each(`SELECT td.task_id, d.code, d.name, d.short, d.kind, d.authority FROM task_departments td JOIN departments d ON d.code = td.dept
		WHERE td.task_id IN (SELECT task_id FROM visits WHERE id`+inVisits+`) ORDER BY td.task_id, td.ord`, ids,
		func(sc interface{ Scan(...any) error }) error {
			var task string
			var d Department
			err := sc.Scan(&task, &d.Code, &d.Name, &d.Short, &d.Kind, &d.Authority)
			depts[task] = append(depts[task], d)
			return err
		})
	if err != nil {
		return nil, err
	}
	for _, v := range out {
		v.Departments = depts[v.TaskID]
	}
	err = t.each(`SELECT m.visit_id, m.user_id, u.name, m.dept, u.cert_no, m.active FROM visit_members m
		JOIN users u ON u.id = m.user_id JOIN visits v ON v.id = m.visit_id JOIN task_departments td ON td.task_id = v.task_id AND td.dept = m.dept
		WHERE m.visit_id`+inVisits+` ORDER BY m.visit_id, td.ord, u.username`, ids,
		func(sc interface{ Scan(...any) error }) error {
			var visit string
			var m Member
			err := sc.Scan(&visit, &m.UserID, &m.Name, &m.Dept, &m.CertNo, &m.Active)
			if v := out[visit]; v != nil && err == nil {
				v.Team = append(v.Team, m)
			}
			return err
		})
	if err != nil {
		return nil, err
	}
	// The checklist in VisitRecords' order of results (dept, ord, id), each
	// item with its result if it has one. j.key is the visit's place in the
	// list: an integer is cheaper to read than its id. Each visit's rows
	// come together, so every visit's items and results are slices of two
	// arrays sized once: a bootstrap reads hundreds of each.
	var n int
	if err := t.row(`SELECT count(*) FROM checklist_items WHERE visit_id`+inVisits, ids).Scan(&n); err != nil {
		return nil, err
	}
	items := make([]ChecklistItem, 0, n)
	results := make([]zsync.ItemResult, 0, n)
	type span struct{ from, to int }
	itemSpans, resultSpans := make([]span, len(list)), make([]span, len(list))
	key, last := 0, -1
	var has bool
	var cd checklistDest
	var r zsync.ItemResult
	var photos string
	dest := append(append([]any{&key}, cd.dest()...),
		&has, &r.Dept, &r.Value, &r.Note, &photos, &r.Version, &r.UserID, &r.ClientID, &r.Channel, &r.MutationID, &r.UpdatedAt)
	err = t.each(`SELECT j.key, `+checklistCols+`, r.item_id IS NOT NULL, coalesce(r.dept, ''), coalesce(r.value, ''),
			coalesce(r.note, ''), coalesce(r.photos, '[]'), coalesce(r.version, 0), coalesce(r.user_id, ''), coalesce(r.client_id, ''),
			coalesce(r.channel, ''), coalesce(r.mutation_id, ''), coalesce(r.updated_at, '')
		FROM json_each(?) j JOIN checklist_items c ON c.visit_id = j.value
		LEFT JOIN item_results r ON r.item_id = c.id AND r.visit_id = c.visit_id
		ORDER BY j.key, c.dept, c.ord, c.id`, ids,
		func(sc interface{ Scan(...any) error }) error {
			if err := sc.Scan(dest...); err != nil {
				return err
			}
			if key != last {
				last = key
				itemSpans[key] = span{len(items), len(items)}
				resultSpans[key] = span{len(results), len(results)}
			}
			c := cd.done()
			items = append(items, c)
			itemSpans[key].to = len(items)
			if !has {
				return nil
			}
			r.ItemID, r.VisitID = c.ID, list[key]
			r.Photos = []string{}
			if photos != "[]" {
				if err := json.Unmarshal([]byte(photos), &r.Photos); err != nil {
					return err
				}
			}
			results = append(results, r)
			resultSpans[key].to = len(results)
			return nil
		})
	if err != nil {
		return nil, err
	}
	for k, visit := range list {
		if sp, v := itemSpans[k], out[visit]; sp.to > sp.from && v != nil {
			v.Items = items[sp.from:sp.to:sp.to]
			t.noteDrawn(v)
		}
		if sp := resultSpans[k]; sp.to > sp.from {
			states[visit].Results = results[sp.from:sp.to:sp.to]
		}
	}
	// loadVisit lists the checklist by the task's department order, and only
	// the items of the task's departments; within a department the rows
	// above are already by ord, and the sort is stable.
	for _, v := range out {
		rank := make(map[string]int, len(v.Departments))
		for i, d := range v.Departments {
			rank[d.Code] = i
		}
		items := v.Items[:0]
		for _, it := range v.Items {
			if _, ok := rank[it.Dept]; ok {
				items = append(items, it)
			}
		}
		if len(items) == 0 {
			items = nil
		}
		slices.SortStableFunc(items, func(a, b ChecklistItem) int {
			return cmp.Compare(rank[a.Dept], rank[b.Dept])
		})
		v.Items = items
	}
	return out, nil
}

// noteDrawn keeps what a pull read of a visit's drawn part (task, region,
// departments, the whole checklist in Visit's order) for the sync store's
// checklist cache: the phone pulled the visit to push its results, and its
// first push then reads no checklist row. v.Items must still be every item
// in (dept, ord, id) order, before loadVisits filters and ranks them.
func (t *syncTx) noteDrawn(v *Visit) {
	if t.s == nil {
		return
	}
	d := drawnVisit{taskID: v.TaskID, region: v.Region, depts: make([]string, len(v.Departments)), items: make([]zsync.Item, len(v.Items))}
	for i, dep := range v.Departments {
		d.depts[i] = dep.Code
	}
	for i, it := range v.Items {
		d.items[i] = zsync.Item{ID: it.ID, Dept: it.Dept, Name: it.Name}
	}
	if t.loadedItems == nil {
		t.loadedItems = map[string]drawnVisit{}
	}
	t.loadedItems[v.ID] = d
}

// each runs a query through the statement cache and hands every row to scan.
func (t *syncTx) each(query string, arg any, scan func(sc interface{ Scan(...any) error }) error) error {
	rows, err := t.query(query, arg)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
