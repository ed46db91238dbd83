package sync

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// The hand-written encoding of an item result is json.Marshal's, byte for
// byte, whatever its strings hold: what phones and the journal store must
// not depend on which path wrote it.
func TestItemResultEncodesAsJSONMarshal(t *testing.T) {
	pieces := []string{"", "符合", "不符合", "a", "0195e3c2-7a1b-7c3d-9e4f-0123456789ab", `"`, `\`, "<b>", "&", ">",
		"\n", "\t", "\x00", "\x1f", "\u2028", "\u2029", "—", "…", "\xff", "\xe2\x80", "é", "😀", "2024-06-03T10:00:00.000Z", "/"}
	rng := rand.New(rand.NewPCG(1, 2))
	str := func() string {
		var s string
		for range rng.IntN(4) {
			s += pieces[rng.IntN(len(pieces))]
		}
		return s
	}
	for i := range 5000 {
		r := &ItemResult{ItemID: str(), VisitID: str(), Dept: str(), Value: str(), Note: str(), Version: rng.Int64N(1 << 40),
			UserID: str(), ClientID: str(), Channel: str(), MutationID: str(), UpdatedAt: str()}
		switch i % 3 {
		case 0: // nil: null
		case 1:
			r.Photos = []string{}
		default:
			for range 1 + rng.IntN(3) {
				r.Photos = append(r.Photos, str())
			}
		}
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := encodeData(r)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("encodeData(%#v)\n got %s\nwant %s", r, got, want)
		}
	}
	// Anything else is json.Marshal's own.
	if got, _ := encodeData(map[string]int{"a": 1}); string(got) != `{"a":1}` {
		t.Fatalf("encodeData(map) = %s", got)
	}
}
