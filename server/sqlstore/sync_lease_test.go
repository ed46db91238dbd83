package sqlstore_test

import (
	"testing"
	"time"

	zsync "zsc/sync"
)

// A phone that pulls every day keeps its leased numbers: a lease is renewed
// by the phone's pulls, and only a phone silent for zsync.LeaseTTL loses its
// numbers (DESIGN §8.6). Before, the lease ran out 30 days after it was
// taken whatever the phone did, so 90 days of daily pulls voided 60 numbers
// of the department's 〔年〕N号 series.
func TestLeasesAreRenewedByPulls(t *testing.T) {
	env := mustSyncEnv(t)
	env.e.LeaseSize = 20
	phone := env.register(t, "insp1", "mobile")
	cursor := int64(0)
	var last *zsync.PullResponse
	for day := 0; day < 90; day++ {
		last = env.pull(t, "insp1", phone, cursor)
		cursor = last.Cursor
		env.now = env.now.Add(24 * time.Hour)
	}
	if n := env.count(t, `SELECT count(*) FROM notice_numbers WHERE state = 'voided'`); n != 0 {
		t.Fatalf("%d numbers voided for a phone that pulled every day; want none", n)
	}
	if n := env.count(t, `SELECT count(*) FROM notice_numbers WHERE client_id = ? AND state = 'leased'`, phone); n != 20 {
		t.Fatalf("the phone holds %d leased numbers; want its 20", n)
	}
	// The phone hears of the renewal: its lease changes carry the new expiry.
	if n := env.count(t, `SELECT count(*) FROM notice_numbers WHERE client_id = ? AND state = 'leased' AND expires_at < ?`,
		phone, zsync.FormatTime(env.now.Add(zsync.DefaultLeaseTTL-2*24*time.Hour))); n != 0 {
		t.Fatalf("%d leases were not renewed by the last pulls", n)
	}

	// Silent for longer than the TTL: its numbers are voided on someone's pull.
	env.now = env.now.Add(zsync.DefaultLeaseTTL + time.Hour)
	env.pull(t, "insp2", env.register(t, "insp2", "mobile"), 0)
	if n := env.count(t, `SELECT count(*) FROM notice_numbers WHERE client_id = ? AND state = 'voided' AND reason = 'lease expired'`, phone); n != 20 {
		t.Fatalf("%d of a silent phone's numbers voided; want 20", n)
	}
}
