package http

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"zsc/schema"
	"zsc/server/authz"
	zsync "zsc/sync"
)

// OfficeClientPlatform names the server-side web client that office entry
// registers for each user: its results carry channel web (DESIGN §3).
const OfficeClientPlatform = "office-web"

// officeClientID returns the id of u's office-web client: the one already
// registered to u, or a new random UUIDv7. It used to be a UUIDv5 of the
// user id, which any inspector could compute from a pull (the lead's id is
// in every team) and register first, blocking the lead's paper entry for
// good (DESIGN §8.8). The caller holds o.entry, so two first entries of one
// user never make two clients.
func (o *office) officeClientID(ctx context.Context, u *schema.User) (string, error) {
	id, err := o.s.DB.ServerClient(ctx, u.ID, OfficeClientPlatform)
	if err != nil || id != "" {
		return id, err
	}
	return uuid.Must(uuid.NewV7()).String(), nil
}

// officeItem is one answered item of an office entry.
type officeItem struct {
	ItemID string `json:"item_id"`
	Value  string `json:"value"`
	Note   string `json:"note"`
}

// officeEntry is the body of POST /api/v1/office/results: one department's
// results of a check done on paper.
type officeEntry struct {
	VisitID string       `json:"visit_id"`
	Dept    string       `json:"dept"`
	Items   []officeItem `json:"items"`
	Outcome []string     `json:"outcome"`
	// Completed says the department's entry is finished: the visit is then
	// completed if every participating department has entered its results.
	Completed bool `json:"completed"`
}

// officeFate is what became of one part of an entry.
type officeFate struct {
	Name   string `json:"name"`
	Target string `json:"target"`
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// officeResults is the answer of both office results routes: the visit's
// checklist with every current answer and outcome, each with its channel
// and whether the office entered it.
type officeResults struct {
	VisitID  string          `json:"visit_id"`
	Status   string          `json:"status"`
	Visit    json.RawMessage `json:"visit"`
	Items    []officeAnswer  `json:"items"`
	Outcomes []officeOutcome `json:"outcomes"`
	// Missing lists what keeps the visit from completion, per department.
	Missing []string     `json:"missing"`
	Fates   []officeFate `json:"fates,omitempty"`
}

type officeAnswer struct {
	ItemID        string `json:"item_id"`
	Dept          string `json:"dept"`
	Name          string `json:"name"`
	Value         string `json:"value"`
	Note          string `json:"note"`
	Version       int64  `json:"version"`
	Channel       string `json:"channel"`
	OfficeEntered bool   `json:"office_entered"`
}

type officeOutcome struct {
	Dept          string   `json:"dept"`
	Categories    []string `json:"categories"`
	Version       int64    `json:"version"`
	Channel       string   `json:"channel"`
	OfficeEntered bool     `json:"office_entered"`
}

// visitResults answers GET /api/v1/office/results?visit_id=: what the office
// entry screen shows.
func (o *office) visitResults(c echo.Context) error {
	out, err := o.results(c, c.QueryParam("visit_id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// results reads a visit's checklist and answers through the sync store.
func (o *office) results(c echo.Context, visitID string) (*officeResults, error) {
	if visitID == "" {
		return nil, schema.Errorf(schema.EINVALID, "缺少 visit_id")
	}
	u := user(c)
	st, err := o.sync.VisitState(c.Request().Context(), u, visitID)
	if err != nil {
		return nil, err
	}
	var v *zsync.Visit
	err = o.sync.Store.Read(c.Request().Context(), func(tx zsync.ReadTx) error {
		v, err = tx.Visit(visitID)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &officeResults{VisitID: visitID, Status: v.Status, Visit: st.Visit, Items: []officeAnswer{}, Outcomes: []officeOutcome{}, Missing: []string{}}
	res := map[string]zsync.ItemResult{}
	for _, r := range st.Results {
		res[r.ItemID] = r
	}
	for _, it := range v.Items {
		a := officeAnswer{ItemID: it.ID, Dept: it.Dept, Name: it.Name}
		if r, ok := res[it.ID]; ok {
			a.Value, a.Note, a.Version, a.Channel = r.Value, r.Note, r.Version, r.Channel
			a.OfficeEntered = r.Channel == schema.ChannelWeb
		}
		out.Items = append(out.Items, a)
	}
	for _, oc := range st.Outcomes {
		out.Outcomes = append(out.Outcomes, officeOutcome{Dept: oc.Dept, Categories: oc.Categories, Version: oc.Version,
			Channel: oc.Channel, OfficeEntered: oc.Channel == schema.ChannelWeb})
	}
	if v.Status == "open" {
		err = o.sync.Store.Read(c.Request().Context(), func(tx zsync.ReadTx) error {
			out.Missing, err = zsync.Missing(tx, v, st, false)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// enterResults answers POST /api/v1/office/results: the office enters one
// department's results of a check done on paper. It goes through the sync
// engine, as a web client of the user (registered on first use), so that
// office entry and the phones share one code path: the same validation,
// scope rules, versions and conflicts, audit rows and change log, and the
// server records channel web on every result.
func (o *office) enterResults(c echo.Context) error {
	var req officeEntry
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.VisitID == "" || req.Dept == "" {
		return schema.Errorf(schema.EINVALID, "缺少 visit_id 或 dept")
	}
	if len(req.Items) == 0 && len(req.Outcome) == 0 && !req.Completed {
		return schema.Errorf(schema.EINVALID, "没有可录入的内容：请填写检查事项、检查结果，或标记录入完毕")
	}
	u := user(c)
	ctx := c.Request().Context()
	// Check the whole entry first, so that a mistake rejects all of it
	// instead of leaving half an entry behind.
	type current struct{ items, outcome map[string]int64 }
	cur := current{items: map[string]int64{}, outcome: map[string]int64{}}
	var v *zsync.Visit
	answered := map[string]bool{}
	err := o.sync.Store.Read(ctx, func(tx zsync.ReadTx) error {
		var err error
		if v, err = tx.Visit(req.VisitID); err != nil {
			return err
		}
		if v == nil {
			return schema.Errorf(schema.ENOTFOUND, "找不到检查 %s", req.VisitID)
		}
		if !zsync.CanSee(u, v) {
			return schema.Errorf(schema.EFORBIDDEN, "检查 %s 不在你所在地区或部门的范围内", req.VisitID)
		}
		if !v.HasDept(req.Dept) {
			name, err := deptName(tx, req.Dept)
			if err != nil {
				return err
			}
			return schema.Errorf(schema.EINVALID, "%s未参加检查 %s", name, req.VisitID)
		}
		if authz.Check(u, authz.ResultsEnter, authz.Scope{Dept: req.Dept}) != nil {
			mine, err := deptName(tx, u.Dept)
			if err != nil {
				return err
			}
			theirs, err := deptName(tx, req.Dept)
			if err != nil {
				return err
			}
			return schema.Errorf(schema.EFORBIDDEN, "谁检查、谁录入：你只能录入%s的检查内容，不能代%s录入", mine, theirs)
		}
		if v.Status != "open" {
			return schema.Errorf(schema.ECONFLICT, "检查 %s %s，不能再录入结果", req.VisitID, visitStatusText(v.Status))
		}
		for _, it := range v.Items {
			r, err := tx.ItemResult(it.ID)
			if err != nil {
				return err
			}
			if r != nil {
				cur.items[it.ID] = r.Version
				answered[it.ID] = true
			}
		}
		for _, d := range v.Depts {
			oc, err := tx.Outcome(v.ID, d)
			if err != nil {
				return err
			}
			if oc != nil {
				cur.outcome[d] = oc.Version
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	var muts []zsync.Mutation
	add := func(name string, args any) error {
		b, err := json.Marshal(args)
		if err != nil {
			return err
		}
		if _, err := zsync.DecodeArgs(name, b); err != nil {
			return err // a *schema.Error: invalid value, note too long, bad category
		}
		muts = append(muts, zsync.Mutation{ID: uuid.Must(uuid.NewV7()).String(), Name: name, Args: b,
			At: o.s.DB.Now().UTC().Format("2006-01-02T15:04:05.000Z07:00")})
		return nil
	}
	seen := map[string]bool{}
	for i, it := range req.Items {
		item := v.Item(it.ItemID)
		if item == nil || item.Dept != req.Dept {
			name := it.ItemID
			if item != nil {
				name = item.Name
			}
			return schema.Errorf(schema.EINVALID, "items[%d]：“%s”不是本次检查中该部门的检查事项", i, name)
		}
		if seen[it.ItemID] {
			return schema.Errorf(schema.EINVALID, "items[%d]：检查事项“%s”填写了两次", i, item.Name)
		}
		seen[it.ItemID] = true
		answered[it.ItemID] = true
		// The office's entry replaces whatever is there: it is based on the
		// current version, so it is never a conflict unless a phone writes
		// in between.
		if err := add(zsync.MutItemSet, zsync.ItemSetArgs{VisitID: v.ID, ItemID: it.ItemID, Value: it.Value, Note: it.Note,
			PhotoHashes: []string{}, BaseVersion: cur.items[it.ItemID]}); err != nil {
			return err
		}
	}
	if len(req.Outcome) > 0 {
		if err := add(zsync.MutOutcomeSet, zsync.OutcomeSetArgs{VisitID: v.ID, Dept: req.Dept, Categories: req.Outcome,
			BaseVersion: cur.outcome[req.Dept]}); err != nil {
			return err
		}
		cur.outcome[req.Dept] = -1
	}
	// 录入完毕 is the department's 本部门检查完毕 (R10a) once its part is
	// whole; the server completes the visit when every department is done.
	if req.Completed && o.deptEntered(v, req.Dept, answered, cur.outcome) {
		if err := add(zsync.MutDeptFinish, zsync.DeptFinishArgs{VisitID: v.ID, Dept: req.Dept}); err != nil {
			return err
		}
	}
	fates, err := o.push(c, u, muts)
	if err != nil {
		return err
	}
	out, err := o.results(c, v.ID)
	if err != nil {
		return err
	}
	out.Fates = fates
	return c.JSON(http.StatusOK, out)
}

// deptEntered reports whether, with this entry, department dept has
// answered every one of its items and recorded an outcome.
func (o *office) deptEntered(v *zsync.Visit, dept string, answered map[string]bool, outcome map[string]int64) bool {
	for _, it := range v.Items {
		if it.Dept == dept && !answered[it.ID] {
			return false
		}
	}
	_, ok := outcome[dept]
	return ok
}

// push registers the user's office-web client if needed and pushes the
// mutations through the sync engine with its next sequence numbers.
func (o *office) push(c echo.Context, u *schema.User, muts []zsync.Mutation) ([]officeFate, error) {
	if len(muts) == 0 {
		return []officeFate{}, nil
	}
	// Each fate names its target; read them before anything is written, so
	// a mutation this handler built wrongly fails the request, not its answer.
	targets := make([]string, len(muts))
	for i, m := range muts {
		var target struct {
			ItemID string `json:"item_id"`
			Dept   string `json:"dept"`
		}
		if err := json.Unmarshal(m.Args, &target); err != nil {
			return nil, fmt.Errorf("office entry: mutation %d (%s) args: %w", i, m.Name, err)
		}
		targets[i] = target.ItemID + target.Dept
	}
	ctx := c.Request().Context()
	o.entry.Lock()
	defer o.entry.Unlock()
	id, err := o.officeClientID(ctx, u)
	if err != nil {
		return nil, err
	}
	cl, err := o.sync.Register(ctx, u, zsync.RegisterRequest{ClientID: id, Kind: zsync.KindWeb,
		Platform: OfficeClientPlatform, Installed: false, AppVersion: "server"})
	if err != nil {
		return nil, err
	}
	for i := range muts {
		muts[i].Seq = cl.LastSeq + int64(i) + 1
	}
	resp, err := o.sync.Push(ctx, u, &zsync.PushRequest{ClientID: cl.ID, SchemaVersion: zsync.SchemaVersion, Mutations: muts})
	if err != nil {
		return nil, err
	}
	fates := make([]officeFate, 0, len(resp.Results))
	for i, r := range resp.Results {
		f := officeFate{Name: muts[i].Name, Target: targets[i], Status: r.Status, Reason: r.Reason}
		if r.Replayed {
			// Another request took this sequence number first: the lock makes
			// this impossible within one server; say so rather than hide it.
			f.Status, f.Reason = zsync.StatusRejected, "同步序号已被占用，请重新录入"
		}
		fates = append(fates, f)
	}
	if slices.ContainsFunc(fates, func(f officeFate) bool { return f.Status == zsync.StatusRejected }) {
		return fates, &schema.Error{Code: schema.ECONFLICT, Message: "部分内容未保存，详见下表", Details: fates}
	}
	return fates, nil
}

// deptName is the name a message gives a department (市住建局), or its code
// when the code names no department.
func deptName(tx zsync.ReadTx, code string) (string, error) {
	d, err := tx.Department(code)
	if schema.ErrorCode(err) == schema.EINVALID {
		return code, nil
	}
	if err != nil {
		return "", err
	}
	return d.Name, nil
}

// visitStatusText says a visit's status as the entry screen does.
func visitStatusText(status string) string {
	switch status {
	case "complete":
		return "已完成"
	case "replaced":
		return "已重抽"
	}
	return "状态为 " + status
}
