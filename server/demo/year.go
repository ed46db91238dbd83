package demo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"

	"zsc/schema"
	"zsc/server/report"
	"zsc/server/sqlstore"
	zsync "zsc/sync"
	"zsc/testdata"
)

// YearTasks are drawn in other counties than the spec's 西峰区 tasks
// (DemoTasks), with the synthetic inspectors of those counties, and some of
// their visits are done: so that a newcomer's dashboard and 附件3 show real
// numbers. None of these plans or regions is one a test creates or reads by
// plan number (4, 7, 8, 12, 31, 60, 66), and no spec account is on them.
// Done is how many of the task's visits are completed; Paper says which of
// those were checked on paper and entered by the office (the rest went
// through the inspectors' phones).
var YearTasks = []struct {
	Seq    int
	Region string
	Done   int
}{
	{22, "621021", 3}, // 二手车交易市场 (市商务局, 市市场监管局), 庆城县
	{26, "621022", 2}, // 艺术品经营单位 (市文体广电旅游局, 市市场监管局), 环县
	{49, "621026", 2}, // 物业服务企业 (市住建局, 市市场监管局), 宁县
	{52, "621027", 2}, // 生活用水 (市水务局, 市住建局, 市卫生健康委), 镇原县
}

// clock is the demo's clock while it loads: the plan year as it went, so
// that tasks, draws, visits and results carry 2024 dates inside the plans'
// windows (the plan is of 2024, not of the day the demo is started).
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// at sets the clock to a day of the plan year, h o'clock China time.
func (c *clock) at(day string, h int) error {
	d, err := time.ParseInLocation("2006-01-02", day, report.China)
	if err != nil {
		return fmt.Errorf("demo clock: %w", err)
	}
	c.t = d.Add(time.Duration(h) * time.Hour)
	return nil
}

// drawDay is when a task of plan p is drawn: the first Monday of its window
// (or of May when the window does not read), at 9 o'clock.
func drawDay(p *sqlstore.Plan) string {
	d, err := time.Parse("2006-01-02", p.Start)
	if err != nil || d.Year() != Year {
		d = time.Date(Year, 5, 1, 0, 0, 0, 0, time.UTC)
	}
	for d.Weekday() != time.Monday {
		d = d.AddDate(0, 0, 1)
	}
	return d.Format("2006-01-02")
}

// drawTask creates and draws one task of the demo as the office, on the
// plan's first Monday, with a seed fixed by plan and region.
func drawTask(ctx context.Context, db *sqlstore.DB, clk *clock, office *schema.User, plan *sqlstore.Plan, region string) (*sqlstore.Task, error) {
	if err := clk.at(drawDay(plan), 9); err != nil {
		return nil, err
	}
	t, err := db.CreateTask(ctx, office, sqlstore.NewTask{PlanID: plan.ID, Region: region, Batch: 1})
	if err != nil {
		return nil, fmt.Errorf("demo task of plan %d in %s: %w", plan.Seq, region, err)
	}
	seed := sha256.Sum256([]byte(fmt.Sprintf("zsc-demo-%d-%s", plan.Seq, region)))
	if _, err := db.RunDraw(ctx, office, t.ID, hex.EncodeToString(seed[:])); err != nil {
		return nil, fmt.Errorf("demo draw of plan %d in %s: %w", plan.Seq, region, err)
	}
	return t, nil
}

// yearWork completes visits of the YearTasks through the real sync engine:
// the inspectors' phones (channel mobile: check-in, every check point, the
// outcome, both inspectors' and the entity's signatures, 本部门检查完毕) or
// the office's paper entry (channel web, as POST /office/results does), then
// publishes a result or two as 市市场监管局's lead (谁检查、谁公开).
type yearWork struct {
	db      *sqlstore.DB
	clk     *clock
	eng     *zsync.Engine
	photos  string
	office  *schema.User
	lead    *schema.User
	seqs    map[string]int64 // client id → last seq
	clients map[string]string
	done    []*sqlstore.Visit // completed, in order
}

func newYearWork(db *sqlstore.DB, clk *clock, photos string, office, lead *schema.User) *yearWork {
	return &yearWork{db: db, clk: clk, eng: zsync.NewEngine(sqlstore.NewSyncStore(db), clk.now), photos: photos, office: office, lead: lead,
		seqs: map[string]int64{}, clients: map[string]string{}}
}

// client registers u's phone (mobile) or the office's server-side web client
// (the one office entry uses, platform office-web) once.
func (w *yearWork) client(ctx context.Context, u *schema.User, kind string) (string, error) {
	key := u.ID + "/" + kind
	if id, ok := w.clients[key]; ok {
		return id, nil
	}
	req := zsync.RegisterRequest{ClientID: uuid.Must(uuid.NewV7()).String(), Kind: kind, Platform: "演示数据", AppVersion: "demo"}
	if kind == zsync.KindWeb {
		req.Platform, req.AppVersion = "office-web", "server"
	}
	cl, err := w.eng.Register(ctx, u, req)
	if err != nil {
		return "", fmt.Errorf("demo client of %s: %w", u.Username, err)
	}
	w.clients[key], w.seqs[cl.ID] = cl.ID, cl.LastSeq
	return cl.ID, nil
}

type mut struct {
	name string
	args any
}

// push sends mutations as u from client id; every one must be applied.
func (w *yearWork) push(ctx context.Context, u *schema.User, id string, ms []mut) error {
	at := w.clk.now().UTC().Format("2006-01-02T15:04:05.000Z07:00")
	req := &zsync.PushRequest{ClientID: id, SchemaVersion: zsync.SchemaVersion}
	for _, m := range ms {
		b, err := json.Marshal(m.args)
		if err != nil {
			return err
		}
		w.seqs[id]++
		req.Mutations = append(req.Mutations, zsync.Mutation{Seq: w.seqs[id], ID: uuid.Must(uuid.NewV7()).String(), Name: m.name, At: at, Args: b})
	}
	resp, err := w.eng.Push(ctx, u, req)
	if err != nil {
		return fmt.Errorf("demo push of %s: %w", u.Username, err)
	}
	for i, r := range resp.Results {
		if r.Status != zsync.StatusApplied {
			return fmt.Errorf("demo push of %s: %s %s: %s %s", u.Username, req.Mutations[i].Name, string(req.Mutations[i].Args), r.Status, r.Reason)
		}
	}
	return nil
}

// signature writes a small signature image into the photo folder (the
// layout of server/http's blobPath) and records it, as an upload does.
func (w *yearWork) signature(ctx context.Context, u *schema.User, who string) (string, error) {
	img := image.NewGray(image.Rect(0, 0, 240, 80))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	h := sha256.Sum256([]byte(who))
	a, b := 8+float64(h[0]%12), 0.05+float64(h[1]%10)/100
	for x := 10; x < 230; x++ {
		y := 40 + a*math.Sin(float64(x)*b) + a/2*math.Sin(float64(x)*b*3)
		for d := -1; d <= 1; d++ {
			img.Set(x, int(y)+d, color.Gray{Y: 0x20})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", err
	}
	s := sha256.Sum256(buf.Bytes())
	sum := hex.EncodeToString(s[:])
	path := filepath.Join(w.photos, sum[:2], sum[2:4], sum)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("demo photo: %w", err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return "", fmt.Errorf("demo photo: %w", err)
	}
	if err := w.eng.AddUpload(ctx, u.ID, sum, int64(buf.Len())); err != nil {
		return "", fmt.Errorf("demo photo: %w", err)
	}
	return sum, nil
}

// answers are one department's check points with their values: all 符合,
// or the first one 不符合 with what was found.
func answers(v *sqlstore.Visit, dept string, fail bool) ([]mut, []string) {
	var ms []mut
	cats := []string{zsync.NoProblem}
	first := true
	for _, it := range v.Items {
		if it.Dept != dept {
			continue
		}
		val, note := "符合", ""
		if fail && first {
			val, note, cats = "不符合", "现场检查发现："+it.Name+"（已拍照取证，责令限期整改）", []string{zsync.Pending}
		}
		first = false
		ms = append(ms, mut{zsync.MutItemSet, map[string]any{"visit_id": v.ID, "item_id": it.ID, "value": val, "note": note, "photos": []string{}, "base_version": 0}})
	}
	ms = append(ms, mut{zsync.MutOutcomeSet, map[string]any{"visit_id": v.ID, "dept": dept, "categories": cats, "note": "", "base_version": 0}})
	return ms, cats
}

// byPhone completes a visit as its team does on site: each department's
// first inspector's phone records the department's part; the first one
// checks in and takes the entity's signature.
func (w *yearWork) byPhone(ctx context.Context, v *sqlstore.Visit, fail bool) error {
	for i, d := range v.Departments {
		var members []sqlstore.Member
		for _, m := range v.Team {
			if m.Dept == d.Code && m.Active {
				members = append(members, m)
			}
		}
		if len(members) == 0 {
			return fmt.Errorf("demo: visit of %s has no %s inspector", v.Entity.Name, d.Name)
		}
		u, err := userByID(ctx, w.db, members[0].UserID)
		if err != nil {
			return err
		}
		id, err := w.client(ctx, u, zsync.KindMobile)
		if err != nil {
			return err
		}
		var ms []mut
		if i == 0 {
			ms = append(ms, mut{zsync.MutCheckin, map[string]any{"id": uuid.Must(uuid.NewV7()).String(), "visit_id": v.ID, "lat": nil, "lng": nil, "accuracy": nil}})
		}
		a, _ := answers(v, d.Code, fail && i == 0)
		ms = append(ms, a...)
		for _, m := range members {
			sig, err := w.signature(ctx, u, m.Name)
			if err != nil {
				return err
			}
			ms = append(ms, mut{zsync.MutSignatureAdd, map[string]any{"id": uuid.Must(uuid.NewV7()).String(), "visit_id": v.ID, "kind": "inspector", "photo": sig, "dept": d.Code, "signer_id": m.UserID}})
		}
		if i == 0 {
			sig, err := w.signature(ctx, u, v.Entity.Name)
			if err != nil {
				return err
			}
			ms = append(ms, mut{zsync.MutSignatureAdd, map[string]any{"id": uuid.Must(uuid.NewV7()).String(), "visit_id": v.ID, "kind": "entity",
				"signer": "王经理", "role": "负责人", "phone": "13800000000", "confirmed": true, "photo": sig}})
		}
		ms = append(ms, mut{zsync.MutDeptFinish, map[string]any{"visit_id": v.ID, "dept": d.Code}})
		if err := w.push(ctx, u, id, ms); err != nil {
			return err
		}
	}
	return nil
}

// onPaper completes a visit checked on paper: the office enters every
// department's record, as its 录入纸质结果 screen does (channel web).
func (w *yearWork) onPaper(ctx context.Context, v *sqlstore.Visit) error {
	id, err := w.client(ctx, w.office, zsync.KindWeb)
	if err != nil {
		return err
	}
	for _, d := range v.Departments {
		ms, _ := answers(v, d.Code, false)
		ms = append(ms, mut{zsync.MutDeptFinish, map[string]any{"visit_id": v.ID, "dept": d.Code}})
		if err := w.push(ctx, w.office, id, ms); err != nil {
			return err
		}
	}
	return nil
}

// complete does `done` visits of task t on their scheduled days: every
// other one on paper, the first by phone with a 不符合.
func (w *yearWork) complete(ctx context.Context, t *sqlstore.Task, done int) error {
	vs, err := w.db.Visits(ctx, w.office, t.ID)
	if err != nil {
		return err
	}
	for i, v := range vs {
		if i >= done {
			break
		}
		if err := w.clk.at(v.ScheduledOn, 10); err != nil {
			return err
		}
		if i%2 == 1 || w.photos == "" {
			err = w.onPaper(ctx, v)
		} else {
			err = w.byPhone(ctx, v, i == 0)
		}
		if err != nil {
			return fmt.Errorf("demo visit %s of plan %d: %w", v.Entity.Name, t.PlanSeq, err)
		}
		w.done = append(w.done, v)
	}
	return nil
}

// publish publishes 市市场监管局's part of the first two completed visits
// it took part in, as its lead, a week after the visit.
func (w *yearWork) publish(ctx context.Context) error {
	cal, err := report.LoadCalendar(testdata.FS, "holidays")
	if err != nil {
		return err
	}
	n := 0
	for _, v := range w.done {
		scjg := false
		for _, d := range v.Departments {
			scjg = scjg || d.Code == "scjg"
		}
		if !scjg || n == 2 {
			continue
		}
		day, err := time.Parse("2006-01-02", v.ScheduledOn)
		if err != nil {
			return err
		}
		if err := w.clk.at(day.AddDate(0, 0, 7).Format("2006-01-02"), 15); err != nil {
			return err
		}
		if _, err := w.db.Publish(ctx, w.lead, sqlstore.PublishRequest{VisitID: v.ID, Dept: "scjg", Channels: []string{report.ChannelPlatform}}, cal); err != nil {
			return fmt.Errorf("demo publication of %s: %w", v.Entity.Name, err)
		}
		n++
	}
	return nil
}

// userByID reads an account as the engine needs it.
func userByID(ctx context.Context, db *sqlstore.DB, id string) (*schema.User, error) {
	var u schema.User
	err := db.Reader().QueryRowContext(ctx, `SELECT id, username, name, role, dept, region, cert_no, expert, on_duty FROM users WHERE id = ?`, id).
		Scan(&u.ID, &u.Username, &u.Name, &u.Role, &u.Dept, &u.Region, &u.CertNo, &u.Expert, &u.OnDuty)
	if err != nil {
		return nil, fmt.Errorf("demo user %s: %w", id, err)
	}
	return &u, nil
}
