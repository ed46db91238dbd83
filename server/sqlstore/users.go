package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"zsc/schema"
	"zsc/server/authz"
)

// NewUser is what AddUser needs; PasswordHash is already hashed.
type NewUser struct {
	Username, Name, PasswordHash, Role, Dept, Region string
	CertNo                                           string
	Specialities                                     []string
	Expert, OnDuty                                   bool
}

// AddUser creates an account, checking role, department and region.
func (db *DB) AddUser(ctx context.Context, u NewUser) (string, error) {
	if !schema.ValidRole(u.Role) {
		return "", schema.Errorf(schema.EINVALID, "unknown role %q (inspector, lead, office, admin)", u.Role)
	}
	id := newID()
	err := db.Write(ctx, func(tx *sql.Tx) error { return insertUser(tx, db.NowText(), id, u) })
	return id, err
}

func insertUser(tx *sql.Tx, now, id string, u NewUser) error {
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM departments WHERE code = ?`, u.Dept).Scan(&n); err != nil || n == 0 {
		return schema.Errorf(schema.EINVALID, "unknown department %q", u.Dept)
	}
	if err := tx.QueryRow(`SELECT count(*) FROM regions WHERE code = ?`, u.Region).Scan(&n); err != nil || n == 0 {
		return schema.Errorf(schema.EINVALID, "unknown region %q", u.Region)
	}
	if err := tx.QueryRow(`SELECT count(*) FROM users WHERE username = ?`, u.Username).Scan(&n); err != nil || n > 0 {
		return schema.Errorf(schema.ECONFLICT, "username %q already exists", u.Username)
	}
	_, err := tx.Exec(`INSERT INTO users (id, username, name, password_hash, role, dept, region, cert_no, specialities, expert, on_duty, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, u.Username, u.Name, u.PasswordHash, u.Role, u.Dept, u.Region, u.CertNo, strings.Join(u.Specialities, "|"), u.Expert, u.OnDuty, now)
	return err
}

// UserCount returns how many accounts exist (the demo loads only into an empty database).
func (db *DB) UserCount(ctx context.Context) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, err
}

// UserByUsername loads an account by its login name.
func (db *DB) UserByUsername(ctx context.Context, username string) (*schema.User, error) {
	var u schema.User
	err := db.read.QueryRowContext(ctx, `SELECT id, username, name, role, dept, region, cert_no, expert, on_duty FROM users WHERE username = ?`, username).
		Scan(&u.ID, &u.Username, &u.Name, &u.Role, &u.Dept, &u.Region, &u.CertNo, &u.Expert, &u.OnDuty)
	if err == sql.ErrNoRows {
		return nil, schema.Errorf(schema.ENOTFOUND, "找不到用户名为 %s 的账号", username)
	}
	return &u, err
}

// UserRecord is an account as the desk sees it (issue 12 item 5): who it is,
// whether it may sign in, and its phones at a glance.
type UserRecord struct {
	ID                 string `json:"id"`
	Username           string `json:"username"`
	Name               string `json:"name"`
	Role               string `json:"role"`
	Dept               string `json:"dept"`
	DeptName           string `json:"dept_name"`
	Region             string `json:"region"`
	RegionName         string `json:"region_name"`
	CertNo             string `json:"cert_no"`
	Disabled           bool   `json:"disabled"`
	MustChangePassword bool   `json:"must_change_password"`
	CreatedAt          string `json:"created_at"`
	Devices            int    `json:"devices"`   // registered, not retired
	Pending            int    `json:"pending"`   // unsynced mutations its phones last reported
	LastSync           string `json:"last_sync"` // the latest sync of any of its clients, "" for none
}

// Audited is what an audit row keeps of an account: never a password hash.
func (r UserRecord) Audited() map[string]any {
	return map[string]any{"username": r.Username, "name": r.Name, "role": r.Role, "dept": r.Dept, "region": r.Region,
		"cert_no": r.CertNo, "disabled": r.Disabled, "must_change_password": r.MustChangePassword}
}

const userRecordSelect = `SELECT u.id, u.username, u.name, u.role, u.dept, coalesce(d.name, u.dept), u.region, coalesce(r.name, u.region),
	u.cert_no, u.disabled, u.must_change_password, u.created_at,
	(SELECT count(*) FROM clients c WHERE c.user_id = u.id AND c.retired_at IS NULL),
	(SELECT coalesce(sum(c.pending), 0) FROM clients c WHERE c.user_id = u.id AND c.retired_at IS NULL),
	(SELECT coalesce(max(c.last_seen), '') FROM clients c WHERE c.user_id = u.id)
	FROM users u LEFT JOIN departments d ON d.code = u.dept LEFT JOIN regions r ON r.code = u.region`

func scanUserRecord(sc scanner) (UserRecord, error) {
	var r UserRecord
	err := sc.Scan(&r.ID, &r.Username, &r.Name, &r.Role, &r.Dept, &r.DeptName, &r.Region, &r.RegionName, &r.CertNo,
		&r.Disabled, &r.MustChangePassword, &r.CreatedAt, &r.Devices, &r.Pending, &r.LastSync)
	return r, err
}

// UserQuery narrows the account list; Page and Size page it (pageOf).
type UserQuery struct {
	Q    string // part of the username, name or 执法证号
	Page int
	Size int
}

// ListUsers lists, a page at a time, the accounts the policy's filter f
// shows (authz.ListFilter of UserRead), matching q.Q in the username, name
// or 执法证号 when it is set. A city has about a thousand accounts: the desk
// shows a page, not all of them (a table of a thousand rows made every
// keystroke in the user form take a second).
func (db *DB) ListUsers(ctx context.Context, f authz.Filter, q UserQuery) (*Page[UserRecord], error) {
	page, size := pageOf(q.Page, q.Size)
	out := &Page[UserRecord]{Page: page, Size: size, Items: []UserRecord{}}
	if f.None {
		return out, nil
	}
	where, args := `1 = 1`, []any{}
	if !f.All {
		if f.Region != "" {
			where += ` AND u.region = ?`
			args = append(args, f.Region)
		}
		if f.Dept != "" {
			where += ` AND u.dept = ?`
			args = append(args, f.Dept)
		}
	}
	if s := strings.TrimSpace(q.Q); s != "" {
		where += ` AND (u.username LIKE ? ESCAPE '\' OR u.name LIKE ? ESCAPE '\' OR u.cert_no LIKE ? ESCAPE '\')`
		pat := "%" + like(s) + "%"
		args = append(args, pat, pat, pat)
	}
	err := db.Read(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRow(`SELECT count(*) FROM users u WHERE `+where, args...).Scan(&out.Total); err != nil {
			return err
		}
		return eachRow(tx, userRecordSelect+` WHERE `+where+` ORDER BY u.disabled, u.region, u.dept, u.role, u.username LIMIT ? OFFSET ?`,
			append(args, size, (page-1)*size), func(sc scanner) error {
				r, err := scanUserRecord(sc)
				out.Items = append(out.Items, r)
				return err
			})
	})
	return out, err
}

// UserRecordByID loads one account, disabled or not.
func (db *DB) UserRecordByID(ctx context.Context, id string) (*UserRecord, error) {
	var out *UserRecord
	err := db.Read(ctx, func(tx *sql.Tx) error {
		r, err := userRecordTx(tx, id)
		out = r
		return err
	})
	return out, err
}

func userRecordTx(tx *sql.Tx, id string) (*UserRecord, error) {
	r, err := scanUserRecord(tx.QueryRow(userRecordSelect+` WHERE u.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, schema.Errorf(schema.ENOTFOUND, "没有这个用户")
	}
	return &r, err
}

// checkDeptRegion refuses a department or region the database does not know.
func checkDeptRegion(tx *sql.Tx, dept, region string) error {
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM departments WHERE code = ?`, dept).Scan(&n); err != nil {
		return err
	} else if n == 0 {
		return schema.Errorf(schema.EINVALID, "部门：没有这个部门（%s）", dept)
	}
	if err := tx.QueryRow(`SELECT count(*) FROM regions WHERE code = ?`, region).Scan(&n); err != nil {
		return err
	} else if n == 0 {
		return schema.Errorf(schema.EINVALID, "区域：没有这个区域（%s）", region)
	}
	return nil
}

// CreateUser creates an account at the desk, with a one-time password
// (already hashed) that must be changed at the first sign-in, and its audit
// row, in one transaction.
func (db *DB) CreateUser(ctx context.Context, actorID string, u NewUser) (*UserRecord, error) {
	id := newID()
	var out *UserRecord
	err := db.Write(ctx, func(tx *sql.Tx) error {
		if err := checkDeptRegion(tx, u.Dept, u.Region); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(`SELECT count(*) FROM users WHERE username = ?`, u.Username).Scan(&n); err != nil {
			return err
		} else if n > 0 {
			return schema.Errorf(schema.ECONFLICT, "用户名：%s 已被使用", u.Username)
		}
		now := db.NowText()
		if err := insertUser(tx, now, id, u); err != nil {
			return err
		}
		if _, err := tx.Exec(`UPDATE users SET must_change_password = 1 WHERE id = ?`, id); err != nil {
			return err
		}
		r, err := userRecordTx(tx, id)
		if err != nil {
			return err
		}
		out = r
		return Audit(tx, now, AuditEntry{UserID: actorID, Channel: schema.ChannelWeb, Action: "user.create", Kind: "user", EntityID: id, After: r.Audited()})
	})
	return out, err
}

// ChangeUser changes an account in one transaction: change gets the
// account as it is (and says no by returning an error: the caller's scope
// and the domain rules), returns it as it shall be; the name, role,
// department, region, 执法证号 and disabled flag are written, a disabled
// account's refresh tokens are revoked, and the audit row keeps before and
// after. A change that changes nothing is refused and writes nothing.
func (db *DB) ChangeUser(ctx context.Context, actorID, id, action, reason string, change func(cur UserRecord) (UserRecord, error)) (*UserRecord, error) {
	var out *UserRecord
	err := db.Write(ctx, func(tx *sql.Tx) error {
		cur, err := userRecordTx(tx, id)
		if err != nil {
			return err
		}
		next, err := change(*cur)
		if err != nil {
			return err
		}
		if next.Dept != cur.Dept || next.Region != cur.Region {
			if err := checkDeptRegion(tx, next.Dept, next.Region); err != nil {
				return err
			}
		}
		before, after := cur.Audited(), next.Audited()
		same := true
		for k, v := range before {
			if after[k] != v {
				same = false
			}
		}
		if same {
			return schema.Errorf(schema.EINVALID, "没有任何改动")
		}
		now := db.NowText()
		if _, err := tx.Exec(`UPDATE users SET name = ?, role = ?, dept = ?, region = ?, cert_no = ?, disabled = ? WHERE id = ?`,
			next.Name, next.Role, next.Dept, next.Region, next.CertNo, next.Disabled, id); err != nil {
			return err
		}
		if next.Disabled && !cur.Disabled {
			// People who leave lose access at once: no refresh succeeds
			// after this, and the access token they hold dies in minutes.
			if err := revokeRefresh(tx, id, now); err != nil {
				return err
			}
		}
		r, err := userRecordTx(tx, id)
		if err != nil {
			return err
		}
		out = r
		return Audit(tx, now, AuditEntry{UserID: actorID, Channel: schema.ChannelWeb, Action: action, Kind: "user", EntityID: id,
			Before: before, After: r.Audited(), Reason: reason})
	})
	return out, err
}

func revokeRefresh(tx *sql.Tx, userID, now string) error {
	_, err := tx.Exec(`UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, now, userID)
	return err
}

// SetPassword stores a new password hash in one transaction with its audit
// row (which never holds the password or its hash): mustChange marks a
// one-time password set by someone else. Every refresh token of the account
// is revoked, so other sessions end with the old password. check sees the
// account first and may refuse.
func (db *DB) SetPassword(ctx context.Context, actorID, id, hash string, mustChange bool, action string, check func(cur UserRecord) error) (*UserRecord, error) {
	var out *UserRecord
	err := db.Write(ctx, func(tx *sql.Tx) error {
		cur, err := userRecordTx(tx, id)
		if err != nil {
			return err
		}
		if err := check(*cur); err != nil {
			return err
		}
		now := db.NowText()
		if _, err := tx.Exec(`UPDATE users SET password_hash = ?, must_change_password = ? WHERE id = ?`, hash, mustChange, id); err != nil {
			return err
		}
		if err := revokeRefresh(tx, id, now); err != nil {
			return err
		}
		r, err := userRecordTx(tx, id)
		if err != nil {
			return err
		}
		out = r
		return Audit(tx, now, AuditEntry{UserID: actorID, Channel: schema.ChannelWeb, Action: action, Kind: "user", EntityID: id,
			Before: map[string]any{"must_change_password": cur.MustChangePassword}, After: map[string]any{"must_change_password": mustChange}})
	})
	return out, err
}

// PasswordHash returns an enabled account's password hash, for a change of
// one's own password that must give the old one.
func (db *DB) PasswordHash(ctx context.Context, id string) (string, error) {
	var h string
	err := db.read.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = ? AND disabled = 0`, id).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", schema.Errorf(schema.EUNAUTHORIZED, "账号已停用或不存在")
	}
	return h, err
}

// Device is one registered client of a user, as the desk lists it.
type Device struct {
	ID           string  `json:"id"`
	DeviceNo     int     `json:"device_no"`
	Kind         string  `json:"kind"` // mobile, web or import
	Platform     string  `json:"platform"`
	Installed    bool    `json:"installed"`
	AppVersion   string  `json:"app_version"`
	Pending      int     `json:"pending"`
	RegisteredAt string  `json:"registered_at"`
	LastSync     string  `json:"last_sync"`
	RetiredAt    *string `json:"retired_at"`
	Leases       int     `json:"leases"` // notice numbers leased to it and not used
}

// UserDevices lists a user's clients, the ones in use first.
func (db *DB) UserDevices(ctx context.Context, userID string) ([]Device, error) {
	out := []Device{}
	err := db.Read(ctx, func(tx *sql.Tx) error {
		return eachRow(tx, `SELECT c.id, coalesce(c.device_no, 0), c.kind, c.platform, c.installed, c.app_version, c.pending, c.registered_at, c.last_seen, c.retired_at,
			(SELECT count(*) FROM notice_numbers n WHERE n.client_id = c.id AND n.state = 'leased')
			FROM clients c WHERE c.user_id = ? ORDER BY c.retired_at IS NOT NULL, c.last_seen DESC, c.id`, []any{userID}, func(sc scanner) error {
			var d Device
			var retired sql.NullString
			if err := sc.Scan(&d.ID, &d.DeviceNo, &d.Kind, &d.Platform, &d.Installed, &d.AppVersion, &d.Pending, &d.RegisteredAt, &d.LastSync, &retired, &d.Leases); err != nil {
				return err
			}
			if retired.Valid {
				d.RetiredAt = &retired.String
			}
			out = append(out, d)
			return nil
		})
	})
	return out, err
}

// AccountState is what every signed-in request checks of its caller's
// account (server/http authenticate): one read by primary key, so that a
// disabled account or one moved to another role, department or region
// loses the access its still-unexpired token carries at once, not when
// the token expires.
func (db *DB) AccountState(ctx context.Context, id string) (role, dept, region string, disabled bool, err error) {
	err = db.Reader().QueryRowContext(ctx, `SELECT role, dept, region, disabled FROM users WHERE id = ?`, id).Scan(&role, &dept, &region, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", "", true, nil
	}
	return role, dept, region, disabled, err
}
