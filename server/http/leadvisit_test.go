package http_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"

	zsync "zsc/sync"
)

// TestLeadAdjustmentsAskAReasonAndWarnAboutWork walks issue 12 item 8 on
// the sync fixture: a 改期 or 换人 without a reason is refused, the reason
// given is in the trail, the work an inspector recorded on the visit is
// read before a swap, and a refused swap speaks Chinese without ids.
func TestLeadAdjustmentsAskAReasonAndWarnAboutWork(t *testing.T) {
	ss := mustOpenSyncServer(t)
	p := ss.newPhone(t, "insp1", "mobile")
	p.do(zsync.MutCheckin, map[string]any{"id": uuid.Must(uuid.NewV7()).String(), "visit_id": "v1"})
	p.do(zsync.MutItemSet, item("v1", "v1-scjg-1", "符合", 0))
	p.do(zsync.MutItemSet, item("v1", "v1-scjg-2", "不符合", 0))
	if r := ss.push(t, p); resultsOf(r) != "applied,applied,applied" {
		t.Fatalf("push: %s", resultsOf(r))
	}

	t.Run("the lead reads what an inspector has recorded on the visit", func(t *testing.T) {
		var w struct {
			Name                                            string
			Checkins, Answered, Failed, Notices, Signatures int
		}
		if code := ss.call(t, "GET", "/api/v1/visits/v1/work?user=insp1", "lead", nil, nil, &w); code != 200 {
			t.Fatalf("status %d", code)
		}
		if w.Name != "张一" || w.Checkins != 1 || w.Answered != 2 || w.Failed != 1 || w.Notices != 0 {
			t.Fatalf("work %+v, want 张一 checked in once, 2 answered, 1 不符合", w)
		}
		var none struct{ Answered int }
		if code := ss.call(t, "GET", "/api/v1/visits/v1/work?user=insp2", "lead", nil, nil, &none); code != 200 || none.Answered != 0 {
			t.Fatalf("insp2: %d %+v", code, none)
		}
	})
	t.Run("another department's inspector's work is not the lead's to read", func(t *testing.T) {
		if code := ss.call(t, "GET", "/api/v1/visits/v1/work?user=insp3", "lead", nil, nil, nil); code != 403 {
			t.Fatalf("status %d, want 403", code)
		}
	})
	t.Run("someone not on the team is not found, by name", func(t *testing.T) {
		var e APIError
		if code := ss.call(t, "GET", "/api/v1/visits/v9/work?user=insp1", "office", nil, nil, &e); code != 404 || !strings.Contains(e.Message, "张一") || strings.Contains(e.Message, "insp1") {
			t.Fatalf("status %d %+v", code, e)
		}
	})
	t.Run("a 改期 without a reason is refused", func(t *testing.T) {
		var e APIError
		if code := ss.call(t, "PATCH", "/api/v1/visits/v1", "lead", nil, map[string]string{"scheduled_on": "2024-06-10"}, &e); code != 400 || !strings.Contains(e.Message, "改期的原因") {
			t.Fatalf("status %d %+v", code, e)
		}
		if code := ss.call(t, "PATCH", "/api/v1/visits/v1", "lead", nil, map[string]string{"scheduled_on": "2024-06-10", "reason": "  "}, &e); code != 400 {
			t.Fatalf("a blank reason: status %d", code)
		}
	})
	t.Run("a 改期 with a reason is stored and shown in the trail", func(t *testing.T) {
		if code := ss.call(t, "PATCH", "/api/v1/visits/v1", "lead", nil, map[string]string{"scheduled_on": "2024-06-10", "reason": "企业负责人外出，约定改期"}, nil); code != 200 {
			t.Fatalf("status %d", code)
		}
		var tr struct {
			Entries []struct{ Action, Reason, ID string }
		}
		if code := ss.call(t, "GET", "/api/v1/trail?kind=visit&id=v1", "office", nil, nil, &tr); code != 200 {
			t.Fatalf("trail: %d", code)
		}
		found := false
		for _, e := range tr.Entries {
			if e.Action == "visit.adjust" && e.ID == "v1" && e.Reason == "企业负责人外出，约定改期" {
				found = true
			}
		}
		if !found {
			t.Fatalf("the reason is not in the visit's trail: %+v", tr.Entries)
		}
	})
	t.Run("a refused swap speaks Chinese and names people, never ids", func(t *testing.T) {
		var e APIError
		code := ss.call(t, "PATCH", "/api/v1/visits/v1", "lead", nil, map[string]any{"swap": map[string]string{"dept": "scjg", "out_user_id": "insp1", "in_user_id": "insp2"}, "reason": "人员调整"}, &e)
		if code != 400 || !strings.Contains(e.Message, "李二") || strings.Contains(e.Message, "insp") || strings.Contains(e.Message, "v1") {
			t.Fatalf("status %d %q", code, e.Message)
		}
		code = ss.call(t, "PATCH", "/api/v1/visits/v1", "lead", nil, map[string]any{"swap": map[string]string{"dept": "scjg", "out_user_id": "insp3", "in_user_id": "nobody"}, "reason": "人员调整"}, &e)
		if code != 400 || !strings.Contains(e.Message, "王三") || !strings.Contains(e.Message, "市市场监管局") || strings.Contains(e.Message, "scjg") || strings.Contains(e.Message, "insp") {
			t.Fatalf("status %d %q", code, e.Message)
		}
		code = ss.call(t, "PATCH", "/api/v1/visits/v1", "lead", nil, map[string]any{"swap": map[string]string{"dept": "scjg", "out_user_id": "insp1", "in_user_id": "nobody"}, "reason": "人员调整"}, &e)
		if code != 400 || strings.Contains(e.Message, "nobody") {
			t.Fatalf("status %d %q", code, e.Message)
		}
	})
}
