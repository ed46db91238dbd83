package sqlstore_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"zsc/schema"
	"zsc/server/sqlstore"
	"zsc/server/sqlstore/storetest"
	"zsc/server/transfer"
	zsync "zsc/sync"
)

// syncEnv is a real SQLite store with the sync fixture
// (testdata/sync_fixture.sql), an Engine on it and a clock the test moves.
type syncEnv struct {
	db    *sqlstore.DB
	e     *zsync.Engine
	now   time.Time
	users map[string]*schema.User
	seqs  map[string]int64 // next seq per client
}

// mustSyncEnv opens the store in a temporary directory and loads the fixture.
func mustSyncEnv(tb testing.TB) *syncEnv {
	tb.Helper()
	db, err := sqlstore.Open(storetest.DSN(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	env := &syncEnv{db: db, now: time.Date(2024, 6, 3, 2, 0, 0, 0, time.UTC), users: map[string]*schema.User{}, seqs: map[string]int64{}}
	db.Now = func() time.Time { return env.now }
	fixture, err := os.ReadFile("testdata/sync_fixture.sql")
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	err = db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec(string(fixture)); err != nil {
			return err
		}
		rows, err := tx.Query(`SELECT id, username, name, role, dept, region FROM users`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			u := &schema.User{OnDuty: true}
			if err := rows.Scan(&u.ID, &u.Username, &u.Name, &u.Role, &u.Dept, &u.Region); err != nil {
				return err
			}
			env.users[u.ID] = u
		}
		return rows.Err()
	})
	if err != nil {
		tb.Fatal(err)
	}
	store := sqlstore.NewSyncStore(db)
	tb.Cleanup(func() { store.Close() })
	env.e = zsync.NewEngine(store, func() time.Time { return env.now })
	return env
}

// register makes a client of kind for user and returns its id.
func (env *syncEnv) register(tb testing.TB, user, kind string) string {
	tb.Helper()
	id := uuid.Must(uuid.NewV7()).String()
	if _, err := env.e.Register(context.Background(), env.users[user], zsync.RegisterRequest{ClientID: id, Kind: kind, Platform: "test"}); err != nil {
		tb.Fatal(err)
	}
	return id
}

// mut builds the client's next mutation.
func (env *syncEnv) mut(client, name string, args any) zsync.Mutation {
	env.seqs[client]++
	b, err := json.Marshal(args)
	if err != nil {
		panic(err)
	}
	return zsync.Mutation{Seq: env.seqs[client], ID: uuid.Must(uuid.NewV7()).String(), Name: name,
		At: env.now.Add(8 * time.Hour).Format("2006-01-02T15:04:05+08:00"), Args: b}
}

// push pushes muts and fails the test on an error.
func (env *syncEnv) push(tb testing.TB, user, client string, muts ...zsync.Mutation) *zsync.PushResponse {
	tb.Helper()
	resp, err := env.e.Push(context.Background(), env.users[user], &zsync.PushRequest{ClientID: client, SchemaVersion: zsync.SchemaVersion, Mutations: muts})
	if err != nil {
		tb.Fatalf("push: %v", err)
	}
	return resp
}

// pull pulls from cursor and fails the test on an error.
func (env *syncEnv) pull(tb testing.TB, user, client string, cursor int64) *zsync.PullResponse {
	tb.Helper()
	resp, err := env.e.Pull(context.Background(), env.users[user], zsync.PullRequest{ClientID: client, Cursor: cursor})
	if err != nil {
		tb.Fatalf("pull: %v", err)
	}
	return resp
}

// count runs a count query.
func (env *syncEnv) count(tb testing.TB, query string, args ...any) int {
	tb.Helper()
	var n int
	if err := env.db.Reader().QueryRow(query, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	return n
}

// sha is the photo name of content s.
func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func one(tb testing.TB, r *zsync.PushResponse, status string) zsync.Result {
	tb.Helper()
	if len(r.Results) != 1 {
		tb.Fatalf("got %d results, want 1", len(r.Results))
	}
	if r.Results[0].Status != status {
		tb.Fatalf("status %s (%s), want %s", r.Results[0].Status, r.Results[0].Reason, status)
	}
	return r.Results[0]
}

// takeBackup backs up db now; the function it returns restores that backup
// as a new store (closed when the test ends). On SQLite that is BackupTo's
// file, as `zsc backup`/`zsc restore` do; on PostgreSQL, which zsc does not
// back up itself, an export loaded into a fresh schema (`zsc export`,
// `zsc import-db`): the database as it was at the backup either way.
func takeBackup(t *testing.T, db *sqlstore.DB) func() *sqlstore.DB {
	t.Helper()
	ctx := context.Background()
	if !db.Postgres {
		path := filepath.Join(t.TempDir(), "backup.db")
		if err := db.BackupTo(ctx, path); err != nil {
			t.Fatal(err)
		}
		return func() *sqlstore.DB {
			restored, err := sqlstore.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { restored.Close() })
			return restored
		}
	}
	var dump bytes.Buffer
	if _, err := transfer.Export(ctx, db, &dump); err != nil {
		t.Fatal(err)
	}
	return func() *sqlstore.DB {
		restored := storetest.Open(t)
		if _, err := transfer.Import(ctx, restored, &dump); err != nil {
			t.Fatal(err)
		}
		return restored
	}
}
