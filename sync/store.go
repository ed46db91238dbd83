package sync

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"zsc/schema"
	"zsc/server/authz"
)

// Store is the storage the Engine runs on; server/sqlstore implements it.
// Every method of a transaction works inside it, so a push's mutations, its
// change-log entries and its audit rows commit together or not at all
// (§5 step 3: one transaction per push, the answer only after the commit).
type Store interface {
	// Write runs fn in one write transaction; an error from fn rolls it back.
	Write(ctx context.Context, fn func(tx Tx) error) error
	// Read runs fn in one read-only snapshot.
	Read(ctx context.Context, fn func(tx ReadTx) error) error
}

// ErrDuplicate is what a Tx returns when an insert breaks a UNIQUE
// constraint: uniqueness is the database's job, never check-then-insert.
var ErrDuplicate = errors.New("duplicate key")

// ReadTx reads inside one transaction. A getter returns nil and no error
// when the record does not exist.
type ReadTx interface {
	// Client is a registered client; User an account (for names and regions).
	Client(id string) (*Client, error)
	User(id string) (*schema.User, error)
	// Visit returns the visit with its team, its task's departments and region,
	// and its checklist items.
	Visit(id string) (*Visit, error)
	// ItemResult, Outcome, Notice and Conflict are the current records.
	ItemResult(itemID string) (*ItemResult, error)
	Outcome(visitID, dept string) (*Outcome, error)
	Notice(id string) (*Notice, error)
	Conflict(id string) (*Conflict, error)
	// MutationFate is the stored fate of a client's mutation seq, for
	// replays, with the id the client sent it under.
	MutationFate(clientID string, seq int64) (*Result, string, error)
	// VisitState is the whole current state of one visit.
	VisitState(visitID string) (*VisitState, error)
	// VisitRecords is VisitState without the visit record itself (Visit
	// empty): what completion checks need, without the costlier header.
	VisitRecords(visitID string) (*VisitState, error)
	// Blob returns an arrived photo, or nil.
	Blob(sha256 string) (*Blob, error)
	// BlobVisits lists the visits whose mutations name a photo.
	BlobVisits(sha256 string) ([]string, error)
	// BlobUploadedBy reports whether the user uploaded the photo.
	BlobUploadedBy(sha256, userID string) (bool, error)
	// UnreferencedUploadBytes sums the user's uploaded photos that no
	// visit names, except the one named (the upload being weighed).
	UnreferencedUploadBytes(userID, except string) (int64, error)
	// UnreferencedBlobs lists up to limit arrived photos that no visit
	// names and that nobody uploaded at or after before.
	UnreferencedBlobs(before string, limit int) ([]string, error)
	// Head is the sequence number of the newest change, 0 for none.
	Head() (int64, error)
	// Epoch names the change log's history (DESIGN §8.5): a restore from
	// backup stamps a new one.
	Epoch() (string, error)
	// DeviceNo is a client's short number for its lifetime (DESIGN §8.6),
	// 0 for none.
	DeviceNo(clientID string) (int, error)
	// VisibleVisits lists the visits a scope sees (the rule of CanSee, in SQL).
	VisibleVisits(s Scope) ([]string, error)
	// BootstrapVisits lists, in id order, up to limit visits after the id
	// after that a scope sees and keeps (PROTOCOL §3): with openYear 0 every
	// visible visit; otherwise the open visits of tasks of plans of that
	// year and the visits of the user's own teams.
	BootstrapVisits(s Scope, openYear int, after string, limit int) ([]string, error)
	// OpenYear is the plan year in progress (PROTOCOL §3): the newest plan
	// year not after clockYear with an open visit; else the oldest year
	// with one (next year's plan drawn early); else clockYear.
	OpenYear(clockYear int) (int, error)
	// Changes returns up to limit changes after cursor that scope receives,
	// in sequence order, each with its sequence number.
	Changes(s Scope, cursor int64, limit int) ([]LoggedChange, error)
	// Leases lists the numbers leased to a client and still unused.
	Leases(clientID string) ([]NoticeNumber, error)
	// Rejections lists a client's rejected mutations.
	Rejections(clientID string) ([]Rejection, error)
	// MissingBlobs lists photos named by a client's mutations that have not arrived.
	MissingBlobs(clientID string) ([]string, error)
	// Conflicts lists the conflicts on the visits a scope sees; status "" is all.
	Conflicts(s Scope, status string) ([]Conflict, error)
	// NoticeNumber is one number of a department's yearly sequence.
	NoticeNumber(dept string, year, number int) (*NoticeNumber, error)
	// ExpiredLeases lists leased numbers whose lease ended at or before at.
	ExpiredLeases(at string) ([]NoticeNumber, error)
	// DeptShort is a department's short name for notice numbers (庆市监).
	DeptShort(dept string) (string, error)
	// Department is a department's names: the name messages use (市住建局),
	// the short name of notice numbers and the authority's full name; an
	// unknown code is a *schema.Error with code EINVALID.
	Department(dept string) (*Department, error)
	// RefusedMutations lists the rejected mutations that users (taken off
	// the visit's team) sent for a visit, oldest first.
	RefusedMutations(visitID string, users []string) ([]RefusedMutation, error)
	// VisitStates is VisitState of each listed visit, in the list's order:
	// a bootstrap carries many visits, and reading them together costs a
	// query per record kind rather than a dozen queries per visit.
	VisitStates(visitIDs []string) ([]*VisitState, error)
}

// Tx is a write transaction.
type Tx interface {
	ReadTx
	// Savepoint, RollbackToSavepoint and ReleaseSavepoint bracket one
	// mutation, so that a rejection undoes whatever the mutation had written.
	Savepoint() error
	RollbackToSavepoint() error
	ReleaseSavepoint() error

	// PutClient inserts a client or updates its registration fields
	// (platform, installed, app_version, pending, last_seen).
	PutClient(c *Client) error
	// TouchClient notes last_seen and, when given, the pending count and
	// the client's last applied seq (§5 step 3): one write of the client's
	// row per push.
	TouchClient(id, at string, pending *int, lastSeq *int64) error
	// RetireClient marks a client retired (once).
	RetireClient(id, at string) error

	// MutationIDsTaken returns which of ids already name a stored mutation.
	MutationIDsTaken(ids []string) (map[string]bool, error)
	// RecordMutation stores a mutation and its fate; ErrDuplicate when its id
	// or (client, seq) is taken. A store may find the duplicate only at the
	// end of the transaction, failing it whole with ErrDuplicate: the
	// engine then tries the push again, checking its ids first
	// (MutationIDsTaken).
	RecordMutation(r *MutationRecord) error

	// AddCheckin inserts a check-in; ErrDuplicate on a known id.
	AddCheckin(c *Checkin) error
	// PutItemResult and PutOutcome insert or replace the current record.
	PutItemResult(r *ItemResult) error
	PutOutcome(o *Outcome) error
	// AddSignature inserts a signature; ErrDuplicate on a known id.
	AddSignature(s *Signature) error
	// AddNotice inserts a notice; ErrDuplicate on a known id or number.
	AddNotice(n *Notice) error
	// UpdateNotice writes a notice's service, status, number and void fields.
	UpdateNotice(n *Notice) error
	// AddFollowup inserts a follow-up; ErrDuplicate on a known id.
	AddFollowup(f *Followup) error
	// AddConflict stores a losing value; SettleConflict marks it settled.
	AddConflict(c *Conflict) error
	// OpenConflict is the open conflict of a visit's item or outcome raised
	// by a user, or nil; UpdateConflict replaces its values, authors,
	// times and mutation.
	OpenConflict(visitID, kind, target, clientUser string) (*Conflict, error)
	// OpenConflictsOn are the open conflicts of a visit's item or outcome,
	// whoever raised them.
	OpenConflictsOn(visitID, kind, target string) ([]Conflict, error)
	UpdateConflict(c *Conflict) error
	SettleConflict(id string, value json.RawMessage, by, at string) error
	// AddDeptFinish records a department's 本部门检查完毕; ErrDuplicate
	// when the department has finished already.
	AddDeptFinish(f *DeptFinish) error
	// CompleteVisit marks an open visit complete.
	CompleteVisit(visitID, at string) error
	// AddBlobRefs notes the photos a visit's mutation names, and the client
	// that named them (for its missing_blobs).
	AddBlobRefs(visitID, clientID string, hashes []string) error
	// AddBlob records an arrived photo; false when it was already known.
	AddBlob(sha256 string, size int64, at string) (bool, error)
	// AddBlobUpload records (or renews) that the user uploaded the photo.
	AddBlobUpload(sha256, userID string, size int64, at string) error
	// DropBlob forgets an arrived photo when no visit names it and nobody
	// uploaded it at or after before; false when it was kept.
	DropBlob(sha256, before string) (bool, error)

	// TakeNumbers advances the (dept, year) counter by n and returns the first
	// number taken; the counter starts at 1.
	TakeNumbers(dept string, year, n int) (int, error)
	// PutNumber inserts a number taken from the counter (leased or used).
	PutNumber(n *NoticeNumber) error
	// UseNumber and VoidNumber move a leased number to used or voided.
	UseNumber(dept string, year, number int, noticeID string) error
	VoidNumber(dept string, year, number int, at, reason string) error
	// RenewLease moves a leased number's expiry to expires (DESIGN §8.6).
	RenewLease(dept string, year, number int, expires string) error
	// NumberCounter is the next number the (dept, year) counter would hand
	// out, 1 when it has none; RaiseCounter moves it up to next, never down.
	// ClaimNumber writes a number's row whole, whatever was there (the
	// restore fence, DESIGN §8.5).
	NumberCounter(dept string, year int) (int, error)
	RaiseCounter(dept string, year, next int) error
	ClaimNumber(n *NoticeNumber, voidedAt string) error

	// AppendChange appends to the change log (§5 step 4). The entry's
	// sequence number may be given only at the end of the transaction (a
	// store may write its log rows then), always in the order appended.
	AppendChange(c Change) error
	// Audit appends to the audit log (R15).
	Audit(a AuditEntry) error
	// VisitData is the data of a "visit" change (the lead's visit record).
	VisitData(visitID string) (json.RawMessage, error)
}

// Visit is what the engine needs of a visit to check scope and completion.
type Visit struct {
	ID      string
	TaskID  string
	Region  string
	Status  string   // open | complete | replaced
	Depts   []string // the task's participating departments
	Members []Member
	Items   []Item
	// Finished are the departments that marked 本部门检查完毕 (R10a).
	Finished []string
}

// AllFinished reports whether every participating department has finished.
func (v *Visit) AllFinished() bool {
	for _, d := range v.Depts {
		if !slices.Contains(v.Finished, d) {
			return false
		}
	}
	return true
}

// Member is one person of a visit's joint team.
type Member struct {
	UserID string
	Dept   string
	Active bool
	Name   string
	CertNo string // 执法证号
}

// RefusedMutation is a mutation the server refused, as a lead reads it.
type RefusedMutation struct {
	ID         string          `json:"id"`
	UserID     string          `json:"user_id"`
	UserName   string          `json:"user_name"`
	Name       string          `json:"name"`
	Args       json.RawMessage `json:"args"`
	ClientAt   string          `json:"client_at"`
	ReceivedAt string          `json:"received_at"`
	Reason     string          `json:"reason"`
}

// Department names a department three ways (R11).
type Department struct {
	Code      string
	Name      string // 市市场监管局: what messages say
	Short     string // 庆市监: notice numbers
	Authority string // 庆阳市市场监督管理局: the 执法主体全称 a notice is issued in
}

// Item is one checklist item of a visit.
type Item struct {
	ID   string
	Dept string
	Name string
}

// Item returns the visit's checklist item id, or nil.
func (v *Visit) Item(id string) *Item {
	for i := range v.Items {
		if v.Items[i].ID == id {
			return &v.Items[i]
		}
	}
	return nil
}

// IsMember reports whether userID is an active member of the visit's team.
func (v *Visit) IsMember(userID string) bool {
	for _, m := range v.Members {
		if m.UserID == userID && m.Active {
			return true
		}
	}
	return false
}

// HasDept reports whether dept participates in the visit's task.
func (v *Visit) HasDept(dept string) bool {
	for _, d := range v.Depts {
		if d == dept {
			return true
		}
	}
	return false
}

// Scope is who pulls: the user, whose role, department and region decide
// the visits seen, and the client, which alone receives client changes.
type Scope struct {
	User     *schema.User
	ClientID string
}

// CanSee is the visibility rule of §5 step 4, the one the store's
// VisibleVisits writes in SQL. The rule itself is the policy's
// (authz.VisitRead, DESIGN §8.9): an active team member sees the visit; a
// lead sees the visits of tasks their department takes part in within their
// region; an office user sees their region (a member department's office
// only the tasks it takes part in); an admin sees everything.
func CanSee(u *schema.User, v *Visit) bool {
	return authz.Can(u, authz.VisitRead, v.Scope())
}

// Scope is what the policy looks at of a visit: its region, its task's
// departments and its active team.
func (v *Visit) Scope() authz.Scope {
	s := authz.Scope{Region: v.Region, Depts: v.Depts}
	for _, m := range v.Members {
		if m.Active {
			s.Members = append(s.Members, m.UserID)
		}
	}
	return s
}

// Change is a change-log entry to append. Its audience is the narrowest
// scope set: ClientID, else UserID, else VisitID, else everyone.
type Change struct {
	Kind, Op, EntityID string
	VisitID            string
	UserID             string
	ClientID           string
	Data               any
}

// LoggedChange is a change read back from the log.
type LoggedChange struct {
	Seq int64
	ChangeEntry
}

// MutationRecord is a received mutation and its fate, kept for replays,
// rejection reports and the audit trail.
type MutationRecord struct {
	ID, ClientID string
	Seq          int64
	Name         string
	Args         json.RawMessage
	ClientAt     string
	ReceivedAt   string
	Status       string
	Reason       string
	Code         string // Result.Code
	VisitID      string
	UserID       string
	Channel      string
	// SentID is the id the client sent when the mutation is stored under a
	// server-made ID (the sent one was used by another mutation); else "".
	SentID string
}

// NoticeNumber is one number of a department's yearly sequence (R11).
type NoticeNumber struct {
	Dept      string
	Year      int
	Number    int
	ClientID  string
	State     string // leased | used | voided
	NoticeID  string
	LeasedAt  string
	ExpiresAt string
	Reason    string
}

// AuditEntry is a line of the audit log (R15), as sqlite.AuditEntry.
type AuditEntry struct {
	At                        string
	UserID, ClientID, Channel string
	Action                    string
	Kind, EntityID            string
	ParentKind, ParentID      string
	Before, After             any
	Reason                    string
}
