package photos

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"time"

	"zsc/server/sqlstore"
)

// DB keeps photos in the database's photo_chunks table (migration 0018),
// in pieces of at most PieceSize bytes: a stored photo's rows have an
// empty owner and tag, an upload's its owner and tag. Every instance on the database
// sees every upload, so a phone's next chunk may reach any of them; Finish
// turns an upload's rows into the photo's in one transaction.
//
// Writes go through the store's single write path (sqlstore.DB.Write), in
// transactions of at most one chunk (a phone sends at most MaxBlobBytes,
// in chunks); the body is read before the write, never inside it.
type DB struct {
	db *sqlstore.DB
}

// PieceSize bounds one row's bytes, so that a reader of a photo holds one
// piece at a time.
const PieceSize = 1 << 20

// NewDB stores photos in db.
func NewDB(db *sqlstore.DB) *DB { return &DB{db: db} }

var _ Store = (*DB)(nil)

// queryRow is a reader's or a write transaction's QueryRow.
type queryRow func(query string, args ...any) *sql.Row

func (d *DB) reader(ctx context.Context) queryRow {
	return func(q string, args ...any) *sql.Row { return d.db.Reader().QueryRowContext(ctx, q, args...) }
}

// size is where the last piece of sum's rows of owner and tag ends.
func size(q queryRow, sum, owner, tag string) (int64, bool, error) {
	var pos, n int64
	err := q(`SELECT pos, length(data) FROM photo_chunks WHERE sha256 = ? AND owner = ? AND tag = ? ORDER BY pos DESC LIMIT 1`,
		sum, owner, tag).Scan(&pos, &n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	} else if err != nil {
		return 0, false, err
	}
	return pos + n, true, nil
}

// Stat implements Store.
func (d *DB) Stat(ctx context.Context, sum string) (int64, bool, error) {
	n, ok, err := size(d.reader(ctx), sum, "", "")
	if err != nil {
		return 0, false, fmt.Errorf("photos: reading photo %s: %w", sum, err)
	}
	return n, ok, nil
}

// Open implements Store: the photo is read piece by piece as it is sent.
func (d *DB) Open(ctx context.Context, sum string) (io.ReadSeekCloser, time.Time, error) {
	rows, err := d.db.Reader().QueryContext(ctx, `SELECT pos, length(data) FROM photo_chunks WHERE sha256 = ? AND owner = '' AND tag = '' ORDER BY pos`, sum)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("photos: opening photo %s: %w", sum, err)
	}
	defer rows.Close()
	r := &pieceReader{ctx: ctx, db: d.db.Reader(), sum: sum, cur: -1}
	for rows.Next() {
		var p piece
		if err := rows.Scan(&p.pos, &p.n); err != nil {
			return nil, time.Time{}, fmt.Errorf("photos: opening photo %s: %w", sum, err)
		}
		if p.pos != r.size {
			return nil, time.Time{}, fmt.Errorf("photos: photo %s has a hole at byte %d", sum, r.size)
		}
		r.pieces = append(r.pieces, p)
		r.size += p.n
	}
	if err := rows.Err(); err != nil {
		return nil, time.Time{}, fmt.Errorf("photos: opening photo %s: %w", sum, err)
	}
	if len(r.pieces) == 0 {
		return nil, time.Time{}, fmt.Errorf("photos: photo %s: %w", sum, fs.ErrNotExist)
	}
	return r, time.Time{}, nil
}

type piece struct{ pos, n int64 }

// pieceReader reads a stored photo, holding one piece in memory.
type pieceReader struct {
	ctx    context.Context
	db     *sql.DB
	sum    string
	pieces []piece
	size   int64
	off    int64
	cur    int // index of data's piece, -1 for none
	data   []byte
}

func (r *pieceReader) Read(b []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	i := sort.Search(len(r.pieces), func(i int) bool { return r.pieces[i].pos+r.pieces[i].n > r.off })
	if i != r.cur {
		r.data = nil
		err := r.db.QueryRowContext(r.ctx, `SELECT data FROM photo_chunks WHERE sha256 = ? AND owner = '' AND tag = '' AND pos = ?`,
			r.sum, r.pieces[i].pos).Scan(&r.data)
		if err != nil {
			return 0, fmt.Errorf("photos: reading photo %s: %w", r.sum, err)
		}
		if int64(len(r.data)) != r.pieces[i].n {
			return 0, fmt.Errorf("photos: photo %s changed while being read", r.sum)
		}
		r.cur = i
	}
	n := copy(b, r.data[r.off-r.pieces[i].pos:])
	r.off += int64(n)
	return n, nil
}

func (r *pieceReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.off
	case io.SeekEnd:
		offset += r.size
	default:
		return 0, errors.New("photos: bad whence")
	}
	if offset < 0 {
		return 0, errors.New("photos: seek before the start")
	}
	r.off = offset
	return offset, nil
}

func (r *pieceReader) Close() error { return nil }

// Delete implements Store.
func (d *DB) Delete(ctx context.Context, sum string, notAfter time.Time) error {
	err := d.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`DELETE FROM photo_chunks WHERE sha256 = ? AND owner = '' AND tag = '' AND written_at < ?`,
			sum, sqlstore.FormatTime(notAfter))
		return err
	})
	if err != nil {
		return fmt.Errorf("photos: removing %s: %w", sum, err)
	}
	return nil
}

// PartSize implements Store.
func (d *DB) PartSize(ctx context.Context, p Part) (int64, error) {
	if err := p.valid(); err != nil {
		return 0, err
	}
	n, _, err := size(d.reader(ctx), p.Sum, p.Owner, p.Tag)
	if err != nil {
		return 0, fmt.Errorf("photos: reading a partial upload: %w", err)
	}
	return n, nil
}

// Write implements Store. A chunk starting after what the part holds is
// refused before its body is read; the body is read whole (a chunk is at
// most a photo), then written in one transaction, which checks the offset
// again: another instance may have written meanwhile.
func (d *DB) Write(ctx context.Context, p Part, off int64, r io.Reader) (int64, error) {
	if have, err := d.PartSize(ctx, p); err != nil {
		return 0, err
	} else if off > have {
		return 0, &GapError{Have: have}
	}
	b, err := io.ReadAll(r)
	if err != nil {
		// Nothing was written: the part is as it was.
		return 0, fmt.Errorf("photos: reading a chunk: %w", err)
	}
	now := sqlstore.FormatTime(d.db.Now())
	err = d.db.Write(ctx, func(tx *sql.Tx) error {
		have, _, err := size(tx.QueryRow, p.Sum, p.Owner, p.Tag)
		if err != nil {
			return err
		}
		if off > have {
			return &GapError{Have: have}
		}
		if err := cut(tx, p, off); err != nil {
			return err
		}
		for i := 0; i < len(b); i += PieceSize {
			piece := b[i:min(i+PieceSize, len(b))]
			if _, err := tx.Exec(`INSERT INTO photo_chunks (sha256, owner, tag, pos, data, written_at) VALUES (?, ?, ?, ?, ?, ?)`,
				p.Sum, p.Owner, p.Tag, off+int64(i), piece, now); err != nil {
				return err
			}
		}
		return nil
	})
	var gap *GapError
	if errors.As(err, &gap) {
		return 0, gap
	} else if err != nil {
		return 0, fmt.Errorf("photos: writing a partial upload: %w", err)
	}
	return int64(len(b)), nil
}

// cut drops p's bytes from off on.
func cut(tx *sql.Tx, p Part, off int64) error {
	if _, err := tx.Exec(`DELETE FROM photo_chunks WHERE sha256 = ? AND owner = ? AND tag = ? AND pos >= ?`, p.Sum, p.Owner, p.Tag, off); err != nil {
		return err
	}
	var pos int64
	var data []byte
	err := tx.QueryRow(`SELECT pos, data FROM photo_chunks WHERE sha256 = ? AND owner = ? AND tag = ? ORDER BY pos DESC LIMIT 1`,
		p.Sum, p.Owner, p.Tag).Scan(&pos, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return err
	}
	if pos+int64(len(data)) <= off {
		return nil
	}
	_, err = tx.Exec(`UPDATE photo_chunks SET data = ? WHERE sha256 = ? AND owner = ? AND tag = ? AND pos = ?`,
		data[:off-pos], p.Sum, p.Owner, p.Tag, pos)
	return err
}

// Truncate implements Store.
func (d *DB) Truncate(ctx context.Context, p Part, n int64) error {
	if err := p.valid(); err != nil {
		return err
	}
	if err := d.db.Write(ctx, func(tx *sql.Tx) error { return cut(tx, p, n) }); err != nil {
		return fmt.Errorf("photos: cutting a partial upload: %w", err)
	}
	return nil
}

// Finish implements Store, in one transaction: the part's bytes are hashed
// as they are when it commits, and a photo stored already (the same bytes)
// stays, its time renewed so that a sweeper dropping it meanwhile leaves it
// (Delete's notAfter).
func (d *DB) Finish(ctx context.Context, p Part) error {
	if err := p.valid(); err != nil {
		return err
	}
	now := sqlstore.FormatTime(d.db.Now())
	err := d.db.Write(ctx, func(tx *sql.Tx) error {
		h := sha256.New()
		rows, err := tx.Query(`SELECT pos, data FROM photo_chunks WHERE sha256 = ? AND owner = ? AND tag = ? ORDER BY pos`, p.Sum, p.Owner, p.Tag)
		if err != nil {
			return err
		}
		var next int64
		for rows.Next() {
			var pos int64
			var data []byte
			if err := rows.Scan(&pos, &data); err != nil {
				rows.Close()
				return err
			}
			if pos != next {
				rows.Close()
				return fmt.Errorf("the upload has a hole at byte %d", next)
			}
			h.Write(data)
			next += int64(len(data))
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if hex.EncodeToString(h.Sum(nil)) != p.Sum {
			return ErrMismatch
		}
		_, stored, err := size(tx.QueryRow, p.Sum, "", "")
		if err != nil {
			return err
		}
		switch {
		case stored:
			if _, err := tx.Exec(`DELETE FROM photo_chunks WHERE sha256 = ? AND owner = ? AND tag = ?`, p.Sum, p.Owner, p.Tag); err != nil {
				return err
			}
			_, err = tx.Exec(`UPDATE photo_chunks SET written_at = ? WHERE sha256 = ? AND owner = '' AND tag = ''`, now, p.Sum)
		case next == 0:
			// An empty photo still needs a row to be stored.
			_, err = tx.Exec(`INSERT INTO photo_chunks (sha256, owner, tag, pos, data, written_at) VALUES (?, '', '', 0, ?, ?)`, p.Sum, []byte{}, now)
		default:
			_, err = tx.Exec(`UPDATE photo_chunks SET owner = '', tag = '', written_at = ? WHERE sha256 = ? AND owner = ? AND tag = ?`, now, p.Sum, p.Owner, p.Tag)
		}
		return err
	})
	if errors.Is(err, ErrMismatch) {
		return ErrMismatch
	} else if err != nil {
		return fmt.Errorf("photos: storing a photo: %w", err)
	}
	return nil
}

// DeletePart implements Store.
func (d *DB) DeletePart(ctx context.Context, p Part) error {
	if err := p.valid(); err != nil {
		return err
	}
	err := d.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`DELETE FROM photo_chunks WHERE sha256 = ? AND owner = ? AND tag = ?`, p.Sum, p.Owner, p.Tag)
		return err
	})
	if err != nil {
		return fmt.Errorf("photos: removing a partial upload: %w", err)
	}
	return nil
}

// PartialBytes implements Store.
func (d *DB) PartialBytes(ctx context.Context, owner, except string) (int64, error) {
	var n int64
	err := d.db.Reader().QueryRowContext(ctx, `SELECT coalesce(sum(length(data)), 0) FROM photo_chunks WHERE owner = ? AND tag = '' AND sha256 <> ?`,
		owner, except).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("photos: summing partial uploads: %w", err)
	}
	return n, nil
}

// StaleParts implements Store. Every upload's owner is a non-empty key,
// so the comparison with the empty string reads their rows only, by index.
func (d *DB) StaleParts(ctx context.Context, cutoff time.Time) ([]Part, error) {
	rows, err := d.db.Reader().QueryContext(ctx, `SELECT sha256, owner, tag FROM photo_chunks WHERE owner > ''
		GROUP BY sha256, owner, tag HAVING max(written_at) <= ? ORDER BY owner, sha256, tag`, sqlstore.FormatTime(cutoff))
	if err != nil {
		return nil, fmt.Errorf("photos: listing stale partial uploads: %w", err)
	}
	defer rows.Close()
	var ps []Part
	for rows.Next() {
		var p Part
		if err := rows.Scan(&p.Sum, &p.Owner, &p.Tag); err != nil {
			return nil, fmt.Errorf("photos: listing stale partial uploads: %w", err)
		}
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("photos: listing stale partial uploads: %w", err)
	}
	return ps, nil
}
