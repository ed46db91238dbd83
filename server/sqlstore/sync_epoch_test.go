package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"zsc/server/sqlstore"
	zsync "zsc/sync"
)

// After a restore from backup the change log's numbers after the backup's
// head are handed out again. A phone that had pulled past the backup must
// re-bootstrap, even once the restored log has grown past its cursor:
// before, it read on from its cursor and skipped the reused numbers'
// changes for good (DESIGN §8.5).
func TestAPhonePastTheRestoredHeadReBootstraps(t *testing.T) {
	env := mustSyncEnv(t)
	ctx := context.Background()
	restore := takeBackup(t, env.db)
	// After the backup: the phone takes its lease and pulls to the head.
	phone := env.register(t, "insp1", "mobile")
	first := env.pull(t, "insp1", phone, 0)
	if first.Epoch == "" || !first.Bootstrap {
		t.Fatalf("first pull: epoch %q, bootstrap %v", first.Epoch, first.Bootstrap)
	}

	// The restore: the backup becomes the database, with a new epoch.
	db := restore()
	db.Now = func() time.Time { return env.now }
	if _, err := db.StampNewEpoch(ctx); err != nil {
		t.Fatal(err)
	}
	store := sqlstore.NewSyncStore(db)
	defer store.Close()
	e := zsync.NewEngine(store, func() time.Time { return env.now })
	// Other phones sync meanwhile: the log grows past the first phone's cursor.
	for _, u := range []string{"insp2", "insp3", "insp4"} {
		id := env.register(t, u, "mobile") // registered in the old database: ids only
		if _, err := e.Register(ctx, env.users[u], zsync.RegisterRequest{ClientID: id, Kind: zsync.KindMobile, Platform: "test"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Pull(ctx, env.users[u], zsync.PullRequest{ClientID: id}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.Register(ctx, env.users["insp1"], zsync.RegisterRequest{ClientID: phone, Kind: zsync.KindMobile, Platform: "test"}); err != nil {
		t.Fatal(err)
	}
	var head int64
	if err := db.Reader().QueryRow(`SELECT max(seq) FROM changes`).Scan(&head); err != nil {
		t.Fatal(err)
	}
	if head <= first.Cursor {
		t.Fatalf("the restored log's head %d has not passed the phone's cursor %d", head, first.Cursor)
	}
	again, err := e.Pull(ctx, env.users["insp1"], zsync.PullRequest{ClientID: phone, Cursor: first.Cursor, Epoch: first.Epoch})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Bootstrap || again.Epoch == first.Epoch {
		t.Fatalf("pull after the restore: bootstrap %v, epoch %q (was %q); want a bootstrap in a new epoch", again.Bootstrap, again.Epoch, first.Epoch)
	}
	leases := 0
	for _, c := range again.Changes {
		if c.Kind == zsync.ChangeLease && c.Op == zsync.OpPut {
			leases++
		}
	}
	if leases == 0 {
		t.Fatal("the bootstrap after the restore carries none of the phone's leases")
	}
}
