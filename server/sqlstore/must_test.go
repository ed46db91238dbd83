package sqlstore_test

import (
	"database/sql"
	"encoding/json"
	"testing"
)

// scanRow scans one query row into dest; a missing row or a failed scan
// fails the test at the caller's line, which shows the query.
func scanRow(tb testing.TB, row *sql.Row, dest ...any) {
	tb.Helper()
	if err := row.Scan(dest...); err != nil {
		tb.Fatalf("scan: %v", err)
	}
}

// mustUnmarshal decodes data into v or fails the test.
func mustUnmarshal(tb testing.TB, data []byte, v any) {
	tb.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		tb.Fatalf("decode %.200s: %v", data, err)
	}
}
