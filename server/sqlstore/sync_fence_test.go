package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"zsc/schema"
	"zsc/server/sqlstore"
	zsync "zsc/sync"
)

// After a restore from backup, the notice counters are back where they were
// at the backup: numbers a phone leased (and printed on paper) after it
// would be leased again to another phone. A phone that sees the new epoch
// reports the numbers it holds and issued, and the server marks them taken
// before leasing anew (DESIGN §8.5). Before, phone B was leased the very
// numbers phone A held and had issued.
func TestNoNoticeNumberIsReusedAfterARestore(t *testing.T) {
	env := mustSyncEnv(t)
	ctx := context.Background()
	restore := takeBackup(t, env.db)
	// After the backup: phone A is leased 1–20 and issues 1 on paper.
	phoneA := env.register(t, "insp1", "mobile")
	first := env.pull(t, "insp1", phoneA, 0)
	if n := env.count(t, `SELECT count(*) FROM notice_numbers WHERE client_id = ? AND state = 'leased' AND number BETWEEN 1 AND 20`, phoneA); n != 20 {
		t.Fatalf("phone A holds %d of 1–20", n)
	}

	// The restore.
	db := restore()
	db.Now = func() time.Time { return env.now }
	if _, err := db.StampNewEpoch(ctx); err != nil {
		t.Fatal(err)
	}
	store := sqlstore.NewSyncStore(db)
	defer func() {
		if err := store.Close(); err != nil {
			t.Error(err)
		}
	}()
	e := zsync.NewEngine(store, func() time.Time { return env.now })
	reg := func(user, id string) {
		if _, err := e.Register(ctx, env.users[user], zsync.RegisterRequest{ClientID: id, Kind: zsync.KindMobile, Platform: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	reg("insp1", phoneA)

	// Phone A's first pull after the restore carries its old epoch and its numbers.
	again, err := e.Pull(ctx, env.users["insp1"], zsync.PullRequest{ClientID: phoneA, Cursor: first.Cursor, Epoch: first.Epoch,
		Held: "scjg:2024:1-20", Issued: "scjg:2024:1"})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Bootstrap {
		t.Fatal("phone A's pull after the restore is no bootstrap")
	}
	phoneB := env.register(t, "insp2", "mobile")
	reg("insp2", phoneB)
	if _, err := e.Pull(ctx, env.users["insp2"], zsync.PullRequest{ClientID: phoneB}); err != nil {
		t.Fatal(err)
	}
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := db.Reader().QueryRow(q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(`SELECT count(*) FROM notice_numbers WHERE number = 1 AND state = 'leased'`); n != 0 {
		t.Fatal("number 1, issued on paper before the restore, is leased again")
	}
	if n := count(`SELECT count(*) FROM notice_numbers WHERE client_id = ? AND number <= 20`, phoneB); n != 0 {
		t.Fatalf("phone B was leased %d of the numbers phone A held or issued before the restore", n)
	}
	if n := count(`SELECT count(*) FROM notice_numbers WHERE client_id = ? AND state = 'leased'`, phoneB); n != 20 {
		t.Fatalf("phone B holds %d numbers; want 20", n)
	}
	if n := count(`SELECT count(*) FROM notice_numbers WHERE number = 1 AND client_id = ? AND state = 'voided' AND reason = ?`, phoneA, zsync.FenceIssuedReason); n != 1 {
		t.Fatal("the number phone A issued before the restore is not recorded as such")
	}
	if n := count(`SELECT count(*) FROM notice_numbers WHERE client_id = ? AND state = 'leased' AND number BETWEEN 2 AND 20`, phoneA); n != 19 {
		t.Fatalf("phone A keeps %d of its 19 unused numbers", n)
	}
	leases := map[int]bool{}
	for _, c := range again.Changes {
		if c.Kind == zsync.ChangeLease && c.Op == zsync.OpPut {
			leases[len(leases)] = true
		}
	}
	if len(leases) != 20 {
		t.Fatalf("phone A's bootstrap carries %d leases; want its 19 and one more", len(leases))
	}

	t.Run("in the current epoch a report changes nothing", func(t *testing.T) {
		before := count(`SELECT next FROM notice_counters WHERE dept = 'scjg' AND year = 2024`)
		if _, err := e.Pull(ctx, env.users["insp1"], zsync.PullRequest{ClientID: phoneA, Cursor: again.Cursor, Epoch: again.Epoch, Held: "scjg:2024:100"}); err != nil {
			t.Fatal(err)
		}
		if after := count(`SELECT next FROM notice_counters WHERE dept = 'scjg' AND year = 2024`); after != before {
			t.Fatalf("counter moved from %d to %d", before, after)
		}
	})
	t.Run("a number far above the counter is refused", func(t *testing.T) {
		_, err := e.Pull(ctx, env.users["insp1"], zsync.PullRequest{ClientID: phoneA, Cursor: again.Cursor, Epoch: first.Epoch, Held: "scjg:2024:99999"})
		if err == nil {
			t.Fatal("a report of number 99999 was accepted")
		}
	})
}

// A phone that issued a notice offline on a number leased after the backup
// pushes it after the restore. Judged at once, the restored server knows no
// such lease and refuses the notice (不是本机预留的编号); so a push of
// another epoch is refused whole until the phone has pulled, which fences
// its numbers, and then the notice is applied under its number.
func TestAPushAfterARestoreWaitsForThePullThatFencesItsNumbers(t *testing.T) {
	env := mustSyncEnv(t)
	ctx := context.Background()
	phoneA := env.register(t, "insp1", "mobile")
	one(t, env.push(t, "insp1", phoneA, env.mut(phoneA, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "不符合", 0))), "applied")
	restore := takeBackup(t, env.db)
	// After the backup: phone A is leased numbers and issues the first on paper, offline.
	first := env.pull(t, "insp1", phoneA, 0)
	var number int
	if err := env.db.Reader().QueryRow(`SELECT min(number) FROM notice_numbers WHERE client_id = ? AND state = 'leased'`, phoneA).Scan(&number); err != nil {
		t.Fatal(err)
	}
	issue := env.mut(phoneA, zsync.MutNoticeIssue, map[string]any{"id": newUUID(), "visit_id": "v1", "dept": "scjg",
		"items": []string{"v1-scjg-1"}, "problems": "从业人员未取得健康证明上岗", "legal_basis": "《中华人民共和国食品安全法》第四十五条第一款",
		"deadline": "2099-12-31", "days": 10, "year": 2024, "number": number, "provisional": ""})

	db := restore()
	db.Now = func() time.Time { return env.now }
	if _, err := db.StampNewEpoch(ctx); err != nil {
		t.Fatal(err)
	}
	store := sqlstore.NewSyncStore(db)
	defer func() {
		if err := store.Close(); err != nil {
			t.Error(err)
		}
	}()
	e := zsync.NewEngine(store, func() time.Time { return env.now })
	push := func(epoch string) (*zsync.PushResponse, error) {
		return e.Push(ctx, env.users["insp1"], &zsync.PushRequest{ClientID: phoneA, SchemaVersion: zsync.SchemaVersion, Epoch: epoch, Mutations: []zsync.Mutation{issue}})
	}
	if _, err := push(first.Epoch); schema.ErrorCode(err) != schema.EEPOCH {
		t.Fatalf("a push of the old epoch: %v; want %s", err, schema.EEPOCH)
	}
	again, err := e.Pull(ctx, env.users["insp1"], zsync.PullRequest{ClientID: phoneA, Cursor: first.Cursor, Epoch: first.Epoch,
		Held: fmt.Sprintf("scjg:2024:%d-%d", number, number+19), Issued: fmt.Sprintf("scjg:2024:%d", number)})
	if err != nil {
		t.Fatal(err)
	}
	r, err := push(again.Epoch)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Results) != 1 || r.Results[0].Status != zsync.StatusApplied {
		t.Fatalf("the notice issued before the restore, pushed after the fence: %+v", r.Results)
	}
	var n int
	if err := db.Reader().QueryRow(`SELECT count(*) FROM notices WHERE number = ? AND dept = 'scjg' AND year = 2024`, number).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		var got string
		_ = db.Reader().QueryRow(`SELECT string_agg(number || ' ' || dept || ' ' || year || ' ' || coalesce(number_text,'') || ' ' || provisional, '; ') FROM notices`).Scan(&got)
		t.Fatalf("%d notices hold number %d: %s", n, number, got)
	}
}
