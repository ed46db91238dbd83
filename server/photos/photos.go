// Package photos is where the bytes of photos live (DESIGN §5 step 6): a
// folder on the server (Dir), or the database (DB), which every instance
// behind a load balancer shares, so that a chunked upload begun on one
// instance may finish on another.
//
// A photo is named by the SHA-256 of its bytes and stored once. An upload
// in progress is a Part: a user's resumable upload of a photo (sent in
// chunks, each at an offset) or a one-request upload (Tag set). Finish
// checks a part's bytes against the photo's name and makes them the photo.
//
// The stores know nothing of users, quotas or who may read what: server/http
// decides, and keeps the database's blobs table, which says which photos
// have arrived.
package photos

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"syscall"
	"time"
)

// Store holds photos and the uploads in progress.
type Store interface {
	// Stat returns the size of the stored photo sum; ok is false when
	// there is none.
	Stat(ctx context.Context, sum string) (size int64, ok bool, err error)
	// Open opens the stored photo sum for reading; an error wrapping
	// fs.ErrNotExist when there is none. modTime may be zero.
	Open(ctx context.Context, sum string) (r io.ReadSeekCloser, modTime time.Time, err error)
	// Delete removes the stored photo sum; none is not an error. A photo
	// stored (or stored again) at or after notAfter stays: on several
	// instances, another may be finishing the same photo while the
	// sweeper drops it. Dir, owned by one process, relies on its caller's
	// lock instead and ignores notAfter.
	Delete(ctx context.Context, sum string, notAfter time.Time) error

	// PartSize returns how many bytes p holds: 0 when it holds none.
	PartSize(ctx context.Context, p Part) (int64, error)
	// Write cuts p to off bytes and appends what r yields, returning how
	// many bytes it took from r. Off beyond what p holds is a *GapError and
	// writes nothing. When r fails, the part may hold some of its bytes: the
	// caller cuts it back (Truncate) if it must.
	Write(ctx context.Context, p Part, off int64, r io.Reader) (int64, error)
	// Truncate cuts p to size bytes.
	Truncate(ctx context.Context, p Part, size int64) error
	// Finish checks that p's bytes hash to p.Sum and makes them the
	// stored photo (replacing it if it is stored already: the same
	// bytes), durably, then forgets p. ErrMismatch leaves p as it was.
	Finish(ctx context.Context, p Part) error
	// DeletePart forgets p; none is not an error.
	DeletePart(ctx context.Context, p Part) error
	// PartialBytes sums the bytes of owner's resumable uploads other than
	// the one of photo except; one-request uploads do not count.
	PartialBytes(ctx context.Context, owner, except string) (int64, error)
	// StaleParts lists the parts last written before cutoff, for
	// DeletePart.
	StaleParts(ctx context.Context, cutoff time.Time) ([]Part, error)
}

// Part is an upload in progress.
type Part struct {
	// Owner is a key of the uploader, made of [0-9a-f] (UploaderKey): one
	// uploader never touches another's part.
	Owner string
	// Sum is the SHA-256 the bytes must hash to.
	Sum string
	// Tag is empty for a resumable upload (one per owner and photo); a
	// one-request upload's own [0-9a-z] tag, so that two at once never mix.
	Tag string

	// file is Dir's name of a part found by StaleParts (any file of its
	// upload folder, even one whose name says nothing).
	file string
}

// ErrMismatch says a part's bytes do not hash to its photo's name.
var ErrMismatch = errors.New("photos: the bytes do not hash to the photo's name")

// GapError says a chunk starts after the bytes the part holds.
type GapError struct{ Have int64 }

func (e *GapError) Error() string {
	return fmt.Sprintf("photos: the chunk starts after byte %d, which the upload holds", e.Have)
}

// IsFull says whether err means the storage is full: the disk (or a quota
// of the file system) for Dir, the database's disk for DB. The phone keeps
// the photo and retries later.
func IsFull(err error) bool {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return true
	}
	// PostgreSQL's disk_full (pgconn.PgError) and SQLite's SQLITE_FULL
	// (modernc's *sqlite.Error), told by their methods so that this
	// package needs neither driver.
	var pg interface{ SQLState() string }
	if errors.As(err, &pg) && pg.SQLState() == "53100" {
		return true
	}
	var lite interface{ Code() int }
	return errors.As(err, &lite) && lite.Code()&0xff == 13
}

// UploaderKey is the Owner of a user's parts: a hash of the user id, safe
// in a path whatever the id holds.
func UploaderKey(userID string) string {
	h := sha256.Sum256([]byte(userID))
	return hex.EncodeToString(h[:8])
}

// IsSHA256 says whether s is a photo's name: 64 lower-case hex digits.
func IsSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// valid checks a part's names, which Dir puts in paths.
func (p Part) valid() error {
	ok := IsSHA256(p.Sum) && p.Owner != "" && len(p.Owner) <= 64 && len(p.Tag) <= 32
	for _, c := range p.Owner {
		ok = ok && (c >= '0' && c <= '9' || c >= 'a' && c <= 'f')
	}
	for _, c := range p.Tag {
		ok = ok && (c >= '0' && c <= '9' || c >= 'a' && c <= 'z')
	}
	if !ok {
		return fmt.Errorf("photos: bad upload name %q/%q/%q", p.Owner, p.Sum, p.Tag)
	}
	return nil
}

// InDB is the value of zsc serve --photos (and ZSC_PHOTOS) that keeps the
// photos in the database (DB) rather than in a folder.
const InDB = "db"
