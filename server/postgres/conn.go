// Package postgres is what 掌上查 needs of PostgreSQL beyond portable SQL:
// a database/sql connection (pgx) that takes the store's `?` placeholders,
// the error codes the store tells apart, and the DSN test.
//
// The store (server/sqlstore) keeps one copy of every query for SQLite and
// PostgreSQL: its SQL is the subset both speak, with `?` placeholders, and
// this connection rewrites them to PostgreSQL's $1, $2… on the way out.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"zsc/schema"
)

// IsDSN says whether s names a PostgreSQL database (a URL) rather than a
// SQLite file path.
func IsDSN(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Redact returns dsn without its password, for logs and error messages.
func Redact(dsn string) string {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return "postgres://…"
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}

// OpenDB opens a pool of at most maxConns connections to dsn.
func OpenDB(dsn string, maxConns int) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres %s: %w", Redact(dsn), err)
	}
	db := sql.OpenDB(connector{stdlib.GetConnector(*cfg)})
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	return db, nil
}

// connector hands out connections that rewrite placeholders.
type connector struct{ driver.Connector }

func (c connector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := dc.(*stdlib.Conn)
	if !ok {
		return nil, fmt.Errorf("postgres: unexpected driver connection %T", dc)
	}
	return &conn{sc}, nil
}

// conn is pgx's database/sql connection with the query text rewritten; every
// other method (transactions, value checks, session reset) is pgx's own.
type conn struct{ *stdlib.Conn }

func (c *conn) Prepare(query string) (driver.Stmt, error) {
	return c.Conn.Prepare(Rebind(query))
}

func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, Rebind(query))
}

func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.ExecContext(ctx, Rebind(query), args)
}

func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, Rebind(query), args)
}

// CheckNamedValue stores a Go bool as 1 or 0: the schema keeps flags in
// BIGINT columns, as SQLite does (it has no boolean type), so that one copy
// of each query and one schema serve both. Reading needs nothing: database/sql
// scans 1 and 0 into a bool.
//
// It also refuses text PostgreSQL cannot store (a NUL byte, bytes that are
// not UTF-8), which SQLite would take: a lookup by such an id finds nothing
// on SQLite, so here it is a bad request (EINVALID), never a server error.
func (c *conn) CheckNamedValue(nv *driver.NamedValue) error {
	switch v := nv.Value.(type) {
	case string:
		if strings.IndexByte(v, 0) >= 0 || !utf8.ValidString(v) {
			return schema.Errorf(schema.EINVALID, "请求中有无法识别的字符（空字符或无效的 UTF-8 编码）")
		}
	case bool:
		nv.Value = boolInt(v)
		return nil
	case *bool:
		if v != nil {
			nv.Value = boolInt(*v)
			return nil
		}
	}
	return c.Conn.CheckNamedValue(nv)
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// Rebind turns each `?` placeholder of query into $1, $2…, leaving alone
// question marks inside string literals, quoted identifiers, dollar-quoted
// bodies and comments.
func Rebind(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		ch := query[i]
		switch {
		case ch == '\'' || ch == '"':
			// Copy the quoted run; a doubled quote is an escaped one and
			// simply starts the next run.
			j := strings.IndexByte(query[i+1:], ch)
			if j < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+j+2])
			i += j + 1
		case ch == '$' && dollarTag(query[i:]) != "":
			// A dollar-quoted body (a migration's function) is copied whole.
			tag := dollarTag(query[i:])
			j := strings.Index(query[i+len(tag):], tag)
			if j < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			end := i + len(tag) + j + len(tag)
			b.WriteString(query[i:end])
			i = end - 1
		case ch == '-' && i+1 < len(query) && query[i+1] == '-':
			j := strings.IndexByte(query[i:], '\n')
			if j < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+j+1])
			i += j
		case ch == '?':
			// ?NNN names its parameter (SQLite's numbered form): the same $NNN.
			j := i + 1
			for j < len(query) && query[j] >= '0' && query[j] <= '9' {
				j++
			}
			b.WriteByte('$')
			if j > i+1 {
				b.WriteString(query[i+1 : j])
				i = j - 1
				continue
			}
			n++
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(ch)
		}
	}
	return b.String()
}

// dollarTag returns the dollar-quote opening s ($$ or $tag$), or "" when s
// does not start with one ($1 is a parameter: a tag never starts with a digit).
func dollarTag(s string) string {
	for j := 1; j < len(s); j++ {
		c := s[j]
		switch {
		case c == '$':
			return s[:j+1]
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 || (j > 1 && c >= '0' && c <= '9'):
		default:
			return ""
		}
	}
	return ""
}

// Error codes the store tells apart (PostgreSQL's SQLSTATE).
const (
	uniqueViolation      = "23505"
	serializationFailure = "40001"
	deadlockDetected     = "40P01"
)

// IsUniqueViolation says whether err is a UNIQUE or PRIMARY KEY violation.
func IsUniqueViolation(err error) bool { return code(err) == uniqueViolation }

// IsRetryable says whether err ended a transaction that may simply be run
// again (a serialization failure or a deadlock).
func IsRetryable(err error) bool {
	c := code(err)
	return c == serializationFailure || c == deadlockDetected
}

func code(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}
