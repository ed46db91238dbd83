package sync

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"zsc/schema"
	"zsc/server/authz"
)

// Defaults of an Engine's settings.
const (
	DefaultLeaseSize = 20
	// DefaultLeaseTTL is how long a phone may stay silent (no pull) before
	// the numbers leased to it are voided (DESIGN §8.6); every pull renews
	// it. Why 30 days: inspections run in monthly rounds, a phone offline
	// for a whole round is lost, broken or replaced, and its unused numbers
	// must not hold the department's 〔年〕N号 series open for longer; a
	// phone that is just on leave keeps its numbers for a month.
	DefaultLeaseTTL     = 30 * 24 * time.Hour
	DefaultPullLimit    = 500
	DefaultMaxPushBytes = 2 << 20
	DefaultMaxBlobBytes = 10 << 20
	// DefaultBlobQuota caps a user's photos that no visit names yet (an
	// offline phone may upload a photo before the push naming it): 100 MB
	// is ten full-size photos, far more than the moments between a push
	// and its uploads need, and bounds what one account can store.
	DefaultBlobQuota = 100 << 20
	// DefaultBlobTTL is how long a photo no visit names, or a partial
	// upload, is kept before the sweeper removes it: a week covers a phone
	// that uploads, loses its network and pushes days later.
	DefaultBlobTTL = 7 * 24 * time.Hour
)

// Engine applies pushes and builds pulls (DESIGN §5). It holds no state of
// its own besides its settings: everything lives in the Store, so one Engine
// serves every request concurrently.
type Engine struct {
	Store Store
	// Now is the clock (the store's clock in production, a fake in tests);
	// the engine never calls time.Now.
	Now func() time.Time
	// NewID makes server keys; UUIDv7 by default (§5 step 1).
	NewID func() string
	// Zone decides the year of leased notice numbers: China time (UTC+8) by
	// default, so that a pull at 07:00 on 1 January leases the new year's.
	Zone *time.Location
	// LeaseSize is how many notice numbers a mobile client holds (R11).
	LeaseSize int
	// LeaseTTL is how long a leased number stays reserved before a sweep voids it.
	LeaseTTL time.Duration
	// PullLimit is the page size of a pull when the client names none.
	PullLimit int
	// MaxPushBytes caps a push body; MaxBlobBytes caps one photo.
	MaxPushBytes int64
	MaxBlobBytes int64
	// BlobQuota caps a user's uploaded photos that no visit names;
	// BlobTTL is how long such photos and partial uploads are kept.
	BlobQuota int64
	BlobTTL   time.Duration
}

// NewEngine returns an Engine on store with the default settings.
func NewEngine(store Store, now func() time.Time) *Engine {
	return &Engine{
		Store:        store,
		Now:          now,
		NewID:        func() string { return uuid.Must(uuid.NewV7()).String() },
		Zone:         time.FixedZone("CST", 8*3600),
		LeaseSize:    DefaultLeaseSize,
		LeaseTTL:     DefaultLeaseTTL,
		PullLimit:    DefaultPullLimit,
		MaxPushBytes: DefaultMaxPushBytes,
		MaxBlobBytes: DefaultMaxBlobBytes,
		BlobQuota:    DefaultBlobQuota,
		BlobTTL:      DefaultBlobTTL,
	}
}

func (e *Engine) now() string { return FormatTime(e.Now()) }

// Register registers a client to the user, or updates its registration
// (§5 step 1). A client belongs to one user for life and its kind never
// changes: the PWA makes a new client id when another user signs in.
func (e *Engine) Register(ctx context.Context, u *schema.User, req RegisterRequest) (*Client, error) {
	if !IsUUID(req.ClientID) {
		return nil, schema.Errorf(schema.EINVALID, "client_id 必须是 UUID")
	}
	if req.Kind != KindMobile && req.Kind != KindWeb {
		return nil, schema.Errorf(schema.EINVALID, "设备类型（kind）只能是 mobile（移动端）或 web（网页）")
	}
	if err := mayUseKind(u, req.Kind); err != nil {
		return nil, err
	}
	if err := checkText("platform", req.Platform, maxName); err != nil {
		return nil, err
	}
	if err := checkText("app_version", req.AppVersion, 64); err != nil {
		return nil, err
	}
	if req.Pending != nil && *req.Pending < 0 {
		return nil, schema.Errorf(schema.EINVALID, "pending must not be negative")
	}
	var out *Client
	err := e.Store.Write(ctx, func(tx Tx) error {
		at := e.now()
		c, err := tx.Client(req.ClientID)
		if err != nil {
			return err
		}
		fresh := c == nil
		if fresh {
			c = &Client{ID: req.ClientID, UserID: u.ID, Kind: req.Kind, RegisteredAt: at}
		} else if c.UserID != u.ID {
			return schema.Errorf(schema.ECONFLICT, "client %s is registered to another user; make a new client id", req.ClientID)
		} else if c.Kind != req.Kind {
			return schema.Errorf(schema.ECONFLICT, "client %s is a %s client; its kind cannot change", req.ClientID, c.Kind)
		}
		c.Platform, c.Installed, c.AppVersion, c.LastSeen = req.Platform, req.Installed, req.AppVersion, at
		if req.Pending != nil {
			c.Pending = *req.Pending
		}
		if err := tx.PutClient(c); err != nil {
			return err
		}
		if fresh {
			if err := tx.Audit(AuditEntry{At: at, UserID: u.ID, ClientID: c.ID, Channel: c.Channel(), Action: "client.register",
				Kind: "client", EntityID: c.ID, After: c}); err != nil {
				return err
			}
		}
		out = c
		return nil
	})
	return out, err
}

// Retire retires a client (a lost or replaced phone): its unused leased
// numbers are voided and logged, and it is never leased numbers again. Its
// owner or an office user overseeing the owner (region and department) may
// retire it. A
// retired client may still push, so that work found on a recovered phone is
// not lost; a notice it issued with a voided number is renumbered. Who may
// retire another's client is the policy's (authz.ClientRetire).
func (e *Engine) Retire(ctx context.Context, u *schema.User, clientID string) (*Client, error) {
	return e.RetireFor(ctx, u, clientID, "")
}

// RetireFor is Retire with the reason the desk gives (a lost phone, a
// replaced one), kept on the audit row.
func (e *Engine) RetireFor(ctx context.Context, u *schema.User, clientID, reason string) (*Client, error) {
	var out *Client
	err := e.Store.Write(ctx, func(tx Tx) error {
		at := e.now()
		c, err := tx.Client(clientID)
		if err != nil {
			return err
		}
		if c == nil {
			return schema.Errorf(schema.ENOTFOUND, "找不到这台设备")
		}
		if c.UserID != u.ID {
			owner, err := tx.User(c.UserID)
			if err != nil {
				return err
			}
			if owner == nil {
				return fmt.Errorf("client %s: its user %s is missing", clipID(c.ID), c.UserID)
			}
			if err := authz.Check(u, authz.ClientRetire, authz.Scope{Region: owner.Region, Dept: owner.Dept}); err != nil {
				return err
			}
		}
		if c.RetiredAt == nil {
			if err := tx.RetireClient(c.ID, at); err != nil {
				return err
			}
			c.RetiredAt = &at
			if err := tx.Audit(AuditEntry{At: at, UserID: u.ID, ClientID: c.ID, Channel: c.Channel(), Action: "client.retire",
				Kind: "client", EntityID: c.ID, After: c, Reason: reason}); err != nil {
				return err
			}
			leases, err := tx.Leases(c.ID)
			if err != nil {
				return err
			}
			for _, n := range leases {
				if err := e.void(tx, at, u.ID, n, "client retired"); err != nil {
					return err
				}
			}
		}
		out = c
		return nil
	})
	return out, err
}

// void voids one unused leased number, logs it and tells its client (R11:
// every voided number is logged).
func (e *Engine) void(tx Tx, at, byUser string, n NoticeNumber, reason string) error {
	if err := tx.VoidNumber(n.Dept, n.Year, n.Number, at, reason); err != nil {
		return err
	}
	id := LeaseID(n.Dept, n.Year, n.Number)
	if err := tx.Audit(AuditEntry{At: at, UserID: byUser, ClientID: n.ClientID, Action: "notice_number.void",
		Kind: "notice_number", EntityID: id, Before: map[string]any{"state": "leased", "client_id": n.ClientID},
		After: map[string]any{"state": "voided"}, Reason: reason}); err != nil {
		return err
	}
	return tx.AppendChange(Change{Kind: ChangeLease, Op: OpRemove, EntityID: id, ClientID: n.ClientID,
		Data: map[string]any{"reason": reason}})
}

// AddBlob records that a photo has arrived (§5 step 6); the HTTP layer has
// already verified and stored its bytes. Visits naming it hear of it.
func (e *Engine) AddBlob(ctx context.Context, sha256 string, size int64) error {
	return e.AddUpload(ctx, "", sha256, size)
}

// AddUpload is AddBlob that also records who uploaded the photo, for the
// quota of unreferenced photos (AdmitBlob) and the sweeper (DropBlob).
func (e *Engine) AddUpload(ctx context.Context, userID, sha256 string, size int64) error {
	if !IsSHA256(sha256) {
		return schema.Errorf(schema.EINVALID, "not a sha256")
	}
	return e.Store.Write(ctx, func(tx Tx) error {
		at := e.now()
		if userID != "" {
			if err := tx.AddBlobUpload(sha256, userID, size, at); err != nil {
				return err
			}
		}
		fresh, err := tx.AddBlob(sha256, size, at)
		if err != nil || !fresh {
			return err
		}
		visits, err := tx.BlobVisits(sha256)
		if err != nil {
			return err
		}
		names := deptNames{tx: tx}
		for _, id := range visits {
			if err := tx.AppendChange(Change{Kind: ChangeBlob, Op: OpPut, EntityID: sha256, VisitID: id,
				Data: Blob{SHA256: sha256, Size: size}}); err != nil {
				return err
			}
			// The last photo of a visit whose departments have all finished
			// completes it (R10a): photos may arrive after the push.
			v, err := tx.Visit(id)
			if err != nil {
				return err
			}
			if v == nil {
				continue
			}
			if _, err := completeIfReady(tx, &names, v, at, AuditEntry{Channel: "server",
				Reason: "最后一张照片已上传，各部门均已检查完毕，服务器自动完成"}); err != nil {
				return err
			}
		}
		return nil
	})
}

// AdmitBlob decides whether u may upload size bytes of a photo. A photo
// named by a visit u sees is always welcome. Any other is provisional (its
// mutation may come later: phones may upload first, PROTOCOL.md §5) and
// counts against u's quota of unreferenced photos, with partial bytes
// already on disk for u's other uploads (the caller measures those).
// Refusal is 429 rate_limited: the phone keeps the photo and retries after
// its next push, which names it.
func (e *Engine) AdmitBlob(ctx context.Context, u *schema.User, sha256 string, size, partial int64) error {
	return e.Store.Read(ctx, func(tx ReadTx) error {
		mine, err := e.namedForUser(tx, u, sha256)
		if err != nil || mine {
			return err
		}
		used, err := tx.UnreferencedUploadBytes(u.ID, sha256)
		if err != nil {
			return err
		}
		if used+partial+size > e.BlobQuota {
			return &schema.Error{Code: schema.ERATELIMITED,
				Message: fmt.Sprintf("尚未关联检查记录的照片已达每人 %d MB 的暂存上限：请先同步检查记录，照片随后自动上传", e.BlobQuota>>20),
				Details: map[string]int{"retry_after": 600}}
		}
		return nil
	})
}

// namedForUser reports whether a visit u sees names the photo.
func (e *Engine) namedForUser(tx ReadTx, u *schema.User, sha256 string) (bool, error) {
	visits, err := tx.BlobVisits(sha256)
	if err != nil {
		return false, err
	}
	for _, id := range visits {
		v, err := tx.Visit(id)
		if err != nil {
			return false, err
		}
		if v != nil && CanSee(u, v) {
			return true, nil
		}
	}
	return false, nil
}

// MayKnowBlob reports whether u may learn whether the photo is on the
// server (HEAD, a PUT of a stored photo): those who may read it (a visit
// they see names it) and those who uploaded it. To anyone else a stored
// photo looks absent until they send its bytes.
func (e *Engine) MayKnowBlob(ctx context.Context, u *schema.User, sha256 string) (bool, error) {
	ok := false
	err := e.Store.Read(ctx, func(tx ReadTx) error {
		var err error
		if ok, err = e.namedForUser(tx, u, sha256); err != nil || ok {
			return err
		}
		ok, err = tx.BlobUploadedBy(sha256, u.ID)
		return err
	})
	return ok, err
}

// UnreferencedBlobs lists up to limit photos that no visit names and that
// nobody uploaded within BlobTTL: the sweeper's candidates.
func (e *Engine) UnreferencedBlobs(ctx context.Context, limit int) ([]string, error) {
	var out []string
	err := e.Store.Read(ctx, func(tx ReadTx) error {
		var err error
		out, err = tx.UnreferencedBlobs(FormatTime(e.Now().Add(-e.BlobTTL)), limit)
		return err
	})
	return out, err
}

// DropBlob forgets a photo if it is still unreferenced and stale (checked
// again in the writer, so a push naming it meanwhile keeps it); true when
// the caller must remove its bytes. A push that names it afterwards lists
// it in missing_blobs and the phone uploads it again.
func (e *Engine) DropBlob(ctx context.Context, sha256 string) (bool, error) {
	var dropped bool
	err := e.Store.Write(ctx, func(tx Tx) error {
		var err error
		dropped, err = tx.DropBlob(sha256, FormatTime(e.Now().Add(-e.BlobTTL)))
		return err
	})
	return dropped, err
}

// HasBlob reports whether a photo has arrived.
func (e *Engine) HasBlob(ctx context.Context, sha256 string) (bool, error) {
	var ok bool
	err := e.Store.Read(ctx, func(tx ReadTx) error {
		b, err := tx.Blob(sha256)
		ok = b != nil
		return err
	})
	return ok, err
}

// CanReadBlob reports whether u sees a visit that names the photo: photos
// are evidence and only those who see the visit may fetch them.
func (e *Engine) CanReadBlob(ctx context.Context, u *schema.User, sha256 string) (bool, error) {
	ok := false
	err := e.Store.Read(ctx, func(tx ReadTx) error {
		visits, err := tx.BlobVisits(sha256)
		if err != nil {
			return err
		}
		for _, id := range visits {
			v, err := tx.Visit(id)
			if err != nil {
				return err
			}
			if v != nil && CanSee(u, v) {
				ok = true
				return nil
			}
		}
		return nil
	})
	return ok, err
}

// VisitState returns the whole server state of one visit the user sees.
func (e *Engine) VisitState(ctx context.Context, u *schema.User, visitID string) (*VisitState, error) {
	var out *VisitState
	err := e.Store.Read(ctx, func(tx ReadTx) error {
		if _, err := visible(tx, u, visitID); err != nil {
			return err
		}
		var err error
		out, err = tx.VisitState(visitID)
		return err
	})
	return out, err
}

// visible loads a visit the user may see, or says in Chinese why not.
func visible(tx ReadTx, u *schema.User, visitID string) (*Visit, error) {
	v, err := tx.Visit(visitID)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, schema.Errorf(schema.ENOTFOUND, "找不到这户检查")
	}
	if !CanSee(u, v) {
		return nil, schema.Errorf(schema.EFORBIDDEN, "这户检查不在你的范围内")
	}
	return v, nil
}

// Refused lists what inspectors taken off a visit's team sent for it
// afterwards (§5 step 4: a removal is not a deletion): their mutations were
// refused, kept with their arguments, and the lead or office who sees the
// visit decides what becomes of them.
func (e *Engine) Refused(ctx context.Context, u *schema.User, visitID string) ([]RefusedMutation, error) {
	if err := authz.Allow(u, authz.ConflictList); err != nil {
		return nil, err
	}
	var out []RefusedMutation
	err := e.Store.Read(ctx, func(tx ReadTx) error {
		v, err := visible(tx, u, visitID)
		if err != nil {
			return err
		}
		var removed []string
		for _, m := range v.Members {
			if !m.Active {
				removed = append(removed, m.UserID)
			}
		}
		out, err = tx.RefusedMutations(visitID, removed)
		return err
	})
	return out, err
}

// Conflicts lists the conflicts on the visits u sees, for the lead's screen
// (§5 step 5: field, both values, authors, times); status "" lists all.
func (e *Engine) Conflicts(ctx context.Context, u *schema.User, status string) ([]Conflict, error) {
	if status != "" && status != "open" && status != "settled" {
		return nil, schema.Errorf(schema.EINVALID, "状态只能是待处理（open）或已处理（settled）")
	}
	var out []Conflict
	err := e.Store.Read(ctx, func(tx ReadTx) error {
		var err error
		out, err = tx.Conflicts(Scope{User: u}, status)
		return err
	})
	return nonNil(out), err
}

// ownClient loads a client and checks that it belongs to u (§5 step 1).
func ownClient(tx ReadTx, u *schema.User, id string) (*Client, error) {
	c, err := tx.Client(id)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, schema.Errorf(schema.ENOTFOUND, "client %s is not registered: POST /api/v1/sync/clients first", clipID(id))
	}
	if c.UserID != u.ID {
		return nil, schema.Errorf(schema.EFORBIDDEN, "client %s belongs to another user", id)
	}
	// A mobile client registered before the rule below (or by a user since
	// moved to the desk) would count desk work as mobile: it syncs no more.
	if err := mayUseKind(u, c.Kind); err != nil {
		return nil, err
	}
	return c, nil
}

// mayUseKind is the channel rule (DESIGN §3, §8.8): the channel of a result
// is the kind of the client it came through, so holding a mobile client is
// the policy's field action (authz.FieldClient: inspectors and leads; a desk
// role, admins included, holds web clients only). The mobile application
// rate counts what is recorded in the field; no one can declare desk work
// mobile.
func mayUseKind(u *schema.User, kind string) error {
	if kind == KindWeb {
		return nil
	}
	if err := authz.Allow(u, authz.FieldClient); err != nil {
		if schema.ErrorCode(err) != schema.EFORBIDDEN {
			return err
		}
		return schema.Errorf(schema.EFORBIDDEN, "%s；请使用办公端（web）客户端，其录入不计入移动端应用率", schema.ErrorMessage(err))
	}
	return nil
}

func clipID(s string) string { return clip(s, 64) }
