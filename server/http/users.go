package http

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"zsc/schema"
	"zsc/server/account"
	"zsc/server/auth"
	"zsc/server/authz"
	"zsc/server/sqlstore"
)

// userRoutes registers 用户与设备 (issue 12 item 5): the accounts an admin or
// the office oversees (authz.UserRead, UserManage: a user is judged by their
// region and department), their devices, and one's own password change.
func (s *Server) userRoutes(authed *echo.Group) {
	route(authed, http.MethodPost, "/me/password", authz.SignedIn, s.changeOwnPassword)
	route(authed, http.MethodGet, "/users", authz.UserRead, s.listUsers)
	route(authed, http.MethodPost, "/users", authz.UserManage, s.createUser)
	route(authed, http.MethodPatch, "/users/:id", authz.UserManage, s.patchUser)
	route(authed, http.MethodPost, "/users/:id/disable", authz.UserManage, s.disableUser)
	route(authed, http.MethodPost, "/users/:id/enable", authz.UserManage, s.enableUser)
	route(authed, http.MethodPost, "/users/:id/password", authz.UserManage, s.resetPassword)
	route(authed, http.MethodGet, "/users/:id/devices", authz.UserRead, s.userDevices)
	route(authed, http.MethodPost, "/users/:id/devices/:client/retire", authz.ClientRetire, s.retireUserDevice)
}

// mustChangeAllowed are the routes a session opened with a one-time
// password may call: who am I, and change the password.
var mustChangeAllowed = map[string]bool{
	http.MethodGet + " /api/v1/me":           true,
	http.MethodPost + " /api/v1/me/password": true,
}

// userScope is the policy's scope of an account.
func userScope(r sqlstore.UserRecord) authz.Scope { return authz.Scope{Region: r.Region, Dept: r.Dept} }

// mayManage checks that u oversees the account r (its region and
// department) and may touch its role (only an admin touches an admin).
func mayManage(u *schema.User, r sqlstore.UserRecord) error {
	if err := authz.Check(u, authz.UserManage, userScope(r)); err != nil {
		return err
	}
	return authz.GrantRole(u, r.Role)
}

func fieldsOf(r sqlstore.UserRecord) account.Fields {
	return account.Fields{Username: r.Username, Name: r.Name, Role: r.Role, Dept: r.Dept, Region: r.Region, CertNo: r.CertNo}
}

func (s *Server) listUsers(c echo.Context) error {
	page, size, err := paging(c)
	if err != nil {
		return err
	}
	out, err := s.DB.ListUsers(c.Request().Context(), authz.ListFilter(user(c), authz.UserRead), sqlstore.UserQuery{Q: c.QueryParam("q"), Page: page, Size: size})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

type createUserRequest struct {
	Username string `json:"username"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Dept     string `json:"dept"`
	Region   string `json:"region"`
	CertNo   string `json:"cert_no"`
}

// createdUser is the answer of a creation or a reset: the one-time password
// is shown this once and stored only as a hash.
type createdUser struct {
	User     *sqlstore.UserRecord `json:"user"`
	Password string               `json:"password"`
}

func (s *Server) createUser(c echo.Context) error {
	var req createUserRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	f, err := account.Fields{Username: req.Username, Name: req.Name, Role: req.Role, Dept: req.Dept, Region: req.Region, CertNo: req.CertNo}.Normalize()
	if err != nil {
		return err
	}
	u := user(c)
	if err := authz.Check(u, authz.UserManage, authz.Scope{Region: f.Region, Dept: f.Dept}); err != nil {
		return err
	}
	if err := authz.GrantRole(u, f.Role); err != nil {
		return err
	}
	otp, hash, err := auth.OneTimeHash()
	if err != nil {
		return err
	}
	r, err := s.DB.CreateUser(c.Request().Context(), u.ID, sqlstore.NewUser{Username: f.Username, Name: f.Name, PasswordHash: hash,
		Role: f.Role, Dept: f.Dept, Region: f.Region, CertNo: f.CertNo, OnDuty: true})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, createdUser{User: r, Password: otp})
}

type patchUserRequest struct {
	Name   *string `json:"name"`
	Role   *string `json:"role"`
	Dept   *string `json:"dept"`
	Region *string `json:"region"`
	CertNo *string `json:"cert_no"`
	Reason string  `json:"reason"`
}

// patchUser changes an account's name, role, department, region or 执法证号.
// The caller must oversee the account before and after (a county office
// cannot move someone out of its county nor in from another).
func (s *Server) patchUser(c echo.Context) error {
	var req patchUserRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	u := user(c)
	r, err := s.DB.ChangeUser(c.Request().Context(), u.ID, c.Param("id"), "user.update", strings.TrimSpace(req.Reason), func(cur sqlstore.UserRecord) (sqlstore.UserRecord, error) {
		if err := mayManage(u, cur); err != nil {
			return cur, err
		}
		next := cur
		for _, p := range []struct {
			dst *string
			src *string
		}{{&next.Name, req.Name}, {&next.Role, req.Role}, {&next.Dept, req.Dept}, {&next.Region, req.Region}, {&next.CertNo, req.CertNo}} {
			if p.src != nil {
				*p.dst = *p.src
			}
		}
		f, err := fieldsOf(next).Normalize()
		if err != nil {
			return cur, err
		}
		next.Name, next.Role, next.Dept, next.Region, next.CertNo = f.Name, f.Role, f.Dept, f.Region, f.CertNo
		if cur.ID == u.ID {
			if err := account.CheckSelfChange(fieldsOf(cur), f, false); err != nil {
				return cur, err
			}
		}
		if err := mayManage(u, next); err != nil {
			return cur, err
		}
		return next, nil
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

// reasonOf decodes a body that must give a reason (disable, retire).
func reasonOf(c echo.Context) (string, error) {
	var req reasonRequest
	if err := bind(c, &req); err != nil {
		return "", err
	}
	r := strings.TrimSpace(req.Reason)
	if r == "" {
		return "", schema.Errorf(schema.EINVALID, "原因：请填写原因")
	}
	if utf8.RuneCountInString(r) > 200 {
		return "", schema.Errorf(schema.EINVALID, "原因：最多 200 个字")
	}
	return r, nil
}

// disableUser disables an account: sign-in and refresh are refused and its
// refresh tokens revoked in the same transaction.
func (s *Server) disableUser(c echo.Context) error { return s.setDisabled(c, true) }

// enableUser lets a disabled account sign in again.
func (s *Server) enableUser(c echo.Context) error { return s.setDisabled(c, false) }

func (s *Server) setDisabled(c echo.Context, disabled bool) error {
	reason, err := reasonOf(c)
	if err != nil {
		return err
	}
	u := user(c)
	action := map[bool]string{true: "user.disable", false: "user.enable"}[disabled]
	r, err := s.DB.ChangeUser(c.Request().Context(), u.ID, c.Param("id"), action, reason, func(cur sqlstore.UserRecord) (sqlstore.UserRecord, error) {
		if err := mayManage(u, cur); err != nil {
			return cur, err
		}
		if cur.ID == u.ID && disabled {
			return cur, account.CheckSelfChange(fieldsOf(cur), fieldsOf(cur), true)
		}
		if cur.Disabled == disabled {
			return cur, schema.Errorf(schema.EINVALID, "%s", map[bool]string{true: "该账号已停用", false: "该账号未停用"}[disabled])
		}
		cur.Disabled = disabled
		return cur, nil
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

// resetPassword sets a one-time password, shown once in the answer, that
// must be changed at the next sign-in; the account's sessions end. Users
// imported with the inspector directory get their first password here.
func (s *Server) resetPassword(c echo.Context) error {
	u := user(c)
	otp, r, err := s.Auth.ResetPassword(c.Request().Context(), u.ID, c.Param("id"), func(cur sqlstore.UserRecord) error {
		if err := mayManage(u, cur); err != nil {
			return err
		}
		if cur.Disabled {
			return schema.Errorf(schema.EINVALID, "该账号已停用，请先启用再重置密码")
		}
		return nil
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, createdUser{User: r, Password: otp})
}

// loadOverseen loads the account of the path's :id and checks that u may
// read it (authz.UserRead).
func (s *Server) loadOverseen(c echo.Context) (*sqlstore.UserRecord, error) {
	r, err := s.DB.UserRecordByID(c.Request().Context(), c.Param("id"))
	if err != nil {
		return nil, err
	}
	if err := authz.Check(user(c), authz.UserRead, userScope(*r)); err != nil {
		return nil, err
	}
	return r, nil
}

func (s *Server) userDevices(c echo.Context) error {
	r, err := s.loadOverseen(c)
	if err != nil {
		return err
	}
	ds, err := s.DB.UserDevices(c.Request().Context(), r.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"user": r, "devices": ds})
}

// retireUserDevice retires a user's lost or replaced phone with a reason:
// the sync engine voids its unused leased numbers and audits it (the same
// as POST /sync/clients/{id}/retire, which the phone's owner uses).
func (s *Server) retireUserDevice(c echo.Context) error {
	reason, err := reasonOf(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	ds, err := s.DB.UserDevices(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	found := false
	for _, d := range ds {
		if d.ID == c.Param("client") {
			found = true
			if d.RetiredAt != nil {
				return schema.Errorf(schema.EINVALID, "这台设备已停用")
			}
		}
	}
	if !found {
		return schema.Errorf(schema.ENOTFOUND, "该用户没有这台设备")
	}
	if _, err := s.Sync.RetireFor(ctx, user(c), c.Param("client"), reason); err != nil {
		return err
	}
	ds, err = s.DB.UserDevices(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"devices": ds})
}

type passwordRequest struct {
	OldPassword string `json:"old_password"`
	NewPassword string `json:"new_password"`
}

// changeOwnPassword changes the caller's password (我的, and the first
// sign-in with a one-time password); the answer is a fresh session.
func (s *Server) changeOwnPassword(c echo.Context) error {
	var req passwordRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.OldPassword == "" {
		return schema.Errorf(schema.EINVALID, "原密码：不能为空")
	}
	t, err := s.Auth.ChangePassword(c.Request().Context(), user(c), req.OldPassword, req.NewPassword, c.RealIP())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}
