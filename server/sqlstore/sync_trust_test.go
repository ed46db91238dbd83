package sqlstore_test

// Issue 11, items 3, 4, 12b and the office entry: what a lead settles, what
// a replay answers, what a notice may name, and a phone edit made before an
// office paper entry.

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"zsc/schema"
	zsync "zsc/sync"
)

// result reads an item's current value and version.
func (env *syncEnv) result(tb testing.TB, item string) (string, int) {
	tb.Helper()
	var value string
	var version int
	if err := env.db.Reader().QueryRow(`SELECT value, version FROM item_results WHERE item_id = ?`, item).Scan(&value, &version); err != nil {
		tb.Fatalf("result of %s: %v", item, err)
	}
	return value, version
}

func (env *syncEnv) openConflict(tb testing.TB, target string) zsync.Conflict {
	tb.Helper()
	cs, err := env.e.Conflicts(context.Background(), env.users["lead"], "open")
	if err != nil {
		tb.Fatal(err)
	}
	for _, c := range cs {
		if c.Target == target {
			return c
		}
	}
	tb.Fatalf("no open conflict on %s", target)
	return zsync.Conflict{}
}

func settleArgs(conflict, pick string, base int64) map[string]any {
	return map[string]any{"visit_id": "v1", "conflict_id": conflict, "pick": pick, "base_version": base}
}

// The exact sequence of issue 11 item 3: insp1 符合 v1; insp2 stale 不符合 →
// conflict; insp1 corrects to 不涉及 v2; the lead, who saw 符合 v1, keeps
// "the server value". That must not write 符合 back over 不涉及.
func TestASettlementAgainstAValueThatMovedIsRefusedAndKeepCurrentWritesNothing(t *testing.T) {
	env := mustSyncEnv(t)
	a, b := env.register(t, "insp1", "mobile"), env.register(t, "insp2", "mobile")
	lead := env.register(t, "lead", "mobile")
	const item = "v1-scjg-1"
	one(t, env.push(t, "insp1", a, env.mut(a, zsync.MutItemSet, itemSet("v1", item, "符合", 0))), "applied")
	one(t, env.push(t, "insp2", b, env.mut(b, zsync.MutItemSet, itemSet("v1", item, "不符合", 0))), "conflict")
	seen := env.openConflict(t, item) // what the lead's screen shows: 符合 v1
	if seen.ServerVersion != 1 {
		t.Fatalf("conflict recorded against v%d, want v1", seen.ServerVersion)
	}
	one(t, env.push(t, "insp1", a, env.mut(a, zsync.MutItemSet, itemSet("v1", item, "不涉及", 1))), "applied")

	r := one(t, env.push(t, "lead", lead, env.mut(lead, zsync.MutConflictSettle, settleArgs(seen.ID, "server", seen.ServerVersion))), "rejected")
	if r.Code != zsync.CodeSettleStale || !strings.Contains(r.Reason, "不涉及") {
		t.Fatalf("a settlement against a moved value: %+v", r)
	}
	if v, ver := env.result(t, item); v != "不涉及" || ver != 2 {
		t.Fatalf("after the refused settlement: %s v%d, want 不涉及 v2", v, ver)
	}
	// An app from before base_version cannot say what the lead saw: refused.
	old := map[string]any{"visit_id": "v1", "conflict_id": seen.ID, "pick": "server"}
	if r := one(t, env.push(t, "lead", lead, env.mut(lead, zsync.MutConflictSettle, old)), "rejected"); !strings.Contains(r.Reason, "base_version") {
		t.Fatalf("a settlement without base_version: %+v", r)
	}

	// The lead's screen reloads the conflict: it now shows the current value.
	now := env.openConflict(t, item)
	if now.ID != seen.ID || now.ServerVersion != 2 || !strings.Contains(string(now.ServerValue), "不涉及") {
		t.Fatalf("the reloaded conflict: %+v", now)
	}
	// Keep current: settled, nothing written to the result.
	one(t, env.push(t, "lead", lead, env.mut(lead, zsync.MutConflictSettle, settleArgs(now.ID, "server", now.ServerVersion))), "applied")
	if v, ver := env.result(t, item); v != "不涉及" || ver != 2 {
		t.Fatalf("after keeping the current value: %s v%d, want 不涉及 v2 untouched", v, ver)
	}
	var status, settled string
	if err := env.db.Reader().QueryRow(`SELECT status, settled_value FROM conflicts WHERE id = ?`, now.ID).Scan(&status, &settled); err != nil {
		t.Fatal(err)
	}
	if status != "settled" || !strings.Contains(settled, "不涉及") {
		t.Fatalf("conflict %s with %s", status, settled)
	}
}

// Taking the phone's value is refused the same way when the value moved, and
// applied as a new version when it did not.
func TestTakingThePhonesValueNeedsTheVersionTheLeadSaw(t *testing.T) {
	env := mustSyncEnv(t)
	a, b := env.register(t, "insp1", "mobile"), env.register(t, "insp2", "mobile")
	lead := env.register(t, "lead", "mobile")
	const dept = "scjg"
	outcome := func(cats []string, base int64) map[string]any {
		return map[string]any{"visit_id": "v1", "dept": dept, "categories": cats, "note": "", "base_version": base}
	}
	one(t, env.push(t, "insp1", a, env.mut(a, zsync.MutOutcomeSet, outcome([]string{"未发现问题"}, 0))), "applied")
	one(t, env.push(t, "insp2", b, env.mut(b, zsync.MutOutcomeSet, outcome([]string{"发现问题待后续处理"}, 0))), "conflict")
	seen := env.openConflict(t, dept)
	one(t, env.push(t, "insp1", a, env.mut(a, zsync.MutOutcomeSet, outcome([]string{"不配合检查情节严重"}, 1))), "applied")
	if r := one(t, env.push(t, "lead", lead, env.mut(lead, zsync.MutConflictSettle, settleArgs(seen.ID, "client", seen.ServerVersion))), "rejected"); r.Code != zsync.CodeSettleStale {
		t.Fatalf("%+v", r)
	}
	now := env.openConflict(t, dept)
	one(t, env.push(t, "lead", lead, env.mut(lead, zsync.MutConflictSettle, settleArgs(now.ID, "client", now.ServerVersion))), "applied")
	var cats string
	var version int
	if err := env.db.Reader().QueryRow(`SELECT categories, version FROM outcomes WHERE visit_id = 'v1' AND dept = ?`, dept).Scan(&cats, &version); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(cats, "发现问题待后续处理") || version != 3 {
		t.Fatalf("outcome %s v%d, want the phone's value as v3", cats, version)
	}
}

// Issue 11 item 4: a used seq with another mutation id is refused whole,
// never answered "applied, replayed".
func TestAReplayWithAnotherMutationIDIsRefused(t *testing.T) {
	env := mustSyncEnv(t)
	c := env.register(t, "insp1", "mobile")
	m1 := env.mut(c, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "符合", 0))
	one(t, env.push(t, "insp1", c, m1), "applied")
	other := m1
	other.ID = uuid.Must(uuid.NewV7()).String()
	other.Args = []byte(`{"visit_id":"v1","item_id":"v1-scjg-2","value":"不符合","note":"","photos":[],"base_version":0}`)
	_, err := env.e.Push(context.Background(), env.users["insp1"], &zsync.PushRequest{ClientID: c, SchemaVersion: zsync.SchemaVersion,
		Mutations: []zsync.Mutation{other}})
	var se *schema.Error
	if !errors.As(err, &se) || se.Code != schema.ESEQREUSED {
		t.Fatalf("a different mutation under a used seq: %v, want %s", err, schema.ESEQREUSED)
	}
	if n := env.count(t, `SELECT count(*) FROM item_results WHERE item_id = 'v1-scjg-2'`); n != 0 {
		t.Fatal("the refused mutation was applied")
	}
	// The true replay is still answered from the stored fate.
	if r := one(t, env.push(t, "insp1", c, m1), "applied"); !r.Replayed {
		t.Fatal("the same mutation again was not marked replayed")
	}
}

// A mutation whose id was used by another one is kept under a server-made id;
// sent again, it is still recognised as the same mutation.
func TestAReplayOfAMutationKeptUnderANewIDIsStillAReplay(t *testing.T) {
	env := mustSyncEnv(t)
	c := env.register(t, "insp1", "mobile")
	m1 := env.mut(c, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "符合", 0))
	one(t, env.push(t, "insp1", c, m1), "applied")
	m2 := env.mut(c, zsync.MutItemSet, itemSet("v1", "v1-scjg-2", "符合", 0))
	m2.ID = m1.ID
	first := one(t, env.push(t, "insp1", c, m2), "rejected")
	again := one(t, env.push(t, "insp1", c, m2), "rejected")
	if !again.Replayed || again.Reason != first.Reason {
		t.Fatalf("replay %+v, first answer %+v", again, first)
	}
}

// A replayed conflict comes back whole: with the reason the first answer had.
func TestAReplayedConflictComesBackWithItsReason(t *testing.T) {
	env := mustSyncEnv(t)
	a, b := env.register(t, "insp1", "mobile"), env.register(t, "insp2", "mobile")
	one(t, env.push(t, "insp1", a, env.mut(a, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "符合", 0))), "applied")
	m := env.mut(b, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "不符合", 0))
	first := one(t, env.push(t, "insp2", b, m), "conflict")
	again := one(t, env.push(t, "insp2", b, m), "conflict")
	if first.Reason == "" || again.Reason != first.Reason || again.Code != first.Code || !again.Replayed {
		t.Fatalf("replay %+v, first answer %+v", again, first)
	}
}

// Issue 11 item 12b: a notice names only failed (不符合) items.
func TestANoticeNamesOnlyFailedItems(t *testing.T) {
	env := mustSyncEnv(t)
	c := env.register(t, "insp1", "mobile")
	issue := func(items ...string) zsync.Result {
		return env.push(t, "insp1", c, env.mut(c, zsync.MutNoticeIssue, map[string]any{"id": newUUID(), "visit_id": "v1", "dept": "scjg",
			"items": items, "problems": "从业人员未取得健康证明上岗", "legal_basis": "《中华人民共和国食品安全法》第四十五条第一款",
			"deadline": "2099-12-31", "days": 10, "year": 2024, "number": nil, "provisional": "临-" + c[:8] + "-" + newUUID()[:4]})).Results[0]
	}
	one(t, env.push(t, "insp1", c, env.mut(c, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "不符合", 0))), "applied")
	if r := issue("v1-scjg-1", "v1-scjg-2"); r.Status != "rejected" || !strings.Contains(r.Reason, "未作答") {
		t.Fatalf("a notice naming an unanswered item: %+v", r)
	}
	one(t, env.push(t, "insp1", c, env.mut(c, zsync.MutItemSet, itemSet("v1", "v1-scjg-2", "符合", 0))), "applied")
	if r := issue("v1-scjg-1", "v1-scjg-2"); r.Status != "rejected" || !strings.Contains(r.Reason, "不符合") {
		t.Fatalf("a notice naming an item answered 符合: %+v", r)
	}
	if r := issue("v1-scjg-1"); r.Status != "applied" {
		t.Fatalf("a notice naming the failed item: %+v", r)
	}
}

// A phone edit made before it saw an office paper entry conflicts with it
// like any other stale edit. The office entry is the push POST
// /office/results makes (server/http/office_results.go): a web client's
// item.set based on the version the office saw.
func TestAPhoneEditMadeBeforeAnOfficeEntryConflictsWithIt(t *testing.T) {
	env := mustSyncEnv(t)
	phone := env.register(t, "insp1", "mobile")
	desk := env.register(t, "office", "web")
	one(t, env.push(t, "insp1", phone, env.mut(phone, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "符合", 0))), "applied")
	// The phone, offline, edits again on top of its own v1...
	late := env.mut(phone, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "不涉及", 1))
	// ...while the office enters the paper record against v1.
	one(t, env.push(t, "office", desk, env.mut(desk, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "不符合", 1))), "applied")
	one(t, env.push(t, "insp1", phone, late), "conflict")
	if v, ver := env.result(t, "v1-scjg-1"); v != "不符合" || ver != 2 {
		t.Fatalf("the office entry was overwritten: %s v%d", v, ver)
	}
}
