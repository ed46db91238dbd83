package http

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"regexp"
	"strconv"
	gosync "sync"
	"time"

	"github.com/labstack/echo/v4"

	"zsc/schema"
	"zsc/server/photos"
	zsync "zsc/sync"
)

// Photos (DESIGN §5 step 6) live in Server.Photos (server/photos): a folder
// or the database. Each uploader's partial uploads are their own, so that
// nobody learns of another's upload. The database's blobs table says which
// photos have arrived, so completion checks and pulls never touch the
// photo store.
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
// its first attempt still runs) within this process: one process owns a
// photo folder; the database store (several instances) keeps each write
// whole in its own transactions.
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

// uploadFile is what a folder's upload writes into (photos.File).
type uploadFile = photos.File

// createFile opens the files uploads write in a photo folder; tests swap
// it to simulate a failing or full disk.
var createFile = func(name string, flag int) (uploadFile, error) { return os.OpenFile(name, flag, 0o644) }

// dirStore is the photo folder dir, whose uploads open their files with
// createFile (read at each call, so that a test's swap takes effect).
func dirStore(dir string) *photos.Dir {
	return &photos.Dir{Root: dir, OpenFile: func(name string, flag int) (photos.File, error) { return createFile(name, flag) }}
}

// diskError turns an error of the photo store into the answer: 507 with a
// Chinese message when its storage (the disk, a quota of the file system,
// the database's disk) is full, else an internal error that says what
// failed. Either way the phone keeps the photo and retries later.
func diskError(what string, err error) error {
	if photos.IsFull(err) {
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

// writeBody writes the request body into part at off, telling whose fault
// a failure is.
func (s *Server) writeBody(c echo.Context, part photos.Part, off int64, limit int64, what string) (int64, error) {
	br := &bodyReader{r: io.LimitReader(c.Request().Body, limit)}
	n, err := s.Photos.Write(c.Request().Context(), part, off, br)
	var gap *photos.GapError
	switch {
	case err == nil:
		return n, nil
	case errors.As(err, &gap):
		return n, err
	case br.err != nil:
		return n, schema.Errorf(schema.EINVALID, "读取上传的%s时中断，请重新上传", map[string]string{"photo": "照片", "chunk": "照片分段"}[what])
	default:
		return n, diskError("writing the "+what, err)
	}
}

// uploader is the key of c's user's uploads in the photo store.
func uploader(c echo.Context) string { return photos.UploaderKey(user(c).ID) }

// admit checks the quota before any byte of an upload is written.
func (s *Server) admit(c echo.Context, sum string, size int64) error {
	partial, err := s.Photos.PartialBytes(c.Request().Context(), uploader(c), sum)
	if err != nil {
		return diskError("listing partial uploads", err)
	}
	return s.Sync.AdmitBlob(c.Request().Context(), user(c), sum, size, partial)
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
// photo that reached the store but not the blobs table (a crash between
// the two).
func (s *Server) arrived(c echo.Context, sum string) (int64, bool, error) {
	size, ok, err := s.Photos.Stat(c.Request().Context(), sum)
	if err != nil || !ok {
		return 0, false, err
	}
	if err := s.Sync.AddBlob(c.Request().Context(), sum, size); err != nil {
		return 0, false, err
	}
	return size, true, nil
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
	ctx := c.Request().Context()
	// One upload at a time per user (a phone sends its photos one by one):
	// the quota is weighed and used without a race between two of them.
	// The user's lock is taken first, the photo's second, never the other way.
	// The locks are this process's: on several instances (photos.DB) the
	// database's write transactions keep each upload whole, and two of a
	// user's uploads at once on two instances may overrun the quota by one.
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
		part := photos.Part{Owner: uploader(c), Sum: sum, Tag: strconv.FormatInt(time.Now().UnixNano(), 36)}
		// After Finish the part is gone and the removal finds nothing, which is fine.
		defer func() {
			if err := s.Photos.DeletePart(context.WithoutCancel(ctx), part); err != nil {
				s.Log.Warn("removing an upload's temporary part", "sha256", sum, "err", err)
			}
		}()
		n, err := s.writeBody(c, part, 0, max+1, "photo")
		if err != nil {
			return err
		}
		if n > max {
			return tooLarge
		}
		if err := s.finish(c, part, n); err != nil {
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
	part := photos.Part{Owner: uploader(c), Sum: sum}
	want := end - start + 1
	n, err := s.writeBody(c, part, start, want+1, "chunk")
	var gap *photos.GapError
	if errors.As(err, &gap) {
		return &schema.Error{Code: schema.EINVALID, Message: fmt.Sprintf("chunk starts at byte %d but the server has %d: resume from %d", start, gap.Have, gap.Have),
			Details: map[string]int64{"received": gap.Have}}
	}
	if err != nil || n != want {
		// Keep only the bytes before this chunk, so the phone resumes from
		// start. A write that took nothing left the part at start already.
		if n > 0 {
			if terr := s.Photos.Truncate(context.WithoutCancel(ctx), part, start); terr != nil {
				return diskError("cutting a partial upload", terr)
			}
		}
		if err != nil {
			return err
		}
		return schema.Errorf(schema.EINVALID, "这一段有 %d 字节，Content-Range 却说是 %d 字节", n, want)
	}
	if end+1 < total {
		return c.JSON(http.StatusOK, blobProgress{Received: end + 1})
	}
	if err := s.finish(c, part, total); err != nil {
		if schema.ErrorCode(err) == schema.EINVALID {
			// Bytes that hash wrong are useless: the phone starts over.
			if rerr := s.Photos.DeletePart(context.WithoutCancel(ctx), part); rerr != nil {
				s.Log.Warn("removing a bad partial photo", "sha256", sum, "err", rerr)
			}
		}
		return err
	}
	return c.JSON(http.StatusCreated, blobProgress{Received: total, Complete: true})
}

// finish checks that part's bytes hash to its photo's name, makes them the
// photo (durably: the store's business) and records its arrival.
func (s *Server) finish(c echo.Context, part photos.Part, size int64) error {
	if err := s.Photos.Finish(c.Request().Context(), part); errors.Is(err, photos.ErrMismatch) {
		return schema.Errorf(schema.EINVALID, "照片内容与其名称（SHA-256 摘要）不符，请重新上传")
	} else if err != nil {
		return diskError("storing a photo", err)
	}
	return s.Sync.AddUpload(c.Request().Context(), user(c).ID, part.Sum, size)
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
	have, err := s.Photos.PartSize(c.Request().Context(), photos.Part{Owner: uploader(c), Sum: sum})
	if err != nil {
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
	f, modTime, err := s.Photos.Open(c.Request().Context(), sum)
	if errors.Is(err, fs.ErrNotExist) {
		// Recorded but gone from the store (removed by hand): as c.File
		// answered a missing file.
		return echo.ErrNotFound
	} else if err != nil {
		return diskError("opening a photo", err)
	}
	defer f.Close()
	c.Response().Header().Set("Cache-Control", "private, max-age=31536000, immutable")
	c.Response().Header().Set("ETag", `"`+sum+`"`)
	// ServeContent answers Range and If-None-Match, as c.File did.
	http.ServeContent(c.Response(), c.Request(), sum, modTime, f)
	return nil
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
	partials, err = s.sweepPartials(ctx, s.Sync.Now().Add(-s.Sync.BlobTTL))
	return photos, partials, err
}

func (s *Server) dropBlob(ctx context.Context, sum string) (bool, error) {
	unlock := blobLocks.lock(sum)
	defer unlock()
	dropped, err := s.Sync.DropBlob(ctx, sum)
	if err != nil || !dropped {
		return false, err
	}
	// The same cutoff as DropBlob's: on several instances, a photo another
	// one stores again meanwhile stays (photos.Store.Delete).
	if err := s.Photos.Delete(ctx, sum, s.Sync.Now().Add(-s.Sync.BlobTTL)); err != nil {
		return true, fmt.Errorf("photos: removing unreferenced %s: %w", sum, err)
	}
	return true, nil
}

// sweepPartials removes partial and temporary uploads last written before
// cutoff; a phone that comes back resumes from 0.
func (s *Server) sweepPartials(ctx context.Context, cutoff time.Time) (int, error) {
	parts, err := s.Photos.StaleParts(ctx, cutoff)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range parts {
		// Under the photo's lock, so that no upload of this process is writing it.
		unlock := blobLocks.lock(p.Sum)
		err := s.Photos.DeletePart(ctx, p)
		unlock()
		if err != nil {
			return n, fmt.Errorf("photos: sweeping partial uploads: %w", err)
		}
		n++
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
