// Package account holds the rules of user accounts that are neither HTTP nor
// SQL (issue 12 item 5): what a password must be, what a new account must
// give, and the one-time passwords an admin or the office hands out. Every
// refusal is a schema error in Chinese naming the field.
package account

import (
	"crypto/rand"
	"math/big"
	"strings"
	"unicode/utf8"

	"zsc/schema"
)

// MinPassword is the shortest password accepted.
const MinPassword = 8

// CheckPassword applies the password rules: at least MinPassword
// characters, not the username (in any case), not only spaces.
func CheckPassword(username, pw string) error {
	if utf8.RuneCountInString(pw) < MinPassword {
		return schema.Errorf(schema.EINVALID, "密码至少 %d 位", MinPassword)
	}
	if strings.TrimSpace(pw) == "" {
		return schema.Errorf(schema.EINVALID, "密码不能全是空格")
	}
	if username != "" && strings.EqualFold(strings.TrimSpace(pw), username) {
		return schema.Errorf(schema.EINVALID, "密码不能与用户名相同")
	}
	return nil
}

// CheckNewPassword is CheckPassword for a change: the new password must also
// differ from the old one (a one-time password kept is no change).
func CheckNewPassword(username, old, pw string) error {
	if err := CheckPassword(username, pw); err != nil {
		return err
	}
	if old == pw {
		return schema.Errorf(schema.EINVALID, "新密码不能与原密码相同")
	}
	return nil
}

// Fields is what the desk gives for an account.
type Fields struct {
	Username, Name, Role, Dept, Region, CertNo string
}

// Normalize trims the fields and checks them: a username of letters,
// digits, '.', '_' or '-' (3–32), a name, a known role, a department and a
// region. Whether the department and region exist is the store's question.
func (f Fields) Normalize() (Fields, error) {
	f.Username = strings.TrimSpace(f.Username)
	f.Name = strings.TrimSpace(f.Name)
	f.Role = strings.TrimSpace(f.Role)
	f.Dept = strings.TrimSpace(f.Dept)
	f.Region = strings.TrimSpace(f.Region)
	f.CertNo = strings.TrimSpace(f.CertNo)
	if err := CheckUsername(f.Username); err != nil {
		return f, err
	}
	if f.Name == "" {
		return f, schema.Errorf(schema.EINVALID, "姓名：不能为空")
	}
	if utf8.RuneCountInString(f.Name) > 40 {
		return f, schema.Errorf(schema.EINVALID, "姓名：最多 40 个字")
	}
	if !schema.ValidRole(f.Role) {
		return f, schema.Errorf(schema.EINVALID, "角色：须为检查人员、组长、办公室或管理员")
	}
	if f.Dept == "" {
		return f, schema.Errorf(schema.EINVALID, "部门：不能为空")
	}
	if f.Region == "" {
		return f, schema.Errorf(schema.EINVALID, "区域：不能为空")
	}
	if utf8.RuneCountInString(f.CertNo) > 40 {
		return f, schema.Errorf(schema.EINVALID, "执法证号：最多 40 个字符")
	}
	return f, nil
}

// CheckUsername: 3–32 characters of letters, digits, '.', '_' or '-'.
func CheckUsername(u string) error {
	if len(u) < 3 || len(u) > 32 {
		return schema.Errorf(schema.EINVALID, "用户名：须为 3–32 个字符")
	}
	for _, r := range u {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return schema.Errorf(schema.EINVALID, "用户名：只能用字母、数字和 . _ -")
		}
	}
	return nil
}

// otpAlphabet leaves out characters read alike (0/O, 1/l/I), since a
// one-time password is read off a screen and typed on a phone.
const otpAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// OneTimePassword returns a random 12-character password from a
// cryptographic source (about 70 bits).
func OneTimePassword() (string, error) {
	b := make([]byte, 12)
	max := big.NewInt(int64(len(otpAlphabet)))
	for i := range b {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", err
		}
		b[i] = otpAlphabet[n.Int64()]
	}
	return string(b), nil
}

// CheckSelfChange refuses what nobody does to their own account at the desk:
// disable it, or change its role, department or region; someone who
// oversees them must (so nobody locks themselves out or widens their own
// scope).
func CheckSelfChange(before, after Fields, disabling bool) error {
	if disabling {
		return schema.Errorf(schema.EFORBIDDEN, "不能停用自己的账号")
	}
	if before.Role != after.Role || before.Dept != after.Dept || before.Region != after.Region {
		return schema.Errorf(schema.EFORBIDDEN, "不能修改自己的角色、部门或区域，请由上级管理员修改")
	}
	return nil
}
