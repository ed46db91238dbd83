package sqlstore

import (
	"database/sql"

	zsync "zsc/sync"
)

// The restore fence's storage (DESIGN §8.5, sync/fence.go).

func (t *syncTx) NumberCounter(dept string, year int) (int, error) {
	// Buffered writes first (syncbuffer.go), as TakeNumbers reads.
	if err := t.beforeWrite(); err != nil {
		return 0, err
	}
	next := 1
	err := t.row(`SELECT next FROM notice_counters WHERE dept = ? AND year = ?`, dept, year).Scan(&next)
	if none(err) == nil {
		return next, nil
	}
	return 0, err
}

func (t *syncTx) RaiseCounter(dept string, year, next int) error {
	_, err := t.exec(`INSERT INTO notice_counters (dept, year, next) VALUES (?, ?, ?)
		ON CONFLICT (dept, year) DO UPDATE SET next = CASE WHEN excluded.next > notice_counters.next THEN excluded.next ELSE notice_counters.next END`, dept, year, next)
	return err
}

func (t *syncTx) ClaimNumber(n *zsync.NoticeNumber, voidedAt string) error {
	_, err := t.exec(`INSERT INTO notice_numbers (dept, year, number, client_id, state, notice_id, leased_at, expires_at, voided_at, reason)
		VALUES (?, ?, ?, ?, ?, nullif(?, ''), ?, ?, nullif(?, ''), ?)
		ON CONFLICT (dept, year, number) DO UPDATE SET client_id = excluded.client_id, state = excluded.state, notice_id = excluded.notice_id,
			leased_at = excluded.leased_at, expires_at = excluded.expires_at, voided_at = excluded.voided_at, reason = excluded.reason`,
		n.Dept, n.Year, n.Number, n.ClientID, n.State, n.NoticeID, n.LeasedAt, n.ExpiresAt, voidedAt, n.Reason)
	return err
}

// DeviceNo is the short number the clients_device_no trigger gave a client
// (migration 0013), 0 for none.
func (t *syncTx) DeviceNo(clientID string) (int, error) {
	var n sql.NullInt64
	err := t.row(`SELECT device_no FROM clients WHERE id = ?`, clientID).Scan(&n)
	if err := none(err); err != nil {
		return 0, err
	}
	return int(n.Int64), nil
}
