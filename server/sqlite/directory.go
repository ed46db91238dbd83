package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"zsc/schema"
	"zsc/server/directory"
)

// DirectoryResult counts what a directory import wrote.
type DirectoryResult struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

// RegionSet returns a membership test of known region codes.
func (db *DB) RegionSet(ctx context.Context) (func(string) bool, error) {
	rs, err := db.Regions(ctx)
	if err != nil {
		return nil, err
	}
	m := map[string]bool{}
	for _, r := range rs {
		m[r.Code] = true
	}
	return func(c string) bool { return m[c] }, nil
}

// DeptSet returns a membership test of member department codes.
func (db *DB) DeptSet(ctx context.Context) (func(string) bool, error) {
	ds, err := db.Departments(ctx)
	if err != nil {
		return nil, err
	}
	m := map[string]bool{}
	for _, d := range ds {
		m[d.Code] = true
	}
	return func(c string) bool { return m[c] }, nil
}

type entityRow struct {
	ID      string   `json:"-"`
	Name    string   `json:"name"`
	Region  string   `json:"region"`
	Address string   `json:"address"`
	Risk    string   `json:"risk"`
	Status  string   `json:"status"`
	Lat     *float64 `json:"lat,omitempty"`
	Lng     *float64 `json:"lng,omitempty"`
	Flags   string   `json:"flags"`
	Tags    string   `json:"tags"`
}

// ImportEntities writes the entity directory in one transaction. Entities are
// matched by USCC: a new one is created, a changed one is updated and its
// previous version kept in entity_history, so a past draw's snapshot stays
// explainable.
func (db *DB) ImportEntities(ctx context.Context, es []directory.Entity, by *schema.User, channel string) (*DirectoryResult, error) {
	res := &DirectoryResult{}
	now := db.NowText()
	err := db.Write(ctx, func(tx *sql.Tx) error {
		sel, err := tx.Prepare(`SELECT id, name, region, address, risk, status, lat, lng, flags, tags FROM entities WHERE uscc = ?`)
		if err != nil {
			return err
		}
		defer sel.Close()
		ins, err := tx.Prepare(`INSERT INTO entities (id, uscc, name, region, address, risk, status, lat, lng, flags, tags, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		tag, err := tx.Prepare(`INSERT OR IGNORE INTO entity_tags (tag, region, entity_id) VALUES (?, ?, ?)`)
		if err != nil {
			return err
		}
		defer tag.Close()
		for _, e := range es {
			row := entityRow{Name: e.Name, Region: e.Region, Address: e.Address, Risk: e.Risk, Status: e.Status, Lat: e.Lat, Lng: e.Lng,
				Flags: strings.Join(e.Flags, "|"), Tags: strings.Join(e.Tags, "|")}
			var old entityRow
			err := sel.QueryRow(e.USCC).Scan(&old.ID, &old.Name, &old.Region, &old.Address, &old.Risk, &old.Status, &old.Lat, &old.Lng, &old.Flags, &old.Tags)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				row.ID = newID()
				if _, err := ins.Exec(row.ID, e.USCC, row.Name, row.Region, row.Address, row.Risk, row.Status, row.Lat, row.Lng, row.Flags, row.Tags, now); err != nil {
					return err
				}
				res.Created++
			case err != nil:
				return err
			default:
				row.ID = old.ID
				if sameEntity(old, row) {
					res.Unchanged++
					continue
				}
				before, _ := json.Marshal(old)
				if _, err := tx.Exec(`INSERT INTO entity_history (entity_id, replaced_at, before) VALUES (?, ?, ?)`, old.ID, now, string(before)); err != nil {
					return err
				}
				if _, err := tx.Exec(`UPDATE entities SET name = ?, region = ?, address = ?, risk = ?, status = ?, lat = ?, lng = ?, flags = ?, tags = ?, updated_at = ? WHERE id = ?`,
					row.Name, row.Region, row.Address, row.Risk, row.Status, row.Lat, row.Lng, row.Flags, row.Tags, now, old.ID); err != nil {
					return err
				}
				if _, err := tx.Exec(`DELETE FROM entity_tags WHERE entity_id = ?`, old.ID); err != nil {
					return err
				}
				res.Updated++
			}
			for _, t := range e.Tags {
				if _, err := tag.Exec(t, e.Region, row.ID); err != nil {
					return err
				}
			}
		}
		return Audit(tx, now, AuditEntry{UserID: by.ID, Channel: channel, Action: "entities.import", Kind: "directory", EntityID: "entities", After: res})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func sameEntity(a, b entityRow) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// ImportInspectors creates or updates inspector accounts (role inspector)
// with their 执法证号, specialities, expert flag and duty status. New accounts
// get passwordHash; existing ones keep theirs.
func (db *DB) ImportInspectors(ctx context.Context, ins []directory.Inspector, passwordHash string, by *schema.User, channel string) (*DirectoryResult, error) {
	res := &DirectoryResult{}
	now := db.NowText()
	err := db.Write(ctx, func(tx *sql.Tx) error {
		for _, in := range ins {
			var id, role string
			err := tx.QueryRow(`SELECT id, role FROM users WHERE username = ?`, in.Username).Scan(&id, &role)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				if err := insertUser(tx, now, newID(), NewUser{Username: in.Username, Name: in.Name, PasswordHash: passwordHash, Role: schema.RoleInspector,
					Dept: in.Dept, Region: in.Region, CertNo: in.CertNo, Specialities: in.Specialities, Expert: in.Expert, OnDuty: in.OnDuty}); err != nil {
					return err
				}
				res.Created++
			case err != nil:
				return err
			default:
				if role != schema.RoleInspector && role != schema.RoleLead {
					return schema.Errorf(schema.ECONFLICT, "username %s belongs to a %s account, not an inspector", in.Username, role)
				}
				if _, err := tx.Exec(`UPDATE users SET name = ?, dept = ?, region = ?, cert_no = ?, specialities = ?, expert = ?, on_duty = ? WHERE id = ?`,
					in.Name, in.Dept, in.Region, in.CertNo, strings.Join(in.Specialities, "|"), in.Expert, in.OnDuty, id); err != nil {
					return err
				}
				res.Updated++
			}
		}
		return Audit(tx, now, AuditEntry{UserID: by.ID, Channel: channel, Action: "inspectors.import", Kind: "directory", EntityID: "inspectors", After: res})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// ImportConflicts records conflicts of interest (回避). An unknown inspector or
// entity is an error naming its row; nothing is written then.
func (db *DB) ImportConflicts(ctx context.Context, cs []directory.Conflict, by *schema.User, channel string) (*DirectoryResult, error) {
	res := &DirectoryResult{}
	now := db.NowText()
	err := db.Write(ctx, func(tx *sql.Tx) error {
		var rowErrs directory.Errors
		for i, c := range cs {
			row := c.Row
			if row == 0 { // not from a file: its place in the list, after a header
				row = i + 2
			}
			var uid, eid string
			if err := tx.QueryRow(`SELECT id FROM users WHERE username = ?`, c.Inspector).Scan(&uid); err != nil {
				rowErrs = append(rowErrs, directory.RowError{Row: row, Column: "inspector", Message: "unknown inspector " + c.Inspector})
				continue
			}
			if err := tx.QueryRow(`SELECT id FROM entities WHERE uscc = ?`, c.USCC).Scan(&eid); err != nil {
				rowErrs = append(rowErrs, directory.RowError{Row: row, Column: "uscc", Message: "unknown entity " + c.USCC})
				continue
			}
			r, err := tx.Exec(`INSERT INTO interest_conflicts (user_id, entity_id, reason) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET reason = excluded.reason`, uid, eid, c.Reason)
			if err != nil {
				return err
			}
			if n, _ := r.RowsAffected(); n > 0 {
				res.Created++
			}
		}
		if len(rowErrs) > 0 {
			return &schema.Error{Code: schema.EUNPROCESSABLE, Message: rowErrs.Error(), Details: rowErrs}
		}
		return Audit(tx, now, AuditEntry{UserID: by.ID, Channel: channel, Action: "conflicts.import", Kind: "directory", EntityID: "conflicts", After: res})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}
