// Package auth signs people in: bcrypt password hashes, short-lived access
// JWTs (HS256, 15 minutes) and rotating refresh tokens stored hashed, with
// login failures rate-limited per account and per address.
package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"

	"zsc/schema"
	"zsc/server/sqlstore"
)

// Default lifetimes. The refresh token is long because an inspector may work
// offline for days in a rural county and must still sync afterwards.
const (
	AccessTTL  = 15 * time.Minute
	RefreshTTL = 30 * 24 * time.Hour
	BcryptCost = 10
)

// Service issues and checks tokens.
type Service struct {
	DB         *sqlstore.DB
	Secret     []byte
	AccessTTL  time.Duration
	RefreshTTL time.Duration
	Limiter    *Limiter
}

// New returns a Service with the default lifetimes and limiter.
func New(db *sqlstore.DB, secret []byte) *Service {
	return &Service{DB: db, Secret: secret, AccessTTL: AccessTTL, RefreshTTL: RefreshTTL, Limiter: NewLimiter(db.Now)}
}

// Tokens is what a successful login or refresh returns.
type Tokens struct {
	AccessToken  string       `json:"access_token"`
	RefreshToken string       `json:"refresh_token"`
	ExpiresIn    int          `json:"expires_in"`
	TokenType    string       `json:"token_type"`
	User         *schema.User `json:"user"`
	// MustChangePassword: the account signed in with a one-time password
	// and may do nothing but change it (POST /me/password).
	MustChangePassword bool `json:"must_change_password"`
}

// HashPassword hashes a password with bcrypt.
func HashPassword(pw string) (string, error) {
	if len(pw) < 8 {
		return "", schema.Errorf(schema.EINVALID, "password must have at least 8 characters")
	}
	b, err := bcrypt.GenerateFromPassword([]byte(pw), BcryptCost)
	return string(b), err
}

var errBadLogin = schema.Errorf(schema.EUNAUTHORIZED, "用户名或密码错误 (wrong username or password)")

// dummyHash keeps a login for an unknown user as slow as one for a known
// user, so response times do not reveal which usernames exist.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not-a-password"), BcryptCost)

// Login checks a password and returns a fresh token pair.
func (s *Service) Login(ctx context.Context, username, password, addr string) (*Tokens, error) {
	if wait := s.Limiter.Blocked(username, addr); wait > 0 {
		return nil, &schema.Error{Code: schema.ERATELIMITED, Message: "登录失败次数过多，请稍后再试 (too many failed logins; try again later)", Details: map[string]int{"retry_after": int(wait.Seconds()) + 1}}
	}
	u, acc, err := s.userByName(ctx, username)
	if err != nil {
		return nil, err
	}
	hash := acc.hash
	if u == nil {
		// The answer is known (no such user); the comparison only spends the time a real one would.
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		s.Limiter.Fail(username, addr)
		return nil, errBadLogin
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		s.Limiter.Fail(username, addr)
		return nil, errBadLogin
	}
	s.Limiter.Succeed(username)
	if acc.disabled {
		// Said only after the right password, so that it reveals nothing
		// to someone guessing usernames.
		return nil, schema.Errorf(schema.EUNAUTHORIZED, "账号已停用，请联系管理员")
	}
	return s.issue(ctx, u, acc.mustChange, uuid.NewString())
}

// RefreshGrace is how long after a rotation the old refresh token may be
// presented again and get the same answer. An inspector on a weak rural link
// often sends a refresh whose answer never arrives: the server has rotated,
// the phone still holds the old token. Treating its retry as theft would
// revoke the family and sign the phone out, and the next sign-in on a shared
// phone is where unsynced work used to be lost (DESIGN §8.1). Two minutes
// covers a retry after a lost answer; a token reused later is still theft.
const RefreshGrace = 2 * time.Minute

// Refresh exchanges a refresh token for a new pair. The old token stops
// working: presented again within RefreshGrace while its successor is unused,
// it is answered with that same successor (a retry after a lost answer, not
// a fork of the family); otherwise reuse means the token was stolen, and its
// whole family is revoked.
func (s *Service) Refresh(ctx context.Context, token string) (*Tokens, error) {
	h := hashToken(token)
	var id, userID, family, expires string
	var revoked sql.NullString
	err := s.DB.Reader().QueryRowContext(ctx, `SELECT id, user_id, family, expires_at, revoked_at FROM refresh_tokens WHERE token_hash = ?`, h).
		Scan(&id, &userID, &family, &expires, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, schema.Errorf(schema.EUNAUTHORIZED, "登录已失效，请重新登录")
	} else if err != nil {
		return nil, err
	}
	now := s.DB.Now()
	successor := s.successorOf(token)
	if !revoked.Valid && expires < sqlstore.FormatTime(now) {
		return nil, schema.Errorf(schema.EUNAUTHORIZED, "登录已过期，请重新登录")
	}
	u, acc, err := s.accountByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	rotated := false
	if !revoked.Valid {
		// Rotate in one transaction: the old token is marked used and its
		// successor stored together, so a retry never sees one without the other.
		err = s.DB.Write(ctx, func(tx *sql.Tx) error {
			res, err := tx.Exec(`UPDATE refresh_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, sqlstore.FormatTime(now), id)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil || n == 0 { // n == 0: a concurrent refresh rotated it; answer as a retry below
				return err
			}
			rotated = true
			return s.storeRefresh(tx, u.ID, family, successor, now)
		})
		if err != nil {
			return nil, err
		}
		if rotated {
			return s.tokens(u, acc.mustChange, successor, now)
		}
	}
	ok, err := s.retried(ctx, family, successor, now)
	if err != nil {
		return nil, err
	}
	if ok {
		return s.tokens(u, acc.mustChange, successor, now)
	}
	err = s.DB.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`UPDATE refresh_tokens SET revoked_at = ? WHERE family = ? AND revoked_at IS NULL`, sqlstore.FormatTime(now), family)
		return err
	})
	if err != nil {
		return nil, err
	}
	return nil, schema.Errorf(schema.EUNAUTHORIZED, "refresh token already used; sign in again")
}

// successorOf is the refresh token that replaces token when it is rotated:
// an HMAC of it under the server's secret, so that a retry with the same old
// token can be given the same successor although only hashes are stored, and
// nobody without both the old token and the secret can compute it.
func (s *Service) successorOf(token string) string {
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte("zsc refresh successor\x00"))
	m.Write([]byte(token))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// retried reports whether presenting a rotated token again is a retry after
// a lost answer: its successor, in the same family, was stored within
// RefreshGrace and is still unused, unrevoked and unexpired.
func (s *Service) retried(ctx context.Context, family, successor string, now time.Time) (bool, error) {
	var sFamily, created, expires string
	var revoked sql.NullString
	err := s.DB.Reader().QueryRowContext(ctx, `SELECT family, created_at, expires_at, revoked_at FROM refresh_tokens WHERE token_hash = ?`,
		hashToken(successor)).Scan(&sFamily, &created, &expires, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	fresh := created >= sqlstore.FormatTime(now.Add(-RefreshGrace))
	return sFamily == family && !revoked.Valid && fresh && expires >= sqlstore.FormatTime(now), nil
}

// Logout revokes a refresh token's family.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.DB.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`UPDATE refresh_tokens SET revoked_at = ? WHERE family = (SELECT family FROM refresh_tokens WHERE token_hash = ?) AND revoked_at IS NULL`, s.DB.NowText(), hashToken(token))
		return err
	})
}

type claims struct {
	jwt.RegisteredClaims
	Username string `json:"usr"`
	Name     string `json:"nam"`
	Role     string `json:"rol"`
	Dept     string `json:"dep"`
	Region   string `json:"reg"`
	// MustChange: signed in with a one-time password; every route but
	// the password change refuses the token (server/http authenticate).
	MustChange bool `json:"pwc,omitempty"`
}

// issue starts a session (a login): a new random refresh token in family.
func (s *Service) issue(ctx context.Context, u *schema.User, mustChange bool, family string) (*Tokens, error) {
	now := s.DB.Now()
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	refresh := base64.RawURLEncoding.EncodeToString(raw)
	err := s.DB.Write(ctx, func(tx *sql.Tx) error { return s.storeRefresh(tx, u.ID, family, refresh, now) })
	if err != nil {
		return nil, err
	}
	return s.tokens(u, mustChange, refresh, now)
}

// storeRefresh stores a refresh token (its hash only) of family.
func (s *Service) storeRefresh(tx *sql.Tx, userID, family, refresh string, now time.Time) error {
	_, err := tx.Exec(`INSERT INTO refresh_tokens (id, user_id, family, token_hash, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		uuid.Must(uuid.NewV7()).String(), userID, family, hashToken(refresh), sqlstore.FormatTime(now.Add(s.RefreshTTL)), sqlstore.FormatTime(now))
	return err
}

// tokens signs a fresh access token for u and pairs it with refresh.
func (s *Service) tokens(u *schema.User, mustChange bool, refresh string, now time.Time) (*Tokens, error) {
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   u.ID,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(s.AccessTTL)),
			Issuer:    "zsc",
		},
		Username: u.Username, Name: u.Name, Role: u.Role, Dept: u.Dept, Region: u.Region, MustChange: mustChange,
	}
	access, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.Secret)
	if err != nil {
		return nil, err
	}
	return &Tokens{AccessToken: access, RefreshToken: refresh, ExpiresIn: int(s.AccessTTL.Seconds()), TokenType: "Bearer", User: u, MustChangePassword: mustChange}, nil
}

// Verify checks an access token and returns the user it names. Only HS256
// with our key is accepted: "none", RS256 or another key fail.
func (s *Service) Verify(token string) (*schema.User, error) {
	u, _, err := s.VerifySession(token)
	return u, err
}

// VerifySession is Verify that also says whether the session was opened
// with a one-time password that must be changed first.
func (s *Service) VerifySession(token string) (*schema.User, bool, error) {
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) { return s.Secret, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer("zsc"), jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(s.DB.Now))
	if err != nil {
		if errors.Is(err, jwt.ErrTokenExpired) {
			return nil, false, schema.Errorf(schema.EUNAUTHORIZED, "access token expired")
		}
		return nil, false, schema.Errorf(schema.EUNAUTHORIZED, "invalid access token")
	}
	return &schema.User{ID: c.Subject, Username: c.Username, Name: c.Name, Role: c.Role, Dept: c.Dept, Region: c.Region, OnDuty: true}, c.MustChange, nil
}

func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}

const userCols = `id, username, name, role, dept, region, cert_no, expert, on_duty, password_hash, must_change_password, disabled`

// acct is what signing in needs of an account besides the user.
type acct struct {
	hash                 string
	mustChange, disabled bool
}

func scanUser(row interface{ Scan(...any) error }) (*schema.User, acct, error) {
	var u schema.User
	var a acct
	err := row.Scan(&u.ID, &u.Username, &u.Name, &u.Role, &u.Dept, &u.Region, &u.CertNo, &u.Expert, &u.OnDuty, &a.hash, &a.mustChange, &a.disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, a, nil
	}
	return &u, a, err
}

// userByName loads an account, disabled or not: Login says "disabled" only
// after the right password.
func (s *Service) userByName(ctx context.Context, username string) (*schema.User, acct, error) {
	return scanUser(s.DB.Reader().QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE username = ?`, username))
}

// UserByID loads an enabled user.
func (s *Service) UserByID(ctx context.Context, id string) (*schema.User, error) {
	u, _, err := s.accountByID(ctx, id)
	return u, err
}

// MustChangePassword reports whether an enabled user's password is a
// one-time password still to be changed.
func (s *Service) MustChangePassword(ctx context.Context, id string) (bool, error) {
	_, a, err := s.accountByID(ctx, id)
	return a.mustChange, err
}

// accountByID loads an enabled account: a disabled one is refused (a
// refresh of someone who left fails).
func (s *Service) accountByID(ctx context.Context, id string) (*schema.User, acct, error) {
	u, a, err := scanUser(s.DB.Reader().QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = ? AND disabled = 0`, id))
	if err == nil && u == nil {
		return nil, a, schema.Errorf(schema.EUNAUTHORIZED, "账号已停用或不存在，请重新登录")
	}
	return u, a, err
}
