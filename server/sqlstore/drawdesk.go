package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"zsc/schema"
	"zsc/server/authz"
	"zsc/server/draw"
)

// What the office's draw screens read: the population a task would draw
// from, before the draw, and the whole record of a draw after it (the
// 抽取记录 printed for the public notice).

// DrawPreview is a task's population per stratum, the ratio each stratum is
// drawn at and how many the draw will take, read from the directory as it is
// now. The draw reads the same snapshot when it runs, so a preview and the
// draw that follows it agree unless the directory changes between them.
type DrawPreview struct {
	Task      *Task  `json:"task"`
	RatioText string `json:"ratio_text"`
	*draw.Forecast
}

// DrawPreview reads the snapshot a draw of the task would take, writes
// nothing, and forecasts the draw's counts (server/draw Preview).
func (db *DB) DrawPreview(ctx context.Context, u *schema.User, taskID string) (*DrawPreview, error) {
	var out *DrawPreview
	err := db.Read(ctx, func(tx *sql.Tx) error {
		t, err := db.TaskByID(ctx, tx, taskID)
		if err != nil {
			return err
		}
		if err := authz.Check(u, authz.DrawRead, t.Scope()); err != nil {
			return err
		}
		p, err := db.PlanByID(ctx, tx, t.PlanID)
		if err != nil {
			return err
		}
		spec, err := ratioSpec(p, t.Departments)
		if err != nil {
			return err
		}
		snap, _, err := snapshotOf(tx, t, spec)
		if err != nil {
			return err
		}
		f, err := draw.Preview(snap)
		if err != nil {
			return schema.Errorf(schema.EUNPROCESSABLE, "计划第%d项的抽取比例或名录有误，无法抽取 (%v)", p.Seq, err)
		}
		out = &DrawPreview{Task: t, RatioText: p.RatioText, Forecast: f}
		return nil
	})
	return out, err
}

// DrawDetail is a draw's whole record: the stored draw, its task, who ran
// it, every visit it made with its team, and every re-draw with its reason.
type DrawDetail struct {
	DrawRecord
	Task        *Task        `json:"task"`
	PlanYear    int          `json:"plan_year"`
	RatioText   string       `json:"ratio_text"`
	RegionName  string       `json:"region_name"`
	Departments []PublicDept `json:"departments"`
	Operator    string       `json:"operator"` // the name of who ran the draw
	DrawVisits  []DrawVisit  `json:"visits"`
	Redraws     []RedrawNote `json:"redraws"`
}

// DrawVisit is one entity a draw (or a re-draw) chose, with its team.
type DrawVisit struct {
	ID          string       `json:"id"`
	Status      string       `json:"status"` // open, complete, replaced
	USCC        string       `json:"uscc"`
	Name        string       `json:"name"`
	Address     string       `json:"address"`
	Risk        string       `json:"risk"`
	Stratum     string       `json:"stratum"`
	ScheduledOn string       `json:"scheduled_on"`
	Team        []DrawMember `json:"team"`
}

// DrawMember is an inspector of a visit's team; Active is false for one
// swapped out (re-drawn or replaced by the lead).
type DrawMember struct {
	UserID string `json:"user_id"`
	Name   string `json:"name"`
	Dept   string `json:"dept"`
	CertNo string `json:"cert_no"`
	Active bool   `json:"active"`
}

// RedrawNote is one re-draw: what was replaced by what, why, by whom.
type RedrawNote struct {
	ID       string `json:"id"`
	VisitID  string `json:"visit_id"`
	Kind     string `json:"kind"` // entity or inspector
	Old      string `json:"old"`
	OldName  string `json:"old_name"`
	New      string `json:"new"`
	NewName  string `json:"new_name"`
	Reason   string `json:"reason"`
	By       string `json:"by"`
	At       string `json:"at"`
	Dept     string `json:"dept,omitempty"`
	NewVisit string `json:"new_visit_id,omitempty"`
}

// DrawDetail reads a draw's record. Scope is the route's (the draw's task,
// authz.DrawRead), as for verify.
func (db *DB) DrawDetail(ctx context.Context, drawID string) (*DrawDetail, error) {
	var d DrawDetail
	err := db.Read(ctx, func(tx *sql.Tx) error {
		var strata, createdBy string
		err := tx.QueryRow(`SELECT id, task_id, algorithm, seed, seed_source, snapshot_hash, population, drawn, strata, risk_applicable, risk_stratified, created_at, created_by
			FROM draws WHERE id = ?`, drawID).Scan(&d.ID, &d.TaskID, &d.Algorithm, &d.Seed, &d.SeedSource, &d.SnapshotHash, &d.Population, &d.Drawn,
			&strata, &d.RiskApplicable, &d.RiskStratified, &d.CreatedAt, &createdBy)
		if errors.Is(err, sql.ErrNoRows) {
			return schema.Errorf(schema.ENOTFOUND, "找不到该抽取记录 (draw %s not found)", drawID)
		} else if err != nil {
			return err
		}
		d.Strata = json.RawMessage(strata)
		if d.Task, err = db.TaskByID(ctx, tx, d.TaskID); err != nil {
			return err
		}
		if err := tx.QueryRow(`SELECT p.year, p.ratio_text FROM plans p WHERE p.id = ?`, d.Task.PlanID).Scan(&d.PlanYear, &d.RatioText); err != nil {
			return err
		}
		d.RegionName = regionName(tx, d.Task.Region)
		for _, code := range d.Task.Departments {
			d.Departments = append(d.Departments, PublicDept{Code: code, Name: deptName(tx, code)})
		}
		if err := tx.QueryRow(`SELECT name FROM users WHERE id = ?`, createdBy).Scan(&d.Operator); err != nil {
			return err
		}
		if d.DrawVisits, err = drawVisits(tx, drawID); err != nil {
			return err
		}
		d.Redraws, err = redrawNotes(tx, drawID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// drawVisits lists a draw's visits in the order they were made (the draw's
// key order, then re-draws: visit ids are UUIDv7, increasing within a
// transaction), each with its team in department order.
func drawVisits(tx *sql.Tx, drawID string) ([]DrawVisit, error) {
	rows, err := tx.Query(`SELECT v.id, v.status, e.uscc, e.name, e.address, v.risk, v.stratum, v.scheduled_on
		FROM visits v JOIN entities e ON e.id = v.entity_id WHERE v.draw_id = ? ORDER BY v.created_at, v.id`, drawID)
	if err != nil {
		return nil, err
	}
	out := []DrawVisit{}
	index := map[string]int{}
	for rows.Next() {
		var v DrawVisit
		if err := rows.Scan(&v.ID, &v.Status, &v.USCC, &v.Name, &v.Address, &v.Risk, &v.Stratum, &v.ScheduledOn); err != nil {
			rows.Close()
			return nil, err
		}
		v.Team = []DrawMember{}
		index[v.ID] = len(out)
		out = append(out, v)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	rows, err = tx.Query(`SELECT m.visit_id, m.user_id, u.name, m.dept, u.cert_no, m.active
		FROM visit_members m JOIN visits v ON v.id = m.visit_id JOIN users u ON u.id = m.user_id
		LEFT JOIN task_departments td ON td.task_id = v.task_id AND td.dept = m.dept
		WHERE v.draw_id = ? ORDER BY td.ord, m.active DESC, u.username`, drawID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var visitID string
		var m DrawMember
		if err := rows.Scan(&visitID, &m.UserID, &m.Name, &m.Dept, &m.CertNo, &m.Active); err != nil {
			rows.Close()
			return nil, err
		}
		if i, ok := index[visitID]; ok {
			out[i].Team = append(out[i].Team, m)
		}
	}
	return out, closeRows(rows)
}

// redrawNotes lists a draw's re-draws, oldest first, with the names of
// what they replaced: entities by USCC, inspectors by user id.
func redrawNotes(tx *sql.Tx, drawID string) ([]RedrawNote, error) {
	rows, err := tx.Query(`SELECT r.id, r.visit_id, r.kind, r.old_ref, r.new_ref, r.reason, coalesce(u.name, ''), r.created_at,
			CASE r.kind WHEN 'entity' THEN coalesce((SELECT name FROM entities WHERE uscc = r.old_ref), '') ELSE coalesce((SELECT name FROM users WHERE id = r.old_ref), '') END,
			CASE r.kind WHEN 'entity' THEN coalesce((SELECT name FROM entities WHERE uscc = r.new_ref), '') ELSE coalesce((SELECT name FROM users WHERE id = r.new_ref), '') END,
			CASE r.kind WHEN 'inspector' THEN coalesce((SELECT dept FROM users WHERE id = r.new_ref), '') ELSE '' END,
			CASE r.kind WHEN 'entity' THEN coalesce((SELECT v.id FROM visits v JOIN entities e ON e.id = v.entity_id WHERE v.draw_id = r.draw_id AND e.uscc = r.new_ref), '') ELSE '' END
		FROM redraws r LEFT JOIN users u ON u.id = r.created_by WHERE r.draw_id = ? ORDER BY r.created_at, r.id`, drawID)
	if err != nil {
		return nil, err
	}
	out := []RedrawNote{}
	for rows.Next() {
		var n RedrawNote
		if err := rows.Scan(&n.ID, &n.VisitID, &n.Kind, &n.Old, &n.New, &n.Reason, &n.By, &n.At, &n.OldName, &n.NewName, &n.Dept, &n.NewVisit); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, n)
	}
	return out, closeRows(rows)
}
