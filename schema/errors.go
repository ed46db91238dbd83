// Package schema holds the domain of 掌上查: its types, error codes, validation
// rules and the SQL migrations. It imports nothing of ours, so every other
// package can depend on it.
package schema

import (
	"errors"
	"fmt"
)

// Error codes form a small closed set; the PWA translates each into Chinese
// and the HTTP layer maps each to one status code (server/http/errors.go).
const (
	EINVALID       = "invalid"
	EUNPROCESSABLE = "unprocessable" // a well-formed upload whose rows are wrong (422, with row errors)
	ENOTFOUND      = "not_found"
	ECONFLICT      = "conflict"
	EFORBIDDEN     = "forbidden"
	EUNAUTHORIZED  = "unauthorized"
	ETOOLARGE      = "too_large"
	ERATELIMITED   = "rate_limited"
	EGAP           = "sequence_gap"
	// ESEQREUSED: a push sent another mutation (another id) under a seq the
	// server already holds a fate for; refused whole, never dropped (409).
	ESEQREUSED = "seq_reused"
	// ESETTLESTALE: a conflict settlement made against a value that has
	// moved since the lead saw it; the mutation is rejected with this code.
	ESETTLESTALE = "settle_stale"
	// EEPOCH: a push from a phone whose cursor is of another epoch (the
	// server was restored from a backup since its last pull): it must pull
	// first, so that its notice numbers are fenced before its notices are
	// judged (409).
	EEPOCH    = "epoch_changed"
	EINTERNAL = "internal"
	// EINSUFFICIENTSTORAGE: the server's disk is full (507); the client
	// keeps what it sent and retries later, it was not refused.
	EINSUFFICIENTSTORAGE = "insufficient_storage"
)

// Error is the one error type the domain returns; Message is safe to show to
// the caller, Details carries structured context such as row errors.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details any    `json:"details,omitempty"`
}

// Error implements the error interface.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf builds an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, or EINTERNAL when err is not an *Error:
// anything unexpected is an internal error and its text never reaches a user.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	}
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "服务器内部错误"
}
