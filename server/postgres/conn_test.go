package postgres

import "testing"

func TestRebind(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT a FROM t WHERE b = ? AND c IN (?, ?)`, `SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)`},
		{`SELECT '?' || ?, "q?" FROM t`, `SELECT '?' || $1, "q?" FROM t`},
		{`SELECT 'it''s ?', ?`, `SELECT 'it''s ?', $1`},
		{"SELECT ? -- why?\n, ?", "SELECT $1 -- why?\n, $2"},
		{`SELECT 'open ?`, `SELECT 'open ?`},
		{"CREATE FUNCTION f() AS $$ SELECT a ? b $$; SELECT ?", "CREATE FUNCTION f() AS $$ SELECT a ? b $$; SELECT $1"},
		{"SELECT $body$ ? $body$, ?, $1", "SELECT $body$ ? $body$, $1, $1"},
		{`DELETE FROM b WHERE s = ?2 AND c < ?1 AND u >= ?1`, `DELETE FROM b WHERE s = $2 AND c < $1 AND u >= $1`},
	} {
		if got := Rebind(c.in); got != c.want {
			t.Errorf("Rebind(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestIsDSN(t *testing.T) {
	for s, want := range map[string]bool{"postgres://u@h/db": true, "postgresql://h/db": true, "data/zsc.db": false, "/var/lib/zsc/zsc.db": false} {
		if IsDSN(s) != want {
			t.Errorf("IsDSN(%q) = %v", s, !want)
		}
	}
}
