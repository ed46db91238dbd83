package http

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	gosync "sync"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"

	"zsc/schema"
	zsync "zsc/sync"
)

// Photos (DESIGN §5 step 6) live in BlobDir, content-addressed as
// aa/bb/<sha256>; partial uploads in BlobDir/tmp/<user key>/, one folder per
// uploader so that nobody learns of another's upload. The database's blobs
// table says which photos have arrived, so completion checks and pulls
// never touch the disk.
//
// Limits (issue 13): a photo named by a visit the uploader sees is always
// taken; any other is provisional (phones may upload before the push that
// names it) and counts, with the uploader's partial uploads, against
// Engine.BlobQuota. The sweeper (SweepBlobs) removes photos no visit names
// and partial uploads after Engine.BlobTTL. A disk error is a 5xx, 507 when
// the disk is full: the phone keeps the photo and retries, never "refused".

// blobProgress is the answer to a PUT: how many bytes the server holds.
type blobProgress struct {
	Received int64 `json:"received"`
	Complete bool  `json:"complete"`
}

// blobLocks serialises uploads of the same photo (a phone retrying while
// its first attempt still runs): one process owns the blob folder, as it
// owns the database's single writer.
var blobLocks keyedMutex

type keyedMutex struct {
	mu    gosync.Mutex
	locks map[string]*keyedLock
}

type keyedLock struct {
	gosync.Mutex
	users int
}

func (k *keyedMutex) lock(key string) func() {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyedLock{}
	}
	l := k.locks[key]
	if l == nil {
		l = &keyedLock{}
		k.locks[key] = l
	}
	l.users++
	k.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		k.mu.Lock()
		if l.users--; l.users == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}

func (s *Server) blobPath(sum string) string { return filepath.Join(s.BlobDir, sum[:2], sum[2:4], sum) }

// partDir is a user's folder of partial uploads: named by a hash of the
// user id, which is safe in a path whatever the id holds.
func (s *Server) partDir(u *schema.User) string {
	h := sha256.Sum256([]byte(u.ID))
	return filepath.Join(s.BlobDir, "tmp", hex.EncodeToString(h[:8]))
}

func (s *Server) partPath(u *schema.User, sum string) string {
	return filepath.Join(s.partDir(u), sum+".part")
}

// uploadFile is what an upload writes into: an *os.File, or in tests one
// whose disk fails or is full.
type uploadFile interface {
	io.ReadWriteSeeker
	io.Closer
	Truncate(size int64) error
	Sync() error
	Stat() (fs.FileInfo, error)
	Name() string
}

// createFile opens the files uploads write; tests swap it to simulate a
// failing or full disk.
var createFile = func(name string, flag int) (uploadFile, error) { return os.OpenFile(name, flag, 0o644) }

// diskError turns an error of the photo folder into the answer: 507 with a
// Chinese message when the disk (or a quota of the file system) is full,
// else an internal error that says what failed. Either way the phone keeps
// the photo and retries later.
func diskError(what string, err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		// The answer is the schema error (errors.As finds it); the log
		// line keeps what failed and the file.
		return fmt.Errorf("photos: %s: %w (%w)", what, &schema.Error{Code: schema.EINSUFFICIENTSTORAGE,
			Message: "服务器存储空间已满，照片仍保存在手机上，稍后自动重新上传"}, err)
	}
	return fmt.Errorf("photos: %s: %w", what, err)
}

// bodyReader remembers an error reading the request (the client's side),
// so that a failed copy tells a cut upload (400) from a disk error (5xx).
type bodyReader struct {
	r   io.Reader
	err error
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}

// copyBody copies the request body into f, telling whose fault a failure is.
func copyBody(f uploadFile, body io.Reader, limit int64, what string) (int64, error) {
	br := &bodyReader{r: io.LimitReader(body, limit)}
	n, err := io.Copy(f, br)
	switch {
	case err == nil:
		return n, nil
	case br.err != nil:
		return n, schema.Errorf(schema.EINVALID, "读取上传的%s时中断，请重新上传", map[string]string{"photo": "照片", "chunk": "照片分段"}[what])
	default:
		return n, diskError("writing the "+what, err)
	}
}

// partialBytes sums the sizes of u's partial uploads other than sum's.
func (s *Server) partialBytes(u *schema.User, sum string) (int64, error) {
	entries, err := os.ReadDir(s.partDir(u))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	} else if err != nil {
		return 0, diskError("listing partial uploads", err)
	}
	var n int64
	for _, e := range entries {
		if e.Name() == sum+".part" || !strings.HasSuffix(e.Name(), ".part") {
			continue
		}
		fi, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // finished or swept meanwhile
		} else if err != nil {
			return 0, diskError("reading a partial upload", err)
		}
		n += fi.Size()
	}
	return n, nil
}

// admit checks the quota before any byte of an upload is written.
func (s *Server) admit(c echo.Context, sum string, size int64) error {
	u := user(c)
	partial, err := s.partialBytes(u, sum)
	if err != nil {
		return err
	}
	return s.Sync.AdmitBlob(c.Request().Context(), u, sum, size, partial)
}

// blobParam reads and checks the {sha256} path parameter.
func blobParam(c echo.Context) (string, error) {
	sum := c.Param("sha256")
	if !zsync.IsSHA256(sum) {
		return "", schema.Errorf(schema.EINVALID, "照片名须为其 SHA-256 摘要：64 位小写十六进制数字")
	}
	return sum, nil
}

// arrived reports whether the photo is complete on the server, recording a
// file that reached the disk but not the database (a crash between the two).
func (s *Server) arrived(c echo.Context, sum string) (int64, bool, error) {
	fi, err := os.Stat(s.blobPath(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	} else if err != nil {
		return 0, false, err
	}
	if err := s.Sync.AddBlob(c.Request().Context(), sum, fi.Size()); err != nil {
		return 0, false, err
	}
	return fi.Size(), true, nil
}

// known is arrived for users who may know of the photo (Engine.MayKnowBlob);
// to anyone else a stored photo is not there until they send its bytes.
func (s *Server) known(c echo.Context, sum string) (int64, bool, error) {
	ok, err := s.Sync.MayKnowBlob(c.Request().Context(), user(c), sum)
	if err != nil || !ok {
		return 0, false, err
	}
	return s.arrived(c, sum)
}

var contentRange = regexp.MustCompile(`^bytes (\d{1,12})-(\d{1,12})/(\d{1,12})$`)

// putBlob answers PUT /api/v1/blobs/{sha256}: a whole photo, or one chunk
// of it with Content-Range (resumable). The bytes must hash to the name;
// a photo already held is answered at once and never rewritten.
func (s *Server) putBlob(c echo.Context) error {
	sum, err := blobParam(c)
	if err != nil {
		return err
	}
	// One upload at a time per user (a phone sends its photos one by one):
	// the quota is weighed and used without a race between two of them.
	// The user's lock is taken first, the photo's second, never the other way.
	unlockUser := blobLocks.lock("user:" + user(c).ID)
	defer unlockUser()
	unlock := blobLocks.lock(sum)
	defer unlock()
	if size, ok, err := s.known(c, sum); err != nil {
		return err
	} else if ok {
		return c.JSON(http.StatusCreated, blobProgress{Received: size, Complete: true})
	}
	max := s.Sync.MaxBlobBytes
	tooLarge := schema.Errorf(schema.ETOOLARGE, "照片超过上限 %s，请在手机上缩小后再传", sizeText(max))
	body := c.Request().Body
	if err := os.MkdirAll(s.partDir(user(c)), 0o755); err != nil {
		return diskError("making the upload folder", err)
	}
	rng := c.Request().Header.Get("Content-Range")
	if rng == "" {
		if c.Request().ContentLength > max {
			return tooLarge
		}
		// An unknown length is weighed as the largest photo.
		declared := c.Request().ContentLength
		if declared < 0 {
			declared = max
		}
		if err := s.admit(c, sum, declared); err != nil {
			return err
		}
		f, err := createFile(filepath.Join(s.partDir(user(c)), sum+"."+strconv.FormatInt(time.Now().UnixNano(), 36)+".whole"), os.O_RDWR|os.O_CREATE|os.O_EXCL)
		if err != nil {
			return diskError("creating an upload file", err)
		}
		// After finish renames it, the removal finds nothing, which is fine.
		defer func() {
			if err := os.Remove(f.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
				s.Log.Warn("removing an upload's temporary file", "file", f.Name(), "err", err)
			}
		}()
		defer f.Close()
		n, err := copyBody(f, body, max+1, "photo")
		if err != nil {
			return err
		}
		if n > max {
			return tooLarge
		}
		if err := s.finish(c, f, sum, n); err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, blobProgress{Received: n, Complete: true})
	}
	m := contentRange.FindStringSubmatch(rng)
	if m == nil {
		return schema.Errorf(schema.EINVALID, "Content-Range 格式应为 bytes 起点-终点/总长")
	}
	var start, end, total int64
	for i, p := range []*int64{&start, &end, &total} {
		n, err := strconv.ParseInt(m[i+1], 10, 64)
		if err != nil {
			return schema.Errorf(schema.EINVALID, "Content-Range 中的“%s”不是字节位置", m[i+1])
		}
		*p = n
	}
	if total > max {
		return tooLarge
	}
	if start > end || end >= total {
		return schema.Errorf(schema.EINVALID, "Content-Range “%s”不在照片的范围之内", rng)
	}
	if err := s.admit(c, sum, total); err != nil {
		return err
	}
	part := s.partPath(user(c), sum)
	f, err := createFile(part, os.O_RDWR|os.O_CREATE)
	if err != nil {
		return diskError("opening a partial upload", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return diskError("reading a partial upload", err)
	}
	if have := fi.Size(); start > have {
		return &schema.Error{Code: schema.EINVALID, Message: fmt.Sprintf("chunk starts at byte %d but the server has %d: resume from %d", start, have, have),
			Details: map[string]int64{"received": have}}
	}
	// Re-sent bytes are overwritten: the final hash check catches any that differ.
	if err := f.Truncate(start); err != nil {
		return diskError("cutting a partial upload", err)
	}
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		return diskError("seeking in a partial upload", err)
	}
	want := end - start + 1
	n, err := copyBody(f, body, want+1, "chunk")
	if err != nil || n != want {
		// Keep only the bytes before this chunk, so the phone resumes from start.
		if terr := f.Truncate(start); terr != nil {
			return diskError("cutting a partial upload", terr)
		}
		if err != nil {
			return err
		}
		return schema.Errorf(schema.EINVALID, "这一段有 %d 字节，Content-Range 却说是 %d 字节", n, want)
	}
	if end+1 < total {
		if err := f.Sync(); err != nil {
			return diskError("syncing a partial upload", err)
		}
		return c.JSON(http.StatusOK, blobProgress{Received: end + 1})
	}
	if err := s.finish(c, f, sum, total); err != nil {
		if schema.ErrorCode(err) == schema.EINVALID {
			// Bytes that hash wrong are useless: the phone starts over.
			if rerr := os.Remove(part); rerr != nil {
				s.Log.Warn("removing a bad partial photo", "sha256", sum, "err", rerr)
			}
		}
		return err
	}
	return c.JSON(http.StatusCreated, blobProgress{Received: total, Complete: true})
}

// finish checks that f's bytes hash to sum, syncs them to disk, moves the
// file to its place (fsync before rename, then the directory, so a crash
// never leaves a named photo with missing bytes) and records its arrival.
func (s *Server) finish(c echo.Context, f uploadFile, sum string, size int64) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return diskError("seeking in an upload", err)
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return diskError("reading an upload back", err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		return schema.Errorf(schema.EINVALID, "照片内容与其名称（SHA-256 摘要）不符，请重新上传")
	}
	if err := f.Sync(); err != nil {
		return diskError("syncing an upload", err)
	}
	dst := s.blobPath(sum)
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return diskError("making a photo folder", err)
	}
	// A photo stored already (sent by someone who may not know of it) is
	// replaced by the same bytes: rename is atomic, readers see either.
	if err := os.Rename(f.Name(), dst); err != nil {
		return diskError("storing a photo", err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return diskError("opening a photo folder", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return diskError("syncing a photo folder", err)
	}
	return s.Sync.AddUpload(c.Request().Context(), user(c).ID, sum, size)
}

// headBlob answers HEAD /api/v1/blobs/{sha256}: Upload-Offset is how many
// bytes the server holds, Upload-Complete ?1 when the photo has arrived.
// Scoped like GET: only those who may read the photo, or uploaded it, learn
// that it is there; anyone else hears of their own partial upload only.
func (s *Server) headBlob(c echo.Context) error {
	sum, err := blobParam(c)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	if size, ok, err := s.known(c, sum); err != nil {
		return err
	} else if ok {
		h.Set("Upload-Offset", strconv.FormatInt(size, 10))
		h.Set("Upload-Complete", "?1")
		return c.NoContent(http.StatusOK)
	}
	var have int64
	if fi, err := os.Stat(s.partPath(user(c), sum)); err == nil {
		have = fi.Size()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return diskError("reading a partial upload", err)
	}
	h.Set("Upload-Offset", strconv.FormatInt(have, 10))
	h.Set("Upload-Complete", "?0")
	return c.NoContent(http.StatusOK)
}

// getBlob answers GET /api/v1/blobs/{sha256} for users who see a visit
// naming the photo; to anyone else it does not exist.
func (s *Server) getBlob(c echo.Context) error {
	sum, err := blobParam(c)
	if err != nil {
		return err
	}
	ok, err := s.Sync.CanReadBlob(c.Request().Context(), user(c), sum)
	if err != nil {
		return err
	}
	if ok {
		ok, err = s.Sync.HasBlob(c.Request().Context(), sum)
		if err != nil {
			return err
		}
	}
	if !ok {
		return schema.Errorf(schema.ENOTFOUND, "找不到这张照片")
	}
	c.Response().Header().Set("Cache-Control", "private, max-age=31536000, immutable")
	c.Response().Header().Set("ETag", `"`+sum+`"`)
	return c.File(s.blobPath(sum))
}

// blobSweepBatch bounds one pass's database reads; the next pass goes on.
const blobSweepBatch = 500

// SweepBlobs removes the photos no visit names that nobody uploaded within
// the engine's BlobTTL, and partial uploads untouched for as long. A photo
// a visit names is never removed: the writer checks again under the
// photo's upload lock. It returns how many photos and partial files went.
func (s *Server) SweepBlobs(ctx context.Context) (photos, partials int, err error) {
	for {
		shas, err := s.Sync.UnreferencedBlobs(ctx, blobSweepBatch)
		if err != nil {
			return photos, partials, fmt.Errorf("photos: listing unreferenced photos: %w", err)
		}
		n := 0
		for _, sum := range shas {
			dropped, err := s.dropBlob(ctx, sum)
			if err != nil {
				return photos, partials, err
			}
			if dropped {
				photos++
				n++
			}
		}
		if len(shas) < blobSweepBatch || n == 0 {
			break
		}
	}
	partials, err = s.sweepPartials(s.Sync.Now().Add(-s.Sync.BlobTTL))
	return photos, partials, err
}

func (s *Server) dropBlob(ctx context.Context, sum string) (bool, error) {
	unlock := blobLocks.lock(sum)
	defer unlock()
	dropped, err := s.Sync.DropBlob(ctx, sum)
	if err != nil || !dropped {
		return false, err
	}
	if err := os.Remove(s.blobPath(sum)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return true, fmt.Errorf("photos: removing unreferenced %s: %w", sum, err)
	}
	return true, nil
}

// sweepPartials removes partial and temporary upload files last written
// before cutoff; a phone that comes back resumes from 0.
func (s *Server) sweepPartials(cutoff time.Time) (int, error) {
	n := 0
	err := filepath.WalkDir(filepath.Join(s.BlobDir, "tmp"), func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		} else if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		fi, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		} else if err != nil {
			return err
		}
		if fi.ModTime().After(cutoff) {
			return nil
		}
		// Under the photo's lock, so that no upload is writing it.
		sum, _, _ := strings.Cut(d.Name(), ".")
		unlock := blobLocks.lock(sum)
		defer unlock()
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		n++
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("photos: sweeping partial uploads: %w", err)
	}
	return n, nil
}

// BlobSweepEvery is how often RunBlobSweeper sweeps.
const BlobSweepEvery = time.Hour

// RunBlobSweeper sweeps at start and then every BlobSweepEvery until ctx
// ends, logging what went and any error (the next pass tries again).
func (s *Server) RunBlobSweeper(ctx context.Context) {
	t := time.NewTicker(BlobSweepEvery)
	defer t.Stop()
	for {
		photos, partials, err := s.SweepBlobs(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			s.Log.Error("sweeping photos", "err", err)
		case photos+partials > 0:
			s.Log.Info("swept photos", "unreferenced", photos, "partial_uploads", partials)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
