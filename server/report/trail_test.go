package report

import (
	"strings"
	"testing"

	"zsc/sync"
)

// Every mutation a phone sends has a name in words, and a completion's
// reason reads in words whether it was stored before or after the server
// named mutations by their titles.
func TestTrailReasonInWords(t *testing.T) {
	for _, m := range sync.MutationNames {
		if TrailActionNames[m] == "" {
			t.Errorf("mutation %s has no name in words", m)
		}
	}
	want := "各部门均已检查完毕，现场记录齐全，服务器自动完成（由“签名”触发）"
	if got := sync.AutoCompleteReason(sync.MutSignatureAdd); got != want {
		t.Errorf("stored reason %q, want %q", got, want)
	}
	if got := TrailReason("各部门均已检查完毕，现场记录齐全，服务器自动完成（由signature.add触发）"); got != want {
		t.Errorf("legacy reason %q, want %q", got, want)
	}
	if got := TrailReason(want); got != want {
		t.Errorf("reason in words changed to %q", got)
	}
	if got := TrailReason("（由unknown.thing触发）"); got != "（由unknown.thing触发）" {
		t.Errorf("unknown code changed to %q", got)
	}
	tr := Trail{Entries: []TrailEntry{{Position: Self, Kind: "visit", Action: sync.MutVisitComplete, Reason: want}}}
	b, err := tr.CSV()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "完成检查") || !strings.Contains(string(b), "（由“签名”触发）") {
		t.Errorf("CSV %s", b)
	}
}
