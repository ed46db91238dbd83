package schema

import (
	"fmt"
	"unicode/utf8"
)

// A 统一社会信用代码 (USCC, GB 32100-2015) has 18 characters:
//
//	position 1      登记管理部门代码 (registration authority: 9 = market regulation, 5 = civil affairs, ...)
//	position 2      机构类别代码 (type: after a 9, 1 = enterprise, 2 = 个体工商户, 3 = 农民专业合作社)
//	positions 3–8   登记管理机关行政区划码 (GB/T 2260 region code, digits only)
//	positions 9–17  主体标识码 (the GB 11714 organization code)
//	position 18     校验码 (check character, GB/T 17710 MOD 31-3)
//
// Every character comes from usccAlphabet: the digits and the upper-case
// letters without I, O, Z, S and V. Positions 1, 2 and 9–17 are not checked
// against the registries' code lists, which grow over time (N for 农业 was
// added after 2015): a code is accepted when its shape and check character
// are right.

// USCCLen is the length of a 统一社会信用代码.
const USCCLen = 18

// usccAlphabet lists the 31 characters a USCC may use, in the order of their
// values for the check-character computation.
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccWeights are the weights of positions 1–17: 3^i mod 31.
var usccWeights = [USCCLen - 1]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// usccValue maps a byte to its value in usccAlphabet, or -1.
var usccValue = func() (v [256]int8) {
	for i := range v {
		v[i] = -1
	}
	for i := 0; i < len(usccAlphabet); i++ {
		v[usccAlphabet[i]] = int8(i)
	}
	return v
}()

// USCCError says what is wrong with a 统一社会信用代码 and where.
type USCCError struct {
	// Pos is the 1-based character position of the fault, or 0 when the
	// fault is the length.
	Pos int
	// Msg describes the fault in a sentence fragment, for example
	// "check character should be 6, not 7".
	Msg string
}

// Error returns the message, prefixed with the position when there is one.
func (e *USCCError) Error() string {
	if e.Pos == 0 {
		return "uscc: " + e.Msg
	}
	return fmt.Sprintf("uscc: position %d: %s", e.Pos, e.Msg)
}

// Unwrap presents the fault as an EINVALID *Error, so that ErrorCode and the
// HTTP error handler treat a bad code as the caller's mistake.
func (e *USCCError) Unwrap() error {
	return &Error{Code: EINVALID, Message: e.Error()}
}

// ValidUSCC reports whether s is a well-formed 统一社会信用代码 with a correct
// check character. The error, a *USCCError, names the first fault: the
// length, a character outside the alphabet (with its position), a non-digit
// in the region code, or the check character that the first 17 characters
// call for. Surrounding spaces and lower-case letters are faults too:
// callers that want to tolerate them trim or upper-case first.
func ValidUSCC(s string) error {
	if s == "" {
		return &USCCError{Msg: "empty"}
	}
	if n := utf8.RuneCountInString(s); n != USCCLen {
		return &USCCError{Msg: fmt.Sprintf("length is %d characters, want %d", n, USCCLen)}
	}
	if err := checkUSCCChars(s); err != nil {
		return err
	}
	want := usccCheck(s[:USCCLen-1])
	if s[USCCLen-1] != want {
		return &USCCError{Pos: USCCLen, Msg: fmt.Sprintf("check character should be %c, not %c", want, s[USCCLen-1])}
	}
	return nil
}

// USCCCheckChar returns the check character (position 18) for the first 17
// characters of a 统一社会信用代码. It fails, with a *USCCError, when first17
// does not have 17 characters of the alphabet or its region code is not
// digits.
func USCCCheckChar(first17 string) (byte, error) {
	if n := utf8.RuneCountInString(first17); n != USCCLen-1 {
		return 0, &USCCError{Msg: fmt.Sprintf("length is %d characters, want %d before the check character", n, USCCLen-1)}
	}
	if err := checkUSCCChars(first17); err != nil {
		return 0, err
	}
	return usccCheck(first17), nil
}

// USCCRegion returns the registration authority's region code, positions
// 3–8 of a 统一社会信用代码, or "" when s is too short or those positions are
// not all digits. It does not check the rest of s.
func USCCRegion(s string) string {
	if len(s) < 8 {
		return ""
	}
	for i := 2; i < 8; i++ {
		if s[i] < '0' || s[i] > '9' {
			return ""
		}
	}
	return s[2:8]
}

// checkUSCCChars checks that s uses only the USCC alphabet and has digits in
// positions 3–8. It reports the first bad character by its 1-based position.
func checkUSCCChars(s string) error {
	pos := 0
	for i, r := range s {
		pos++
		if r < utf8.RuneSelf && usccValue[r] >= 0 {
			if pos >= 3 && pos <= 8 && (r < '0' || r > '9') {
				return &USCCError{Pos: pos, Msg: fmt.Sprintf("bad character %q: positions 3–8 are the region code, digits only", r)}
			}
			continue
		}
		msg := fmt.Sprintf("bad character %q", r)
		switch {
		case r == 'I' || r == 'O' || r == 'Z' || r == 'S' || r == 'V':
			msg += ": I, O, Z, S and V are not used"
		case r >= 'a' && r <= 'z':
			msg += ": letters must be upper case"
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 { // not a real U+FFFD
				msg = "bad character: not valid UTF-8"
			}
		}
		return &USCCError{Pos: pos, Msg: msg}
	}
	return nil
}

// usccCheck computes the check character for 17 characters already known to
// be in the alphabet.
func usccCheck(first17 string) byte {
	sum := 0
	for i := 0; i < USCCLen-1; i++ {
		sum += int(usccValue[first17[i]]) * usccWeights[i]
	}
	return usccAlphabet[(31-sum%31)%31]
}
