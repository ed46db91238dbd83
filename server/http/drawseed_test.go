package http_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"zsc/schema"
)

// Issue 11 item 8: the draw's seed cannot be chosen over HTTP; a seed the
// server made is recorded as random, one an operator supplied as supplied,
// and verify says which.
func TestDrawSeedIsNeverChosen(t *testing.T) {
	ts := MustOpenServer(t)
	office := ts.Login(t, "office").AccessToken
	t.Run("a draw request that carries a seed is refused and draws nothing", func(t *testing.T) {
		var task taskJSON
		ts.Do(t, "POST", "/api/v1/tasks", office, map[string]any{"plan_id": planID(t, ts, office, 4), "region": "621002"}, &task)
		var e APIError
		code := ts.Do(t, "POST", "/api/v1/tasks/"+task.ID+"/draw", office, map[string]string{"seed": strings.Repeat("ab", 32)}, &e)
		if code != 400 || !strings.Contains(e.Message, "seed") {
			t.Fatalf("status %d %+v", code, e)
		}
		if code := ts.Do(t, "POST", "/api/v1/tasks/"+task.ID+"/draw?seed="+strings.Repeat("ab", 32), office, nil, &e); code != 400 {
			t.Fatalf("a seed in the query: status %d %+v", code, e)
		}
		var n int
		scanRow(t, ts.DB.Reader().QueryRow(`SELECT count(*) FROM draws WHERE task_id = ?`, task.ID), &n)
		if n != 0 {
			t.Fatalf("%d draws written", n)
		}
	})
	task5, d := createAndDraw(t, ts, office, 5, "621002")
	t.Run("a server-made seed is recorded as random, after the snapshot, and verifies clean", func(t *testing.T) {
		var source, seed string
		scanRow(t, ts.DB.Reader().QueryRow(`SELECT seed_source, seed FROM draws WHERE id = ?`, d.ID), &source, &seed)
		if source != "random" || len(seed) != 64 {
			t.Fatalf("seed_source %q seed %q", source, seed)
		}
		var v struct {
			Match      bool
			Reproduced bool
			SeedSource string `json:"seed_source"`
		}
		if code := ts.Do(t, "GET", "/api/v1/draws/"+d.ID+"/verify", office, nil, &v); code != 200 || !v.Match || !v.Reproduced || v.SeedSource != "random" {
			t.Fatalf("verify: %d %+v", code, v)
		}
	})
	t.Run("a supplied seed is recorded as supplied and verify says so instead of a clean match", func(t *testing.T) {
		var task taskJSON
		ts.Do(t, "POST", "/api/v1/tasks", office, map[string]any{"plan_id": planID(t, ts, office, 4), "region": "621021"}, &task)
		u, err := ts.DB.UserByUsername(context.Background(), "office")
		if err != nil {
			t.Fatal(err)
		}
		rec, err := ts.DB.RunDraw(context.Background(), u, task.ID, hex.EncodeToString(make([]byte, 32)))
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			Match      bool
			Reproduced bool
			Reason     string
			SeedSource string `json:"seed_source"`
		}
		ts.Do(t, "GET", "/api/v1/draws/"+rec.ID+"/verify", office, nil, &v)
		if v.Match || !v.Reproduced || v.SeedSource != "supplied" || !strings.Contains(v.Reason, "种子由操作人指定") {
			t.Fatalf("verify of a supplied seed: %+v", v)
		}
	})
	t.Run("each draw's record is public: task, snapshot hash, seed, its source, algorithm and counts", func(t *testing.T) {
		var pub struct {
			Count int
			Draws []struct {
				ID           string
				PlanSeq      int    `json:"plan_seq"`
				RegionName   string `json:"region_name"`
				Departments  []struct{ Code, Name string }
				SnapshotHash string `json:"snapshot_hash"`
				Seed         string
				SeedSHA256   string `json:"seed_sha256"`
				SeedSource   string `json:"seed_source"`
				Algorithm    string
				Population   int
				Drawn        int
				Strata       []struct {
					Class      string
					Population int
					Drawn      int
				}
				CreatedAt string `json:"created_at"`
			}
		}
		var hash, seed string
		if err := ts.DB.Reader().QueryRow(`SELECT snapshot_hash, seed FROM draws WHERE id = ?`, d.ID).Scan(&hash, &seed); err != nil {
			t.Fatal(err)
		}
		raw, err := hex.DecodeString(seed)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(raw)
		commitment := hex.EncodeToString(sum[:])
		record := func() (p struct {
			ID, Seed, SeedSHA256, SeedSource, SnapshotHash, Algorithm, RegionName, CreatedAt string
			PlanSeq, Drawn, Strata, Depts                                                    int
		}) {
			pub.Draws = nil
			if code := ts.Do(t, "GET", "/api/v1/public/draws", "", nil, &pub); code != 200 {
				t.Fatalf("status %d", code)
			}
			for _, r := range pub.Draws {
				if r.ID == d.ID {
					p.ID, p.Seed, p.SeedSHA256, p.SeedSource, p.SnapshotHash, p.Algorithm, p.RegionName, p.CreatedAt = r.ID, r.Seed, r.SeedSHA256, r.SeedSource, r.SnapshotHash, r.Algorithm, r.RegionName, r.CreatedAt
					p.PlanSeq, p.Drawn, p.Strata, p.Depts = r.PlanSeq, r.Drawn, len(r.Strata), len(r.Departments)
					return p
				}
			}
			t.Fatalf("draw %s not in the public list of %d", d.ID, pub.Count)
			return p
		}
		// While visits are open the seed is withheld (it would name the
		// entities before the inspectors arrive); its hash is published.
		p := record()
		if p.PlanSeq != 5 || p.RegionName != "西峰区" || p.Depts == 0 || p.SnapshotHash != hash || p.Seed != "" || p.SeedSHA256 != commitment ||
			p.SeedSource != "random" || p.Algorithm != "zsc-draw/1" || p.Drawn != d.Drawn || p.Strata == 0 || p.CreatedAt == "" {
			t.Fatalf("public record while visits are open %+v", p)
		}
		if err := ts.DB.Write(context.Background(), func(tx *schemaTx) error {
			_, err := tx.Exec(`UPDATE visits SET status = 'complete', completed_at = '2024-06-01T00:00:00Z' WHERE task_id = ? AND status = 'open'`, task5.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if p := record(); p.Seed != seed || p.SeedSHA256 != commitment {
			t.Fatalf("once every visit is done the seed is revealed and matches its commitment: %+v", p)
		}
	})
}

// Issue 11 item 9: a lead's swap asks R5 as the draw does, region included,
// and never ignores a failed 回避 read.
func TestSwapKeepsR5(t *testing.T) {
	ts := MustOpenServer(t)
	office := ts.Login(t, "office").AccessToken
	task, _ := createAndDraw(t, ts, office, 4, "621002")
	var visits []visitJSON
	ts.Do(t, "GET", "/api/v1/visits?task="+task.ID, office, nil, &visits)
	if len(visits) < 2 {
		t.Fatalf("%d visits", len(visits))
	}
	// The first case swaps on a visit of its own (the old code let that swap
	// through); the others are refused, so they can share one.
	outOf := func(v visitJSON) string {
		for _, m := range v.Team {
			if m.Dept == "wjw" && m.Active {
				return m.UserID
			}
		}
		t.Fatalf("visit %s has no wjw inspector", v.ID)
		return ""
	}
	free := func(v visitJSON, region string) string {
		var id string
		if err := ts.DB.Reader().QueryRow(`SELECT id FROM users WHERE role = 'inspector' AND disabled = 0 AND dept = 'wjw' AND region = ? AND cert_no != '' AND expert = 0 AND on_duty = 1
			AND id NOT IN (SELECT user_id FROM visit_members WHERE visit_id = ?) AND id NOT IN (SELECT user_id FROM interest_conflicts WHERE entity_id = ?) LIMIT 1`, region, v.ID, v.Entity.ID).Scan(&id); err != nil {
			t.Fatalf("no free wjw inspector in %s: %v", region, err)
		}
		return id
	}
	swap := func(v visitJSON, in string) (int, APIError) {
		var e APIError
		code := ts.Do(t, "PATCH", "/api/v1/visits/"+v.ID, office, map[string]any{"swap": map[string]string{"dept": "wjw", "out_user_id": outOf(v), "in_user_id": in}, "reason": "测试"}, &e)
		return code, e
	}
	t.Run("an inspector of another region cannot be swapped into a county task", func(t *testing.T) {
		code, e := swap(visits[0], free(visits[0], "621021"))
		if code != 400 || !strings.Contains(e.Message, "庆城县") || !strings.Contains(e.Message, "检查人员库") {
			t.Fatalf("status %d %+v", code, e)
		}
	})
	t.Run("an inspector in 回避 with the entity cannot be swapped in", func(t *testing.T) {
		v := visits[1]
		in := free(v, "621002")
		if err := ts.DB.Write(context.Background(), func(tx *schemaTx) error {
			_, err := tx.Exec(`INSERT INTO interest_conflicts (user_id, entity_id, reason) VALUES (?, ?, '亲属')`, in, v.Entity.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if code, e := swap(v, in); code != 400 || !strings.Contains(e.Message, "回避") {
			t.Fatalf("status %d %+v", code, e)
		}
	})
	t.Run("a 回避 list that cannot be read fails the swap instead of skipping the check", func(t *testing.T) {
		v := visits[1]
		in := free(v, "621002")
		if err := ts.DB.Write(context.Background(), func(tx *schemaTx) error {
			_, err := tx.Exec(`ALTER TABLE interest_conflicts RENAME TO interest_conflicts_gone`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if code, e := swap(v, in); code != 500 {
			t.Fatalf("status %d %+v", code, e)
		}
		var n int
		scanRow(t, ts.DB.Reader().QueryRow(`SELECT count(*) FROM visit_members WHERE visit_id = ? AND user_id = ? AND active = 1`, v.ID, in), &n)
		if n != 0 {
			t.Fatal("the swap went through without its 回避 check")
		}
	})
	_ = schema.CityRegion
}

// Issue 11 item 9: a 回避 row that cannot be read fails the draw; it is
// never dropped from the snapshot, which would still verify.
func TestDrawFailsOnAnUnreadableConflict(t *testing.T) {
	ts := MustOpenServer(t)
	office := ts.Login(t, "office").AccessToken
	var task taskJSON
	ts.Do(t, "POST", "/api/v1/tasks", office, map[string]any{"plan_id": planID(t, ts, office, 4), "region": "621002"}, &task)
	// A NULL inspector cannot be scanned; the table is rebuilt without its
	// NOT NULL only to produce such a row.
	err := ts.DB.Write(context.Background(), func(tx *schemaTx) error {
		for _, q := range []string{
			`CREATE TABLE ic2 AS SELECT * FROM interest_conflicts`,
			`DROP TABLE interest_conflicts`,
			`CREATE TABLE interest_conflicts (user_id TEXT, entity_id TEXT, reason TEXT)`,
			`INSERT INTO interest_conflicts SELECT * FROM ic2`,
			`INSERT INTO interest_conflicts (user_id, entity_id, reason) SELECT NULL, id, '坏行' FROM entities LIMIT 1`,
		} {
			if _, err := tx.Exec(q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var e APIError
	if code := ts.Do(t, "POST", "/api/v1/tasks/"+task.ID+"/draw", office, nil, &e); code != 500 {
		t.Fatalf("status %d %+v", code, e)
	}
	var n int
	scanRow(t, ts.DB.Reader().QueryRow(`SELECT count(*) FROM draws WHERE task_id = ?`, task.ID), &n)
	if n != 0 {
		t.Fatal("a draw was stored from a snapshot that lost a 回避 row")
	}
}
