package http

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"zsc/schema"
	"zsc/server/authz"
)

const callerKey = "caller"

// authenticate checks the bearer token and puts the user on the context.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get("Authorization")
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || tok == "" {
			return schema.Errorf(schema.EUNAUTHORIZED, "missing bearer token")
		}
		u, mustChange, err := s.Auth.VerifySession(tok)
		if err != nil {
			return err
		}
		// The token's claims are only as fresh as its issue: a disabled
		// account, or one given another role, department or region, is
		// refused now (the phone refreshes and gets the new claims, or is
		// told the account is disabled), not in up to 15 minutes.
		role, dept, region, disabled, err := s.DB.AccountState(c.Request().Context(), u.ID)
		if err != nil {
			return fmt.Errorf("checking the caller's account: %w", err)
		}
		if disabled {
			return schema.Errorf(schema.EUNAUTHORIZED, "账号已停用")
		}
		if role != u.Role || dept != u.Dept || region != u.Region {
			return schema.Errorf(schema.EUNAUTHORIZED, "账号的角色、部门或区域已变更，请重新登录")
		}
		if mustChange && !mustChangeAllowed[c.Request().Method+" "+c.Path()] {
			// A one-time password opens nothing but its own change.
			return &schema.Error{Code: schema.EFORBIDDEN, Message: "请先修改初始密码", Details: map[string]bool{"must_change_password": true}}
		}
		c.Set(callerKey, u)
		return next(c)
	}
}

// user returns the authenticated caller.
func user(c echo.Context) *schema.User {
	u, _ := c.Get(callerKey).(*schema.User)
	return u
}

// route registers a handler under the one authorization policy (DESIGN
// §8.9): every route names its action, the route carries the action's name
// (so the route test can find each route's row of the policy), and only the
// roles the policy gives the action get through. The handler or its service
// then checks the resource's scope with authz.Check for the same action.
func route(g *echo.Group, method, path string, a authz.Action, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
	r := g.Add(method, path, h, append([]echo.MiddlewareFunc{may(a)}, m...)...)
	r.Name = string(a)
}

// inScope checks the resource named by the path's :id against the policy
// for a, before the handler runs: for services that read a resource without
// a caller (a draw's verify and snapshot), so that knowing an id is not
// enough to read it.
func inScope(a authz.Action, scopeOf func(ctx context.Context, id string) (authz.Scope, error)) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			s, err := scopeOf(c.Request().Context(), c.Param("id"))
			if err != nil {
				return err
			}
			if err := authz.Check(user(c), a, s); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// may lets through only the roles the policy allows for a.
func may(a authz.Action) echo.MiddlewareFunc {
	if _, ok := authz.RuleOf(a); !ok {
		panic("route with an action the policy does not know: " + string(a))
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if a != authz.Public {
				if err := authz.Allow(user(c), a); err != nil {
					return err
				}
			}
			return next(c)
		}
	}
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func (s *Server) login(c echo.Context) error {
	var req loginRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.Username == "" || req.Password == "" {
		return schema.Errorf(schema.EINVALID, "请填写用户名和密码")
	}
	t, err := s.Auth.Login(c.Request().Context(), req.Username, req.Password, c.RealIP())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

func (s *Server) refresh(c echo.Context) error {
	var req refreshRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.RefreshToken == "" {
		return schema.Errorf(schema.EINVALID, "refresh_token is required")
	}
	t, err := s.Auth.Refresh(c.Request().Context(), req.RefreshToken)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

func (s *Server) logout(c echo.Context) error {
	var req refreshRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	if err := s.Auth.Logout(c.Request().Context(), req.RefreshToken); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) me(c echo.Context) error {
	ctx := c.Request().Context()
	u, err := s.Auth.UserByID(ctx, user(c).ID)
	if err != nil {
		return err
	}
	must, err := s.Auth.MustChangePassword(ctx, u.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, struct {
		*schema.User
		MustChangePassword bool `json:"must_change_password"`
	}{u, must})
}

// newSecret returns 32 random bytes as hex, e.g. an unusable initial password.
func newSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}
