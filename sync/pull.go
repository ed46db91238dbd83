package sync

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"zsc/schema"
	"zsc/server/authz"
)

// PullRequest is what GET /api/v1/sync/pull carries in its query.
type PullRequest struct {
	ClientID string
	Cursor   int64
	// Epoch is the epoch of the client's cursor, "" when it has none yet.
	Epoch   string
	Limit   int  // page size; 0 means the Engine's PullLimit
	Pending *int // the client's outbox length, optional (§5 step 8)
	// Held and Issued are the notice numbers the phone holds and those its
	// notices carry (ParseNumberList's form): a pull of another epoch fences
	// them before leasing anything (fence.go, DESIGN §8.5).
	Held, Issued string
	// Bootstrap is the bootstrap_token of the previous page of a bootstrap
	// ("" for none): the pull answers the bootstrap's next page.
	Bootstrap string
}

// Pull builds a client's pull (DESIGN §5 step 4), after Replicache's pull.ts:
//
//  1. Check the client: registered, and the caller's own (§5 step 1).
//  2. Bookkeeping, in one write transaction, only when something is due:
//     note last_seen and pending (§5 step 8); renew this client's leases to
//     LeaseTTL from now, telling it their new expiry (DESIGN §8.6: a lease
//     lives as long as its phone keeps pulling); sweep every lease that has
//     expired, whoever holds it, voiding and logging its unused numbers
//     (R11: the phone has been silent for LeaseTTL); top this client's lease
//     up to LeaseSize numbers for the user's department and the current
//     year. Something is due when the client
//     reports a pending count other than the stored one, when its last_seen
//     is touchEvery old or more (the office's stale-device list counts in
//     days, so a minute late costs it nothing), when any lease has expired,
//     or when this client's lease is short or due for renewal. Otherwise a pull writes nothing:
//     the single writer is the server's bottleneck, and most pulls are
//     phones that synced moments ago.
//  3. In one read snapshot:
//     a. cursor 0, a cursor past the log's head or a cursor of another
//     epoch (after a restore from backup, DESIGN §8.5): a bootstrap, in
//     pages of at most bootstrapPage visits (bootstrapPage below): the
//     current state of the visits the caller keeps with their check-ins,
//     results, outcomes, signatures, notices, follow-ups, conflicts and
//     arrived photos, on the first page this client's leases and
//     rejections, and the log's head at the start as the cursor; a
//     request with a bootstrap token is the next page.
//     b. otherwise the log's entries after cursor that the caller receives
//     (client, user, visible visits, everyone), at most limit of them, with
//     has_more when the page is full.
//  4. Answer with the new cursor, the client's last applied seq (the phone
//     drops the mutations it covers and re-applies the rest on top) and the
//     photos its mutations named that have not arrived.
//
// Step 1 and the decision of step 2 read the snapshot of step 3: when
// nothing is due, the pull is that one read transaction. When something is
// due, the answer is read after the bookkeeping commits, so that it carries
// the fresh leases.
//
// Being unassigned from a visit arrives as a "visit" remove (user-scoped),
// never as deletions of the visit's records.
func (e *Engine) Pull(ctx context.Context, u *schema.User, req PullRequest) (*PullResponse, error) {
	if !IsUUID(req.ClientID) {
		return nil, schema.Errorf(schema.EINVALID, "client_id 必须是 UUID")
	}
	if req.Cursor < 0 {
		return nil, schema.Errorf(schema.EINVALID, "同步游标（cursor）不能为负数")
	}
	if req.Pending != nil && *req.Pending < 0 {
		return nil, schema.Errorf(schema.EINVALID, "待上传条数（pending）不能为负数")
	}
	if req.Bootstrap != "" {
		if _, err := parseBootstrapToken(req.Bootstrap); err != nil {
			return nil, err
		}
	}
	limit := req.Limit
	if limit <= 0 {
		limit = e.PullLimit
	}
	limit = min(limit, 10*e.PullLimit)
	var resp *PullResponse
	due := false
	err := e.Store.Read(ctx, func(tx ReadTx) error {
		c, err := ownClient(tx, u, req.ClientID)
		if err != nil {
			return err
		}
		held, err := tx.Leases(c.ID)
		if err != nil {
			return err
		}
		if due, err = e.pullDue(tx, u, c, held, req.Pending); err != nil || due {
			return err
		}
		if due, err = fenceDue(tx, req); err != nil || due {
			return err
		}
		resp, err = e.pullPage(tx, u, c, held, req, limit)
		return err
	})
	if err != nil || !due {
		return resp, err
	}
	// Step 2.
	err = e.Store.Write(ctx, func(tx Tx) error {
		c, err := ownClient(tx, u, req.ClientID)
		if err != nil {
			return err
		}
		at := e.now()
		if err := tx.TouchClient(c.ID, at, req.Pending, nil); err != nil {
			return err
		}
		if err := e.renew(tx, c); err != nil {
			return err
		}
		if err := e.sweep(tx, at, u.ID); err != nil {
			return err
		}
		// Before topUp: new leases start above every number the phone reports.
		if err := e.fence(tx, at, u, c, req); err != nil {
			return err
		}
		return e.topUp(tx, at, u, c)
	})
	if err != nil {
		return nil, err
	}
	err = e.Store.Read(ctx, func(tx ReadTx) error {
		c, err := ownClient(tx, u, req.ClientID)
		if err != nil {
			return err
		}
		held, err := tx.Leases(c.ID)
		if err != nil {
			return err
		}
		resp, err = e.pullPage(tx, u, c, held, req, limit)
		return err
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// touchEvery is how old a client's last_seen may grow before a pull writes
// it again (step 2).
const touchEvery = time.Minute

// pullDue reports whether a pull has bookkeeping to write (step 2). It errs
// towards writing: an unreadable last_seen, or one in the future (a clock
// set back), is due.
func (e *Engine) pullDue(tx ReadTx, u *schema.User, c *Client, held []NoticeNumber, pending *int) (bool, error) {
	if pending != nil && *pending != c.Pending {
		return true, nil
	}
	now := e.Now()
	seen, err := time.Parse(time.RFC3339, c.LastSeen)
	if err != nil {
		return true, nil
	}
	if age := now.Sub(seen); age >= touchEvery || age <= -touchEvery {
		return true, nil
	}
	expired, err := tx.ExpiredLeases(FormatTime(now))
	if err != nil || len(expired) > 0 {
		return len(expired) > 0, err
	}
	if len(e.renewable(c, held)) > 0 {
		return true, nil
	}
	want, _ := e.leaseWant(u, c, held)
	return want > 0, nil
}

// leaseRenewEvery is how much of a lease's LeaseTTL may pass before a pull
// renews it. Renewing on literally every pull would make each pull a write
// and send the phone its whole lease again; a day late costs nothing
// against a TTL of 30 days, and a phone pulling daily renews daily.
const leaseRenewEvery = 24 * time.Hour

// renewable lists the leases of held that a pull by c renews now: those
// whose expiry is more than leaseRenewEvery short of LeaseTTL from now. A
// retired client's leases are voided, never renewed.
func (e *Engine) renewable(c *Client, held []NoticeNumber) []NoticeNumber {
	if c.RetiredAt != nil {
		return nil
	}
	now := FormatTime(e.Now())
	due := FormatTime(e.Now().Add(e.LeaseTTL - leaseRenewEvery))
	var out []NoticeNumber
	for _, n := range held {
		// An expired lease stays expired: its phone was silent for
		// LeaseTTL, and the sweep voids it even if that phone pulls first.
		if n.ClientID == c.ID && n.ExpiresAt < due && n.ExpiresAt > now {
			out = append(out, n)
		}
	}
	return out
}

// renew extends c's leases that are due to LeaseTTL from now and sends c
// each one again with its new expiry (a lease put), so that the phone,
// which skips expired numbers offline, keeps using them (DESIGN §8.6).
func (e *Engine) renew(tx Tx, c *Client) error {
	held, err := tx.Leases(c.ID)
	if err != nil {
		return err
	}
	due := e.renewable(c, held)
	if len(due) == 0 {
		return nil
	}
	expires := FormatTime(e.Now().Add(e.LeaseTTL))
	shorts := map[string]string{}
	for _, n := range due {
		short, ok := shorts[n.Dept]
		if !ok {
			if short, err = tx.DeptShort(n.Dept); err != nil {
				return err
			}
			shorts[n.Dept] = short
		}
		if err := tx.RenewLease(n.Dept, n.Year, n.Number, expires); err != nil {
			return err
		}
		if err := tx.AppendChange(Change{Kind: ChangeLease, Op: OpPut, EntityID: LeaseID(n.Dept, n.Year, n.Number), ClientID: c.ID,
			Data: Lease{Dept: n.Dept, Year: n.Year, Number: n.Number, Text: NumberText(short, n.Year, n.Number), ExpiresAt: expires}}); err != nil {
			return err
		}
	}
	return nil
}

// pullPage is steps 3 and 4: the answer, read from one snapshot; held are
// the client's leases in that snapshot.
func (e *Engine) pullPage(tx ReadTx, u *schema.User, c *Client, held []NoticeNumber, req PullRequest, limit int) (*PullResponse, error) {
	cursor, otherEpoch := req.Cursor, req.Epoch
	head, err := tx.Head()
	if err != nil {
		return nil, err
	}
	epoch, err := tx.Epoch()
	if err != nil {
		return nil, err
	}
	resp := &PullResponse{LastSeq: c.LastSeq, Epoch: epoch}
	if resp.DeviceNo, err = tx.DeviceNo(c.ID); err != nil {
		return nil, err
	}
	scope := Scope{User: u, ClientID: c.ID}
	if keepsOpenYear(u) {
		if resp.OpenYear, err = tx.OpenYear(e.Now().In(e.Zone).Year()); err != nil {
			return nil, err
		}
	}
	// A token names the next page of a bootstrap under way. One of another
	// epoch or past the head (a restore since) starts the bootstrap over.
	tok, _ := parseBootstrapToken(req.Bootstrap)
	if tok != nil && tok.epoch == epoch && tok.head <= head { // 3a, a next page
		if keepsOpenYear(u) {
			resp.OpenYear = tok.year
		}
		err = e.bootstrapPage(tx, resp, scope, false, nil, tok, head, limit)
	} else if tok != nil || cursor == 0 || cursor > head || otherEpoch != "" && otherEpoch != epoch { // 3a
		// A cursor counts changes of one epoch: after a restore, numbers up to
		// the old head are reused by other changes, so a cursor of another
		// epoch (or past the head) means nothing here (DESIGN §8.5).
		resp.Bootstrap = true
		err = e.bootstrapPage(tx, resp, scope, true, held, &bootstrapToken{epoch: epoch, head: head, year: resp.OpenYear}, head, limit)
	} else { // 3b
		var logged []LoggedChange
		logged, err = tx.Changes(scope, cursor, limit+1)
		resp.Cursor = head
		if len(logged) > limit {
			logged, resp.HasMore = logged[:limit], true
			resp.Cursor = logged[limit-1].Seq
		}
		resp.Changes = make([]ChangeEntry, len(logged))
		for i, l := range logged {
			resp.Changes[i] = l.ChangeEntry
		}
	}
	if err != nil {
		return nil, err
	}
	// Step 4.
	missing, err := tx.MissingBlobs(c.ID)
	if err != nil {
		return nil, err
	}
	resp.MissingBlobs = nonNil(missing)
	return resp, nil
}

// sweep voids every expired lease's unused numbers, whoever holds them
// (R11): a phone that never comes back must not hold numbers forever.
func (e *Engine) sweep(tx Tx, at, byUser string) error {
	expired, err := tx.ExpiredLeases(at)
	if err != nil {
		return err
	}
	for _, n := range expired {
		if err := e.void(tx, at, byUser, n, "lease expired"); err != nil {
			return err
		}
	}
	return nil
}

// topUp keeps a mobile client's lease at LeaseSize numbers for the user's
// department and the current year (R11), so that notices issued offline
// take final numbers. Web clients are online when they issue and are
// numbered on push; retired clients and users who issue no notices (the
// 联席办, admins) get none.
func (e *Engine) topUp(tx Tx, at string, u *schema.User, c *Client) error {
	held, err := tx.Leases(c.ID)
	if err != nil {
		return err
	}
	want, year := e.leaseWant(u, c, held)
	if want <= 0 {
		return nil
	}
	short, err := tx.DeptShort(u.Dept)
	if err != nil {
		return err
	}
	first, err := tx.TakeNumbers(u.Dept, year, want)
	if err != nil {
		return err
	}
	expires := FormatTime(e.Now().Add(e.LeaseTTL))
	numbers := make([]int, 0, want)
	for n := first; n < first+want; n++ {
		if err := tx.PutNumber(&NoticeNumber{Dept: u.Dept, Year: year, Number: n, ClientID: c.ID, State: "leased",
			LeasedAt: at, ExpiresAt: expires}); err != nil {
			return err
		}
		if err := tx.AppendChange(Change{Kind: ChangeLease, Op: OpPut, EntityID: LeaseID(u.Dept, year, n), ClientID: c.ID,
			Data: Lease{Dept: u.Dept, Year: year, Number: n, Text: NumberText(short, year, n), ExpiresAt: expires}}); err != nil {
			return err
		}
		numbers = append(numbers, n)
	}
	return tx.Audit(AuditEntry{At: at, UserID: u.ID, ClientID: c.ID, Channel: c.Channel(), Action: "notice_number.lease",
		Kind: "notice_lease", EntityID: LeaseID(u.Dept, year, first),
		After: map[string]any{"dept": u.Dept, "year": year, "numbers": numbers, "expires_at": expires}})
}

// leaseWant is how many numbers topUp would lease to c now, holding held,
// and for which year; pullDue asks it too, so that the two never disagree.
func (e *Engine) leaseWant(u *schema.User, c *Client, held []NoticeNumber) (want, year int) {
	// Who holds numbers is the policy's (authz.NumberLease: inspectors and
	// leads of a member department, never the 联席办 or an admin).
	if c.Kind != KindMobile || c.RetiredAt != nil || e.LeaseSize <= 0 ||
		!authz.Can(u, authz.NumberLease, authz.Scope{Dept: u.Dept}) {
		return 0, 0
	}
	year = e.Now().In(e.Zone).Year()
	have := 0
	for _, n := range held {
		if n.Dept == u.Dept && n.Year == year {
			have++
		}
	}
	return max(e.LeaseSize-have, 0), year
}

// bootstrapPage is how many visits one page of a bootstrap carries at most:
// an inspector's day in one page, while a city lead's or an admin's
// thousands of visits come in pages whose memory this bounds, not the city
// (a visit with its checklist and results is some 20 KB of changes).
const bootstrapPage = 100

// bootstrapToken is where a bootstrap stands: its epoch, the log's head when
// it began (the cursor the client continues from once the visits are
// done), the plan year it keeps open work of (0: every visible visit) and
// the last visit sent (visits come in id order).
type bootstrapToken struct {
	epoch string
	head  int64
	year  int
	after string
}

// String is the token as the wire carries it: b1.{epoch}.{head}.{year}.{after}.
func (t *bootstrapToken) String() string {
	return "b1." + t.epoch + "." + strconv.FormatInt(t.head, 10) + "." + strconv.Itoa(t.year) + "." + t.after
}

// parseBootstrapToken reads a bootstrap_token; "" is none.
func parseBootstrapToken(s string) (*bootstrapToken, error) {
	if s == "" {
		return nil, nil
	}
	bad := schema.Errorf(schema.EINVALID, "bootstrap is not a bootstrap_token of this server")
	f := strings.SplitN(s, ".", 5)
	if len(f) != 5 || f[0] != "b1" || f[1] == "" || f[4] == "" || len(s) > 200 {
		return nil, bad
	}
	head, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil || head < 0 {
		return nil, bad
	}
	year, err := strconv.Atoi(f[3])
	if err != nil || year < 0 {
		return nil, bad
	}
	return &bootstrapToken{epoch: f[1], head: head, year: year, after: f[4]}, nil
}

// keepsOpenYear says whether u's bootstrap carries only the open work of the
// plan year in progress besides their own team's visits: everyone who sees
// more than their own teams (leads, the 联席办, admins), whose scope is a
// whole city of every year. An inspector keeps every visit of their teams.
func keepsOpenYear(u *schema.User) bool {
	return !authz.ListFilter(u, authz.VisitRead).None
}

// bootstrapPage fills resp with the page of a bootstrap after tok.after (step
// 3a): at most limit (and bootstrapPage) visits in id order, each with its
// records; the first page also carries the client's leases and rejections. While visits remain, the answer says has_more with the
// token of the next page. After the last page the client continues from the
// log's head at the start, tok.head: whatever changed meanwhile, on a visit
// already sent or not, is in the log after it, so nothing is skipped.
func (e *Engine) bootstrapPage(tx ReadTx, resp *PullResponse, s Scope, first bool, leases []NoticeNumber, tok *bootstrapToken, head int64, limit int) error {
	n := max(min(limit, bootstrapPage), 1)
	ids, err := tx.BootstrapVisits(s, tok.year, tok.after, n+1)
	if err != nil {
		return err
	}
	more := len(ids) > n
	if more {
		ids = ids[:n]
	}
	resp.Cursor = tok.head
	if resp.Changes, err = bootstrap(tx, s, ids, first, leases); err != nil {
		return err
	}
	if more {
		next := *tok
		next.after = ids[len(ids)-1]
		resp.BootstrapToken, resp.HasMore = next.String(), true
	} else {
		resp.HasMore = head > tok.head
	}
	return nil
}

// bootstrap is the full current state of the visits ids as "put" changes
// (step 3a), then, on a bootstrap's first page, the client's leases and
// rejections.
func bootstrap(tx ReadTx, s Scope, visits []string, first bool, leases []NoticeNumber) ([]ChangeEntry, error) {
	var out []ChangeEntry
	add := func(kind, id string, data any) error {
		b, err := json.Marshal(data)
		if err != nil {
			return err
		}
		out = append(out, ChangeEntry{Kind: kind, Op: OpPut, ID: id, Data: b})
		return nil
	}
	if len(visits) > 0 {
		states, err := tx.VisitStates(visits)
		if err != nil {
			return nil, err
		}
		// The page's changes are counted first: a bootstrap is hundreds
		// of them, and growing the slice by appending copies it repeatedly.
		n := 0
		for _, st := range states {
			n += stateSize(st)
		}
		out = slices.Grow(out, n+len(leases))
		for i, st := range states {
			if out, err = appendStateChanges(out, visits[i], st); err != nil {
				return nil, err
			}
		}
	}
	if !first {
		return nonNil(out), nil
	}
	var err error
	shorts := map[string]string{}
	for _, n := range leases {
		short, ok := shorts[n.Dept]
		if !ok {
			if short, err = tx.DeptShort(n.Dept); err != nil {
				return nil, err
			}
			shorts[n.Dept] = short
		}
		if err := add(ChangeLease, LeaseID(n.Dept, n.Year, n.Number),
			Lease{Dept: n.Dept, Year: n.Year, Number: n.Number, Text: NumberText(short, n.Year, n.Number), ExpiresAt: n.ExpiresAt}); err != nil {
			return nil, err
		}
	}
	rejections, err := tx.Rejections(s.ClientID)
	if err != nil {
		return nil, err
	}
	for _, r := range rejections {
		if err := add(ChangeRejection, r.MutationID, r); err != nil {
			return nil, err
		}
	}
	return nonNil(out), nil
}

// StateChanges turns one visit's state into the "put" changes that recreate
// it on a phone, in an order that never names a record before its parent.
// Bootstraps and the snapshot of a newly added team member both use it, so
// the two cannot drift apart.
func StateChanges(visitID string, st *VisitState) ([]ChangeEntry, error) {
	return appendStateChanges(make([]ChangeEntry, 0, stateSize(st)), visitID, st)
}

// stateSize is the number of changes StateChanges makes of st.
func stateSize(st *VisitState) int {
	return 1 + len(st.Checkins) + len(st.Results) + len(st.Outcomes) + len(st.Signatures) +
		len(st.Notices) + len(st.Followups) + len(st.Conflicts) + len(st.Blobs)
}

// appendStateChanges appends StateChanges(visitID, st) to out.
func appendStateChanges(out []ChangeEntry, visitID string, st *VisitState) ([]ChangeEntry, error) {
	add := func(kind, id string, data any) error {
		b, err := json.Marshal(data)
		if err != nil {
			return err
		}
		out = append(out, ChangeEntry{Kind: kind, Op: OpPut, ID: id, Data: b})
		return nil
	}
	visit := st.Visit
	if len(visit) == 0 {
		visit = json.RawMessage("{}")
	}
	out = append(out, ChangeEntry{Kind: ChangeVisit, Op: OpPut, ID: visitID, Data: visit})
	for _, x := range st.Checkins {
		if err := add(ChangeCheckin, x.ID, x); err != nil {
			return nil, err
		}
	}
	// Results are most of a bootstrap: written by hand, into one buffer
	// sized for them (escapes aside).
	size := 0
	for i := range st.Results {
		size += itemResultSize(&st.Results[i])
	}
	buf := make([]byte, 0, size)
	for i := range st.Results {
		x := &st.Results[i]
		start := len(buf)
		buf = appendItemResult(buf, x)
		out = append(out, ChangeEntry{Kind: ChangeItemResult, Op: OpPut, ID: x.ItemID, Data: buf[start:len(buf):len(buf)]})
	}
	for _, x := range st.Outcomes {
		if err := add(ChangeOutcome, OutcomeID(x.VisitID, x.Dept), x); err != nil {
			return nil, err
		}
	}
	for _, x := range st.Signatures {
		if err := add(ChangeSignature, x.ID, x); err != nil {
			return nil, err
		}
	}
	for _, x := range st.Notices {
		if err := add(ChangeNotice, x.ID, x); err != nil {
			return nil, err
		}
	}
	for _, x := range st.Followups {
		if err := add(ChangeFollowup, x.ID, x); err != nil {
			return nil, err
		}
	}
	for _, x := range st.Conflicts {
		if err := add(ChangeConflict, x.ID, x); err != nil {
			return nil, err
		}
	}
	for _, x := range st.Blobs {
		if err := add(ChangeBlob, x.SHA256, x); err != nil {
			return nil, err
		}
	}
	for _, x := range st.Finishes {
		if err := add(ChangeDeptFinish, DeptFinishID(x.VisitID, x.Dept), x); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// itemResultSize is the length of appendItemResult's output for r when
// no character needs escaping.
func itemResultSize(r *ItemResult) int {
	n := len(`{"item_id":"","visit_id":"","dept":"","value":"","note":"","photos":[],"version":,"user_id":"","client_id":"",`+
		`"channel":"","mutation_id":"","updated_at":""}`) + 20
	n += len(r.ItemID) + len(r.VisitID) + len(r.Dept) + len(r.Value) + len(r.Note) + len(r.UserID) + len(r.ClientID) +
		len(r.Channel) + len(r.MutationID) + len(r.UpdatedAt)
	for _, p := range r.Photos {
		n += len(p) + 3
	}
	return n
}

// appendItemResult appends what json.Marshal writes for r, without its
// reflection: a bootstrap holds hundreds of results. A test compares the two
// for every field, so a field added to ItemResult and not here fails it.
func appendItemResult(dst []byte, r *ItemResult) []byte {
	dst = append(dst, `{"item_id":`...)
	dst = appendJSONString(dst, r.ItemID)
	dst = append(dst, `,"visit_id":`...)
	dst = appendJSONString(dst, r.VisitID)
	dst = append(dst, `,"dept":`...)
	dst = appendJSONString(dst, r.Dept)
	dst = append(dst, `,"value":`...)
	dst = appendJSONString(dst, r.Value)
	dst = append(dst, `,"note":`...)
	dst = appendJSONString(dst, r.Note)
	dst = append(dst, `,"photos":`...)
	if r.Photos == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i, p := range r.Photos {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, p)
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `,"version":`...)
	dst = strconv.AppendInt(dst, r.Version, 10)
	dst = append(dst, `,"user_id":`...)
	dst = appendJSONString(dst, r.UserID)
	dst = append(dst, `,"client_id":`...)
	dst = appendJSONString(dst, r.ClientID)
	dst = append(dst, `,"channel":`...)
	dst = appendJSONString(dst, r.Channel)
	dst = append(dst, `,"mutation_id":`...)
	dst = appendJSONString(dst, r.MutationID)
	dst = append(dst, `,"updated_at":`...)
	dst = appendJSONString(dst, r.UpdatedAt)
	return append(dst, '}')
}
