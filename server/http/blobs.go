package http

import (
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
	gosync "sync"

	"github.com/labstack/echo/v4"

	"zsc/schema"
	zsync "zsc/sync"
)

// Photos (DESIGN §5 step 6) live in BlobDir, content-addressed as
// aa/bb/<sha256>; partial uploads in BlobDir/tmp. The database's blobs table
// says which photos have arrived, so completion checks and pulls never
// touch the disk.

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
func (s *Server) partPath(sum string) string { return filepath.Join(s.BlobDir, "tmp", sum+".part") }

// blobParam reads and checks the {sha256} path parameter.
func blobParam(c echo.Context) (string, error) {
	sum := c.Param("sha256")
	if !zsync.IsSHA256(sum) {
		return "", schema.Errorf(schema.EINVALID, "a photo is named by its sha256 in 64 lower-case hex digits")
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

var contentRange = regexp.MustCompile(`^bytes (\d{1,12})-(\d{1,12})/(\d{1,12})$`)

// putBlob answers PUT /api/v1/blobs/{sha256}: a whole photo, or one chunk
// of it with Content-Range (resumable). The bytes must hash to the name;
// a photo already held is answered at once and never rewritten.
func (s *Server) putBlob(c echo.Context) error {
	sum, err := blobParam(c)
	if err != nil {
		return err
	}
	unlock := blobLocks.lock(sum)
	defer unlock()
	if size, ok, err := s.arrived(c, sum); err != nil {
		return err
	} else if ok {
		return c.JSON(http.StatusCreated, blobProgress{Received: size, Complete: true})
	}
	max := s.Sync.MaxBlobBytes
	tooLarge := schema.Errorf(schema.ETOOLARGE, "a photo may have at most %d bytes (%d MB): resize it on the phone", max, max>>20)
	body := c.Request().Body
	if err := os.MkdirAll(filepath.Join(s.BlobDir, "tmp"), 0o755); err != nil {
		return err
	}
	rng := c.Request().Header.Get("Content-Range")
	if rng == "" {
		if c.Request().ContentLength > max {
			return tooLarge
		}
		f, err := os.CreateTemp(filepath.Join(s.BlobDir, "tmp"), sum+".*.whole")
		if err != nil {
			return err
		}
		// After finish renames it, the removal finds nothing, which is fine.
		defer func() {
			if err := os.Remove(f.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
				s.Log.Warn("removing an upload's temporary file", "file", f.Name(), "err", err)
			}
		}()
		defer f.Close()
		n, err := io.Copy(f, io.LimitReader(body, max+1))
		if err != nil {
			return schema.Errorf(schema.EINVALID, "reading the photo: %v", err)
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
		return schema.Errorf(schema.EINVALID, "Content-Range must read bytes <start>-<end>/<total>")
	}
	var start, end, total int64
	for i, p := range []*int64{&start, &end, &total} {
		n, err := strconv.ParseInt(m[i+1], 10, 64)
		if err != nil {
			return schema.Errorf(schema.EINVALID, "Content-Range %s: %s is not a byte offset", rng, m[i+1])
		}
		*p = n
	}
	if total > max {
		return tooLarge
	}
	if start > end || end >= total {
		return schema.Errorf(schema.EINVALID, "Content-Range %s is not a range inside the photo", rng)
	}
	f, err := os.OpenFile(s.partPath(sum), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if have := fi.Size(); start > have {
		return &schema.Error{Code: schema.EINVALID, Message: fmt.Sprintf("chunk starts at byte %d but the server has %d: resume from %d", start, have, have),
			Details: map[string]int64{"received": have}}
	}
	// Re-sent bytes are overwritten: the final hash check catches any that differ.
	if err := f.Truncate(start); err != nil {
		return err
	}
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		return err
	}
	want := end - start + 1
	n, err := io.Copy(f, io.LimitReader(body, want+1))
	if err != nil || n != want {
		// Keep only the bytes before this chunk, so the phone resumes from start.
		if terr := f.Truncate(start); terr != nil {
			return terr
		}
		if err != nil {
			return schema.Errorf(schema.EINVALID, "reading the chunk: %v", err)
		}
		return schema.Errorf(schema.EINVALID, "the chunk has %d bytes but Content-Range says %d", n, want)
	}
	if end+1 < total {
		if err := f.Sync(); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, blobProgress{Received: end + 1})
	}
	if err := s.finish(c, f, sum, total); err != nil {
		if schema.ErrorCode(err) == schema.EINVALID {
			// Bytes that hash wrong are useless: the phone starts over.
			if rerr := os.Remove(s.partPath(sum)); rerr != nil {
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
func (s *Server) finish(c echo.Context, f *os.File, sum string, size int64) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		return schema.Errorf(schema.EINVALID, "the photo's bytes hash to %s, not to %s: upload it again", got, sum)
	}
	if err := f.Sync(); err != nil {
		return err
	}
	dst := s.blobPath(sum)
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), dst); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return err
	}
	return s.Sync.AddBlob(c.Request().Context(), sum, size)
}

// headBlob answers HEAD /api/v1/blobs/{sha256}: Upload-Offset is how many
// bytes the server holds, Upload-Complete ?1 when the photo has arrived.
func (s *Server) headBlob(c echo.Context) error {
	sum, err := blobParam(c)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	if size, ok, err := s.arrived(c, sum); err != nil {
		return err
	} else if ok {
		h.Set("Upload-Offset", strconv.FormatInt(size, 10))
		h.Set("Upload-Complete", "?1")
		return c.NoContent(http.StatusOK)
	}
	var have int64
	if fi, err := os.Stat(s.partPath(sum)); err == nil {
		have = fi.Size()
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
		return schema.Errorf(schema.ENOTFOUND, "no photo %s", sum)
	}
	c.Response().Header().Set("Cache-Control", "private, max-age=31536000, immutable")
	c.Response().Header().Set("ETag", `"`+sum+`"`)
	return c.File(s.blobPath(sum))
}
