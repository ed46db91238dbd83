package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"zsc/schema"
	"zsc/server/directory"
	"zsc/server/planimport"
	"zsc/server/sqlstore"
	"zsc/server/synth"
)

// DemoTasks are drawn at start-up with fixed seeds, so that insp1, insp2,
// insp3 and lead find joint visits waiting: plan 66 (大中型餐饮服务:
// 市市场监管局, 市住建局, 市卫健委), plan 7 (养老机构, 100%) and plan 8
// (殡葬服务机构: 市民政局 and 市市场监管局, a joint visit of two
// departments) in 西峰区.
var DemoTasks = []struct {
	Seq    int
	Region string
}{{66, "621002"}, {7, "621002"}, {8, "621002"}}

// Config returns the synthetic directory of the demo for the year's plans:
// one tag per plan target, sub-population flags from the ratio overrides,
// pools for every department in every region (and the city).
func Config(plans []*sqlstore.Plan, depts []sqlstore.Department, regions []sqlstore.Region, entities int) (synth.Config, error) {
	c := synth.Config{Seed: 2024, Entities: entities, SubFlags: map[string][]string{}, InspectorsPerPool: 4}
	for _, r := range regions {
		if r.Level == "county" {
			c.Regions = append(c.Regions, r.Code)
		}
		c.InspectorRegions = append(c.InspectorRegions, r.Code)
	}
	for _, d := range depts {
		if d.Kind == "member" {
			c.Depts = append(c.Depts, d.Code)
		}
	}
	for _, p := range plans {
		if !slices.Contains(c.Tags, p.Tag) {
			c.Tags = append(c.Tags, p.Tag)
		}
		var r planimport.Ratio
		if err := json.Unmarshal(p.Ratio, &r); err != nil {
			return c, fmt.Errorf("plan %s: ratio: %w", p.Tag, err)
		}
		for _, o := range r.Overrides {
			if !slices.Contains(c.SubFlags[p.Tag], o.Population) {
				c.SubFlags[p.Tag] = append(c.SubFlags[p.Tag], o.Population)
			}
		}
	}
	return c, nil
}

// loadDirectory imports the synthetic directory, pools and conflicts, then
// draws the demo tasks as the office.
func loadDirectory(ctx context.Context, db *sqlstore.DB, clk *clock, opt Options, admin *schema.User, hash string) error {
	plans, err := db.Plans(ctx, Year)
	if err != nil {
		return err
	}
	depts, err := db.Departments(ctx)
	if err != nil {
		return err
	}
	regions, err := db.Regions(ctx)
	if err != nil {
		return err
	}
	cfg, err := Config(plans, depts, regions, opt.Entities)
	if err != nil {
		return err
	}
	var es []directory.Entity
	if err := synth.Entities(cfg, func(e directory.Entity) error { es = append(es, e); return nil }); err != nil {
		return err
	}
	if _, err := db.ImportEntities(ctx, es, admin, schema.ChannelImport); err != nil {
		return fmt.Errorf("demo directory: %w", err)
	}
	var ins []directory.Inspector
	if err := synth.Inspectors(cfg, func(i directory.Inspector) error { ins = append(ins, i); return nil }); err != nil {
		return err
	}
	if _, err := db.ImportInspectors(ctx, ins, hash, admin, schema.ChannelImport); err != nil {
		return fmt.Errorf("demo inspectors: %w", err)
	}
	var cs []directory.Conflict
	if err := synth.Conflicts(cfg, func(c directory.Conflict) error { cs = append(cs, c); return nil }); err != nil {
		return err
	}
	if _, err := db.ImportConflicts(ctx, cs, admin, schema.ChannelImport); err != nil {
		return fmt.Errorf("demo conflicts: %w", err)
	}
	office, err := db.UserByUsername(ctx, "office")
	if err != nil {
		return err
	}
	planOf := func(seq int) (*sqlstore.Plan, error) {
		for _, p := range plans {
			if p.Seq == seq {
				return p, nil
			}
		}
		return nil, fmt.Errorf("demo: plan %d not in the seed", seq)
	}
	for _, dt := range DemoTasks {
		plan, err := planOf(dt.Seq)
		if err != nil {
			return err
		}
		if _, err := drawTask(ctx, db, clk, office, plan, dt.Region); err != nil {
			return err
		}
	}
	lead, err := db.UserByUsername(ctx, "lead")
	if err != nil {
		return err
	}
	w := newYearWork(db, clk, opt.Photos, office, lead)
	for _, yt := range YearTasks {
		plan, err := planOf(yt.Seq)
		if err != nil {
			return err
		}
		t, err := drawTask(ctx, db, clk, office, plan, yt.Region)
		if err != nil {
			return err
		}
		if err := w.complete(ctx, t, yt.Done); err != nil {
			return err
		}
	}
	return w.publish(ctx)
}
