package schema

import (
	"errors"
	"strings"
	"testing"
)

// referenceCheck is a second, deliberately different implementation of the
// GB 32100-2015 check character (weights as 3^i mod 31, alphabet looked up
// with strings.IndexByte), so that the tests do not check the code against
// itself.
func referenceCheck(first17 string) byte {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	sum, w := 0, 1
	for i := 0; i < 17; i++ {
		sum += strings.IndexByte(alphabet, first17[i]) * w
		w = w * 3 % 31
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return alphabet[c]
}

func TestUSCCWeightsArePowersOfThreeMod31(t *testing.T) {
	w := 1
	for i, got := range usccWeights {
		if got != w {
			t.Errorf("weight %d = %d, want %d", i+1, got, w)
		}
		w = w * 3 % 31
	}
}

func TestValidUSCC(t *testing.T) {
	valid := []struct{ name, code string }{
		// Codes of well-known companies, as published on their licences.
		{"华为技术有限公司", "914403001922038216"},
		{"a Tencent company in Shenzhen (腾讯)", "91440300708461136T"},
		{"小米科技有限责任公司", "91110108551385082Q"},
		{"a published code whose organization code holds letters", "91350100M000100Y43"},
		{"a published code whose check character is X", "91110000710925462X"},
		{"a published code whose organization code ends in X", "9144030071526726XG"},
		// Qingyang-style codes made with the algorithm, one per check value kind.
		{"an enterprise of 西峰区", "91621002MA71A0B2X" + string(referenceCheck("91621002MA71A0B2X"))},
		{"a 个体工商户 of 宁县", "92621026MA7000012" + string(referenceCheck("92621026MA7000012"))},
		{"a code whose check character is 0 (sum divisible by 31)", withCheckZero(t)},
	}
	for _, tc := range valid {
		t.Run("accepts "+tc.name, func(t *testing.T) {
			if err := ValidUSCC(tc.code); err != nil {
				t.Fatalf("ValidUSCC(%q) = %v, want nil", tc.code, err)
			}
			c, err := USCCCheckChar(tc.code[:17])
			if err != nil || c != tc.code[17] {
				t.Fatalf("USCCCheckChar(%q) = %q, %v; want %q", tc.code[:17], c, err, tc.code[17])
			}
		})
	}

	invalid := []struct {
		name, code string
		pos        int
		msg        string
	}{
		{"rejects the empty string", "", 0, "empty"},
		{"rejects a code one character short", "91440300192203821", 0, "length is 17 characters, want 18"},
		{"rejects a code one character long", "9144030019220382161", 0, "length is 19 characters, want 18"},
		{"counts characters, not bytes, in the length", "9144030019220382号", 0, "length is 17 characters, want 18"},
		{"rejects a Chinese character in place of the check", "91440300192203821号", 18, `bad character '号'`},
		{"rejects the letter I", "91440300I92203821" + "6", 9, "I, O, Z, S and V are not used"},
		{"rejects the letter O", "9144030019220382O6", 17, "I, O, Z, S and V are not used"},
		{"rejects a lower-case letter", "91350100m000100Y43", 9, "letters must be upper case"},
		{"rejects a letter in the region code", "91A40300192203821" + "6", 3, "positions 3–8 are the region code"},
		{"rejects a space", "9144030019220382 6", 17, `bad character ' '`},
		{"rejects surrounding spaces by length", " 914403001922038216", 0, "length is 19"},
		{"rejects invalid UTF-8", "91440300192203821\xff", 18, "not valid UTF-8"},
		{"names the check character a code should have", "914403001922038217", 18, "check character should be 6, not 7"},
		{"catches two swapped digits", "914403001922038126", 18, "check character should be"},
		{"catches a code copied wrong in someone's mock data", "91110000800088421P", 18, "check character should be W, not P"},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidUSCC(tc.code)
			var ue *USCCError
			if !errors.As(err, &ue) {
				t.Fatalf("ValidUSCC(%q) = %v, want a *USCCError", tc.code, err)
			}
			if ue.Pos != tc.pos {
				t.Errorf("Pos = %d, want %d (%v)", ue.Pos, tc.pos, err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not say %q", err, tc.msg)
			}
		})
	}
}

// withCheckZero returns a code whose check character is 0, the 31→0 case.
func withCheckZero(t *testing.T) string {
	for i := 0; i < 1000; i++ {
		first := "91621002" + strings.Repeat("0", 6) + string('0'+byte(i/100)) + string('0'+byte(i/10%10)) + string('0'+byte(i%10))
		if referenceCheck(first) == '0' {
			return first + "0"
		}
	}
	t.Fatal("no code with check character 0 found")
	return ""
}

func TestUSCCCheckChar(t *testing.T) {
	t.Run("rejects 18 characters", func(t *testing.T) {
		if _, err := USCCCheckChar("914403001922038216"); err == nil || !strings.Contains(err.Error(), "want 17") {
			t.Fatalf("err = %v, want a length error", err)
		}
	})
	t.Run("rejects a bad character with its position", func(t *testing.T) {
		_, err := USCCCheckChar("9144030019220S821")
		var ue *USCCError
		if !errors.As(err, &ue) || ue.Pos != 14 {
			t.Fatalf("err = %v, want position 14", err)
		}
	})
	t.Run("agrees with the reference on many codes", func(t *testing.T) {
		// A fixed walk through the alphabet, no randomness needed.
		b := []byte("91621002000000000")
		for i := 0; i < 5000; i++ {
			for j := 8; j < 17; j++ {
				b[j] = usccAlphabet[(i*(j+7)+j*j)%31]
			}
			got, err := USCCCheckChar(string(b))
			if err != nil {
				t.Fatal(err)
			}
			if want := referenceCheck(string(b)); got != want {
				t.Fatalf("USCCCheckChar(%s) = %c, want %c", b, got, want)
			}
		}
	})
}

func TestUSCCRegion(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"914403001922038216", "440300"},
		{"92621026MA7000012X", "621026"},
		{"9162100", ""},
		{"91A40300192203821", ""},
		{"", ""},
	} {
		if got := USCCRegion(tc.in); got != tc.want {
			t.Errorf("USCCRegion(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzValidUSCC(f *testing.F) {
	for _, s := range []string{"914403001922038216", "91440300708461136T", "91350100M000100Y43", "", "9144030019220382号", "91440300192203821\xff", "914403001922038217"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidUSCC(s)
		_ = USCCRegion(s)
		if len(s) >= 17 {
			_, _ = USCCCheckChar(s[:17])
		}
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if len(s) != 18 {
			t.Fatalf("accepted %q of %d bytes", s, len(s))
		}
		for i := 0; i < 18; i++ {
			if !strings.ContainsRune("0123456789ABCDEFGHJKLMNPQRTUWXY", rune(s[i])) {
				t.Fatalf("accepted %q with %q at position %d", s, s[i], i+1)
			}
		}
		if USCCRegion(s) == "" {
			t.Fatalf("accepted %q without a digit region code", s)
		}
		if want := referenceCheck(s[:17]); s[17] != want {
			t.Fatalf("accepted %q, check character should be %c", s, want)
		}
	})
}

func TestUSCCErrorIsInvalid(t *testing.T) {
	err := ValidUSCC("914403001922038217")
	if got := ErrorCode(err); got != EINVALID {
		t.Fatalf("ErrorCode = %q, want %q", got, EINVALID)
	}
	if got := ErrorMessage(err); !strings.Contains(got, "check character should be 6") {
		t.Fatalf("ErrorMessage = %q, want the reason", got)
	}
}

func TestUSCCReplacementCharacterIsNotCalledInvalidUTF8(t *testing.T) {
	err := ValidUSCC("91440300192203821\uFFFD")
	if err == nil || strings.Contains(err.Error(), "UTF-8") || !strings.Contains(err.Error(), "position 18") {
		t.Fatalf("err = %v", err)
	}
}
