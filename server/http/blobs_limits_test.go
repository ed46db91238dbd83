package http_test

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	zhttp "zsc/server/http"
	zsync "zsc/sync"
)

// sized is a photo of n bytes whose content names it.
func sized(name string, n int) (string, []byte) {
	return photo(name + strings.Repeat(".", n-len(name)))
}

// TestBlobQuota: a photo no visit names yet is taken provisionally (a
// phone may upload before its push), within a per-user quota of
// unreferenced bytes that counts partial uploads too; a photo named by a
// visit the uploader works on is always taken, and naming a provisional
// photo frees its share.
func TestBlobQuota(t *testing.T) {
	ss := mustOpenSyncServer(t)
	ss.Sync.BlobQuota = 3000
	a, aBytes := sized("a", 2000)
	b, bBytes := sized("b", 2000)
	if code := ss.upload(t, "insp3", a, aBytes); code != 201 {
		t.Fatalf("a first provisional photo within the quota: %d", code)
	}
	var e struct{ Code, Message string }
	if code := ss.call(t, "PUT", "/api/v1/blobs/"+b, "insp3", nil, bBytes, &e); code != 429 || e.Code != "rate_limited" || !strings.Contains(e.Message, "暂存上限") {
		t.Fatalf("a second one over the quota: %d %+v", code, e)
	}
	if n := ss.count(t, `SELECT count(*) FROM blobs WHERE sha256 = ?`, b); n != 0 {
		t.Fatal("a photo over the quota was stored")
	}
	// Another user's quota is their own.
	if code := ss.upload(t, "insp4", b, bBytes); code != 201 {
		t.Fatalf("insp4's provisional photo: %d", code)
	}

	// insp3's push names b on v9, a visit insp3 works on: b is welcome whatever the quota.
	p := ss.newPhone(t, "insp3", zsync.KindMobile)
	p.do(zsync.MutItemSet, item("v9", "v9-wjw-1", "不符合", 0, b))
	if r := ss.push(t, p); resultsOf(r) != "applied" {
		t.Fatalf("push naming b: %+v", r.Results)
	}
	if code := ss.upload(t, "insp3", b, bBytes); code != 201 {
		t.Fatalf("a photo named by the uploader's visit: %d", code)
	}

	// insp1 does not work on v9: the same bytes are provisional for them.
	ss.Sync.BlobQuota = 1000
	c, cBytes := sized("c", 2000)
	p.do(zsync.MutItemSet, item("v9", "v9-wjw-2", "不符合", 0, c))
	if r := ss.push(t, p); resultsOf(r) != "applied" {
		t.Fatalf("push naming c: %+v", r.Results)
	}
	if code := ss.upload(t, "insp1", c, cBytes); code != 429 {
		t.Fatalf("a photo of someone else's visit over the uploader's quota: %d", code)
	}
	if code := ss.upload(t, "insp4", c, cBytes); code != 201 {
		t.Fatalf("a teammate on v9 uploads c: %d", code)
	}

	// Partial uploads count: insp2 holds 1500 bytes of d, so a 1000-byte photo is over 2000.
	ss.Sync.BlobQuota = 2000
	d, dBytes := sized("d", 2000)
	if code, _ := ss.chunk(t, "insp2", d, dBytes, 0, 1499); code != 200 {
		t.Fatalf("first chunk of d: %d", code)
	}
	f, fBytes := sized("f", 1000)
	if code := ss.upload(t, "insp2", f, fBytes); code != 429 {
		t.Fatalf("a photo beside a partial upload, over the quota: %d", code)
	}
	if code, _ := ss.chunk(t, "insp2", d, dBytes, 1500, 1999); code != 201 {
		t.Fatalf("the rest of d, within the quota: %d", code)
	}
}

// TestBlobHeadScoped: HEAD, and a PUT of a stored photo, tell only those
// who may read the photo (or uploaded it) that it is there.
func TestBlobHeadScoped(t *testing.T) {
	ss := mustOpenSyncServer(t)
	named, namedBytes := sized("named by v9", 1000)
	p := ss.newPhone(t, "insp3", zsync.KindMobile)
	p.do(zsync.MutItemSet, item("v9", "v9-wjw-1", "不符合", 0, named))
	if r := ss.push(t, p); resultsOf(r) != "applied" {
		t.Fatalf("push: %+v", r.Results)
	}
	if code := ss.upload(t, "insp3", named, namedBytes); code != 201 {
		t.Fatalf("upload: %d", code)
	}
	loose, looseBytes := sized("named by nobody", 1000)
	if code := ss.upload(t, "insp3", loose, looseBytes); code != 201 {
		t.Fatalf("upload: %d", code)
	}
	head := func(user, sum string) string {
		t.Helper()
		code, h := ss.raw(t, "HEAD", "/api/v1/blobs/"+sum, user, nil, nil, nil)
		if code != 200 {
			t.Fatalf("HEAD as %s: %d", user, code)
		}
		return h.Get("Upload-Complete") + " " + h.Get("Upload-Offset")
	}
	for _, c := range []struct{ user, sum, want string }{
		{"insp3", named, "?1 1000"}, // uploaded it, and on v9
		{"insp4", named, "?1 1000"}, // on v9
		{"lead", named, "?0 0"},     // a lead of scjg, whose department is not on v9's task
		{"insp1", named, "?0 0"},    // not on v9
		{"insp3", loose, "?1 1000"}, // uploaded it
		{"insp4", loose, "?0 0"},    // no visit names it
	} {
		if got := head(c.user, c.sum); got != c.want {
			t.Errorf("HEAD %s as %s: %s, want %s", c.sum[:6], c.user, got, c.want)
		}
	}
	// A PUT of a stored photo by a stranger does not answer "stored" at
	// once: wrong bytes are refused as for any photo.
	var e struct{ Code string }
	if code := ss.call(t, "PUT", "/api/v1/blobs/"+named, "insp1", nil, []byte("guess"), &e); code != 400 || e.Code != "invalid" {
		t.Fatalf("a stranger's PUT of a stored photo: %d %+v", code, e)
	}
	// A stranger's partial upload is theirs alone.
	other, otherBytes := sized("other", 1000)
	if code, _ := ss.chunk(t, "insp1", other, otherBytes, 0, 499); code != 200 {
		t.Fatalf("chunk: %d", code)
	}
	if got := head("insp1", other); got != "?0 500" {
		t.Errorf("HEAD of one's own partial upload: %s", got)
	}
	if got := head("insp2", other); got != "?0 0" {
		t.Errorf("HEAD of another's partial upload: %s", got)
	}
}

// TestBlobSweeper: photos no visit names and partial uploads go after the
// TTL; a named photo never goes, nor a fresh one.
func TestBlobSweeper(t *testing.T) {
	ss := mustOpenSyncServer(t)
	named, namedBytes := sized("named", 1000)
	loose, looseBytes := sized("loose", 1000)
	part, partBytes := sized("part", 1000)
	for _, u := range []struct {
		sum string
		b   []byte
	}{{named, namedBytes}, {loose, looseBytes}} {
		if code := ss.upload(t, "insp3", u.sum, u.b); code != 201 {
			t.Fatalf("upload: %d", code)
		}
	}
	if code, _ := ss.chunk(t, "insp3", part, partBytes, 0, 499); code != 200 {
		t.Fatalf("chunk: %d", code)
	}
	// The photo is named by a push long after its upload (an offline phone).
	ss.now = ss.now.Add(6 * 24 * time.Hour)
	ss.tokens = map[string]string{} // signed in again, days later
	p := ss.newPhone(t, "insp3", zsync.KindMobile)
	p.do(zsync.MutItemSet, item("v9", "v9-wjw-1", "不符合", 0, named))
	if r := ss.push(t, p); resultsOf(r) != "applied" {
		t.Fatalf("push: %+v", r.Results)
	}
	sweep := func() (int, int) {
		t.Helper()
		photos, partials, err := ss.SweepBlobs(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return photos, partials
	}
	if photos, partials := sweep(); photos != 0 || partials != 0 {
		t.Fatalf("before the TTL: swept %d photos, %d partials", photos, partials)
	}
	ss.now = ss.now.Add(2 * 24 * time.Hour) // 8 days after the uploads
	ss.tokens = map[string]string{}
	fresh, freshBytes := sized("fresh", 1000)
	if code := ss.upload(t, "insp4", fresh, freshBytes); code != 201 {
		t.Fatalf("upload: %d", code)
	}
	// File times are the real clock's: age the partial upload to the test's.
	old := ss.now.Add(-8 * 24 * time.Hour)
	partFile := ""
	if err := filepath.WalkDir(ss.BlobDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), part) {
			partFile = p
			return os.Chtimes(p, old, old)
		}
		return err
	}); err != nil || partFile == "" {
		t.Fatalf("the partial upload's file: %q %v", partFile, err)
	}
	// A fresh partial upload (real clock) stays.
	fp, fpBytes := sized("fresh part", 1000)
	if code, _ := ss.chunk(t, "insp4", fp, fpBytes, 0, 99); code != 200 {
		t.Fatalf("chunk: %d", code)
	}
	if photos, partials := sweep(); photos != 1 || partials != 1 {
		t.Fatalf("after the TTL: swept %d photos, %d partials; want 1 and 1", photos, partials)
	}
	for _, c := range []struct {
		sum  string
		kept bool
	}{{named, true}, {loose, false}, {fresh, true}} {
		_, err := os.Stat(filepath.Join(ss.BlobDir, c.sum[:2], c.sum[2:4], c.sum))
		if kept := err == nil; kept != c.kept {
			t.Errorf("photo %s: kept %v, want %v (%v)", c.sum[:6], kept, c.kept, err)
		}
		if n := ss.count(t, `SELECT count(*) FROM blobs WHERE sha256 = ?`, c.sum); (n == 1) != c.kept {
			t.Errorf("photo %s: %d rows, kept should be %v", c.sum[:6], n, c.kept)
		}
	}
	if _, err := os.Stat(partFile); !os.IsNotExist(err) {
		t.Errorf("the stale partial upload is still there: %v", err)
	}
	if code, _ := ss.raw(t, "GET", "/api/v1/blobs/"+named, "insp4", nil, nil, nil); code != 200 {
		t.Errorf("the named photo after the sweep: %d", code)
	}
	// The loose photo is gone for its uploader too: a new upload is welcome.
	if code := ss.upload(t, "insp3", loose, looseBytes); code != 201 {
		t.Errorf("uploading the swept photo again: %d", code)
	}
}

// TestBlobDiskErrors: a disk error is a 5xx, a full disk 507 with a
// Chinese message: the phone keeps the photo and retries; never 400.
func TestBlobDiskErrors(t *testing.T) {
	ss := mustOpenSyncServer(t)
	sum, b := sized("full disk", 1000)
	undo := zhttp.SetCreateFile(func(name string, flag int) (zhttp.UploadFile, error) {
		f, err := os.OpenFile(name, flag, 0o644)
		return fullDisk{f}, err
	})
	var e struct{ Code, Message string }
	code := ss.call(t, "PUT", "/api/v1/blobs/"+sum, "insp3", nil, b, &e)
	if code != 507 || e.Code != "insufficient_storage" || !strings.Contains(e.Message, "存储空间已满") {
		t.Fatalf("a whole photo onto a full disk: %d %+v", code, e)
	}
	undo()

	undo = zhttp.SetCreateFile(func(name string, flag int) (zhttp.UploadFile, error) {
		return nil, &os.PathError{Op: "open", Path: name, Err: syscall.ENOSPC}
	})
	if code, _ := ss.chunk(t, "insp3", sum, b, 0, 499); code != 507 {
		t.Fatalf("a chunk onto a full disk: %d", code)
	}
	undo()

	undo = zhttp.SetCreateFile(func(name string, flag int) (zhttp.UploadFile, error) {
		return nil, &os.PathError{Op: "open", Path: name, Err: syscall.EIO}
	})
	e.Code = ""
	if code := ss.call(t, "PUT", "/api/v1/blobs/"+sum, "insp3", map[string]string{"Content-Range": "bytes 0-999/1000"}, b, &e); code != 500 || e.Code != "internal" {
		t.Fatalf("a chunk onto a failing disk: %d %+v", code, e)
	}
	undo()

	// The disk back: the same photo goes through.
	if code := ss.upload(t, "insp3", sum, b); code != 201 {
		t.Fatalf("after the disk recovers: %d", code)
	}
}

// fullDisk is a file on a full disk: every write fails with ENOSPC.
type fullDisk struct{ *os.File }

func (f fullDisk) Write(p []byte) (int, error) {
	return 0, &os.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
}

// ReadFrom hides *os.File's, which io.Copy would call instead of Write.
func (f fullDisk) ReadFrom(r io.Reader) (int64, error) { return io.Copy(struct{ io.Writer }{f}, r) }

// BenchmarkSweepBlobs measures one sweep of 2,000 unreferenced photos
// (1 KB each, uploaded by one user) past the TTL: the database rows and
// the files removed, photo by photo under their upload locks.
func BenchmarkSweepBlobs(b *testing.B) {
	for range b.N {
		b.StopTimer()
		ss := mustOpenSyncServer(b)
		ss.Sync.BlobQuota = 1 << 30
		for i := range 2000 {
			sum, body := sized("bench "+strconv.Itoa(i), 1024)
			if code := ss.upload(b, "insp3", sum, body); code != 201 {
				b.Fatalf("upload %d: %d", i, code)
			}
		}
		ss.now = ss.now.Add(8 * 24 * time.Hour)
		b.StartTimer()
		photos, _, err := ss.SweepBlobs(b.Context())
		if err != nil || photos != 2000 {
			b.Fatalf("swept %d photos: %v", photos, err)
		}
	}
}
