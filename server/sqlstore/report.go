package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"zsc/schema"
	"zsc/server/authz"
	"zsc/server/report"
)

// MetricsFacts reads what the six targets of one year are computed from
// (report.Compute). It reads plans, tasks, items and the task rollups the
// triggers of 0005_office.sql keep, never the visits or results themselves,
// so it answers in milliseconds for a year of a million visits.
func (db *DB) MetricsFacts(ctx context.Context, year int) (*report.Facts, error) {
	f := &report.Facts{Year: year}
	err := db.Read(ctx, func(tx *sql.Tx) error {
		var err error
		if f.DeptNames, f.RegionNames, err = names(tx); err != nil {
			return err
		}
		rows, err := tx.Query(`SELECT id, seq, sub, name, initiator, levels FROM plans WHERE year = ? ORDER BY seq, sub`, year)
		if err != nil {
			return err
		}
		for rows.Next() {
			var p report.PlanFact
			var levels string
			if err := rows.Scan(&p.ID, &p.Seq, &p.Sub, &p.Name, &p.Initiator, &levels); err != nil {
				rows.Close()
				return err
			}
			if err := json.Unmarshal([]byte(levels), &p.Levels); err != nil {
				rows.Close()
				return fmt.Errorf("plan %s: levels: %w", p.ID, err)
			}
			f.Plans = append(f.Plans, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.Query(`SELECT t.id, t.plan_id, t.region, t.level, p.initiator, coalesce(d.created_at, ''),
				coalesce(d.risk_applicable, 0), coalesce(d.risk_stratified, 0)
			FROM tasks t JOIN plans p ON p.id = t.plan_id LEFT JOIN draws d ON d.task_id = t.id
			WHERE p.year = ? ORDER BY t.id`, year)
		if err != nil {
			return err
		}
		index := map[string]int{}
		for rows.Next() {
			var t report.TaskFact
			var drawn string
			if err := rows.Scan(&t.ID, &t.PlanID, &t.Region, &t.Level, &t.Initiator, &drawn, &t.RiskApplicable, &t.RiskStratified); err != nil {
				rows.Close()
				return err
			}
			t.DrawMonth = report.ChinaMonth(drawn)
			index[t.ID] = len(f.Tasks)
			f.Tasks = append(f.Tasks, t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if err := eachRow(tx, `SELECT td.task_id, td.dept FROM task_departments td JOIN tasks t ON t.id = td.task_id
				JOIN plans p ON p.id = t.plan_id WHERE p.year = ? ORDER BY td.task_id, td.ord`, []any{year}, func(sc scanner) error {
			var task, dept string
			if err := sc.Scan(&task, &dept); err != nil {
				return err
			}
			if i, ok := index[task]; ok {
				f.Tasks[i].Depts = append(f.Tasks[i].Depts, dept)
			}
			return nil
		}); err != nil {
			return err
		}
		if err := eachRow(tx, `SELECT r.task_id, r.month, r.visits, r.complete, r.entered, r.mobile FROM task_rollups r
				JOIN tasks t ON t.id = r.task_id JOIN plans p ON p.id = t.plan_id WHERE p.year = ?`, []any{year}, func(sc scanner) error {
			var m report.MonthFact
			var visits, entered int
			if err := sc.Scan(&m.TaskID, &m.Month, &visits, &m.Complete, &entered, &m.Mobile); err != nil {
				return err
			}
			if i, ok := index[m.TaskID]; ok {
				t := &f.Tasks[i]
				t.Visits += visits
				t.Complete += m.Complete
				t.Entered += entered
			}
			if m.Month != "" && m.Complete > 0 {
				f.Months = append(f.Months, m)
			}
			return nil
		}); err != nil {
			return err
		}
		return eachRow(tx, `SELECT pi.plan_id, pi.catalogue_id, coalesce(pd.dept, '') FROM plan_items pi
				JOIN plan_departments pd ON pd.plan_id = pi.plan_id AND pd.ord = pi.dept_ord
				JOIN plans p ON p.id = pi.plan_id WHERE p.year = ?`, []any{year}, func(sc scanner) error {
			var it report.ItemFact
			if err := sc.Scan(&it.PlanID, &it.CatalogueID, &it.Dept); err != nil {
				return err
			}
			f.Items = append(f.Items, it)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

type scanner interface{ Scan(...any) error }

// eachRow runs query and calls fn for every row.
func eachRow(tx *sql.Tx, query string, args []any, fn func(sc scanner) error) error {
	rows, err := tx.Query(query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func names(tx *sql.Tx) (depts, regions map[string]string, err error) {
	depts, regions = map[string]string{}, map[string]string{}
	err = eachRow(tx, `SELECT code, name FROM departments`, nil, func(sc scanner) error {
		var c, n string
		err := sc.Scan(&c, &n)
		depts[c] = n
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	err = eachRow(tx, `SELECT code, name FROM regions`, nil, func(sc scanner) error {
		var c, n string
		err := sc.Scan(&c, &n)
		regions[c] = n
		return err
	})
	return depts, regions, err
}

// ProgressScope says whose 附件3 is asked for and as of when.
type ProgressScope struct {
	Month  string // YYYY-MM: the year up to the end of this month
	Region string // "" or the city: the city with its counties; a county: that county
	Dept   string // "": every initiating department; else the plans it initiates
	Unit   string // 填报单位
	Date   string // 填报时间
}

// ProgressFacts reads 附件3's facts (report.BuildProgress): the tasks of the
// month's year drawn by the end of the month, counted by their initiating
// department, their 户 from the task rollups, publications from the
// publication rollups and cases from the follow-ups.
func (db *DB) ProgressFacts(ctx context.Context, s ProgressScope) (*report.ProgressFacts, error) {
	end, err := report.MonthEnd(s.Month)
	if err != nil {
		return nil, schema.Errorf(schema.EINVALID, "%v", err)
	}
	year := atoiSafe(s.Month[:4])
	f := &report.ProgressFacts{Year: year, Month: s.Month, Unit: s.Unit, Date: s.Date}
	where := `p.year = ? AND d.created_at < ?`
	args := []any{year, end}
	if s.Region != "" && s.Region != schema.CityRegion {
		where += ` AND t.region = ?`
		args = append(args, s.Region)
	}
	if s.Dept != "" {
		where += ` AND p.initiator = ?`
		args = append(args, s.Dept)
	}
	err = db.Read(ctx, func(tx *sql.Tx) error {
		var err error
		if f.DeptNames, _, err = names(tx); err != nil {
			return err
		}
		index := map[string]int{}
		if err := eachRow(tx, `SELECT t.id, t.plan_id, p.seq, p.sub, p.name, p.initiator, t.level,
				coalesce((SELECT sum(visits) FROM task_rollups r WHERE r.task_id = t.id), 0)
			FROM tasks t JOIN plans p ON p.id = t.plan_id JOIN draws d ON d.task_id = t.id
			WHERE `+where+` ORDER BY p.seq, p.sub, t.region, t.batch`, args, func(sc scanner) error {
			var t report.ProgressTaskFact
			if err := sc.Scan(&t.ID, &t.PlanID, &t.PlanSeq, &t.PlanSub, &t.PlanName, &t.Initiator, &t.Level, &t.Visits); err != nil {
				return err
			}
			index[t.ID] = len(f.Tasks)
			f.Tasks = append(f.Tasks, t)
			return nil
		}); err != nil {
			return err
		}
		taskSet := `SELECT t.id FROM tasks t JOIN plans p ON p.id = t.plan_id JOIN draws d ON d.task_id = t.id WHERE ` + where
		if err := eachRow(tx, `SELECT task_id, dept FROM task_departments WHERE task_id IN (`+taskSet+`) ORDER BY task_id, ord`, args, func(sc scanner) error {
			var task, dept string
			if err := sc.Scan(&task, &dept); err != nil {
				return err
			}
			if i, ok := index[task]; ok {
				f.Tasks[i].Depts = append(f.Tasks[i].Depts, dept)
			}
			return nil
		}); err != nil {
			return err
		}
		if err := eachRow(tx, `SELECT task_id, dept, sum(platform), sum(system), sum(website) FROM pub_rollups
			WHERE month <= ? AND task_id IN (`+taskSet+`) GROUP BY task_id, dept`, append([]any{s.Month}, args...), func(sc scanner) error {
			var p report.PubFact
			if err := sc.Scan(&p.TaskID, &p.Dept, &p.Platform, &p.System, &p.Website); err != nil {
				return err
			}
			f.Pubs = append(f.Pubs, p)
			return nil
		}); err != nil {
			return err
		}
		return eachRow(tx, `SELECT v.task_id, n.dept, count(*), sum(CASE WHEN fu.action = '移送' THEN 1 ELSE 0 END), sum(fu.penalty)
			FROM followups fu JOIN notices n ON n.id = fu.notice_id JOIN visits v ON v.id = fu.visit_id
			WHERE fu.action IN ('立案', '移送') AND fu.at < ? AND v.task_id IN (`+taskSet+`)
			GROUP BY v.task_id, n.dept`, append([]any{end}, args...), func(sc scanner) error {
			var c report.CaseFact
			if err := sc.Scan(&c.TaskID, &c.Dept, &c.Cases, &c.Transferred, &c.Penalty); err != nil {
				return err
			}
			f.Cases = append(f.Cases, c)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

func atoiSafe(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// StaleDevice is an installed app the office should chase (DESIGN §5 step
// 8): not synced for more than StaleAfter, or holding unsent work.
type StaleDevice struct {
	ClientID   string `json:"client_id"`
	UserID     string `json:"user_id"`
	UserName   string `json:"user_name"`
	Username   string `json:"username"`
	Dept       string `json:"dept"`
	DeptName   string `json:"dept_name"`
	Region     string `json:"region"`
	Platform   string `json:"platform"`
	Installed  bool   `json:"installed"`
	AppVersion string `json:"app_version"`
	Pending    int    `json:"pending"`
	LastSeen   string `json:"last_seen"`
	// Silent is true when the device has not synced for more than StaleAfter.
	Silent bool `json:"silent"`
}

// StaleAfter is how long a phone may stay silent before the office hears of it.
const StaleAfter = 3 * 24 * time.Hour

// StaleDevices lists the mobile clients, not retired, of the users u covers
// (the office's region; a department's office its department) that have not
// synced for more than StaleAfter or report pending mutations, the longest
// silent first.
func (db *DB) StaleDevices(ctx context.Context, u *schema.User) ([]StaleDevice, error) {
	cut := FormatTime(db.Now().Add(-StaleAfter))
	where := `c.retired_at IS NULL AND c.kind = 'mobile' AND (c.last_seen < ? OR c.pending > 0)`
	args := []any{cut}
	// Whose devices u oversees is the policy's (authz.ListFilter of
	// MetricsRead, the rule of this list); this writes it as SQL.
	f := authz.ListFilter(u, authz.MetricsRead)
	if f.None {
		where += ` AND 0`
	}
	if f.Region != "" {
		where += ` AND us.region = ?`
		args = append(args, f.Region)
	}
	if f.Dept != "" {
		where += ` AND us.dept = ?`
		args = append(args, f.Dept)
	}
	out := []StaleDevice{}
	err := db.Read(ctx, func(tx *sql.Tx) error {
		return eachRow(tx, `SELECT c.id, us.id, us.name, us.username, us.dept, d.name, us.region, c.platform, c.installed,
				c.app_version, c.pending, c.last_seen
			FROM clients c JOIN users us ON us.id = c.user_id JOIN departments d ON d.code = us.dept
			WHERE `+where+` ORDER BY c.last_seen, c.id LIMIT 1000`, args, func(sc scanner) error {
			var s StaleDevice
			if err := sc.Scan(&s.ClientID, &s.UserID, &s.UserName, &s.Username, &s.Dept, &s.DeptName, &s.Region, &s.Platform,
				&s.Installed, &s.AppVersion, &s.Pending, &s.LastSeen); err != nil {
				return err
			}
			s.Silent = s.LastSeen < cut
			out = append(out, s)
			return nil
		})
	})
	return out, err
}

// RebuildRollups recomputes every rollup of 0005_office.sql from the base
// rows: a repair tool, and what a bulk load calls after writing rows with
// the triggers set aside (see the benchmarks). The triggers keep the same
// figures row by row.
func (db *DB) RebuildRollups(ctx context.Context) error {
	return db.Write(ctx, func(tx *sql.Tx) error {
		for _, q := range rebuildSQL {
			if _, err := tx.Exec(q); err != nil { // never ctx: DB.Write
				return err
			}
		}
		return nil
	})
}

var rebuildSQL = []string{
	`DELETE FROM task_rollups`,
	`DELETE FROM visit_rollups`,
	`DELETE FROM pub_rollups`,
	// Inserting a visit row fires office_rollup_insert, which fills task_rollups.
	`INSERT INTO visit_rollups (visit_id, task_id, status, items, answered, depts, outcomes, offmobile, completed_on, published)
	 SELECT v.id, v.task_id, v.status,
		(SELECT count(*) FROM checklist_items c WHERE c.visit_id = v.id),
		(SELECT count(*) FROM item_results r WHERE r.visit_id = v.id),
		(SELECT count(*) FROM task_departments td WHERE td.task_id = v.task_id),
		(SELECT count(*) FROM outcomes o WHERE o.visit_id = v.id),
		(SELECT count(*) FROM item_results r WHERE r.visit_id = v.id AND r.channel <> 'mobile')
		+ (SELECT count(*) FROM outcomes o WHERE o.visit_id = v.id AND o.channel <> 'mobile')
		+ (SELECT count(*) FROM checkins c WHERE c.visit_id = v.id AND c.channel <> 'mobile')
		+ (SELECT count(*) FROM signatures s WHERE s.visit_id = v.id AND s.channel <> 'mobile'),
		CASE WHEN v.status = 'complete' AND v.completed_at IS NOT NULL THEN coalesce(date(v.completed_at, '+8 hours'), '') ELSE '' END,
		(SELECT count(*) FROM publications p WHERE p.visit_id = v.id)
	 FROM visits v`,
	`INSERT INTO pub_rollups (task_id, dept, month, platform, system, website)
	 SELECT task_id, dept, substr(date(published_at, '+8 hours'), 1, 7), sum(platform), sum(system), sum(website)
	 FROM publications GROUP BY 1, 2, 3`,
	// The 户 once per channel, in the month of the first publication carrying it.
	`INSERT INTO pub_rollups (task_id, dept, month, platform, system, website)
	 SELECT task_id, '', month, sum(CASE WHEN ch = 'p' THEN 1 ELSE 0 END), sum(CASE WHEN ch = 's' THEN 1 ELSE 0 END),
		sum(CASE WHEN ch = 'w' THEN 1 ELSE 0 END) FROM (
		SELECT task_id, visit_id, 'p' AS ch, substr(date(min(published_at), '+8 hours'), 1, 7) AS month FROM publications WHERE platform = 1 GROUP BY task_id, visit_id
		UNION ALL
		SELECT task_id, visit_id, 's', substr(date(min(published_at), '+8 hours'), 1, 7) FROM publications WHERE system = 1 GROUP BY task_id, visit_id
		UNION ALL
		SELECT task_id, visit_id, 'w', substr(date(min(published_at), '+8 hours'), 1, 7) FROM publications WHERE website = 1 GROUP BY task_id, visit_id) AS firsts
	 GROUP BY task_id, month`,
}

// joinChannels turns the three channel flags into their names.
func joinChannels(platform, system, website bool) []string {
	out := []string{}
	if platform {
		out = append(out, report.ChannelPlatform)
	}
	if system {
		out = append(out, report.ChannelSystem)
	}
	if website {
		out = append(out, report.ChannelWebsite)
	}
	return out
}

// UnitName is how u's office signs 附件3 (填报单位): its region and
// department, "庆阳市联席办" or "西峰区市市场监管局".
func (db *DB) UnitName(ctx context.Context, u *schema.User) (string, error) {
	var region, dept string
	err := db.read.QueryRowContext(ctx, `SELECT coalesce((SELECT name FROM regions WHERE code = ?), ?), coalesce((SELECT name FROM departments WHERE code = ?), ?)`,
		u.Region, u.Region, u.Dept, u.Dept).Scan(&region, &dept)
	return region + dept, err
}
