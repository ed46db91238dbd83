package sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"zsc/schema"
	"zsc/server/authz"
)

// Push applies a client's batch of mutations (DESIGN §5 step 3), after
// Replicache's push.ts:
//
//  1. Check the client: registered, and the caller's own (§5 step 1).
//  2. Open one write transaction for the whole push; note last_seen and the
//     pending count the client reports (§5 step 8).
//  3. For each mutation, in order:
//     a. seq at or below the client's last_seq: skip it and answer again with
//     the fate stored the first time, replayed: true;
//     b. seq above last_seq+1: a gap; roll everything back and answer 409
//     sequence_gap with expected_seq in the details;
//     c. otherwise apply it inside a savepoint: it is applied, recorded as a
//     conflict (§5 step 5), or rejected with a reason (unknown name, a
//     schema version not spoken here, invalid args, out of scope, a state
//     that does not allow it). A rejection undoes whatever the mutation
//     wrote, is stored with its reason and still advances last_seq, so one
//     bad mutation never blocks the queue.
//     Every fate lands in the mutation log and the audit log (R15).
//  4. Store the new last_seq, commit, and only then answer.
//
// Uniqueness (one fate per client and seq, one mutation per id, one record
// per phone-made id) is enforced by the database's UNIQUE constraints.
//
// A push whose schema_version is not SchemaVersion is not refused whole:
// each new mutation is rejected with a reason naming the version and kept
// with its args in the mutation log, so the outbox drains and the app can
// update (§5 step 7 offers an update only on an empty outbox); the office
// can recover the work from the log.
func (e *Engine) Push(ctx context.Context, u *schema.User, req *PushRequest) (*PushResponse, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	// Arguments are decoded before the write transaction: the single writer
	// is the bottleneck under load, and decoding needs nothing of the store.
	decoded := make([]decodedArgs, len(req.Mutations))
	if req.SchemaVersion == SchemaVersion {
		for i, m := range req.Mutations {
			decoded[i].args, decoded[i].err = DecodeArgs(m.Name, m.Args)
		}
	}
	// A new mutation's id is almost never taken (phones make UUIDv7s), so
	// the first try does not look the push's ids up: the store's unique
	// keys refuse a taken one, the transaction fails whole with
	// ErrDuplicate, and the second try looks them up first and keeps such a
	// mutation as a rejection. Both tries answer the same; the first spares
	// the single writer a lookup per push.
	resp, err := e.push(ctx, u, req, decoded, false)
	if errors.Is(err, ErrDuplicate) {
		resp, err = e.push(ctx, u, req, decoded, true)
	}
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// push is one try of Push: its write transaction. lookUp: look the new
// mutations' ids up before applying them (MutationIDsTaken).
func (e *Engine) push(ctx context.Context, u *schema.User, req *PushRequest, decoded []decodedArgs, lookUp bool) (*PushResponse, error) {
	var resp *PushResponse
	err := e.Store.Write(ctx, func(tx Tx) error {
		// Step 1 and 2.
		c, err := ownClient(tx, u, req.ClientID)
		if err != nil {
			return err
		}
		if req.Epoch != "" {
			epoch, err := tx.Epoch()
			if err != nil {
				return err
			}
			if epoch != req.Epoch {
				return &schema.Error{Code: schema.EEPOCH, Message: "服务器已从备份恢复，请先同步下载后再上传",
					Details: map[string]string{"epoch": epoch}}
			}
		}
		at := e.now()
		p := &pusher{e: e, tx: tx, u: u, c: c, at: at, visits: map[string]*Visit{}, names: deptNames{tx: tx}}
		// Mutation ids are unique across all clients: one query for the
		// new mutations of the push instead of one per mutation.
		p.taken = map[string]bool{}
		if lookUp {
			var ids []string
			for _, m := range req.Mutations {
				if m.Seq > c.LastSeq {
					ids = append(ids, m.ID)
				}
			}
			if p.taken, err = tx.MutationIDsTaken(ids); err != nil {
				return err
			}
		}
		resp = &PushResponse{LastSeq: c.LastSeq, Results: make([]Result, 0, len(req.Mutations))}
		// Step 3.
		for i, m := range req.Mutations {
			switch {
			case m.Seq <= resp.LastSeq: // 3a
				r, sent, err := tx.MutationFate(c.ID, m.Seq)
				if err != nil {
					return err
				}
				if r == nil {
					return fmt.Errorf("client %s: no stored fate for seq %d at or below last_seq %d", c.ID, m.Seq, resp.LastSeq)
				}
				// A replay is the same mutation sent again. Another one under
				// a used seq would be dropped if answered with the stored
				// fate: refuse the push whole so the client renumbers it.
				if sent != m.ID {
					return &schema.Error{Code: schema.ESEQREUSED,
						Message: fmt.Sprintf("操作序号 %d 已被本机此前发送的另一条操作使用，本次未保存任何操作：请从 %d 起重新编号后发送", m.Seq, c.LastSeq+1),
						Details: map[string]int64{"seq": m.Seq, "expected_seq": c.LastSeq + 1}}
				}
				r.Replayed = true
				resp.Results = append(resp.Results, *r)
			case m.Seq > resp.LastSeq+1: // 3b
				return &schema.Error{Code: schema.EGAP,
					Message: fmt.Sprintf("收到操作序号 %d，服务器期望的下一个序号为 %d：请从 %d 起重新发送", m.Seq, resp.LastSeq+1, resp.LastSeq+1),
					Details: map[string]int64{"expected_seq": resp.LastSeq + 1}}
			default: // 3c
				r, err := p.one(m, req.SchemaVersion, decoded[i])
				if err != nil {
					return err
				}
				resp.Results = append(resp.Results, r)
				resp.LastSeq = m.Seq
			}
		}
		// Step 4, with last_seen and the pending count (a refused push
		// rolls back whole, so nothing is lost by noting them last).
		var last *int64
		if resp.LastSeq != c.LastSeq {
			last = &resp.LastSeq
		}
		return tx.TouchClient(c.ID, at, req.Pending, last)
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// pusher carries what every mutation of one push shares.
type pusher struct {
	e  *Engine
	tx Tx
	u  *schema.User
	c  *Client
	at string // the server's receive time of this push
	// visits caches the visits this push's mutations name: a batch of 50
	// results of one visit loads it once, not 50 times. No mutation changes
	// a visit's team, departments or checklist; visit.complete drops its
	// entry, and a rolled-back mutation empties the cache.
	visits map[string]*Visit
	// taken are the ids of this push's mutations that another mutation
	// already used: such a mutation is kept as a rejection under a new id.
	taken map[string]bool
	// names caches the departments that reasons and notices name; they are
	// looked up only when one is needed.
	names deptNames
}

// visit loads a visit through the push's cache.
func (p *pusher) visit(id string) (*Visit, error) {
	if v, ok := p.visits[id]; ok {
		return v, nil
	}
	v, err := p.tx.Visit(id)
	if err != nil {
		return nil, err
	}
	p.visits[id] = v
	return v, nil
}

// CodeSettleStale is the code of a settlement refused because the value
// moved since the lead saw it (Result.Code).
const CodeSettleStale = schema.ESETTLESTALE

// fate is what applying one mutation decided.
type fate struct {
	status string
	reason string
	code   string // Result.Code
}

var applied = fate{status: StatusApplied}

// reject is a rejection with a reason the client sees.
func reject(format string, args ...any) fate {
	return fate{status: StatusRejected, reason: fmt.Sprintf(format, args...)}
}

// scopePrefix starts the reason of every rejection for scope, so that the
// audit log and the phone both say plainly that the caller overstepped. It
// is for people only: no code reads it.
const scopePrefix = "越权："

// decodedArgs is a mutation's arguments as DecodeArgs returned them.
type decodedArgs struct {
	args Args
	err  error
}

// one applies mutation m (§5 step 3c) inside a savepoint.
func (p *pusher) one(m Mutation, schemaVersion int, d decodedArgs) (Result, error) {
	tx := p.tx
	if err := tx.Savepoint(); err != nil {
		return Result{}, err
	}
	var args Args
	var visitID string
	f, err := func() (fate, error) {
		if schemaVersion != SchemaVersion {
			return reject("应用的数据格式版本（schema_version %d）与服务器（%d）不一致，请更新应用；本条记录已保存在服务器日志中", schemaVersion, SchemaVersion), nil
		}
		if p.taken[m.ID] {
			return reject("操作编号 %s 已被其他操作使用", m.ID), nil
		}
		a, err := d.args, d.err
		if err != nil {
			return reject("%s", schema.ErrorMessage(err)), nil
		}
		args, visitID = a, a.Visit()
		if _, err := time.Parse(time.RFC3339, m.At); err != nil {
			return reject("at（操作时间）必须是 RFC 3339 格式的时间"), nil
		}
		return p.apply(m, a)
	}()
	if err != nil {
		return Result{}, err
	}
	rec := &MutationRecord{ID: m.ID, ClientID: p.c.ID, Seq: m.Seq, Name: clip(m.Name, 64), Args: m.Args,
		ClientAt: clip(m.At, 64), ReceivedAt: p.at, VisitID: visitID, UserID: p.u.ID, Channel: p.c.Channel()}
	if len(rec.Args) == 0 {
		rec.Args = json.RawMessage("null")
	}
	// The whole fate is stored, so that a replay answers exactly what the
	// first answer said (a conflict's reason too).
	rec.Reason, rec.Code = f.reason, f.code
	if f.status != StatusRejected {
		rec.Status = f.status
		err := tx.RecordMutation(rec)
		if errors.Is(err, ErrDuplicate) {
			// The id was used by another mutation: undo this one and keep it
			// as a rejection under a server-made id.
			f = reject("操作编号 %s 已被其他操作使用", m.ID)
		} else if err != nil {
			return Result{}, err
		}
	}
	if f.status == StatusRejected {
		if err := tx.RollbackToSavepoint(); err != nil {
			return Result{}, err
		}
		clear(p.visits)
		rec.Status, rec.Reason, rec.Code = StatusRejected, f.reason, f.code
		err := ErrDuplicate
		if !p.taken[m.ID] {
			err = tx.RecordMutation(rec)
		}
		if errors.Is(err, ErrDuplicate) {
			rec.ID, rec.SentID = p.e.NewID(), m.ID
			rec.Reason = fmt.Sprintf("%s（操作编号 %s 已被使用，改存为 %s）", f.reason, m.ID, rec.ID)
			f.reason = rec.Reason
			err = tx.RecordMutation(rec)
		}
		if err != nil {
			return Result{}, err
		}
		if err := p.rejected(rec, args); err != nil {
			return Result{}, err
		}
	}
	if err := tx.ReleaseSavepoint(); err != nil {
		return Result{}, err
	}
	return Result{Seq: m.Seq, Status: f.status, Reason: f.reason, Code: f.code}, nil
}

// rejected audits a rejection and tells the client why, through a
// client-scoped "rejection" change its next pull carries.
func (p *pusher) rejected(rec *MutationRecord, args Args) error {
	action := rec.Name
	if !slices.Contains(MutationNames, action) {
		action = "mutation.unknown"
	}
	if err := p.tx.Audit(AuditEntry{At: p.at, UserID: p.u.ID, ClientID: p.c.ID, Channel: p.c.Channel(),
		Action: action, Kind: "mutation", EntityID: rec.ID, ParentKind: parentKind(rec.VisitID), ParentID: rec.VisitID,
		After: rec.Args, Reason: "被拒绝：" + rec.Reason}); err != nil {
		return err
	}
	return p.tx.AppendChange(Change{Kind: ChangeRejection, Op: OpPut, EntityID: rec.ID, ClientID: p.c.ID,
		Data: Rejection{MutationID: rec.ID, Seq: rec.Seq, Name: rec.Name, Reason: rec.Reason, At: rec.ReceivedAt}})
}

func parentKind(visitID string) string {
	if visitID == "" {
		return ""
	}
	return "visit"
}

// apply decides and writes one decoded mutation.
func (p *pusher) apply(m Mutation, a Args) (fate, error) {
	v, err := p.visit(a.Visit())
	if err != nil {
		return fate{}, err
	}
	if v == nil {
		return reject("找不到检查 %s", clipID(a.Visit())), nil
	}
	if !CanSee(p.u, v) {
		for _, mb := range v.Members {
			if mb.UserID == p.u.ID && !mb.Active {
				return reject("你已被组长调出本次检查；本条记录已保存在服务器，组长可以查看并处理"), nil
			}
		}
		return reject("%s本次检查不在你的范围内", scopePrefix), nil
	}
	if v.Status == "replaced" {
		return reject("本次检查已重抽，不再接受录入"), nil
	}
	clientAt := FormatTime(mustTime(m.At))
	switch a := a.(type) {
	case *CheckinArgs:
		return p.checkin(m, v, a, clientAt)
	case *ItemSetArgs:
		return p.itemSet(m, v, a, clientAt)
	case *OutcomeSetArgs:
		return p.outcomeSet(m, v, a, clientAt)
	case *SignatureAddArgs:
		return p.signature(m, v, a, clientAt)
	case *NoticeIssueArgs:
		return p.noticeIssue(m, v, a, clientAt)
	case *NoticeServeArgs:
		return p.noticeServe(m, v, a, clientAt)
	case *FollowupRecordArgs:
		return p.followup(m, v, a, clientAt)
	case *VisitCompleteArgs:
		return p.complete(m, v)
	case *ConflictSettleArgs:
		return p.settle(m, v, a)
	case *DeptFinishArgs:
		return p.deptFinish(m, v, a)
	case *NoticeVoidArgs:
		return p.noticeVoid(m, v, a)
	}
	return reject("未知的操作类型 %q", m.Name), nil
}

func mustTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return t
}

// forDept checks that the caller acts for dept: inspectors and leads for
// their own department only (谁检查、谁录入), the 联席办 and admins for all.
func (p *pusher) forDept(dept string) (fate, bool, error) {
	if authz.Can(p.u, authz.ResultsEnter, authz.Scope{Dept: dept}) {
		return fate{}, true, nil
	}
	mine, err := p.deptName(p.u.Dept)
	if err != nil {
		return fate{}, false, err
	}
	theirs, err := p.deptName(dept)
	if err != nil {
		return fate{}, false, err
	}
	return reject("%s你只能录入%s的检查内容，不能代%s录入（谁检查、谁录入）", scopePrefix, mine, theirs), false, nil
}

// deptName is the name a reason gives a department (市住建局), or its code
// when the code names no department.
func (p *pusher) deptName(code string) (string, error) { return p.names.name(code) }

// voidReasonText says in Chinese why a leased number was voided; the
// stored reasons are the engine's own (see Engine.void).
func voidReasonText(reason string) string {
	switch reason {
	case "lease expired":
		return "预留期已过"
	case "client retired":
		return "设备已停用"
	}
	return reason
}

// pickText is the audit reason of a settlement, by the value picked.
var pickText = map[string]string{"server": "采用服务器值", "client": "采用手机值"}

// deptOpen checks what every department-scoped mutation needs: the
// department takes part in the visit, the caller acts for it, and the visit
// is open.
func (p *pusher) deptOpen(v *Visit, dept string) (fate, bool, error) {
	if !v.HasDept(dept) {
		name, err := p.deptName(dept)
		if err != nil {
			return fate{}, false, err
		}
		return reject("%s未参加本次检查", name), false, nil
	}
	if f, ok, err := p.forDept(dept); err != nil || !ok {
		return f, false, err
	}
	if f, ok := p.open(v); !ok {
		return f, false, nil
	}
	return fate{}, true, nil
}

func (p *pusher) open(v *Visit) (fate, bool) {
	if v.Status != "open" {
		return reject("本次检查已完成，如需修改请联系检查组长"), false
	}
	return fate{}, true
}

// audit writes an applied mutation's audit row.
func (p *pusher) audit(m Mutation, kind, id, visitID string, before, after any, reason string) error {
	return p.tx.Audit(AuditEntry{At: p.at, UserID: p.u.ID, ClientID: p.c.ID, Channel: p.c.Channel(), Action: m.Name,
		Kind: kind, EntityID: id, ParentKind: parentKind(visitID), ParentID: visitID, Before: before, After: after, Reason: reason})
}

// done finishes an applied mutation: its audit row (before → after) and the
// change that carries the new value to every phone in scope (steps 3 and 4).
func (p *pusher) done(m Mutation, kind, id, visitID string, before, after any) (fate, error) {
	// Encoded once for both rows: on a push of results this is most of the
	// engine's own work.
	a, err := encodeData(after)
	if err != nil {
		return fate{}, err
	}
	if err := p.audit(m, kind, id, visitID, before, json.RawMessage(a), ""); err != nil {
		return fate{}, err
	}
	return applied, p.change(kind, id, visitID, json.RawMessage(a))
}

func (p *pusher) change(kind, id, visitID string, data any) error {
	return p.tx.AppendChange(Change{Kind: kind, Op: OpPut, EntityID: id, VisitID: visitID, Data: data})
}

func (p *pusher) blobRefs(visitID string, hashes []string) error {
	if len(hashes) == 0 {
		return nil
	}
	if err := p.tx.AddBlobRefs(visitID, p.c.ID, hashes); err != nil {
		return err
	}
	// A photo that arrived before the mutation naming it: the visit hears of it now.
	for _, h := range hashes {
		b, err := p.tx.Blob(h)
		if err != nil {
			return err
		}
		if b != nil {
			if err := p.change(ChangeBlob, h, visitID, b); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *pusher) checkin(m Mutation, v *Visit, a *CheckinArgs, clientAt string) (fate, error) {
	if f, ok := p.open(v); !ok {
		return f, nil
	}
	c := &Checkin{ID: a.ID, VisitID: v.ID, UserID: p.u.ID, At: clientAt, Lat: a.Lat, Lng: a.Lng, Accuracy: a.Accuracy,
		ClientID: p.c.ID, Channel: p.c.Channel()}
	if err := p.tx.AddCheckin(c); errors.Is(err, ErrDuplicate) {
		return reject("该签到已记录过（%s）", a.ID), nil
	} else if err != nil {
		return fate{}, err
	}
	f, err := p.done(m, ChangeCheckin, c.ID, v.ID, nil, c)
	if err != nil {
		return f, err
	}
	return f, p.completeIfReady(m, v)
}

// itemSet applies item.set with the conflict rule of §5 step 5: the phone's
// value wins when it was based on the server's current version, or when the
// current version is this client's own (a later edit of the same phone never
// conflicts with its earlier one); an identical value is a no-op; otherwise
// the server keeps its value and the phone's is stored as a conflict.
func (p *pusher) itemSet(m Mutation, v *Visit, a *ItemSetArgs, clientAt string) (fate, error) {
	it := v.Item(a.ItemID)
	if it == nil {
		return reject("检查事项“%s”不在本次检查的检查单中", clipID(a.ItemID)), nil
	}
	if f, ok, err := p.forDept(it.Dept); err != nil || !ok {
		return f, err
	}
	if f, ok := p.open(v); !ok {
		return f, nil
	}
	cur, err := p.tx.ItemResult(it.ID)
	if err != nil {
		return fate{}, err
	}
	want := a.ResultValue()
	if err := p.blobRefs(v.ID, want.Photos); err != nil {
		return fate{}, err
	}
	if cur != nil {
		have := ResultValue{Value: cur.Value, Note: cur.Note, Photos: nonNil(cur.Photos)}
		if reflect.DeepEqual(have, want) {
			return applied, p.audit(m, ChangeItemResult, it.ID, v.ID, cur, cur, "与服务器值相同，未作修改")
		}
		if a.BaseVersion != cur.Version && cur.ClientID != p.c.ID {
			return p.conflict(m, v, ChangeItemResult, it.ID, it.Dept, have, cur.UserID, cur.UpdatedAt, cur.Version, want, clientAt)
		}
	}
	r := &ItemResult{ItemID: it.ID, VisitID: v.ID, Dept: it.Dept, Value: want.Value, Note: want.Note, Photos: want.Photos,
		Version: 1, UserID: p.u.ID, ClientID: p.c.ID, Channel: p.c.Channel(), MutationID: m.ID, UpdatedAt: p.at}
	if cur != nil {
		r.Version = cur.Version + 1
	}
	return p.putResult(m, v, r, cur)
}

func (p *pusher) putResult(m Mutation, v *Visit, r, before *ItemResult) (fate, error) {
	if err := p.tx.PutItemResult(r); err != nil {
		return fate{}, err
	}
	if err := p.followConflicts(r.VisitID, ChangeItemResult, r.ItemID, ResultValue{Value: r.Value, Note: r.Note, Photos: nonNil(r.Photos)},
		r.Version, r.UserID, r.UpdatedAt); err != nil {
		return fate{}, err
	}
	var b any
	if before != nil {
		b = before
	}
	f, err := p.done(m, ChangeItemResult, r.ItemID, r.VisitID, b, r)
	if err != nil {
		return f, err
	}
	// A correction after every department finished may drop the last photo
	// the visit waited for: it may complete the visit.
	return f, p.completeIfReady(m, v)
}

func (p *pusher) outcomeSet(m Mutation, v *Visit, a *OutcomeSetArgs, clientAt string) (fate, error) {
	if f, ok, err := p.deptOpen(v, a.Dept); err != nil || !ok {
		return f, err
	}
	cur, err := p.tx.Outcome(v.ID, a.Dept)
	if err != nil {
		return fate{}, err
	}
	want := a.OutcomeValue()
	if cur != nil {
		have := OutcomeValue{Categories: SortCategories(cur.Categories), Note: cur.Note}
		if reflect.DeepEqual(have, want) {
			return applied, p.audit(m, ChangeOutcome, OutcomeID(v.ID, a.Dept), v.ID, cur, cur, "与服务器值相同，未作修改")
		}
		if a.BaseVersion != cur.Version && cur.ClientID != p.c.ID {
			return p.conflict(m, v, ChangeOutcome, a.Dept, a.Dept, have, cur.UserID, cur.UpdatedAt, cur.Version, want, clientAt)
		}
	}
	o := &Outcome{VisitID: v.ID, Dept: a.Dept, Categories: want.Categories, Note: want.Note, Version: 1,
		UserID: p.u.ID, ClientID: p.c.ID, Channel: p.c.Channel(), MutationID: m.ID, UpdatedAt: p.at}
	if cur != nil {
		o.Version = cur.Version + 1
	}
	return p.putOutcome(m, o, cur)
}

func (p *pusher) putOutcome(m Mutation, o, before *Outcome) (fate, error) {
	if err := p.tx.PutOutcome(o); err != nil {
		return fate{}, err
	}
	if err := p.followConflicts(o.VisitID, ChangeOutcome, o.Dept, OutcomeValue{Categories: SortCategories(o.Categories), Note: o.Note},
		o.Version, o.UserID, o.UpdatedAt); err != nil {
		return fate{}, err
	}
	var b any
	if before != nil {
		b = before
	}
	id := OutcomeID(o.VisitID, o.Dept)
	return p.done(m, ChangeOutcome, id, o.VisitID, b, o)
}

// conflict stores the phone's losing value for the lead (§5 step 5) and
// shows it to the visit's team and leads through a visit-scoped change.
// One user has at most one open conflict per item or outcome: a later
// losing edit of theirs (a tap, then a note) replaces the value in it, so
// the lead settles what the inspector meant last, once.
func (p *pusher) conflict(m Mutation, v *Visit, kind, target, dept string, have any, serverUser, serverAt string,
	serverVersion int64, want any, clientAt string) (fate, error) {
	hv, err := json.Marshal(have)
	if err != nil {
		return fate{}, err
	}
	wv, err := json.Marshal(want)
	if err != nil {
		return fate{}, err
	}
	c := &Conflict{ID: p.e.NewID(), VisitID: v.ID, Kind: kind, Target: target, Dept: dept,
		ServerValue: hv, ServerUser: serverUser, ServerAt: serverAt, ServerVersion: serverVersion,
		ClientValue: wv, ClientUser: p.u.ID, ClientAt: clientAt, MutationID: m.ID, Status: "open"}
	open, err := p.tx.OpenConflict(v.ID, kind, target, p.u.ID)
	if err != nil {
		return fate{}, err
	}
	var before any
	reason := "保留服务器值"
	if open != nil {
		before, c.ID = open, open.ID
		reason += "；替换该用户此前未被采用的值"
		err = p.tx.UpdateConflict(c)
	} else {
		err = p.tx.AddConflict(c)
	}
	if err != nil {
		return fate{}, err
	}
	stored, err := p.tx.Conflict(c.ID)
	if err != nil {
		return fate{}, err
	}
	if err := p.audit(m, ChangeConflict, c.ID, v.ID, before, stored, reason); err != nil {
		return fate{}, err
	}
	if err := p.change(ChangeConflict, c.ID, v.ID, stored); err != nil {
		return fate{}, err
	}
	return fate{status: StatusConflict, reason: "服务器上已有其他设备提交的较新结果，你的结果已保留，待检查组长裁定"}, nil
}

// signature records a signature (R10). An inspector signs for a department
// of the visit as an active member of its team, on their own phone or on a
// teammate's (signer_id); the record keeps their name and 执法证号 from the
// team. Signing again for the same department is a no-op.
func (p *pusher) signature(m Mutation, v *Visit, a *SignatureAddArgs, clientAt string) (fate, error) {
	if f, ok := p.open(v); !ok {
		return f, nil
	}
	s := &Signature{ID: a.ID, VisitID: v.ID, Kind: a.Kind, Signer: a.Signer, Photo: a.Photo, Witness: a.Witness, Note: a.Note,
		Role: a.Role, Phone: a.Phone, Confirmed: a.Confirmed,
		UserID: p.u.ID, ClientID: p.c.ID, Channel: p.c.Channel(), At: clientAt}
	if s.Kind == "inspector" {
		signer := a.SignerID
		if signer == "" {
			signer = p.u.ID
		}
		var member *Member
		for i := range v.Members {
			if v.Members[i].UserID == signer && v.Members[i].Active && (a.Dept == "" || v.Members[i].Dept == a.Dept) {
				member = &v.Members[i]
			}
		}
		if member == nil {
			return reject("签名人不是本次检查%s的在岗执法人员", p.deptLabel(a.Dept)), nil
		}
		if f, ok, err := p.forDept(member.Dept); err != nil || !ok {
			return f, err
		}
		s.Dept, s.SignerID, s.Signer, s.CertNo = member.Dept, member.UserID, member.Name, member.CertNo
		st, err := p.tx.VisitRecords(v.ID)
		if err != nil {
			return fate{}, err
		}
		if slices.ContainsFunc(st.Signatures, func(x Signature) bool { return x.Kind == "inspector" && x.SignerID == signer && x.Dept == s.Dept }) {
			return applied, p.audit(m, ChangeSignature, a.ID, v.ID, nil, nil, member.Name+"已签名，未作修改")
		}
	}
	if s.Kind == "entity" && !a.Confirmed {
		return reject("被检查单位签字人须确认“以上情况属实”"), nil
	}
	if err := p.tx.AddSignature(s); errors.Is(err, ErrDuplicate) {
		return reject("该签名已记录过（%s）", a.ID), nil
	} else if err != nil {
		return fate{}, err
	}
	if err := p.blobRefs(v.ID, a.Photos()); err != nil {
		return fate{}, err
	}
	f, err := p.done(m, ChangeSignature, s.ID, v.ID, nil, s)
	if err != nil {
		return f, err
	}
	return f, p.completeIfReady(m, v)
}

// deptLabel is a department's name for a reason, or "" when none is given.
func (p *pusher) deptLabel(code string) string {
	if code == "" {
		return ""
	}
	name, err := p.deptName(code)
	if err != nil {
		return ""
	}
	return name
}

// completeIfReady completes v when this mutation made it ready (R10a).
func (p *pusher) completeIfReady(m Mutation, v *Visit) error {
	done, err := completeIfReady(p.tx, &p.names, v, p.at, AuditEntry{UserID: p.u.ID, ClientID: p.c.ID, Channel: p.c.Channel(),
		Reason: AutoCompleteReason(m.Name)})
	if done {
		delete(p.visits, v.ID)
	}
	return err
}

// noticeIssue issues a correction notice (R11). A leased number must be
// leased to this very client for that department and year and unused; it
// becomes used. A number this client held that was voided meanwhile (lease
// expired, client retired) cannot be used again: the notice gets the next
// final number and keeps the voided one as its provisional text. A notice
// without a number keeps the phone's provisional text and gets the next
// final number now, on sync; both are kept and both are shown.
func (p *pusher) noticeIssue(m Mutation, v *Visit, a *NoticeIssueArgs, clientAt string) (fate, error) {
	if f, ok, err := p.deptOpen(v, a.Dept); err != nil || !ok {
		return f, err
	}
	for _, id := range a.Items {
		it := v.Item(id)
		if it == nil || it.Dept != a.Dept {
			name, err := p.deptName(a.Dept)
			if err != nil {
				return fate{}, err
			}
			item := clipID(id)
			if it != nil {
				item = it.Name
			}
			return reject("检查事项“%s”不是本次检查中%s的检查事项", item, name), nil
		}
	}
	// A provisional text names its phone (DESIGN §8.6): another phone's is refused.
	if f, ok, err := p.provisionalOK(a.Provisional); err != nil || !ok {
		return f, err
	}
	dept, err := p.names.get(a.Dept)
	if err != nil {
		return fate{}, err
	}
	if a.Deadline < chinaDate(clientAt) {
		return reject("整改期限%s早于开具日期", a.Deadline), nil
	}
	st, err := p.tx.VisitRecords(v.ID)
	if err != nil {
		return fate{}, err
	}
	// A notice orders the correction of failed check points only (R11):
	// each item must be answered 不符合 now.
	answers := make(map[string]string, len(st.Results))
	for _, r := range st.Results {
		answers[r.ItemID] = r.Value
	}
	for _, id := range a.Items {
		switch answers[id] {
		case ValueNo:
		case "":
			return reject("检查事项“%s”尚未作答：责令改正通知书只能列出结果为不符合的检查事项", v.Item(id).Name), nil
		default:
			return reject("检查事项“%s”的结果为%s：责令改正通知书只能列出结果为不符合的检查事项", v.Item(id).Name, answers[id]), nil
		}
	}
	for _, x := range st.Notices {
		if x.Dept == a.Dept && x.Live() && x.ID != a.ID {
			return reject("%s在本次检查已有责令改正通知书%s；如需重新开具，请先作废", dept.Name, noticeLabel(&x)), nil
		}
	}
	short := dept.Short
	authority := dept.Authority
	if authority == "" {
		authority = dept.Name
	}
	inspectors := []NoticeInspector{}
	for _, mb := range v.Members {
		if mb.Dept == a.Dept && mb.Active {
			inspectors = append(inspectors, NoticeInspector{UserID: mb.UserID, Name: mb.Name, CertNo: mb.CertNo})
		}
	}
	n := &Notice{ID: a.ID, VisitID: v.ID, Dept: a.Dept, Year: a.Year, Provisional: a.Provisional, Items: a.Items,
		Problems: a.Problems, LegalBasis: a.LegalBasis, Deadline: a.Deadline, IssuedAt: clientAt,
		UserID: p.u.ID, ClientID: p.c.ID, Channel: p.c.Channel(), Status: "issued",
		Authority: authority, Inspectors: inspectors, Days: a.Days}
	reason := ""
	leased := false
	if a.Number != nil {
		nn, err := p.tx.NoticeNumber(a.Dept, a.Year, *a.Number)
		if err != nil {
			return fate{}, err
		}
		text := NumberText(short, a.Year, *a.Number)
		switch {
		case nn == nil || nn.ClientID != p.c.ID:
			return reject("文书编号%s不是本机预留的编号", text), nil
		case nn.State == "used":
			return reject("文书编号%s已被其他通知书使用", text), nil
		case nn.State == "voided" && nn.Reason == FenceIssuedReason:
			// This phone reported the number as issued on paper before a
			// restore (fence.go); this is that notice arriving: it keeps
			// the number printed on it.
			leased = true
			num := *a.Number
			n.Number, n.NumberText = &num, text
		case nn.State == "voided":
			n.Provisional = text
			reason = fmt.Sprintf("本机预留编号%s已作废（%s），已换发新编号", text, voidReasonText(nn.Reason))
		default:
			leased = true
			num := *a.Number
			n.Number, n.NumberText = &num, text
		}
	}
	if n.Number == nil {
		num, err := p.tx.TakeNumbers(a.Dept, a.Year, 1)
		if err != nil {
			return fate{}, err
		}
		n.Number, n.NumberText = &num, NumberText(short, a.Year, num)
		if err := p.tx.PutNumber(&NoticeNumber{Dept: a.Dept, Year: a.Year, Number: num, ClientID: p.c.ID, State: "used",
			NoticeID: n.ID, LeasedAt: p.at, ExpiresAt: p.at}); err != nil {
			return fate{}, err
		}
	}
	if err := p.tx.AddNotice(n); errors.Is(err, ErrDuplicate) {
		return reject("该通知书已记录过（%s）", a.ID), nil
	} else if err != nil {
		return fate{}, err
	}
	if leased {
		if err := p.tx.UseNumber(a.Dept, a.Year, *n.Number, n.ID); err != nil {
			return fate{}, err
		}
		if err := p.tx.AppendChange(Change{Kind: ChangeLease, Op: OpRemove, EntityID: LeaseID(a.Dept, a.Year, *n.Number),
			ClientID: p.c.ID, Data: map[string]any{"reason": "used", "notice_id": n.ID}}); err != nil {
			return fate{}, err
		}
	}
	if err := p.audit(m, ChangeNotice, n.ID, v.ID, nil, n, reason); err != nil {
		return fate{}, err
	}
	return applied, p.change(ChangeNotice, n.ID, v.ID, n)
}

// notice loads the notice a serve or follow-up names and checks its visit
// and department.
func (p *pusher) notice(v *Visit, id string) (*Notice, fate, bool, error) {
	n, err := p.tx.Notice(id)
	if err != nil {
		return nil, fate{}, false, err
	}
	if n == nil || n.VisitID != v.ID {
		return nil, reject("通知书 %s 不属于本次检查", clipID(id)), false, nil
	}
	if f, ok, err := p.forDept(n.Dept); err != nil || !ok {
		return nil, f, false, err
	}
	return n, fate{}, true, nil
}

// noticeLabel names a notice in a reason: its number, or its provisional text.
func noticeLabel(n *Notice) string {
	if n.NumberText != "" {
		return n.NumberText
	}
	return n.Provisional
}

// noticeVoid voids (作废) a live notice with a reason (R11): its number stays
// used, as a logged void, and the department may issue a new notice. A
// notice already followed up is part of a closed case and cannot be voided.
func (p *pusher) noticeVoid(m Mutation, v *Visit, a *NoticeVoidArgs) (fate, error) {
	n, f, ok, err := p.notice(v, a.NoticeID)
	if err != nil || !ok {
		return f, err
	}
	if !n.Live() {
		return applied, p.audit(m, ChangeNotice, n.ID, v.ID, n, n, "通知书已作废，未作修改")
	}
	if n.Status == "corrected" || n.Status == "not_corrected" {
		return reject("通知书%s已有复查记录，不能作废", noticeLabel(n)), nil
	}
	before := *n
	at, by := p.at, p.u.ID
	n.VoidedAt, n.VoidedBy, n.VoidReason = &at, &by, a.Reason
	if err := p.tx.UpdateNotice(n); err != nil {
		return fate{}, err
	}
	if err := p.audit(m, ChangeNotice, n.ID, v.ID, before, n, "作废："+a.Reason); err != nil {
		return fate{}, err
	}
	return applied, p.change(ChangeNotice, n.ID, v.ID, n)
}

// deptFinish records 本部门检查完毕 (R10a) when the department's part is
// whole, then completes the visit if every department is done.
func (p *pusher) deptFinish(m Mutation, v *Visit, a *DeptFinishArgs) (fate, error) {
	if f, ok, err := p.deptOpen(v, a.Dept); err != nil || !ok {
		return f, err
	}
	st, err := p.tx.VisitRecords(v.ID)
	if err != nil {
		return fate{}, err
	}
	if slices.ContainsFunc(st.Finishes, func(f DeptFinish) bool { return f.Dept == a.Dept }) {
		return applied, p.audit(m, ChangeDeptFinish, DeptFinishID(v.ID, a.Dept), v.ID, nil, nil, "本部门已确认检查完毕，未作修改")
	}
	missing, err := deptMissing(&p.names, v, st, a.Dept, p.c.Channel() == schema.ChannelMobile)
	if err != nil {
		return fate{}, err
	}
	if len(missing) > 0 {
		return reject("暂不能确认本部门检查完毕：%s", strings.Join(missing, "；")), nil
	}
	f := &DeptFinish{VisitID: v.ID, Dept: a.Dept, UserID: p.u.ID, UserName: p.u.Name, ClientID: p.c.ID,
		Channel: p.c.Channel(), MutationID: m.ID, At: p.at}
	if err := p.tx.AddDeptFinish(f); err != nil {
		return fate{}, err
	}
	v.Finished = append(v.Finished, a.Dept)
	res, err := p.done(m, ChangeDeptFinish, DeptFinishID(v.ID, a.Dept), v.ID, nil, f)
	if err != nil {
		return res, err
	}
	return res, p.completeIfReady(m, v)
}

func (p *pusher) noticeServe(m Mutation, v *Visit, a *NoticeServeArgs, clientAt string) (fate, error) {
	n, f, ok, err := p.notice(v, a.NoticeID)
	if err != nil || !ok {
		return f, err
	}
	if !n.Live() {
		return reject("通知书%s已作废，不能送达", noticeLabel(n)), nil
	}
	if n.Status != "issued" {
		return applied, p.audit(m, ChangeNotice, n.ID, v.ID, n, n, "通知书已送达，未作修改")
	}
	before := *n
	n.ServedAt, n.ServedTo, n.ServedSig, n.Status = &clientAt, a.ServedTo, a.Signature, "served"
	if err := p.tx.UpdateNotice(n); err != nil {
		return fate{}, err
	}
	if err := p.blobRefs(v.ID, a.Photos()); err != nil {
		return fate{}, err
	}
	return p.done(m, ChangeNotice, n.ID, v.ID, before, n)
}

// followup records the 复查 of a notice (R12): corrected makes the
// department's outcome 发现问题经责令已改正 (in place of 发现问题待后续处理);
// not corrected records 立案 or 移送.
func (p *pusher) followup(m Mutation, v *Visit, a *FollowupRecordArgs, clientAt string) (fate, error) {
	n, f, ok, err := p.notice(v, a.NoticeID)
	if err != nil || !ok {
		return f, err
	}
	if n.Status == "corrected" || n.Status == "not_corrected" {
		return reject("通知书%s已有复查记录", noticeLabel(n)), nil
	}
	if !n.Live() {
		return reject("通知书%s已作废，无需复查", noticeLabel(n)), nil
	}
	fu := &Followup{ID: a.ID, NoticeID: n.ID, VisitID: v.ID, Corrected: a.Corrected, Action: a.Action, Penalty: a.Penalty,
		Note: a.Note, UserID: p.u.ID, ClientID: p.c.ID, Channel: p.c.Channel(), At: clientAt}
	if err := p.tx.AddFollowup(fu); errors.Is(err, ErrDuplicate) {
		return reject("该复查已记录过（%s）", a.ID), nil
	} else if err != nil {
		return fate{}, err
	}
	if err := p.audit(m, ChangeFollowup, fu.ID, v.ID, nil, fu, ""); err != nil {
		return fate{}, err
	}
	if err := p.change(ChangeFollowup, fu.ID, v.ID, fu); err != nil {
		return fate{}, err
	}
	before := *n
	n.Status = "not_corrected"
	if a.Corrected {
		n.Status = "corrected"
	}
	if err := p.tx.UpdateNotice(n); err != nil {
		return fate{}, err
	}
	if err := p.audit(m, ChangeNotice, n.ID, v.ID, before, n, ""); err != nil {
		return fate{}, err
	}
	if err := p.change(ChangeNotice, n.ID, v.ID, n); err != nil {
		return fate{}, err
	}
	if !a.Corrected {
		return applied, nil
	}
	cur, err := p.tx.Outcome(v.ID, n.Dept)
	if err != nil {
		return fate{}, err
	}
	o := &Outcome{VisitID: v.ID, Dept: n.Dept, Categories: []string{Corrected}, Version: 1,
		UserID: p.u.ID, ClientID: p.c.ID, Channel: p.c.Channel(), MutationID: m.ID, UpdatedAt: p.at}
	if cur != nil {
		cats := []string{Corrected}
		for _, c := range cur.Categories {
			if c != NoProblem && c != Pending && c != Corrected {
				cats = append(cats, c)
			}
		}
		o.Categories, o.Note, o.Version = SortCategories(cats), cur.Note, cur.Version+1
		if reflect.DeepEqual(o.Categories, SortCategories(cur.Categories)) {
			return applied, nil
		}
	}
	return p.putOutcome(m, o, cur)
}

// complete is visit.complete: "complete it now if it can be". The server
// completes visits by itself (dept.finish, completeIfReady); this answers a
// phone or a desk that asks, rejected with what is still missing.
func (p *pusher) complete(m Mutation, v *Visit) (fate, error) {
	if v.Status == "complete" {
		return applied, p.audit(m, ChangeVisit, v.ID, v.ID, nil, nil, "检查已完成，未作修改")
	}
	st, err := p.tx.VisitRecords(v.ID)
	if err != nil {
		return fate{}, err
	}
	missing, err := visitMissing(&p.names, p.tx, v, st)
	if err != nil {
		return fate{}, err
	}
	if len(missing) > 0 {
		return reject("检查暂不能完成：%s", strings.Join(missing, "；")), nil
	}
	done, err := completeIfReady(p.tx, &p.names, v, p.at, AuditEntry{UserID: p.u.ID, ClientID: p.c.ID, Channel: p.c.Channel(), Reason: "应请求完成"})
	if err != nil {
		return fate{}, err
	}
	if done {
		delete(p.visits, v.ID)
	}
	return applied, nil
}

// settle settles a conflict (leads only, for their department) against the
// version the lead saw (base_version: the conflict's server_version on the
// lead's screen; open conflicts follow the current value, see
// followConflicts). When the value has moved since, the settlement is
// refused with CodeSettleStale: the lead looks again. "server" keeps the
// current value and writes nothing to the result; "client" makes the
// phone's value the current one as a new version, an audited change.
func (p *pusher) settle(m Mutation, v *Visit, a *ConflictSettleArgs) (fate, error) {
	if authz.Allow(p.u, authz.ConflictSettle) != nil { // the department: forDept below
		return reject("%s只有检查组长才能处理冲突", scopePrefix), nil
	}
	c, err := p.tx.Conflict(a.ConflictID)
	if err != nil {
		return fate{}, err
	}
	if c == nil || c.VisitID != v.ID {
		return reject("冲突 %s 不属于本次检查", clipID(a.ConflictID)), nil
	}
	if f, ok, err := p.forDept(c.Dept); err != nil || !ok {
		return f, err
	}
	if c.Status == "settled" {
		return applied, p.audit(m, ChangeConflict, c.ID, v.ID, c, c, "冲突已处理，未作修改")
	}
	// The current value, as a conflict states values.
	var (
		curItem *ItemResult
		curOut  *Outcome
		have    any
		version int64
		what    string
	)
	switch c.Kind {
	case ChangeItemResult:
		if curItem, err = p.tx.ItemResult(c.Target); err != nil {
			return fate{}, err
		}
		what = "检查项目的结果"
		if curItem != nil {
			have, version = ResultValue{Value: curItem.Value, Note: curItem.Note, Photos: nonNil(curItem.Photos)}, curItem.Version
		}
	case ChangeOutcome:
		if curOut, err = p.tx.Outcome(v.ID, c.Target); err != nil {
			return fate{}, err
		}
		what = "检查结果"
		if curOut != nil {
			have, version = OutcomeValue{Categories: SortCategories(curOut.Categories), Note: curOut.Note}, curOut.Version
		}
	default:
		return fate{}, fmt.Errorf("conflict %s of unknown kind %q", c.ID, c.Kind)
	}
	if version != *a.BaseVersion {
		return fate{status: StatusRejected, code: CodeSettleStale,
			reason: fmt.Sprintf("裁定未保存：该%s在你查看冲突后已被修改（现为“%s”），请重新查看冲突后再裁定", what, valueText(have))}, nil
	}
	picked := c.ClientValue
	if a.Pick == "server" {
		if picked, err = json.Marshal(have); err != nil {
			return fate{}, err
		}
	}
	if err := p.tx.SettleConflict(c.ID, picked, p.u.ID, p.at); err != nil {
		return fate{}, err
	}
	settled, err := p.tx.Conflict(c.ID)
	if err != nil {
		return fate{}, err
	}
	if err := p.audit(m, ChangeConflict, c.ID, v.ID, c, settled, pickText[a.Pick]); err != nil {
		return fate{}, err
	}
	if err := p.change(ChangeConflict, c.ID, v.ID, settled); err != nil {
		return fate{}, err
	}
	if a.Pick == "server" {
		// Keep current: the result is what it is; nothing is written.
		return applied, nil
	}
	switch c.Kind {
	case ChangeItemResult:
		var want ResultValue
		if err := json.Unmarshal(picked, &want); err != nil {
			return fate{}, err
		}
		want.Photos = nonNil(want.Photos)
		if curItem != nil && reflect.DeepEqual(have, want) {
			return applied, nil
		}
		r := &ItemResult{ItemID: c.Target, VisitID: v.ID, Dept: c.Dept, Value: want.Value, Note: want.Note, Photos: want.Photos,
			Version: version + 1, UserID: p.u.ID, ClientID: p.c.ID, Channel: p.c.Channel(), MutationID: m.ID, UpdatedAt: p.at}
		return p.putResult(m, v, r, curItem)
	default:
		var want OutcomeValue
		if err := json.Unmarshal(picked, &want); err != nil {
			return fate{}, err
		}
		want.Categories = SortCategories(want.Categories)
		if curOut != nil && reflect.DeepEqual(have, want) {
			return applied, nil
		}
		o := &Outcome{VisitID: v.ID, Dept: c.Target, Categories: want.Categories, Note: want.Note,
			Version: version + 1, UserID: p.u.ID, ClientID: p.c.ID, Channel: p.c.Channel(), MutationID: m.ID, UpdatedAt: p.at}
		return p.putOutcome(m, o, curOut)
	}
}

// valueText says a value of a conflict in a reason: the answer or the
// categories, and the note.
func valueText(v any) string {
	switch x := v.(type) {
	case ResultValue:
		if x.Note != "" {
			return x.Value + "，" + x.Note
		}
		return x.Value
	case OutcomeValue:
		t := strings.Join(x.Categories, "、")
		if x.Note != "" {
			t += "，" + x.Note
		}
		return t
	}
	return "空"
}

// followConflicts keeps the open conflicts of an item or outcome on its
// current value: a conflict's server side is what a settlement keeps, so
// when the value moves (a correction, an office entry, a follow-up, another
// settlement) every open conflict on it shows the new value and version,
// and a settlement made against the old one is refused (settle).
func (p *pusher) followConflicts(visitID, kind, target string, value any, version int64, user, at string) error {
	open, err := p.tx.OpenConflictsOn(visitID, kind, target)
	if err != nil || len(open) == 0 {
		return err
	}
	hv, err := json.Marshal(value)
	if err != nil {
		return err
	}
	for i := range open {
		c := &open[i]
		c.ServerValue, c.ServerUser, c.ServerAt, c.ServerVersion = hv, user, at, version
		if err := p.tx.UpdateConflict(c); err != nil {
			return err
		}
		now, err := p.tx.Conflict(c.ID)
		if err != nil {
			return err
		}
		if err := p.change(ChangeConflict, c.ID, visitID, now); err != nil {
			return err
		}
	}
	return nil
}
