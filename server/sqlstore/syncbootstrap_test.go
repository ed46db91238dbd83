package sqlstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"runtime"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"zsc/schema"
	zsync "zsc/sync"
)

// manyVisits adds n visits of a fresh task of plan year year in 西峰区 (the
// lead's city) in which scjg and wjw take part, each with items per
// department checklist items, every one answered, and the insp1 and insp3 on
// each team; every completeEvery-th visit (0: none) is complete. prefix
// names the plan, task and visits.
func manyVisits(tb testing.TB, env *syncEnv, prefix string, year, n, items, completeEvery int) {
	tb.Helper()
	err := env.db.Write(context.Background(), func(tx *sql.Tx) error {
		stmts := []string{
			fmt.Sprintf(`INSERT INTO plans (id, year, seq, sub, domain, target, name, ratio_text, ratio, delegated, levels, initiator, window_text, source_row, created_at)
				VALUES ('%[1]s-p', %[2]d, 9, 1, '食品', '餐饮服务单位', '%[2]d 年餐饮抽查', '10%%', '{"base":10}', 0, '["市级"]', 'scjg', '6月', 3, '2024-01-01T00:00:00.000Z')`, prefix, year),
			fmt.Sprintf(`INSERT INTO tasks (id, plan_id, region, batch, level, tag, created_by, created_at)
				VALUES ('%[1]s-t', '%[1]s-p', '621002', 9, '市级', '餐饮服务单位', 'office', '2024-01-01T00:00:00.000Z')`, prefix),
			fmt.Sprintf(`INSERT INTO task_departments (task_id, ord, dept) VALUES ('%[1]s-t', 1, 'scjg'), ('%[1]s-t', 2, 'wjw')`, prefix),
			fmt.Sprintf(`INSERT INTO draws (id, task_id, algorithm, seed, snapshot_hash, population, drawn, strata, result, risk_applicable, risk_stratified, created_by, created_at)
				VALUES ('%[1]s-d', '%[1]s-t', 'test', '00', '00', %[2]d, %[2]d, '{}', '{}', 1, 1, 'office', '2024-01-01T00:00:00.000Z')`, prefix, n),
			fmt.Sprintf(`WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < %[2]d)
				INSERT INTO visits (id, task_id, draw_id, entity_id, risk, stratum, scheduled_on, status, completed_at, created_at)
				SELECT '%[1]s-' || substr('00000' || i, length('00000' || i) - 4), '%[1]s-t', '%[1]s-d', 'e' || (1 + i %% 3), 'B', 'B', '%[3]d-06-03',
					CASE WHEN %[4]d > 0 AND i %% %[4]d = 0 THEN 'complete' ELSE 'open' END,
					CASE WHEN %[4]d > 0 AND i %% %[4]d = 0 THEN '%[3]d-06-04T02:00:00.000Z' END, '2024-01-01T00:00:00.000Z' FROM k`,
				prefix, n, year, completeEvery),
			fmt.Sprintf(`INSERT INTO visit_members (visit_id, user_id, dept)
				SELECT id, 'insp1', 'scjg' FROM visits WHERE task_id = '%[1]s-t' UNION ALL SELECT id, 'insp3', 'wjw' FROM visits WHERE task_id = '%[1]s-t'`, prefix),
			fmt.Sprintf(`WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < %[2]d)
				INSERT INTO checklist_items (id, visit_id, dept, ord, name, class)
				SELECT v.id || '-' || d.dept || '-' || k.i, v.id, d.dept, k.i, d.dept || ' 检查事项 ' || k.i || '：经营者是否持有有效许可证并在显著位置公示', '一般检查'
				FROM visits v JOIN task_departments d ON d.task_id = v.task_id CROSS JOIN k WHERE v.task_id = '%[1]s-t'`, prefix, items),
			fmt.Sprintf(`INSERT INTO item_results (item_id, visit_id, dept, value, note, photos, version, user_id, client_id, channel, mutation_id, updated_at)
				SELECT c.id, c.visit_id, c.dept, '符合', '现场查看，符合要求', '[]', 1, 'insp1', '00000000-0000-7000-8000-000000000000', 'mobile',
					'00000000-0000-7000-8000-' || substr('000000000000' || c.n, length('000000000000' || c.n) - 11), '2024-06-03T02:00:00.000Z'
				FROM (SELECT c.*, row_number() OVER (ORDER BY c.id) AS n FROM checklist_items c
					JOIN visits v ON v.id = c.visit_id WHERE v.task_id = '%[1]s-t') AS c`, prefix),
		}
		for _, s := range stmts {
			if _, err := tx.Exec(s); err != nil {
				return fmt.Errorf("%.60s: %w", s, err)
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// bootstrapAll pulls from cursor 0 until the bootstrap and the log after it
// are done, and returns every page.
func bootstrapAll(tb testing.TB, env *syncEnv, user, client string, limit int) []*zsync.PullResponse {
	tb.Helper()
	var pages []*zsync.PullResponse
	eachPage(tb, env, user, client, limit, func(p *zsync.PullResponse) { pages = append(pages, p) })
	return pages
}

// eachPage pulls from cursor 0 until the bootstrap and the log after it are
// done, handing each page to page and keeping none.
func eachPage(tb testing.TB, env *syncEnv, user, client string, limit int, page func(*zsync.PullResponse)) {
	tb.Helper()
	req := zsync.PullRequest{ClientID: client, Limit: limit}
	for i := 0; ; i++ {
		if i > 10000 {
			tb.Fatal("the bootstrap never ends")
		}
		resp, err := env.e.Pull(context.Background(), env.users[user], req)
		if err != nil {
			tb.Fatalf("pull %d: %v", i, err)
		}
		page(resp)
		req.Cursor, req.Epoch, req.Bootstrap = resp.Cursor, resp.Epoch, resp.BootstrapToken
		if !resp.HasMore {
			return
		}
	}
}

// TestMeasureLeadBootstrap measures a city lead's first sync on a few
// thousand visits: what it allocates, the heap at its peak and the bytes of
// its answers. It reports, never asserts (figures in the README):
//
//	ZSC_MEASURE=1 go test ./server/sqlstore -run TestMeasureLeadBootstrap -v -count=1
func TestMeasureLeadBootstrap(t *testing.T) {
	if os.Getenv("ZSC_MEASURE") == "" {
		t.Skip("set ZSC_MEASURE=1 to measure")
	}
	env := mustSyncEnv(t)
	manyVisits(t, env, "y24", 2024, 3000, 15, 4) // 3,000 visits of 2024, a quarter complete
	manyVisits(t, env, "y23", 2023, 1500, 15, 1) // 1,500 of 2023, all complete
	client := env.register(t, "lead", "mobile")
	env.pull(t, "lead", env.register(t, "lead", "mobile"), 0) // warm the statement cache
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	stop := make(chan struct{})
	var peak uint64
	var wg gosync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapAlloc)
			}
		}
	}()
	// Each page is encoded as the handler does, then dropped: what the
	// server holds at once is one page and its answer.
	var pages, bytes, most, changes, visits int
	start := time.Now()
	eachPage(t, env, "lead", client, 0, func(p *zsync.PullResponse) {
		b, err := p.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		bytes += len(b)
		most = max(most, len(b))
		changes += len(p.Changes)
		for _, c := range p.Changes {
			if c.Kind == zsync.ChangeVisit {
				visits++
			}
		}
	})
	took := time.Since(start)
	close(stop)
	wg.Wait()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	peak = max(peak, after.HeapAlloc)
	t.Logf("lead bootstrap: %d pages, %d visits, %d changes, %.1f MB of answers (largest page %.1f MB), allocated %.1f MB, peak heap %.1f MB above the %.1f MB before, %v",
		pages, visits, changes, float64(bytes)/1e6, float64(most)/1e6, float64(after.TotalAlloc-before.TotalAlloc)/1e6,
		float64(peak-before.HeapAlloc)/1e6, float64(before.HeapAlloc)/1e6, took.Round(time.Millisecond))
}

// phone is what a client holds after applying pages: (kind, id) → data.
type phone map[string]string

// apply applies a page as PROTOCOL §3 says: a bootstrap's first page
// replaces everything, then puts replace and removes delete.
func (p phone) apply(r *zsync.PullResponse) {
	if r.Bootstrap {
		clear(p)
	}
	for _, c := range r.Changes {
		if c.Op == zsync.OpRemove {
			delete(p, c.Kind+" "+c.ID)
		} else {
			p[c.Kind+" "+c.ID] = string(c.Data)
		}
	}
}

// visitsOf lists the visits a phone holds.
func (p phone) visits() map[string]bool {
	out := map[string]bool{}
	for k := range p {
		if id, ok := strings.CutPrefix(k, zsync.ChangeVisit+" "); ok {
			out[id] = true
		}
	}
	return out
}

// wholeState is the state a one-page bootstrap of user would carry: every
// visit BootstrapVisits lists, as StateChanges makes it.
func wholeState(t *testing.T, env *syncEnv, user string, year int) phone {
	t.Helper()
	want := phone{}
	err := env.e.Store.Read(context.Background(), func(tx zsync.ReadTx) error {
		ids, err := tx.BootstrapVisits(zsync.Scope{User: env.users[user]}, year, "", 1<<30)
		if err != nil {
			return err
		}
		states, err := tx.VisitStates(ids)
		if err != nil {
			return err
		}
		for i, st := range states {
			changes, err := zsync.StateChanges(ids[i], st)
			if err != nil {
				return err
			}
			want.apply(&zsync.PullResponse{Changes: changes})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return want
}

func TestBootstrapComesInBoundedPagesThatAddUpToTheWholeState(t *testing.T) {
	env := mustSyncEnv(t)
	manyVisits(t, env, "y24", 2024, 250, 3, 0)
	client := env.register(t, "insp1", "mobile")
	pages := bootstrapAll(t, env, "insp1", client, 0)
	if len(pages) < 3 {
		t.Fatalf("a bootstrap of 253 visits came in %d pages, want 3 or more", len(pages))
	}
	got := phone{}
	for i, p := range pages {
		n := 0
		for _, c := range p.Changes {
			if c.Kind == zsync.ChangeVisit {
				n++
			}
		}
		if n > 100 {
			t.Errorf("page %d carries %d visits, over the bound of 100", i, n)
		}
		if p.Bootstrap != (i == 0) {
			t.Errorf("page %d: bootstrap %v, want it on the first page only", i, p.Bootstrap)
		}
		if p.Cursor != pages[0].Cursor {
			t.Errorf("page %d: cursor %d, want the head at the start, %d", i, p.Cursor, pages[0].Cursor)
		}
		got.apply(p)
	}
	if last := pages[len(pages)-1]; last.HasMore || last.BootstrapToken != "" {
		t.Errorf("the last page says has_more %v, token %q", last.HasMore, last.BootstrapToken)
	}
	want := wholeState(t, env, "insp1", 0)
	// The whole state has no leases (the pull leased them) nor rejections.
	for k := range got {
		if strings.HasPrefix(k, zsync.ChangeLease+" ") {
			delete(got, k)
		}
	}
	if len(got.visits()) != 253 || !maps.Equal(got, want) {
		t.Errorf("the pages add up to %d records of %d visits, the whole state is %d records of %d visits",
			len(got), len(got.visits()), len(want), len(want.visits()))
	}
	// Smaller pages when the client asks for them.
	if p := env.pull(t, "insp1", client, 0); len(p.Changes) == 0 {
		t.Fatal("empty bootstrap")
	}
	small, err := env.e.Pull(context.Background(), env.users["insp1"], zsync.PullRequest{ClientID: client, Limit: 7})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(phone{}.with(small).visits()); n != 7 || !small.HasMore {
		t.Errorf("a bootstrap page with limit 7 carries %d visits (has_more %v)", n, small.HasMore)
	}
}

// with applies r to p and returns p.
func (p phone) with(r *zsync.PullResponse) phone {
	p.apply(r)
	return p
}

func TestBootstrapPagesMissNothingWrittenBetweenThemAndResumeAfterALostAnswer(t *testing.T) {
	env := mustSyncEnv(t)
	manyVisits(t, env, "y24", 2024, 250, 3, 0)
	ctx := context.Background()
	lead := env.register(t, "lead", "mobile")
	writer := env.register(t, "insp1", "mobile")
	got := phone{}
	first, err := env.e.Pull(ctx, env.users["lead"], zsync.PullRequest{ClientID: lead})
	if err != nil {
		t.Fatal(err)
	}
	got.apply(first)
	if !first.HasMore || first.BootstrapToken == "" {
		t.Fatalf("the first page of 253 visits says has_more %v, token %q", first.HasMore, first.BootstrapToken)
	}
	// Between pages: a visit already sent, one still to come, and a new
	// result on each.
	sent, later := "y24-00001", "y24-00240"
	if !got.visits()[sent] || got.visits()[later] {
		t.Fatalf("page 1 holds %s %v, %s %v", sent, got.visits()[sent], later, got.visits()[later])
	}
	for _, v := range []string{sent, later} {
		one(t, env.push(t, "insp1", writer, env.mut(writer, zsync.MutItemSet, itemSet(v, v+"-scjg-1", "不符合", 1))), "applied")
	}
	req := zsync.PullRequest{ClientID: lead, Cursor: first.Cursor, Epoch: first.Epoch, Bootstrap: first.BootstrapToken}
	for i := 0; ; i++ {
		resp, err := env.e.Pull(ctx, env.users["lead"], req)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			// The answer is lost: the same request again gives the same page.
			again, err := env.e.Pull(ctx, env.users["lead"], req)
			if err != nil {
				t.Fatal(err)
			}
			if again.BootstrapToken != resp.BootstrapToken || len(again.Changes) != len(resp.Changes) || again.Bootstrap {
				t.Fatalf("a resent page differs: token %q / %q, %d / %d changes", again.BootstrapToken, resp.BootstrapToken,
					len(again.Changes), len(resp.Changes))
			}
			resp = again
			// Another write, after the lost answer.
			one(t, env.push(t, "insp1", writer, env.mut(writer, zsync.MutItemSet, itemSet(sent, sent+"-scjg-2", "不涉及", 1))), "applied")
		}
		got.apply(resp)
		req = zsync.PullRequest{ClientID: lead, Cursor: resp.Cursor, Epoch: resp.Epoch, Bootstrap: resp.BootstrapToken}
		if !resp.HasMore {
			break
		}
		if i > 50 {
			t.Fatal("the bootstrap never ends")
		}
	}
	for _, item := range []string{sent + "-scjg-1", later + "-scjg-1", sent + "-scjg-2"} {
		var r zsync.ItemResult
		if err := json.Unmarshal([]byte(got[zsync.ChangeItemResult+" "+item]), &r); err != nil || r.Version != 2 {
			t.Errorf("the phone holds result %s as %q (%v), want the write made during the bootstrap", item, got[zsync.ChangeItemResult+" "+item], err)
		}
	}
	// The phone ends where a fresh bootstrap begins.
	fresh := phone{}
	for _, p := range bootstrapAll(t, env, "lead", env.register(t, "lead", "mobile"), 0) {
		fresh.apply(p)
	}
	// Leases are each client's own.
	for _, p := range []phone{got, fresh} {
		maps.DeleteFunc(p, func(k, _ string) bool { return strings.HasPrefix(k, zsync.ChangeLease+" ") })
	}
	if !maps.Equal(got, fresh) {
		n := 0
		for k, v := range fresh {
			if got[k] != v && n < 5 {
				t.Errorf("%s: phone %.80q, fresh bootstrap %.80q", k, got[k], v)
				n++
			}
		}
		t.Errorf("the phone holds %d records, a fresh bootstrap %d", len(got), len(fresh))
	}
}

func TestLeadBootstrapKeepsOpenWorkOfThePlanYearInProgress(t *testing.T) {
	env := mustSyncEnv(t)
	manyVisits(t, env, "y24", 2024, 20, 2, 4) // y24-00004, -00008, ... complete
	manyVisits(t, env, "y23", 2023, 10, 2, 0) // open, of last year's plan
	ctx := context.Background()
	// The lead on one 2023 visit's team keeps it: their own work.
	err := env.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO visit_members (visit_id, user_id, dept) VALUES ('y23-00003', 'lead', 'scjg')`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	env.now = time.Date(2026, 12, 4, 2, 0, 0, 0, time.UTC) // the clock is past the plans: the year comes from them
	got := phone{}
	pages := bootstrapAll(t, env, "lead", env.register(t, "lead", "mobile"), 0)
	for _, p := range pages {
		got.apply(p)
		if p.OpenYear != 2024 {
			t.Errorf("open_year %d, want 2024", p.OpenYear)
		}
	}
	visits := got.visits()
	for _, v := range []string{"v1", "v2", "v3", "y24-00001", "y24-00019", "y23-00003"} {
		if !visits[v] {
			t.Errorf("the lead's bootstrap lacks %s", v)
		}
	}
	for _, v := range []string{"y24-00004", "y24-00020", "y23-00001", "y23-00010", "v9"} {
		if visits[v] {
			t.Errorf("the lead's bootstrap holds %s (complete, of another year or not theirs)", v)
		}
	}
	if len(visits) != 3+15+1 {
		t.Errorf("the lead's bootstrap holds %d visits, want 19", len(visits))
	}
	for k := range got {
		if strings.HasPrefix(k, zsync.ChangeItemResult+" y24-00004") {
			t.Errorf("the lead's bootstrap holds %s of a complete visit", k)
		}
	}
	// An inspector keeps every visit of their teams, complete or of 2023.
	insp := phone{}
	for _, p := range bootstrapAll(t, env, "insp1", env.register(t, "insp1", "mobile"), 0) {
		insp.apply(p)
		if p.OpenYear != 0 {
			t.Errorf("an inspector's open_year %d, want none", p.OpenYear)
		}
	}
	if n := len(insp.visits()); n != 3+20+10 {
		t.Errorf("the inspector's bootstrap holds %d visits, want 33", n)
	}
	// The year in progress: the newest with open work not after the clock;
	// a plan of next year drawn early does not move it.
	manyVisits(t, env, "y27", 2027, 2, 2, 0)
	err = env.e.Store.Read(ctx, func(tx zsync.ReadTx) error {
		for clock, want := range map[int]int{2026: 2024, 2023: 2023, 2022: 2023, 2027: 2027} {
			if y, err := tx.OpenYear(clock); err != nil || y != want {
				t.Errorf("open year at clock %d: %d (%v), want %d", clock, y, err, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPullRefusesABootstrapTokenItDidNotMake(t *testing.T) {
	env := mustSyncEnv(t)
	client := env.register(t, "insp1", "mobile")
	for _, tok := range []string{"x", "b1.e.-1.0.v1", "b1.e.1.2024.", "b1..1.0.v1", "b2.e.1.0.v1"} {
		_, err := env.e.Pull(context.Background(), env.users["insp1"], zsync.PullRequest{ClientID: client, Bootstrap: tok})
		if schema.ErrorCode(err) != schema.EINVALID {
			t.Errorf("token %q: %v, want invalid", tok, err)
		}
	}
	// A token of another epoch (a restore since) starts the bootstrap over.
	resp, err := env.e.Pull(context.Background(), env.users["insp1"], zsync.PullRequest{ClientID: client, Bootstrap: "b1.0123.0.0.v1"})
	if err != nil || !resp.Bootstrap || len(phone{}.with(resp).visits()) != 3 {
		t.Errorf("a token of another epoch: %v, want a fresh bootstrap", err)
	}
}
