package auth

import (
	"context"

	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"

	"zsc/schema"
	"zsc/server/account"
	"zsc/server/sqlstore"
)

// ChangePassword changes u's own password (我的, and the first sign-in with
// a one-time password): the old password must be right and the new one
// follow the rules (account.CheckNewPassword). Every session of u ends; the
// answer is a fresh session without the must-change mark. A wrong old
// password counts as a failed login (rate limit per account and address).
func (s *Service) ChangePassword(ctx context.Context, u *schema.User, old, pw, addr string) (*Tokens, error) {
	if wait := s.Limiter.Blocked(u.Username, addr); wait > 0 {
		return nil, &schema.Error{Code: schema.ERATELIMITED, Message: "密码错误次数过多，请稍后再试", Details: map[string]int{"retry_after": int(wait.Seconds()) + 1}}
	}
	hash, err := s.DB.PasswordHash(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(old)) != nil {
		s.Limiter.Fail(u.Username, addr)
		return nil, schema.Errorf(schema.EINVALID, "原密码不正确")
	}
	if err := account.CheckNewPassword(u.Username, old, pw); err != nil {
		return nil, err
	}
	newHash, err := HashPassword(pw)
	if err != nil {
		return nil, err
	}
	if _, err := s.DB.SetPassword(ctx, u.ID, u.ID, newHash, false, "user.password_change", func(sqlstore.UserRecord) error { return nil }); err != nil {
		return nil, err
	}
	s.Limiter.Succeed(u.Username)
	fresh, err := s.UserByID(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	return s.issue(ctx, fresh, false, uuid.NewString())
}

// ResetPassword gives account id a one-time password, returned once and
// stored only as a bcrypt hash, that must be changed at the next sign-in;
// the account's sessions end. check sees the account first (the caller's
// scope) and may refuse.
func (s *Service) ResetPassword(ctx context.Context, actorID, id string, check func(sqlstore.UserRecord) error) (string, *sqlstore.UserRecord, error) {
	otp, err := account.OneTimePassword()
	if err != nil {
		return "", nil, err
	}
	hash, err := HashPassword(otp)
	if err != nil {
		return "", nil, err
	}
	r, err := s.DB.SetPassword(ctx, actorID, id, hash, true, "user.password_reset", check)
	if err != nil {
		return "", nil, err
	}
	return otp, r, nil
}

// OneTimeHash returns a fresh one-time password and its hash, for an
// account created at the desk.
func OneTimeHash() (string, string, error) {
	otp, err := account.OneTimePassword()
	if err != nil {
		return "", "", err
	}
	hash, err := HashPassword(otp)
	return otp, hash, err
}
