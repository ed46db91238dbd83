package http_test

// Issue 11 items 2, 10 and 11 (DESIGN §8.1, §8.8): a lost refresh answer
// does not sign the phone out, the channel is the server's to decide, and
// nobody can take another user's client id.

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"zsc/server/auth"
	zsync "zsc/sync"
)

func (ts *TestServer) refresh(t *testing.T, token string, out any) int {
	t.Helper()
	return ts.Do(t, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": token}, out)
}

func TestARefreshRetriedAfterALostAnswerGetsTheSameAnswer(t *testing.T) {
	ts := MustOpenServer(t)
	first := ts.Login(t, "insp1")
	var second auth.Tokens
	if code := ts.refresh(t, first.RefreshToken, &second); code != 200 {
		t.Fatalf("refresh: %d", code)
	}
	// The answer above is lost on a weak link: the phone still holds first.
	ts.Advance(30 * time.Second)
	var retried auth.Tokens
	code := ts.refresh(t, first.RefreshToken, &retried)
	t.Run("the retry within the grace window is answered with the same successor", func(t *testing.T) {
		if code != 200 {
			t.Fatalf("retry: %d", code)
		}
		if retried.RefreshToken != second.RefreshToken {
			t.Fatalf("retry gave another refresh token: a fork of the family")
		}
		if code := ts.Do(t, "GET", "/api/v1/me", retried.AccessToken, nil, nil); code != 200 {
			t.Fatalf("retried access token: %d", code)
		}
	})
	t.Run("the successor keeps working and rotates on", func(t *testing.T) {
		var third auth.Tokens
		if code := ts.refresh(t, retried.RefreshToken, &third); code != 200 {
			t.Fatalf("refresh successor: %d", code)
		}
		if third.RefreshToken == retried.RefreshToken {
			t.Fatal("the successor did not rotate")
		}
	})
	t.Run("once the successor was used, the old token again is theft and revokes the family", func(t *testing.T) {
		s := ts.Login(t, "insp2")
		var s2, s3 auth.Tokens
		if ts.refresh(t, s.RefreshToken, &s2) != 200 || ts.refresh(t, s2.RefreshToken, &s3) != 200 {
			t.Fatal("rotation failed")
		}
		if code := ts.refresh(t, s.RefreshToken, nil); code != 401 {
			t.Fatalf("reuse after the successor rotated: %d", code)
		}
		if code := ts.refresh(t, s3.RefreshToken, nil); code != 401 {
			t.Fatalf("the family survived a theft: %d", code)
		}
	})
	t.Run("outside the grace window reuse is theft and revokes the family", func(t *testing.T) {
		s := ts.Login(t, "insp3")
		var s2 auth.Tokens
		if ts.refresh(t, s.RefreshToken, &s2) != 200 {
			t.Fatal("rotation failed")
		}
		ts.Advance(2*time.Minute + time.Second)
		var e APIError
		if code := ts.refresh(t, s.RefreshToken, &e); code != 401 || !strings.Contains(e.Message, "already used") {
			t.Fatalf("late reuse: %d %+v", code, e)
		}
		if code := ts.refresh(t, s2.RefreshToken, nil); code != 401 {
			t.Fatalf("the family survived a late reuse: %d", code)
		}
	})
	t.Run("a token whose family was logged out is refused within the window too", func(t *testing.T) {
		s := ts.Login(t, "lead")
		var s2 auth.Tokens
		if ts.refresh(t, s.RefreshToken, &s2) != 200 {
			t.Fatal("rotation failed")
		}
		if code := ts.Do(t, "POST", "/api/v1/auth/logout", "", map[string]string{"refresh_token": s2.RefreshToken}, nil); code != 204 {
			t.Fatalf("logout: %d", code)
		}
		if code := ts.refresh(t, s.RefreshToken, nil); code != 401 {
			t.Fatalf("reuse after logout: %d", code)
		}
	})
}

func TestTheChannelIsTheServersToDecide(t *testing.T) {
	ts := MustOpenServer(t)
	ts.WireSync()
	register := func(t *testing.T, user, kind string) (int, APIError) {
		t.Helper()
		var e APIError
		tok := ts.Login(t, user).AccessToken
		code := ts.Do(t, "POST", "/api/v1/sync/clients", tok, zsync.RegisterRequest{ClientID: uuid.Must(uuid.NewV7()).String(),
			Kind: kind, Platform: "Android 14", Installed: true, AppVersion: "1.0.0"}, &e)
		return code, e
	}
	for _, user := range []string{"office", "admin"} {
		t.Run("a desk role ("+user+") cannot register a mobile client", func(t *testing.T) {
			if code, e := register(t, user, zsync.KindMobile); code != 403 || e.Code != "forbidden" {
				t.Fatalf("got %d %+v", code, e)
			}
		})
		t.Run("a desk role ("+user+") registers a web client", func(t *testing.T) {
			if code, e := register(t, user, zsync.KindWeb); code != 200 {
				t.Fatalf("got %d %+v", code, e)
			}
		})
	}
	t.Run("field roles register mobile clients", func(t *testing.T) {
		for _, user := range []string{"insp1", "lead"} {
			if code, e := register(t, user, zsync.KindMobile); code != 200 {
				t.Fatalf("%s: got %d %+v", user, code, e)
			}
		}
	})
	t.Run("a mobile client held by a desk role (registered before the rule) can neither push nor pull", func(t *testing.T) {
		office := ts.Login(t, "office")
		id := uuid.Must(uuid.NewV7()).String()
		err := ts.DB.Write(context.Background(), func(tx *sql.Tx) error {
			_, err := tx.Exec(`INSERT INTO clients (id, user_id, kind, registered_at, last_seen)
				SELECT ?, id, 'mobile', '2024-06-01T00:00:00.000Z', '2024-06-01T00:00:00.000Z' FROM users WHERE username = 'office'`, id)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var e APIError
		push := map[string]any{"client_id": id, "schema_version": 1, "mutations": []map[string]any{{"seq": 1,
			"id": uuid.Must(uuid.NewV7()).String(), "name": "visit.complete", "at": "2024-06-03T10:00:00+08:00", "args": map[string]string{"visit_id": "x"}}}}
		if code := ts.Do(t, "POST", "/api/v1/sync/push", office.AccessToken, push, &e); code != 403 || e.Code != "forbidden" {
			t.Fatalf("push: %d %+v", code, e)
		}
		if code := ts.Do(t, "GET", "/api/v1/sync/pull?cursor=0&client_id="+id, office.AccessToken, nil, &e); code != 403 {
			t.Fatalf("pull: %d %+v", code, e)
		}
	})
}

// legacyOfficeClientID is how the office-web client id used to be made: a
// UUIDv5 of the user id under a fixed namespace, so anyone who knew the user
// id (every pull names the lead) could compute it.
func legacyOfficeClientID(userID string) string {
	ns := uuid.MustParse("6f0d7c1e-1c1b-5a53-9d7e-6f66696365b1")
	return uuid.NewSHA1(ns, []byte("office-web:"+userID)).String()
}

func TestAnInspectorCannotBlockTheLeadsPaperEntry(t *testing.T) {
	ts := MustOpenServer(t)
	ts.WireOffice()
	office := ts.Login(t, "office").AccessToken
	lead := ts.Login(t, "lead")
	task, d := createAndDraw(t, ts, office, 8, "621021")
	visit := d.VisitIDs[0]

	// The inspector registers every id he can derive from the lead's user id.
	insp := ts.Login(t, "insp1").AccessToken
	if code := ts.Do(t, "POST", "/api/v1/sync/clients", insp, zsync.RegisterRequest{ClientID: legacyOfficeClientID(lead.User.ID),
		Kind: zsync.KindMobile, Platform: "Android 14", AppVersion: "1.0.0"}, nil); code != 200 {
		t.Fatalf("register: %d", code)
	}
	var st officeResultsJSON
	if code := ts.Do(t, "GET", "/api/v1/office/results?visit_id="+visit, lead.AccessToken, nil, &st); code != 200 {
		t.Fatalf("results: %d", code)
	}
	var items []map[string]string
	for _, it := range st.Items {
		if it.Dept == "scjg" {
			items = append(items, map[string]string{"item_id": it.ItemID, "value": "符合"})
		}
	}
	if len(items) == 0 {
		t.Fatalf("no scjg items in %v", task.Departments)
	}
	t.Run("the lead's paper entry works although his old derived id is taken", func(t *testing.T) {
		var e APIError
		if code := ts.Do(t, "POST", "/api/v1/office/results", lead.AccessToken, map[string]any{"visit_id": visit, "dept": "scjg",
			"items": items[:1]}, &e); code != 200 {
			t.Fatalf("entry: %d %+v", code, e)
		}
	})
	t.Run("the lead's office-web client id is not derived from his user id, and stays the same", func(t *testing.T) {
		var ids []string
		rows, err := ts.DB.Reader().Query(`SELECT id FROM clients WHERE user_id = ? AND platform = 'office-web'`, lead.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		if code := ts.Do(t, "POST", "/api/v1/office/results", lead.AccessToken, map[string]any{"visit_id": visit, "dept": "scjg",
			"items": items[1:2]}, nil); code != 200 {
			t.Fatalf("second entry: %d", code)
		}
		var n int
		if err := ts.DB.Reader().QueryRow(`SELECT count(*) FROM clients WHERE user_id = ? AND platform = 'office-web'`, lead.User.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if len(ids) != 1 || n != 1 || ids[0] == legacyOfficeClientID(lead.User.ID) {
			t.Fatalf("office-web clients %v, then %d", ids, n)
		}
	})
	t.Run("a client id registered by another user is refused at registration", func(t *testing.T) {
		var id string
		if err := ts.DB.Reader().QueryRow(`SELECT id FROM clients WHERE user_id = ? AND platform = 'office-web'`, lead.User.ID).Scan(&id); err != nil {
			t.Fatal(err)
		}
		var e APIError
		if code := ts.Do(t, "POST", "/api/v1/sync/clients", insp, zsync.RegisterRequest{ClientID: id, Kind: zsync.KindMobile,
			Platform: "Android 14", AppVersion: "1.0.0"}, &e); code != 409 || e.Code != "conflict" {
			t.Fatalf("got %d %+v", code, e)
		}
	})
}
