package photos

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Dir keeps photos in a folder, content-addressed as Root/aa/bb/<sha256>;
// parts in Root/tmp/<owner>/, <sha256>.part for a resumable upload and
// <sha256>.<tag>.whole for a one-request one. One process owns the folder:
// with several instances, use DB (or one folder they all mount, and accept
// that their upload locks do not see each other).
type Dir struct {
	Root string
	// OpenFile opens the files uploads write; nil is os.OpenFile. Tests
	// swap it for a failing or full disk.
	OpenFile func(name string, flag int) (File, error)
}

// File is what an upload writes into: an *os.File, or in tests one whose
// disk fails or is full.
type File interface {
	io.ReadWriteSeeker
	io.Closer
	Truncate(size int64) error
	Sync() error
	Stat() (fs.FileInfo, error)
	Name() string
}

var _ Store = (*Dir)(nil)

func (d *Dir) path(sum string) string { return filepath.Join(d.Root, sum[:2], sum[2:4], sum) }

func (d *Dir) partDir(owner string) string { return filepath.Join(d.Root, "tmp", owner) }

func (d *Dir) partPath(p Part) string {
	if p.file != "" {
		return p.file
	}
	if p.Tag != "" {
		return filepath.Join(d.partDir(p.Owner), p.Sum+"."+p.Tag+".whole")
	}
	return filepath.Join(d.partDir(p.Owner), p.Sum+".part")
}

func (d *Dir) open(name string, flag int) (File, error) {
	if d.OpenFile != nil {
		return d.OpenFile(name, flag)
	}
	return os.OpenFile(name, flag, 0o644)
}

// Stat implements Store.
func (d *Dir) Stat(ctx context.Context, sum string) (int64, bool, error) {
	if !IsSHA256(sum) {
		return 0, false, fmt.Errorf("photos: bad photo name %q", sum)
	}
	fi, err := os.Stat(d.path(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	} else if err != nil {
		return 0, false, fmt.Errorf("photos: reading photo %s: %w", sum, err)
	}
	return fi.Size(), true, nil
}

// Open implements Store.
func (d *Dir) Open(ctx context.Context, sum string) (io.ReadSeekCloser, time.Time, error) {
	if !IsSHA256(sum) {
		return nil, time.Time{}, fmt.Errorf("photos: bad photo name %q: %w", sum, fs.ErrNotExist)
	}
	f, err := os.Open(d.path(sum))
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("photos: opening photo %s: %w", sum, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, time.Time{}, fmt.Errorf("photos: reading photo %s: %w", sum, err)
	}
	return f, fi.ModTime(), nil
}

// Delete implements Store; notAfter is the caller's lock's business.
func (d *Dir) Delete(ctx context.Context, sum string, notAfter time.Time) error {
	if !IsSHA256(sum) {
		return fmt.Errorf("photos: bad photo name %q", sum)
	}
	if err := os.Remove(d.path(sum)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("photos: removing %s: %w", sum, err)
	}
	return nil
}

// PartSize implements Store.
func (d *Dir) PartSize(ctx context.Context, p Part) (int64, error) {
	if err := p.valid(); err != nil {
		return 0, err
	}
	fi, err := os.Stat(d.partPath(p))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("photos: reading a partial upload: %w", err)
	}
	return fi.Size(), nil
}

// Write implements Store. A resumable part is synced after each chunk, so
// that what HEAD reports survives a crash; a one-request one at Finish.
func (d *Dir) Write(ctx context.Context, p Part, off int64, r io.Reader) (n int64, err error) {
	if err := p.valid(); err != nil {
		return 0, err
	}
	if err := os.MkdirAll(d.partDir(p.Owner), 0o755); err != nil {
		return 0, fmt.Errorf("photos: making the upload folder: %w", err)
	}
	flag := os.O_RDWR | os.O_CREATE
	if p.Tag != "" {
		flag |= os.O_EXCL
	}
	f, err := d.open(d.partPath(p), flag)
	if err != nil {
		return 0, fmt.Errorf("photos: opening a partial upload: %w", err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("photos: closing a partial upload: %w", cerr)
		}
	}()
	fi, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("photos: reading a partial upload: %w", err)
	}
	if have := fi.Size(); off > have {
		return 0, &GapError{Have: have}
	}
	// Re-sent bytes are overwritten: Finish's hash check catches any that differ.
	if err := f.Truncate(off); err != nil {
		return 0, fmt.Errorf("photos: cutting a partial upload: %w", err)
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return 0, fmt.Errorf("photos: seeking in a partial upload: %w", err)
	}
	n, err = io.Copy(f, r)
	if err != nil {
		return n, fmt.Errorf("photos: writing a partial upload: %w", err)
	}
	if p.Tag == "" {
		if err := f.Sync(); err != nil {
			return n, fmt.Errorf("photos: syncing a partial upload: %w", err)
		}
	}
	return n, nil
}

// Truncate implements Store.
func (d *Dir) Truncate(ctx context.Context, p Part, size int64) error {
	if err := p.valid(); err != nil {
		return err
	}
	err := os.Truncate(d.partPath(p), size)
	if errors.Is(err, fs.ErrNotExist) && size == 0 {
		return nil
	} else if err != nil {
		return fmt.Errorf("photos: cutting a partial upload: %w", err)
	}
	return nil
}

// Finish implements Store: fsync before rename, then the folder, so a
// crash never leaves a named photo with missing bytes.
func (d *Dir) Finish(ctx context.Context, p Part) error {
	if err := p.valid(); err != nil {
		return err
	}
	f, err := os.Open(d.partPath(p))
	if err != nil {
		return fmt.Errorf("photos: opening an upload: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("photos: reading an upload back: %w", err)
	}
	if hex.EncodeToString(h.Sum(nil)) != p.Sum {
		return ErrMismatch
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("photos: syncing an upload: %w", err)
	}
	dst := d.path(p.Sum)
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("photos: making a photo folder: %w", err)
	}
	// A photo stored already (sent by someone who may not know of it) is
	// replaced by the same bytes: rename is atomic, readers see either.
	if err := os.Rename(f.Name(), dst); err != nil {
		return fmt.Errorf("photos: storing a photo: %w", err)
	}
	df, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("photos: opening a photo folder: %w", err)
	}
	defer df.Close()
	if err := df.Sync(); err != nil {
		return fmt.Errorf("photos: syncing a photo folder: %w", err)
	}
	return nil
}

// DeletePart implements Store.
func (d *Dir) DeletePart(ctx context.Context, p Part) error {
	if p.file == "" {
		if err := p.valid(); err != nil {
			return err
		}
	}
	if err := os.Remove(d.partPath(p)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("photos: removing a partial upload: %w", err)
	}
	return nil
}

// PartialBytes implements Store.
func (d *Dir) PartialBytes(ctx context.Context, owner, except string) (int64, error) {
	entries, err := os.ReadDir(d.partDir(owner))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("photos: listing partial uploads: %w", err)
	}
	var n int64
	for _, e := range entries {
		if e.Name() == except+".part" || !strings.HasSuffix(e.Name(), ".part") {
			continue
		}
		fi, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // finished or swept meanwhile
		} else if err != nil {
			return 0, fmt.Errorf("photos: reading a partial upload: %w", err)
		}
		n += fi.Size()
	}
	return n, nil
}

// StaleParts implements Store: every file of the upload folders last
// written before cutoff, whatever its name.
func (d *Dir) StaleParts(ctx context.Context, cutoff time.Time) ([]Part, error) {
	var ps []Part
	err := filepath.WalkDir(filepath.Join(d.Root, "tmp"), func(p string, e fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		} else if err != nil {
			return err
		}
		if e.IsDir() {
			return nil
		}
		fi, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		} else if err != nil {
			return err
		}
		if fi.ModTime().After(cutoff) {
			return nil
		}
		sum, rest, _ := strings.Cut(e.Name(), ".")
		tag, _, _ := strings.Cut(strings.TrimSuffix(rest, "part"), ".")
		ps = append(ps, Part{Owner: filepath.Base(filepath.Dir(p)), Sum: sum, Tag: tag, file: p})
		return nil
	})
	if err != nil {
		return ps, fmt.Errorf("photos: listing stale partial uploads: %w", err)
	}
	return ps, nil
}
