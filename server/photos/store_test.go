package photos_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"
	"time"

	"zsc/server/photos"
	"zsc/server/sqlstore/storetest"
)

// stores are the implementations every case runs on: the folder, and the
// database (SQLite, or PostgreSQL with ZSC_TEST_PG).
var stores = []struct {
	name string
	open func(t *testing.T) photos.Store
}{
	{"dir", func(t *testing.T) photos.Store { return &photos.Dir{Root: t.TempDir()} }},
	{"db", func(t *testing.T) photos.Store { return photos.NewDB(storetest.Open(t)) }},
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// bytesOf is n bytes that differ from one position to the next.
func bytesOf(seed string, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed[i%len(seed)] + byte(i/len(seed))
	}
	return b
}

var (
	alice = photos.UploaderKey("alice")
	bob   = photos.UploaderKey("bob")
)

// The cases, each run on every store: the same behaviour.
var cases = []struct {
	name string
	run  func(t *testing.T, s photos.Store)
}{
	{"a one-request upload becomes the photo", func(t *testing.T, s photos.Store) {
		b := bytesOf("whole", 3000)
		p := photos.Part{Owner: alice, Sum: sum(b), Tag: "t1"}
		write(t, s, p, 0, b)
		if _, ok, err := s.Stat(t.Context(), p.Sum); err != nil || ok {
			t.Fatalf("stored before Finish: %v %v", ok, err)
		}
		must(t, s.Finish(t.Context(), p))
		wantPhoto(t, s, p.Sum, b)
		if n := partSize(t, s, p); n != 0 {
			t.Errorf("the part after Finish holds %d bytes", n)
		}
	}},
	{"a chunked upload, resumed, with a gap refused", func(t *testing.T, s photos.Store) {
		b := bytesOf("chunked", 1500)
		p := photos.Part{Owner: alice, Sum: sum(b)}
		write(t, s, p, 0, b[:500])
		if n := partSize(t, s, p); n != 500 {
			t.Fatalf("after the first chunk: %d", n)
		}
		var gap *photos.GapError
		if _, err := s.Write(t.Context(), p, 700, bytes.NewReader(b[700:])); !errors.As(err, &gap) || gap.Have != 500 {
			t.Fatalf("a chunk after a gap: %v", err)
		}
		// A re-sent chunk overlapping what is held overwrites it.
		write(t, s, p, 300, b[300:1000])
		write(t, s, p, 1000, b[1000:])
		must(t, s.Finish(t.Context(), p))
		wantPhoto(t, s, p.Sum, b)
	}},
	{"bytes that hash wrong are refused and kept", func(t *testing.T, s photos.Store) {
		b := bytesOf("right", 800)
		p := photos.Part{Owner: alice, Sum: sum(b)}
		write(t, s, p, 0, bytesOf("wrong", 800))
		if err := s.Finish(t.Context(), p); !errors.Is(err, photos.ErrMismatch) {
			t.Fatalf("Finish of wrong bytes: %v", err)
		}
		if _, ok, _ := s.Stat(t.Context(), p.Sum); ok {
			t.Fatal("wrong bytes were stored")
		}
		if n := partSize(t, s, p); n != 800 {
			t.Fatalf("the part after a mismatch: %d", n)
		}
		must(t, s.DeletePart(t.Context(), p))
		if n := partSize(t, s, p); n != 0 {
			t.Fatalf("the part after DeletePart: %d", n)
		}
		must(t, s.DeletePart(t.Context(), p)) // none is fine
	}},
	{"truncate", func(t *testing.T, s photos.Store) {
		b := bytesOf("cut", 1000)
		p := photos.Part{Owner: alice, Sum: sum(b)}
		write(t, s, p, 0, b[:900])
		must(t, s.Truncate(t.Context(), p, 400))
		if n := partSize(t, s, p); n != 400 {
			t.Fatalf("after Truncate(400): %d", n)
		}
		write(t, s, p, 400, b[400:])
		must(t, s.Finish(t.Context(), p))
		wantPhoto(t, s, p.Sum, b)
		must(t, s.Truncate(t.Context(), photos.Part{Owner: bob, Sum: p.Sum}, 0)) // no part: fine
	}},
	{"a photo larger than a piece, read with seeks", func(t *testing.T, s photos.Store) {
		b := bytesOf("large", 2*photos.PieceSize+123)
		p := photos.Part{Owner: alice, Sum: sum(b)}
		write(t, s, p, 0, b[:photos.PieceSize+7])
		write(t, s, p, photos.PieceSize+7, b[photos.PieceSize+7:])
		must(t, s.Finish(t.Context(), p))
		wantPhoto(t, s, p.Sum, b)
		r, _, err := s.Open(t.Context(), p.Sum)
		must(t, err)
		defer r.Close()
		for _, off := range []int64{photos.PieceSize - 3, 5, 2 * photos.PieceSize} {
			if _, err := r.Seek(off, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			got := make([]byte, 100)
			if _, err := io.ReadFull(r, got); err != nil || !bytes.Equal(got, b[off:off+100]) {
				t.Fatalf("100 bytes at %d: %v", off, err)
			}
		}
	}},
	{"an empty photo", func(t *testing.T, s photos.Store) {
		p := photos.Part{Owner: alice, Sum: sum(nil), Tag: "e"}
		write(t, s, p, 0, nil)
		must(t, s.Finish(t.Context(), p))
		wantPhoto(t, s, p.Sum, []byte{})
	}},
	{"a photo stored again stays, once", func(t *testing.T, s photos.Store) {
		b := bytesOf("twice", 1200)
		for _, p := range []photos.Part{{Owner: alice, Sum: sum(b)}, {Owner: bob, Sum: sum(b), Tag: "x"}} {
			write(t, s, p, 0, b)
			must(t, s.Finish(t.Context(), p))
			wantPhoto(t, s, p.Sum, b)
			if n := partSize(t, s, p); n != 0 {
				t.Errorf("%s's part after Finish: %d", p.Owner, n)
			}
		}
	}},
	{"delete", func(t *testing.T, s photos.Store) {
		b := bytesOf("gone", 700)
		p := photos.Part{Owner: alice, Sum: sum(b)}
		write(t, s, p, 0, b)
		must(t, s.Finish(t.Context(), p))
		must(t, s.Delete(t.Context(), p.Sum, time.Now().Add(time.Hour)))
		if _, ok, err := s.Stat(t.Context(), p.Sum); err != nil || ok {
			t.Fatalf("after Delete: %v %v", ok, err)
		}
		if _, _, err := s.Open(t.Context(), p.Sum); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("Open after Delete: %v", err)
		}
		must(t, s.Delete(t.Context(), p.Sum, time.Now().Add(time.Hour))) // none is fine
	}},
	{"partial bytes count the owner's resumable uploads only", func(t *testing.T, s photos.Store) {
		one, two, three := bytesOf("one", 1000), bytesOf("two", 1000), bytesOf("three", 1000)
		write(t, s, photos.Part{Owner: alice, Sum: sum(one)}, 0, one[:300])
		write(t, s, photos.Part{Owner: alice, Sum: sum(two)}, 0, two[:200])
		write(t, s, photos.Part{Owner: alice, Sum: sum(three), Tag: "w"}, 0, three) // one-request: not counted
		write(t, s, photos.Part{Owner: bob, Sum: sum(three)}, 0, three[:50])
		for _, c := range []struct {
			owner, except string
			want          int64
		}{{alice, sum(one), 200}, {alice, sum(two), 300}, {alice, sum(three), 500}, {bob, sum(one), 50}, {photos.UploaderKey("carol"), sum(one), 0}} {
			n, err := s.PartialBytes(t.Context(), c.owner, c.except)
			if err != nil || n != c.want {
				t.Errorf("PartialBytes(%s, except %s): %d %v, want %d", c.owner[:4], c.except[:4], n, err, c.want)
			}
		}
	}},
	{"stale parts", func(t *testing.T, s photos.Store) {
		one, two := bytesOf("one", 100), bytesOf("two", 100)
		parts := []photos.Part{{Owner: alice, Sum: sum(one)}, {Owner: bob, Sum: sum(two), Tag: "w"}}
		for _, p := range parts {
			write(t, s, p, 0, one)
		}
		if ps, err := s.StaleParts(t.Context(), time.Now().Add(-time.Hour)); err != nil || len(ps) != 0 {
			t.Fatalf("parts written before an hour ago: %+v %v", ps, err)
		}
		ps, err := s.StaleParts(t.Context(), time.Now().Add(time.Hour))
		if err != nil || len(ps) != 2 {
			t.Fatalf("parts written before an hour from now: %+v %v", ps, err)
		}
		var got []string
		for _, p := range ps {
			got = append(got, p.Owner[:4]+"/"+p.Sum[:4]+"/"+p.Tag)
			must(t, s.DeletePart(t.Context(), p))
		}
		if g := strings.Join(got, " "); !strings.Contains(g, alice[:4]+"/"+sum(one)[:4]+"/") || !strings.Contains(g, bob[:4]+"/"+sum(two)[:4]+"/w") {
			t.Errorf("stale parts: %s", g)
		}
		for _, p := range parts {
			if n := partSize(t, s, p); n != 0 {
				t.Errorf("a swept part holds %d bytes", n)
			}
		}
	}},
}

func TestStores(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) { c.run(t, st.open(t)) })
			}
		})
	}
}

// TestDBDeleteSpares: the sweeper's Delete leaves a photo stored again
// since its cutoff (another instance finishing the same photo meanwhile).
func TestDBDeleteSpares(t *testing.T) {
	db := storetest.Open(t)
	now := time.Date(2024, 6, 3, 2, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	s := photos.NewDB(db)
	b := bytesOf("again", 500)
	p := photos.Part{Owner: alice, Sum: sum(b)}
	write(t, s, p, 0, b)
	must(t, s.Finish(t.Context(), p))
	now = now.Add(8 * 24 * time.Hour)
	cutoff := now.Add(-7 * 24 * time.Hour)
	write(t, s, photos.Part{Owner: bob, Sum: p.Sum}, 0, b)
	must(t, s.Finish(t.Context(), photos.Part{Owner: bob, Sum: p.Sum}))
	must(t, s.Delete(t.Context(), p.Sum, cutoff))
	wantPhoto(t, s, p.Sum, b)
	now = now.Add(8 * 24 * time.Hour)
	must(t, s.Delete(t.Context(), p.Sum, now.Add(-7*24*time.Hour)))
	if _, ok, _ := s.Stat(t.Context(), p.Sum); ok {
		t.Fatal("a photo past the cutoff stayed")
	}
}

func write(t *testing.T, s photos.Store, p photos.Part, off int64, b []byte) {
	t.Helper()
	n, err := s.Write(context.Background(), p, off, bytes.NewReader(b))
	if err != nil || n != int64(len(b)) {
		t.Fatalf("write %d bytes at %d: %d %v", len(b), off, n, err)
	}
}

func partSize(t *testing.T, s photos.Store, p photos.Part) int64 {
	t.Helper()
	n, err := s.PartSize(t.Context(), p)
	must(t, err)
	return n
}

func wantPhoto(t *testing.T, s photos.Store, name string, b []byte) {
	t.Helper()
	n, ok, err := s.Stat(t.Context(), name)
	if err != nil || !ok || n != int64(len(b)) {
		t.Fatalf("Stat: %d %v %v, want %d", n, ok, err, len(b))
	}
	r, _, err := s.Open(t.Context(), name)
	must(t, err)
	defer r.Close()
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, b) {
		t.Fatalf("the photo's bytes: %d of %d, %v", len(got), len(b), err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
