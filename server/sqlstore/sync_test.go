package sqlstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"zsc/schema"
	"zsc/server/sqlstore"
	zsync "zsc/sync"
)

func itemSet(visit, item, value string, base int64, photos ...string) map[string]any {
	if photos == nil {
		photos = []string{}
	}
	return map[string]any{"visit_id": visit, "item_id": item, "value": value, "note": "", "photos": photos, "base_version": base}
}

func TestPushReplaysAStoredFateInsteadOfApplyingAgain(t *testing.T) {
	env := mustSyncEnv(t)
	c := env.register(t, "insp1", "mobile")
	m := env.mut(c, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "符合", 0))
	one(t, env.push(t, "insp1", c, m), "applied")
	r := one(t, env.push(t, "insp1", c, m), "applied")
	if !r.Replayed {
		t.Fatal("second push of the same mutation was not marked replayed")
	}
	if n := env.count(t, `SELECT count(*) FROM mutation_log WHERE client_id = ?`, c); n != 1 {
		t.Fatalf("%d mutation rows, want 1", n)
	}
	if n := env.count(t, `SELECT version FROM item_results WHERE item_id = 'v1-scjg-1'`); n != 1 {
		t.Fatalf("version %d after a replay, want 1", n)
	}
}

func TestPushWithAGapAnswersTheExpectedSeqAndAppliesNothing(t *testing.T) {
	env := mustSyncEnv(t)
	c := env.register(t, "insp1", "mobile")
	one(t, env.push(t, "insp1", c, env.mut(c, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "符合", 0))), "applied")
	env.mut(c, zsync.MutItemSet, itemSet("v1", "v1-scjg-2", "符合", 0)) // seq 2 is lost
	m3 := env.mut(c, zsync.MutItemSet, itemSet("v1", "v1-scjg-2", "符合", 0))
	_, err := env.e.Push(context.Background(), env.users["insp1"], &zsync.PushRequest{ClientID: c, SchemaVersion: 1, Mutations: []zsync.Mutation{m3}})
	var se *schema.Error
	if !errors.As(err, &se) || se.Code != schema.EGAP {
		t.Fatalf("err = %v, want sequence_gap", err)
	}
	if d, _ := se.Details.(map[string]int64); d["expected_seq"] != 2 {
		t.Fatalf("details %v, want expected_seq 2", se.Details)
	}
	if n := env.count(t, `SELECT count(*) FROM item_results WHERE item_id = 'v1-scjg-2'`); n != 0 {
		t.Fatal("a mutation after the gap was applied")
	}
}

func TestPushRejectsBadMutationsWithAReasonAndMovesOn(t *testing.T) {
	env := mustSyncEnv(t)
	c := env.register(t, "insp1", "mobile")
	tests := []struct {
		name   string
		mut    zsync.Mutation
		reason string
	}{
		{"an unknown name", env.mut(c, "item.delete", map[string]any{"visit_id": "v1"}), "未知的操作类型"},
		{"an invalid value", env.mut(c, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "maybe", 0)), "value 只能是"},
		{"another department's item", env.mut(c, zsync.MutItemSet, itemSet("v1", "v1-wjw-1", "符合", 0)), "越权：你只能录入市市场监管局的检查内容，不能代市卫生健康委录入"},
		{"a visit outside the team", env.mut(c, zsync.MutCheckin, map[string]any{"id": uuid.NewString(), "visit_id": "v9"}), "越权：本次检查不在你的范围内"},
		{"a visit that does not exist", env.mut(c, zsync.MutVisitComplete, map[string]any{"visit_id": "nope"}), "找不到检查 nope"},
		{"args that are not an object", env.mut(c, zsync.MutVisitComplete, []int{1}), "JSON 对象"},
		{"an unknown field", env.mut(c, zsync.MutVisitComplete, map[string]any{"visit_id": "v1", "force": true}), "未知字段 \"force\""},
		{"a lead-only mutation", env.mut(c, zsync.MutConflictSettle, map[string]any{"visit_id": "v1", "conflict_id": "x", "pick": "server", "base_version": 1}), "只有检查组长"},
	}
	var muts []zsync.Mutation
	for _, tt := range tests {
		muts = append(muts, tt.mut)
	}
	good := env.mut(c, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "符合", 0))
	resp := env.push(t, "insp1", c, append(muts, good)...)
	for i, tt := range tests {
		t.Run("rejects "+tt.name, func(t *testing.T) {
			r := resp.Results[i]
			if r.Status != "rejected" || !strings.Contains(r.Reason, tt.reason) {
				t.Fatalf("got %s %q, want rejected with %q", r.Status, r.Reason, tt.reason)
			}
			if n := env.count(t, `SELECT count(*) FROM audit_entries WHERE entity_id = ? AND reason LIKE '被拒绝：%'`, tt.mut.ID); n != 1 {
				t.Fatalf("%d audit rows for the rejection, want 1", n)
			}
		})
	}
	t.Run("applies the good mutation after them", func(t *testing.T) {
		if r := resp.Results[len(tests)]; r.Status != "applied" || resp.LastSeq != good.Seq {
			t.Fatalf("last result %+v, last_seq %d", r, resp.LastSeq)
		}
	})
	t.Run("shows every rejection in the client's pull", func(t *testing.T) {
		rejections := func(p *zsync.PullResponse) (n int) {
			for _, ch := range p.Changes {
				if ch.Kind == zsync.ChangeRejection {
					n++
				}
			}
			return n
		}
		boot := env.pull(t, "insp1", c, 0)
		if n := rejections(boot); n != len(tests) {
			t.Fatalf("bootstrap: %d rejection changes, want %d", n, len(tests))
		}
		one(t, env.push(t, "insp1", c, env.mut(c, "visit.delete", map[string]any{})), "rejected")
		if n := rejections(env.pull(t, "insp1", c, boot.Cursor)); n != 1 {
			t.Fatalf("log: %d rejection changes, want 1", n)
		}
	})
	t.Run("does not show them to the user's other client", func(t *testing.T) {
		other := env.register(t, "insp1", "web")
		for _, ch := range env.pull(t, "insp1", other, 1).Changes {
			if ch.Kind == zsync.ChangeRejection {
				t.Fatal("another client received a rejection")
			}
		}
	})
}

func TestPushOfAnotherSchemaVersionRejectsEachMutationAndDrainsTheQueue(t *testing.T) {
	env := mustSyncEnv(t)
	c := env.register(t, "insp1", "mobile")
	m1 := env.mut(c, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "符合", 0))
	m2 := env.mut(c, zsync.MutItemSet, itemSet("v1", "v1-scjg-2", "符合", 0))
	resp, err := env.e.Push(context.Background(), env.users["insp1"], &zsync.PushRequest{ClientID: c, SchemaVersion: 2, Mutations: []zsync.Mutation{m1, m2}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.LastSeq != 2 || resp.Results[0].Status != "rejected" || !strings.Contains(resp.Results[1].Reason, "schema_version 2") {
		t.Fatalf("got %+v", resp)
	}
	if n := env.count(t, `SELECT count(*) FROM mutation_log WHERE client_id = ? AND args LIKE '%v1-scjg-1%'`, c); n != 1 {
		t.Fatal("the rejected mutation's args were not kept")
	}
}

func TestPushKeepsAReusedMutationIDAsARejection(t *testing.T) {
	env := mustSyncEnv(t)
	c := env.register(t, "insp1", "mobile")
	m1 := env.mut(c, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "符合", 0))
	one(t, env.push(t, "insp1", c, m1), "applied")
	m2 := env.mut(c, zsync.MutItemSet, itemSet("v1", "v1-scjg-2", "符合", 0))
	m2.ID = m1.ID
	r := one(t, env.push(t, "insp1", c, m2), "rejected")
	if !strings.Contains(r.Reason, "已被其他操作使用") {
		t.Fatalf("reason %q", r.Reason)
	}
	if n := env.count(t, `SELECT count(*) FROM item_results WHERE item_id = 'v1-scjg-2'`); n != 0 {
		t.Fatal("the mutation with a reused id was applied")
	}
}

func TestConflictsKeepTheServerValueUntilTheLeadSettles(t *testing.T) {
	env := mustSyncEnv(t)
	a, b := env.register(t, "insp1", "mobile"), env.register(t, "insp2", "mobile")
	lead := env.register(t, "lead", "mobile")
	one(t, env.push(t, "insp1", a, env.mut(a, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "符合", 0))), "applied")

	t.Run("an identical value based on an old version is no conflict", func(t *testing.T) {
		one(t, env.push(t, "insp2", b, env.mut(b, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "符合", 0))), "applied")
		if n := env.count(t, `SELECT count(*) FROM conflicts`); n != 0 {
			t.Fatalf("%d conflicts", n)
		}
	})
	t.Run("a later edit of the same phone based on the same version is no conflict", func(t *testing.T) {
		one(t, env.push(t, "insp1", a, env.mut(a, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "不涉及", 0))), "applied")
		one(t, env.push(t, "insp1", a, env.mut(a, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "符合", 0))), "applied")
		if v := env.count(t, `SELECT version FROM item_results WHERE item_id = 'v1-scjg-1'`); v != 3 {
			t.Fatalf("version %d, want 3", v)
		}
	})
	var conflictID string
	t.Run("a different value based on an old version is a conflict", func(t *testing.T) {
		one(t, env.push(t, "insp2", b, env.mut(b, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "不符合", 1))), "conflict")
		var value string
		scanRow(t, env.db.Reader().QueryRow(`SELECT value FROM item_results WHERE item_id = 'v1-scjg-1'`), &value)
		if value != "符合" {
			t.Fatalf("server value %s, want 符合 kept", value)
		}
		cs, err := env.e.Conflicts(context.Background(), env.users["lead"], "open")
		if err != nil || len(cs) != 1 {
			t.Fatalf("lead sees %d open conflicts (%v), want 1", len(cs), err)
		}
		c := cs[0]
		if c.ServerUserName != "张一" || c.ClientUserName != "李二" || !strings.Contains(string(c.ClientValue), "不符合") || c.ServerVersion != 3 {
			t.Fatalf("conflict %+v", c)
		}
		conflictID = c.ID
		seen := false
		for _, ch := range env.pull(t, "insp1", a, 1).Changes {
			seen = seen || ch.Kind == zsync.ChangeConflict && ch.ID == conflictID
		}
		if !seen {
			t.Fatal("the other inspector did not receive the conflict")
		}
	})
	t.Run("a later losing edit of the same user replaces the value in the open conflict", func(t *testing.T) {
		note := itemSet("v1", "v1-scjg-1", "不符合", 1)
		note["note"] = "灭火器过期"
		one(t, env.push(t, "insp2", b, env.mut(b, zsync.MutItemSet, note)), "conflict")
		cs, err := env.e.Conflicts(context.Background(), env.users["lead"], "open")
		if err != nil || len(cs) != 1 {
			t.Fatalf("lead sees %d open conflicts (%v), want still 1", len(cs), err)
		}
		if cs[0].ID != conflictID || !strings.Contains(string(cs[0].ClientValue), "灭火器过期") {
			t.Fatalf("conflict %+v, want %s with the note", cs[0], conflictID)
		}
		if n := env.count(t, `SELECT count(*) FROM audit_entries WHERE kind = 'conflict' AND entity_id = ? AND before IS NOT NULL`, conflictID); n != 1 {
			t.Fatalf("%d audit rows with the replaced value, want 1", n)
		}
	})
	t.Run("an inspector cannot settle it", func(t *testing.T) {
		one(t, env.push(t, "insp1", a, env.mut(a, zsync.MutConflictSettle, map[string]any{"visit_id": "v1", "conflict_id": conflictID, "pick": "client"})), "rejected")
	})
	t.Run("the lead's pick becomes a new version", func(t *testing.T) {
		one(t, env.push(t, "lead", lead, env.mut(lead, zsync.MutConflictSettle, map[string]any{"visit_id": "v1", "conflict_id": conflictID, "pick": "client", "base_version": 3})), "applied")
		var value, user string
		var version int
		scanRow(t, env.db.Reader().QueryRow(`SELECT value, user_id, version FROM item_results WHERE item_id = 'v1-scjg-1'`), &value, &user, &version)
		if value != "不符合" || user != "lead" || version != 4 {
			t.Fatalf("after settling: %s by %s v%d", value, user, version)
		}
		if n := env.count(t, `SELECT count(*) FROM conflicts WHERE status = 'settled' AND settled_by = 'lead'`); n != 1 {
			t.Fatal("conflict not marked settled")
		}
		if n := env.count(t, `SELECT count(*) FROM audit_entries WHERE action = 'conflict.settle' AND user_id = 'lead'`); n < 2 {
			t.Fatalf("%d audit rows for the settlement", n)
		}
	})
}

func TestVisitCompletesOnlyWhenEveryDepartmentIsDoneAndEveryPhotoHasArrived(t *testing.T) {
	env := mustSyncEnv(t)
	ctx := context.Background()
	cl := map[string]string{}
	for _, u := range []string{"insp1", "insp3", "insp4"} {
		cl[u] = env.register(t, u, "mobile")
	}
	push1 := func(u, name string, args any) zsync.Result {
		t.Helper()
		return env.push(t, u, cl[u], env.mut(cl[u], name, args)).Results[0]
	}
	try := func() zsync.Result {
		t.Helper()
		return push1("insp1", zsync.MutVisitComplete, map[string]any{"visit_id": "v1"})
	}
	finish := func(u string) zsync.Result {
		t.Helper()
		return push1(u, zsync.MutDeptFinish, map[string]any{"visit_id": "v1", "dept": env.users[u].Dept})
	}
	visitStatus := func() string {
		var s string
		scanRow(t, env.db.Reader().QueryRow(`SELECT status FROM visits WHERE id = 'v1'`), &s)
		return s
	}
	photo := sha("photo of item 1")
	t.Run("an empty visit names every department by its name and what it lacks", func(t *testing.T) {
		r := try()
		if r.Status != "rejected" || !strings.Contains(r.Reason, "市市场监管局尚未确认本部门检查完毕") || !strings.Contains(r.Reason, "尚未现场签到") {
			t.Fatalf("%+v", r)
		}
		if r := finish("insp1"); r.Status != "rejected" || !strings.Contains(r.Reason, "市市场监管局还有 2 项检查内容未填写") ||
			!strings.Contains(r.Reason, "市市场监管局尚未选择检查结果") || !strings.Contains(r.Reason, "张一、李二尚未在检查记录上签名") {
			t.Fatalf("finish of an empty department: %+v", r)
		}
	})
	for _, u := range []string{"insp1", "insp3", "insp4"} {
		d := env.users[u].Dept
		c := cl[u]
		r := env.push(t, u, c,
			env.mut(c, zsync.MutItemSet, itemSet("v1", "v1-"+d+"-1", "符合", 0, photo)),
			env.mut(c, zsync.MutItemSet, itemSet("v1", "v1-"+d+"-2", "不涉及", 0)),
			env.mut(c, zsync.MutOutcomeSet, map[string]any{"visit_id": "v1", "dept": d, "categories": []string{"未发现问题"}, "base_version": 0}))
		for _, x := range r.Results {
			if x.Status != "applied" {
				t.Fatalf("%s: %+v", u, x)
			}
		}
	}
	sig := func(u, signer string) zsync.Result {
		return push1(u, zsync.MutSignatureAdd, map[string]any{"id": newUUID(), "visit_id": "v1", "kind": "inspector",
			"photo": sha("sig " + signer), "dept": env.users[u].Dept, "signer_id": signer})
	}
	t.Run("a department finishes only when both its inspectors signed", func(t *testing.T) {
		if r := sig("insp1", "insp1"); r.Status != "applied" {
			t.Fatalf("%+v", r)
		}
		if r := finish("insp1"); r.Status != "rejected" || !strings.Contains(r.Reason, "李二尚未在检查记录上签名") {
			t.Fatalf("%+v", r)
		}
		if r := sig("insp1", "insp3"); r.Status != "rejected" {
			t.Fatalf("an inspector of another department signs for 市市场监管局: %+v", r)
		}
		if r := sig("insp1", "insp2"); r.Status != "applied" {
			t.Fatalf("the teammate signs on insp1's phone: %+v", r)
		}
		if r := sig("insp1", "insp2"); r.Status != "applied" {
			t.Fatalf("signing twice is a no-op: %+v", r)
		}
		if n := env.count(t, `SELECT count(*) FROM signatures WHERE visit_id = 'v1' AND signer_id = 'insp2' AND cert_no = 'SC002' AND signer = '李二'`); n != 1 {
			t.Fatalf("%d signatures of insp2 with name and 执法证号", n)
		}
		if r := finish("insp1"); r.Status != "applied" {
			t.Fatalf("%+v", r)
		}
		if r := finish("insp1"); r.Status != "applied" {
			t.Fatalf("finishing again: %+v", r)
		}
	})
	for _, u := range []string{"insp3", "insp4"} {
		if r := sig(u, u); r.Status != "applied" {
			t.Fatalf("%+v", r)
		}
		if r := finish(u); r.Status != "applied" {
			t.Fatalf("%s: %+v", u, r)
		}
	}
	t.Run("every department done: the on-site record still lacks the check-in and the entity", func(t *testing.T) {
		if s := visitStatus(); s != "open" {
			t.Fatalf("visit %s", s)
		}
		if r := try(); r.Status != "rejected" || strings.Contains(r.Reason, "尚未确认本部门检查完毕") || !strings.Contains(r.Reason, "被检查单位尚未签字") {
			t.Fatalf("%+v", r)
		}
		if r := push1("insp3", zsync.MutCheckin, map[string]any{"id": newUUID(), "visit_id": "v1"}); r.Status != "applied" {
			t.Fatalf("%+v", r)
		}
		if r := push1("insp1", zsync.MutSignatureAdd, map[string]any{"id": newUUID(), "visit_id": "v1", "kind": "entity", "photo": sha("entity"),
			"signer": "钱五", "role": "负责人", "phone": "13900000000"}); r.Status != "rejected" || !strings.Contains(r.Reason, "以上情况属实") {
			t.Fatalf("an entity signature without 以上情况属实: %+v", r)
		}
		if r := push1("insp1", zsync.MutSignatureAdd, map[string]any{"id": newUUID(), "visit_id": "v1", "kind": "refusal",
			"note": "负责人拒绝签字", "witness": "孙六（邻铺店主）"}); r.Status != "applied" {
			t.Fatalf("%+v", r)
		}
	})
	t.Run("the last photo completes the visit by itself", func(t *testing.T) {
		if s := visitStatus(); s != "open" {
			t.Fatalf("visit %s before its photos", s)
		}
		if r := try(); r.Status != "rejected" || !strings.Contains(r.Reason, "张照片尚未上传") {
			t.Fatalf("before the photos: %+v", r)
		}
		for _, h := range []string{sha("sig insp1"), sha("sig insp2"), sha("sig insp3"), sha("sig insp4")} {
			if err := env.e.AddBlob(ctx, h, 10); err != nil {
				t.Fatal(err)
			}
		}
		if s := visitStatus(); s != "open" {
			t.Fatalf("visit %s with the item photo missing", s)
		}
		if err := env.e.AddBlob(ctx, photo, 10); err != nil {
			t.Fatal(err)
		}
		if s := visitStatus(); s != "complete" {
			t.Fatalf("visit %s after its last photo", s)
		}
		if r := try(); r.Status != "applied" {
			t.Fatalf("completing again: %+v", r)
		}
	})
	if r := env.push(t, "insp3", cl["insp3"], env.mut(cl["insp3"], zsync.MutItemSet, itemSet("v1", "v1-wjw-1", "不符合", 1))); r.Results[0].Status != "rejected" {
		t.Fatalf("an edit after completion: %+v", r.Results[0])
	}
}

func TestANoticeIsLiveOncePerDepartmentAndVisitUntilVoided(t *testing.T) {
	env := mustSyncEnv(t)
	c := env.register(t, "insp1", "mobile")
	c2 := env.register(t, "insp2", "mobile")
	env.pull(t, "insp1", c, 0)
	// A notice names a failed item (DESIGN §8.2).
	one(t, env.push(t, "insp1", c, env.mut(c, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "不符合", 0))), "applied")
	issue := func(client, user string) (string, zsync.Result) {
		id := newUUID()
		return id, env.push(t, user, client, env.mut(client, zsync.MutNoticeIssue, map[string]any{"id": id, "visit_id": "v1", "dept": "scjg",
			"items": []string{"v1-scjg-1"}, "problems": "从业人员未取得健康证明上岗", "legal_basis": "《中华人民共和国食品安全法》第四十五条第一款",
			"deadline": "2099-12-31", "days": 10, "year": 2024, "number": nil, "provisional": "临-" + client[:8] + "-" + newUUID()[:4]})).Results[0]
	}
	first, r := issue(c, "insp1")
	if r.Status != "applied" {
		t.Fatalf("%+v", r)
	}
	var authority, inspectors string
	scanRow(t, env.db.Reader().QueryRow(`SELECT authority, inspectors FROM notices WHERE id = ?`, first), &authority, &inspectors)
	if authority == "" || !strings.Contains(inspectors, "SC001") || !strings.Contains(inspectors, "SC002") {
		t.Fatalf("the notice names %q and %s", authority, inspectors)
	}
	if _, r := issue(c2, "insp2"); r.Status != "rejected" || !strings.Contains(r.Reason, "已有责令改正通知书") || !strings.Contains(r.Reason, "请先作废") {
		t.Fatalf("a second live notice from the teammate's phone: %+v", r)
	}
	void := func(reason string) zsync.Result {
		return env.push(t, "insp1", c, env.mut(c, zsync.MutNoticeVoid, map[string]any{"visit_id": "v1", "notice_id": first, "reason": reason})).Results[0]
	}
	if r := void(""); r.Status != "rejected" {
		t.Fatalf("a void without a reason: %+v", r)
	}
	if r := void("违法事实认定有误，重新开具"); r.Status != "applied" {
		t.Fatalf("%+v", r)
	}
	var number int
	var voided, reason string
	scanRow(t, env.db.Reader().QueryRow(`SELECT number, coalesce(voided_at, ''), void_reason FROM notices WHERE id = ?`, first), &number, &voided, &reason)
	if number == 0 || voided == "" || reason != "违法事实认定有误，重新开具" {
		t.Fatalf("voided notice: number %d, voided %q, reason %q", number, voided, reason)
	}
	if n := env.count(t, `SELECT count(*) FROM audit_entries WHERE action = 'notice.void' AND entity_id = ? AND reason LIKE '作废：%'`, first); n != 1 {
		t.Fatalf("%d audit rows of the void", n)
	}
	second, r := issue(c2, "insp2")
	if r.Status != "applied" {
		t.Fatalf("the re-issue: %+v", r)
	}
	var number2 int
	scanRow(t, env.db.Reader().QueryRow(`SELECT number FROM notices WHERE id = ?`, second), &number2)
	if number2 == number || number2 == 0 {
		t.Fatalf("the re-issue took number %d, the void had %d", number2, number)
	}
	if r := env.push(t, "insp1", c, env.mut(c, zsync.MutNoticeServe, map[string]any{"visit_id": "v1", "notice_id": first, "served_to": "钱五"})).Results[0]; r.Status != "rejected" {
		t.Fatalf("serving a voided notice: %+v", r)
	}
	numbersGapFree(t, env)
}

// numbersGapFree checks R11's invariant: per department and year, numbers
// 1..max are each exactly once leased, used or voided (leased only while
// a lease runs), used numbers are on exactly one notice, voided ones logged.
func numbersGapFree(tb testing.TB, env *syncEnv) {
	tb.Helper()
	rows, err := env.db.Reader().Query(`SELECT dept, year, count(*), max(number), count(*) FILTER (WHERE state = 'used') FROM notice_numbers GROUP BY dept, year`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var dept string
		var year, n, max, used int
		if err := rows.Scan(&dept, &year, &n, &max, &used); err != nil {
			tb.Fatal(err)
		}
		if n != max {
			tb.Errorf("%s %d: %d numbers for 1..%d: a gap", dept, year, n, max)
		}
		if next := env.count(tb, `SELECT next FROM notice_counters WHERE dept = ? AND year = ?`, dept, year); next != max+1 {
			tb.Errorf("%s %d: counter at %d after %d numbers", dept, year, next, max)
		}
		if k := env.count(tb, `SELECT count(*) FROM notices WHERE dept = ? AND year = ?`, dept, year); k != used {
			tb.Errorf("%s %d: %d notices but %d used numbers", dept, year, k, used)
		}
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	if n := env.count(tb, `SELECT count(*) FROM notice_numbers n WHERE state = 'used' AND NOT EXISTS (SELECT 1 FROM notices x WHERE x.id = n.notice_id AND x.number = n.number AND x.dept = n.dept AND x.year = n.year)`); n != 0 {
		tb.Errorf("%d used numbers not on their notice", n)
	}
	if n := env.count(tb, `SELECT count(*) FROM notice_numbers n WHERE state = 'voided' AND NOT EXISTS (SELECT 1 FROM audit_entries a WHERE a.action = 'notice_number.void' AND a.entity_id = n.dept || ':' || n.year || ':' || n.number)`); n != 0 {
		tb.Errorf("%d voided numbers not logged", n)
	}
	if n := env.count(tb, `SELECT count(*) FROM notices WHERE number IS NULL`); n != 0 {
		tb.Errorf("%d notices without a final number after sync", n)
	}
}

func TestNoticeNumbersAreLeasedUsedRenumberedAndVoidedWithoutGaps(t *testing.T) {
	env := mustSyncEnv(t)
	env.e.LeaseSize = 3
	ctx := context.Background()
	a := env.register(t, "insp1", "mobile")
	b := env.register(t, "insp2", "mobile")
	web := env.register(t, "insp1", "web")
	// Each applied notice is on its own visit: a department has one live
	// notice per visit. It names a failed item (DESIGN §8.2).
	for _, v := range []string{"v1", "v2", "v3"} {
		one(t, env.push(t, "insp1", web, env.mut(web, zsync.MutItemSet, itemSet(v, v+"-scjg-1", "不符合", 0))), "applied")
	}
	visit := "v1"
	notice := func(c string, number any, provisional string) zsync.Mutation {
		return env.mut(c, zsync.MutNoticeIssue, map[string]any{"id": uuid.Must(uuid.NewV7()).String(), "visit_id": visit, "dept": "scjg",
			"items": []string{visit + "-scjg-1"}, "legal_basis": "《食品安全法》第五十四条", "deadline": "2099-06-30", "year": 2024,
			"number": number, "provisional": provisional})
	}
	leases := func(p *zsync.PullResponse) (out []zsync.Lease) {
		for _, ch := range p.Changes {
			if ch.Kind == zsync.ChangeLease && ch.Op == "put" {
				var l zsync.Lease
				mustUnmarshal(t, ch.Data, &l)
				out = append(out, l)
			}
		}
		return out
	}
	la := leases(env.pull(t, "insp1", a, 0))
	lb := leases(env.pull(t, "insp2", b, 0))
	t.Run("every pull tops a phone's lease up to LeaseSize", func(t *testing.T) {
		if len(la) != 3 || la[0].Number != 1 || la[2].Text != "庆市监责改〔2024〕3号" || len(lb) != 3 || lb[0].Number != 4 {
			t.Fatalf("leases a %+v b %+v", la, lb)
		}
		if p := env.pull(t, "insp1", web, 0); len(leases(p)) != 0 {
			t.Fatal("a web client got a lease")
		}
	})
	t.Run("a leased number becomes used", func(t *testing.T) {
		one(t, env.push(t, "insp1", a, notice(a, 2, "")), "applied")
		if n := env.count(t, `SELECT count(*) FROM notices WHERE number = 2 AND number_text = '庆市监责改〔2024〕2号'`); n != 1 {
			t.Fatal("notice 2 not numbered")
		}
	})
	visit = "v2"
	t.Run("another phone's number is rejected", func(t *testing.T) {
		r := one(t, env.push(t, "insp1", a, notice(a, 5, "")), "rejected")
		if !strings.Contains(r.Reason, "不是本机预留的编号") {
			t.Fatal(r.Reason)
		}
	})
	t.Run("a used number is rejected", func(t *testing.T) {
		one(t, env.push(t, "insp1", a, notice(a, 2, "")), "rejected")
	})
	t.Run("a notice without a number keeps its provisional text and gets a final number", func(t *testing.T) {
		one(t, env.push(t, "insp1", a, notice(a, nil, "临-"+a[:8]+"-1")), "applied")
		var num int
		var text, prov string
		scanRow(t, env.db.Reader().QueryRow(`SELECT number, number_text, provisional FROM notices WHERE provisional != ''`), &num, &text, &prov)
		if num != 7 || text != "庆市监责改〔2024〕7号" || prov != "临-"+a[:8]+"-1" {
			t.Fatalf("got %d %s %s", num, text, prov)
		}
	})
	t.Run("expired leases are voided on anyone's next pull", func(t *testing.T) {
		env.now = env.now.Add(31 * 24 * time.Hour)
		p := env.pull(t, "insp3", env.register(t, "insp3", "mobile"), 0)
		_ = p
		if n := env.count(t, `SELECT count(*) FROM notice_numbers WHERE dept = 'scjg' AND state = 'voided' AND reason = 'lease expired'`); n != 5 {
			t.Fatalf("%d voided, want 5 (1, 3 of a; 4, 5, 6 of b)", n)
		}
	})
	visit = "v3"
	t.Run("a voided number used offline is renumbered and kept as provisional", func(t *testing.T) {
		one(t, env.push(t, "insp2", b, notice(b, 4, "")), "applied")
		var num int
		var prov string
		scanRow(t, env.db.Reader().QueryRow(`SELECT number, provisional FROM notices WHERE client_id = ? `, b), &num, &prov)
		if num != 8 || prov != "庆市监责改〔2024〕4号" {
			t.Fatalf("got %d %q", num, prov)
		}
	})
	t.Run("a retired phone's unused numbers are voided", func(t *testing.T) {
		cursor := env.pull(t, "insp1", a, 1).Cursor // a new lease 9..11
		if _, err := env.e.Retire(ctx, env.users["insp2"], a); err == nil {
			t.Fatal("another inspector retired insp1's phone")
		}
		if _, err := env.e.Retire(ctx, env.users["office"], a); err != nil {
			t.Fatal(err)
		}
		if n := env.count(t, `SELECT count(*) FROM notice_numbers WHERE state = 'voided' AND reason = 'client retired'`); n != 3 {
			t.Fatalf("%d voided on retirement, want 3", n)
		}
		if p := env.pull(t, "insp1", a, cursor); len(leases(p)) != 0 {
			t.Fatal("a retired client got a new lease")
		}
	})
	numbersGapFree(t, env)
}

func TestPullSeesOnlyTheCallersScope(t *testing.T) {
	env := mustSyncEnv(t)
	cursors := map[string]int64{}
	clients := map[string]string{}
	for _, u := range []string{"insp1", "insp3", "lead", "office"} {
		clients[u] = env.register(t, u, "web")
		cursors[u] = env.pull(t, u, clients[u], 0).Cursor
	}
	c3 := env.register(t, "insp3", "mobile")
	one(t, env.push(t, "insp3", c3, env.mut(c3, zsync.MutItemSet, itemSet("v9", "v9-wjw-1", "符合", 0))), "applied")
	one(t, env.push(t, "insp3", c3, env.mut(c3, zsync.MutItemSet, itemSet("v1", "v1-wjw-1", "符合", 0))), "applied")
	visits := func(p *zsync.PullResponse) string {
		var out []string
		for _, ch := range p.Changes {
			if ch.Kind == zsync.ChangeItemResult {
				var r zsync.ItemResult
				mustUnmarshal(t, ch.Data, &r)
				out = append(out, r.VisitID)
			}
		}
		return strings.Join(out, ",")
	}
	tests := []struct {
		user, want string
	}{
		{"insp1", "v1"},
		{"insp3", "v1,v9"},
		{"lead", "v1"},
		{"office", "v1,v9"},
	}
	for _, tt := range tests {
		t.Run(tt.user+" sees results of "+tt.want, func(t *testing.T) {
			c := clients[tt.user]
			if got := visits(env.pull(t, tt.user, c, 0)); got != tt.want {
				t.Fatalf("bootstrap: %s", got)
			}
			if got := visits(env.pull(t, tt.user, c, cursors[tt.user])); got != tt.want {
				t.Fatalf("log: %s", got)
			}
		})
	}
}

func TestPullPagesTheLogWithHasMore(t *testing.T) {
	env := mustSyncEnv(t)
	c := env.register(t, "insp1", "mobile")
	for i := 0; i < 5; i++ {
		v := []string{"符合", "不涉及"}[i%2]
		env.push(t, "insp1", c, env.mut(c, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", v, 0)))
	}
	var cursor int64 = 1
	pages, n := 0, 0
	for {
		p, err := env.e.Pull(context.Background(), env.users["insp1"], zsync.PullRequest{ClientID: c, Cursor: cursor, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		n += len(p.Changes)
		cursor = p.Cursor
		if !p.HasMore {
			break
		}
	}
	if n < 5 || pages < 3 {
		t.Fatalf("%d changes in %d pages", n, pages)
	}
}

func TestANewTeamMemberReceivesTheVisitsWholeStateAndARemovedOneItsRemoval(t *testing.T) {
	env := mustSyncEnv(t)
	ctx := context.Background()
	c1 := env.register(t, "insp1", "mobile")
	c2 := env.register(t, "insp2", "mobile")
	one(t, env.push(t, "insp1", c1, env.mut(c1, zsync.MutItemSet, itemSet("v9", "v9-wjw-1", "符合", 0))), "rejected")
	c3 := env.register(t, "insp3", "mobile")
	one(t, env.push(t, "insp3", c3, env.mut(c3, zsync.MutItemSet, itemSet("v9", "v9-wjw-1", "符合", 0))), "applied")
	cursor := env.pull(t, "insp1", c1, 0).Cursor
	err := env.db.Write(ctx, func(tx *sql.Tx) error {
		at := env.db.NowText()
		if _, err := tx.Exec(`INSERT INTO visit_members (visit_id, user_id, dept) VALUES ('v9', 'insp1', 'scjg')`); err != nil {
			return err
		}
		if err := sqlstore.AppendVisitSnapshot(tx, at, "v9", "insp1"); err != nil {
			return err
		}
		if _, err := tx.Exec(`UPDATE visit_members SET active = 0 WHERE visit_id = 'v1' AND user_id = 'insp2'`); err != nil {
			return err
		}
		_, err := sqlstore.AppendChange(tx, at, sqlstore.Change{Kind: "visit", Op: "remove", EntityID: "v1", UserID: "insp2"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, ch := range env.pull(t, "insp1", c1, cursor).Changes {
		got[ch.Kind+" "+ch.ID] = true
	}
	if !got["visit v9"] || !got["item_result v9-wjw-1"] {
		t.Fatalf("new member received %v", got)
	}
	removed := false
	for _, ch := range env.pull(t, "insp2", c2, cursor).Changes {
		removed = removed || ch.Kind == "visit" && ch.Op == "remove" && ch.ID == "v1"
	}
	if !removed {
		t.Fatal("the removed member did not receive the removal")
	}
	if r := env.push(t, "insp2", c2, env.mut(c2, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "符合", 0))); r.Results[0].Status != "rejected" {
		t.Fatal("a removed member could still write")
	}
}

// TestConcurrentPushesAndPullsKeepEverySequence runs phones at once, each
// pushing every batch twice and pulling in between: the single writer
// serialises them, and every mutation is stored once.
func TestConcurrentPushesAndPullsKeepEverySequence(t *testing.T) {
	env := mustSyncEnv(t)
	users := []string{"insp1", "insp2", "insp3", "insp4", "lead"}
	clients := make([]string, len(users))
	for i, u := range users {
		clients[i] = env.register(t, u, "mobile")
	}
	const batches, perBatch = 10, 3
	errs := make(chan error, len(users))
	for i, u := range users {
		go func(u, c string, seq0 int) {
			ctx := context.Background()
			dept := env.users[u].Dept
			seq := int64(0)
			for b := 0; b < batches; b++ {
				var muts []zsync.Mutation
				for k := 0; k < perBatch; k++ {
					seq++
					args, _ := json.Marshal(itemSet("v2", "v2-"+dept+"-1", []string{"符合", "不涉及", "不符合"}[(b+k)%3], 0))
					muts = append(muts, zsync.Mutation{Seq: seq, ID: uuid.Must(uuid.NewV7()).String(), Name: zsync.MutItemSet, At: "2024-06-03T10:00:00+08:00", Args: args})
				}
				req := &zsync.PushRequest{ClientID: c, SchemaVersion: 1, Mutations: muts}
				for try := 0; try < 2; try++ {
					resp, err := env.e.Push(ctx, env.users[u], req)
					if err != nil {
						errs <- err
						return
					}
					if resp.LastSeq != seq {
						errs <- fmt.Errorf("%s: last_seq %d, want %d", u, resp.LastSeq, seq)
						return
					}
				}
				if _, err := env.e.Pull(ctx, env.users[u], zsync.PullRequest{ClientID: c, Cursor: 1}); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}(u, clients[i], i)
	}
	for range users {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := env.count(t, `SELECT count(*) FROM mutation_log`); n != len(users)*batches*perBatch {
		t.Fatalf("%d mutations stored, want %d", n, len(users)*batches*perBatch)
	}
	numbersGapFree(t, env)
}

// The store buffers a push's rows until its end and opens a mutation's
// savepoint only before its first real write: a rejection must still undo
// exactly that mutation, never the applied ones buffered before it.
func TestARejectionInsideAPushUndoesOnlyItsOwnMutation(t *testing.T) {
	env := mustSyncEnv(t)
	c := env.register(t, "insp1", "mobile")
	m1 := env.mut(c, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "符合", 0))
	m2 := env.mut(c, zsync.MutItemSet, itemSet("v1", "v1-scjg-2", "不符合", 0))
	// Completion reads the visit's results (flushing the buffer) and is
	// rejected: the visit has unanswered items.
	m3 := env.mut(c, zsync.MutVisitComplete, map[string]any{"visit_id": "v1"})
	m4 := env.mut(c, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "不涉及", 1))
	// A second push: an applied result, then a reused id, rejected after
	// its result was buffered.
	m5 := env.mut(c, zsync.MutItemSet, itemSet("v1", "v1-scjg-2", "符合", 1))
	m6 := env.mut(c, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "符合", 2))
	m6.ID = m1.ID
	var got []string
	for _, resp := range []*zsync.PushResponse{env.push(t, "insp1", c, m1, m2, m3, m4), env.push(t, "insp1", c, m5, m6)} {
		for _, r := range resp.Results {
			got = append(got, r.Status)
		}
	}
	if want := "applied applied rejected applied applied rejected"; strings.Join(got, " ") != want {
		t.Fatalf("fates %v, want %s", got, want)
	}
	for _, q := range []struct {
		query string
		want  int
	}{
		{`SELECT count(*) FROM mutation_log WHERE client_id = '` + c + `'`, 6},
		{`SELECT count(*) FROM item_results WHERE item_id IN ('v1-scjg-1', 'v1-scjg-2')`, 2},
		{`SELECT version FROM item_results WHERE item_id = 'v1-scjg-1' AND value = '不涉及'`, 2},
		{`SELECT version FROM item_results WHERE item_id = 'v1-scjg-2' AND value = '符合'`, 2},
		{`SELECT count(*) FROM changes WHERE kind = 'item_result'`, 4},
		{`SELECT count(*) FROM changes WHERE kind = 'rejection'`, 2},
		{`SELECT count(*) FROM audit_entries WHERE action = 'item.set' AND reason = ''`, 4},
		{`SELECT answered FROM visit_rollups WHERE visit_id = 'v1'`, 2},
	} {
		if n := env.count(t, q.query); n != q.want {
			t.Errorf("%s = %d, want %d", q.query, n, q.want)
		}
	}
}

func TestWhatAnInspectorSendsAfterBeingSwappedOutIsKeptForTheLead(t *testing.T) {
	env := mustSyncEnv(t)
	c := env.register(t, "insp2", "mobile")
	env.pull(t, "insp2", c, 0)
	// insp2 records offline; meanwhile the lead swaps insp2 out of v1.
	m := env.mut(c, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "不符合", 0))
	if err := env.db.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`UPDATE visit_members SET active = 0 WHERE visit_id = 'v1' AND user_id = 'insp2'`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	r := one(t, env.push(t, "insp2", c, m), "rejected")
	if !strings.Contains(r.Reason, "你已被组长调出本次检查") || strings.Contains(r.Reason, "越权") {
		t.Fatalf("reason %q", r.Reason)
	}
	got, err := env.e.Refused(context.Background(), env.users["lead"], "v1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != m.ID || got[0].UserName != "李二" || !strings.Contains(string(got[0].Args), "不符合") {
		t.Fatalf("the lead reads %+v", got)
	}
	if _, err := env.e.Refused(context.Background(), env.users["insp1"], "v1"); schema.ErrorCode(err) != schema.EFORBIDDEN {
		t.Fatalf("an inspector reads the refused list: %v", err)
	}
}

// An open conflict follows its item's value (push.go followConflicts) even
// when the push that moves the value raised the conflict itself: the
// store's memory of visits without open conflicts (OpenConflictsOn) must
// not outlive the conflict's arrival.
func TestAnOpenConflictFollowsTheValueWithinOnePush(t *testing.T) {
	env := mustSyncEnv(t)
	a, b := env.register(t, "insp1", "mobile"), env.register(t, "insp2", "mobile")
	one(t, env.push(t, "insp1", a, env.mut(a, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "符合", 0))), "applied")
	// Another item of the visit first: the visit is found calm; then the
	// conflict is raised; then the loser's own edit, based on the current
	// version, moves the value.
	r := env.push(t, "insp2", b, env.mut(b, zsync.MutItemSet, itemSet("v1", "v1-scjg-2", "符合", 0)),
		env.mut(b, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "不符合", 0)),
		env.mut(b, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "不涉及", 1)))
	var got []string
	for _, res := range r.Results {
		got = append(got, res.Status)
	}
	if want := "applied conflict applied"; strings.Join(got, " ") != want {
		t.Fatalf("fates %v, want %s", got, want)
	}
	var version int64
	var value string
	scanRow(t, env.db.Reader().QueryRow(`SELECT server_version, server_value FROM conflicts WHERE status = 'open'`), &version, &value)
	if version != 2 || !strings.Contains(value, "不涉及") {
		t.Fatalf("open conflict on version %d (%s), want 2 (不涉及)", version, value)
	}
}
