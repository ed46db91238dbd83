// Package auth signs people in: bcrypt password hashes, short-lived access
// JWTs (HS256, 15 minutes) and rotating refresh tokens stored hashed, with
// login failures rate-limited per account and per address.
package auth

import (
	"context"
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
	"zsc/server/sqlite"
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
	DB         *sqlite.DB
	Secret     []byte
	AccessTTL  time.Duration
	RefreshTTL time.Duration
	Limiter    *Limiter
}

// New returns a Service with the default lifetimes and limiter.
func New(db *sqlite.DB, secret []byte) *Service {
	return &Service{DB: db, Secret: secret, AccessTTL: AccessTTL, RefreshTTL: RefreshTTL, Limiter: NewLimiter(db.Now)}
}

// Tokens is what a successful login or refresh returns.
type Tokens struct {
	AccessToken  string       `json:"access_token"`
	RefreshToken string       `json:"refresh_token"`
	ExpiresIn    int          `json:"expires_in"`
	TokenType    string       `json:"token_type"`
	User         *schema.User `json:"user"`
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
	u, hash, err := s.userByName(ctx, username)
	if err != nil {
		return nil, err
	}
	if u == nil {
		bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		s.Limiter.Fail(username, addr)
		return nil, errBadLogin
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		s.Limiter.Fail(username, addr)
		return nil, errBadLogin
	}
	s.Limiter.Succeed(username)
	return s.issue(ctx, u, uuid.NewString())
}

// Refresh exchanges a refresh token for a new pair. The old token stops
// working; presenting it again revokes its whole family, because a reused
// refresh token means it was stolen.
func (s *Service) Refresh(ctx context.Context, token string) (*Tokens, error) {
	h := hashToken(token)
	var id, userID, family, expires string
	var revoked sql.NullString
	err := s.DB.Reader().QueryRowContext(ctx, `SELECT id, user_id, family, expires_at, revoked_at FROM refresh_tokens WHERE token_hash = ?`, h).
		Scan(&id, &userID, &family, &expires, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, schema.Errorf(schema.EUNAUTHORIZED, "refresh token unknown")
	} else if err != nil {
		return nil, err
	}
	now := s.DB.NowText()
	if revoked.Valid {
		s.DB.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.Exec(`UPDATE refresh_tokens SET revoked_at = ? WHERE family = ? AND revoked_at IS NULL`, now, family)
			return err
		})
		return nil, schema.Errorf(schema.EUNAUTHORIZED, "refresh token already used; sign in again")
	}
	if expires < now {
		return nil, schema.Errorf(schema.EUNAUTHORIZED, "refresh token expired; sign in again")
	}
	var n int64
	err = s.DB.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec(`UPDATE refresh_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, now, id)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return nil, err
	}
	if n == 0 { // a concurrent refresh won the race
		return nil, schema.Errorf(schema.EUNAUTHORIZED, "refresh token already used; sign in again")
	}
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	return s.issue(ctx, u, family)
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
}

func (s *Service) issue(ctx context.Context, u *schema.User, family string) (*Tokens, error) {
	now := s.DB.Now()
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   u.ID,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(s.AccessTTL)),
			Issuer:    "zsc",
		},
		Username: u.Username, Name: u.Name, Role: u.Role, Dept: u.Dept, Region: u.Region,
	}
	access, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.Secret)
	if err != nil {
		return nil, err
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	refresh := base64.RawURLEncoding.EncodeToString(raw)
	err = s.DB.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO refresh_tokens (id, user_id, family, token_hash, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			uuid.Must(uuid.NewV7()).String(), u.ID, family, hashToken(refresh), sqlite.FormatTime(now.Add(s.RefreshTTL)), sqlite.FormatTime(now))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &Tokens{AccessToken: access, RefreshToken: refresh, ExpiresIn: int(s.AccessTTL.Seconds()), TokenType: "Bearer", User: u}, nil
}

// Verify checks an access token and returns the user it names. Only HS256
// with our key is accepted: "none", RS256 or another key fail.
func (s *Service) Verify(token string) (*schema.User, error) {
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) { return s.Secret, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer("zsc"), jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(s.DB.Now))
	if err != nil {
		if errors.Is(err, jwt.ErrTokenExpired) {
			return nil, schema.Errorf(schema.EUNAUTHORIZED, "access token expired")
		}
		return nil, schema.Errorf(schema.EUNAUTHORIZED, "invalid access token")
	}
	return &schema.User{ID: c.Subject, Username: c.Username, Name: c.Name, Role: c.Role, Dept: c.Dept, Region: c.Region, OnDuty: true}, nil
}

func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}

const userCols = `id, username, name, role, dept, region, cert_no, expert, on_duty, password_hash`

func scanUser(row interface{ Scan(...any) error }) (*schema.User, string, error) {
	var u schema.User
	var hash string
	err := row.Scan(&u.ID, &u.Username, &u.Name, &u.Role, &u.Dept, &u.Region, &u.CertNo, &u.Expert, &u.OnDuty, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", nil
	}
	return &u, hash, err
}

func (s *Service) userByName(ctx context.Context, username string) (*schema.User, string, error) {
	return scanUser(s.DB.Reader().QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE username = ? AND disabled = 0`, username))
}

// UserByID loads an enabled user.
func (s *Service) UserByID(ctx context.Context, id string) (*schema.User, error) {
	u, _, err := scanUser(s.DB.Reader().QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = ? AND disabled = 0`, id))
	if err == nil && u == nil {
		return nil, schema.Errorf(schema.EUNAUTHORIZED, "user disabled or unknown")
	}
	return u, err
}
