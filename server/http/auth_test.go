package http_test

import (
	"crypto/rand"
	"crypto/rsa"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"zsc/server/auth"
)

func TestLogin(t *testing.T) {
	ts := MustOpenServer(t)
	t.Run("a demo account signs in and sees itself", func(t *testing.T) {
		tok := ts.Login(t, "insp1")
		var me struct{ Username, Role, Dept, Region string }
		if code := ts.Do(t, "GET", "/api/v1/me", tok.AccessToken, nil, &me); code != 200 {
			t.Fatalf("me: %d", code)
		}
		if me.Username != "insp1" || me.Role != "inspector" || me.Dept != "scjg" || me.Region != "621002" {
			t.Fatalf("me = %+v", me)
		}
	})
	t.Run("a wrong password is 401 with code unauthorized", func(t *testing.T) {
		var e APIError
		code := ts.Do(t, "POST", "/api/v1/auth/login", "", map[string]string{"username": "insp2", "password": "wrong-password"}, &e)
		if code != 401 || e.Code != "unauthorized" {
			t.Fatalf("got %d %+v", code, e)
		}
	})
	t.Run("a malformed body is 400", func(t *testing.T) {
		var e APIError
		if code := ts.Do(t, "POST", "/api/v1/auth/login", "", []byte("{nope"), &e); code != 400 && code != 415 {
			t.Fatalf("got %d %+v", code, e)
		}
	})
}

func TestLoginRateLimit(t *testing.T) {
	ts := MustOpenServer(t)
	for i := 0; i < 5; i++ {
		ts.Do(t, "POST", "/api/v1/auth/login", "", map[string]string{"username": "insp2", "password": "guess-" + string(rune('a'+i))}, nil)
	}
	t.Run("after five failures even the right password is refused with 429", func(t *testing.T) {
		var e APIError
		code := ts.Do(t, "POST", "/api/v1/auth/login", "", map[string]string{"username": "insp2", "password": "zsc-demo-2024"}, &e)
		if code != 429 || e.Code != "rate_limited" {
			t.Fatalf("got %d %+v", code, e)
		}
	})
	t.Run("another account from the same address signs in (one address cannot lock out others)", func(t *testing.T) {
		if code := ts.Do(t, "POST", "/api/v1/auth/login", "", map[string]string{"username": "insp3", "password": "zsc-demo-2024"}, nil); code != 200 {
			t.Fatalf("got %d", code)
		}
	})
	t.Run("after the window the account signs in again", func(t *testing.T) {
		ts.Advance(16 * time.Minute)
		ts.Login(t, "insp2")
	})
}

func TestAccessToken(t *testing.T) {
	ts := MustOpenServer(t)
	tok := ts.Login(t, "insp1")
	claims := jwt.MapClaims{"sub": "x", "iss": "zsc", "rol": "admin", "dep": "lxb", "reg": "621000", "exp": time.Now().Add(time.Hour).Unix()}
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	rs256, _ := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(rsaKey)
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, claims).SignedString(jwt.UnsafeAllowNoneSignatureType)
	otherKey, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte("another-key-another-key-another-key"))
	cases := []struct{ name, token string }{
		{"a token signed with RS256 is refused", rs256},
		{"an unsigned token is refused", none},
		{"a token signed with another key is refused", otherKey},
		{"garbage is refused", "abc.def.ghi"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if code := ts.Do(t, "GET", "/api/v1/me", c.token, nil, nil); code != 401 {
				t.Fatalf("got %d", code)
			}
		})
	}
	t.Run("a fresh token works and an expired one is refused", func(t *testing.T) {
		if code := ts.Do(t, "GET", "/api/v1/me", tok.AccessToken, nil, nil); code != 200 {
			t.Fatalf("fresh: %d", code)
		}
		ts.Advance(auth.AccessTTL + time.Second)
		var e APIError
		if code := ts.Do(t, "GET", "/api/v1/me", tok.AccessToken, nil, &e); code != 401 || e.Message != "access token expired" {
			t.Fatalf("expired: %d %+v", code, e)
		}
	})
}

func TestRefreshRotation(t *testing.T) {
	ts := MustOpenServer(t)
	first := ts.Login(t, "insp1")
	var second auth.Tokens
	if code := ts.Do(t, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": first.RefreshToken}, &second); code != 200 {
		t.Fatalf("refresh: %d", code)
	}
	t.Run("the new access token works", func(t *testing.T) {
		if code := ts.Do(t, "GET", "/api/v1/me", second.AccessToken, nil, nil); code != 200 {
			t.Fatalf("got %d", code)
		}
	})
	t.Run("the old refresh token fails once the grace window for a lost answer is over", func(t *testing.T) {
		ts.Advance(auth.RefreshGrace + time.Second)
		if code := ts.Do(t, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": first.RefreshToken}, nil); code != 401 {
			t.Fatalf("got %d", code)
		}
	})
	t.Run("reusing the old token revoked its successor too", func(t *testing.T) {
		if code := ts.Do(t, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": second.RefreshToken}, nil); code != 401 {
			t.Fatalf("got %d", code)
		}
	})
	t.Run("an expired refresh token fails", func(t *testing.T) {
		p := ts.Login(t, "insp2")
		ts.Advance(auth.RefreshTTL + time.Hour)
		if code := ts.Do(t, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": p.RefreshToken}, nil); code != 401 {
			t.Fatalf("got %d", code)
		}
	})
}

func TestScoping(t *testing.T) {
	ts := MustOpenServer(t)
	insp := ts.Login(t, "insp1").AccessToken
	lead := ts.Login(t, "lead").AccessToken
	cases := []struct {
		name, method, path, token string
		want                      int
	}{
		{"an inspector may not list plans", "GET", "/api/v1/plans?year=2024", insp, 403},
		{"an inspector may not import a plan", "POST", "/api/v1/plans/import", insp, 403},
		{"a lead may not import a plan", "POST", "/api/v1/plans/import", lead, 403},
		{"no token is 401", "GET", "/api/v1/plans?year=2024", "", 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if code := ts.Do(t, c.method, c.path, c.token, Multipart("a.tsv", []byte("x"), map[string]string{"year": "2024"}), nil); code != c.want {
				t.Fatalf("got %d, want %d", code, c.want)
			}
		})
	}
	t.Run("a lead sees only the plans their department takes part in", func(t *testing.T) {
		var res struct {
			Count int
			Plans []struct {
				Initiator   string
				Departments []struct{ Code string }
			}
		}
		ts.Do(t, "GET", "/api/v1/plans?year=2024", lead, nil, &res)
		if res.Count == 0 || res.Count >= 70 {
			t.Fatalf("lead sees %d plans", res.Count)
		}
		for _, p := range res.Plans {
			ok := p.Initiator == "scjg"
			for _, d := range p.Departments {
				ok = ok || d.Code == "scjg"
			}
			if !ok {
				t.Fatalf("lead sees a plan without 市市场监管局: %+v", p)
			}
		}
	})
}
