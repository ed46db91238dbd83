// Package sync is the offline sync protocol of 掌上查 (DESIGN §5): the wire
// types of push and pull, the closed set of mutations with their
// validation, and the Engine that applies a push and builds a pull.
//
// It knows no HTTP and no SQL: it talks to storage through the Store
// interface it defines (store.go), which server/sqlstore implements. Importers
// name it zsync to keep the standard library's sync usable beside it.
package sync

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// SchemaVersion is the version of the mutation and change shapes this server
// speaks. A push that names another version is handled as push.go says.
const SchemaVersion = 1

// TimeFormat is how every server-made timestamp is written: RFC 3339 with
// milliseconds in UTC, which sorts as text (the store uses the same layout).
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// FormatTime formats t in TimeFormat.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

// Client kinds; the kind decides the channel recorded on every result.
const (
	KindMobile = "mobile" // the PWA on a phone: channel mobile
	KindWeb    = "web"    // the office's desktop browser: channel web
)

// Fates of a mutation (§5 step 3).
const (
	StatusApplied  = "applied"
	StatusConflict = "conflict"
	StatusRejected = "rejected"
)

// Change operations.
const (
	OpPut    = "put"
	OpRemove = "remove"
)

// Change kinds: the records a pull carries (PROTOCOL.md gives each data shape).
const (
	ChangeVisit      = "visit"       // the lead's draw code: header, entity, team, departments, checklist
	ChangeCheckin    = "checkin"     // Checkin
	ChangeItemResult = "item_result" // ItemResult, id = item id
	ChangeOutcome    = "outcome"     // Outcome, id = visit_id + ":" + dept
	ChangeSignature  = "signature"   // Signature
	ChangeNotice     = "notice"      // Notice
	ChangeFollowup   = "followup"    // Followup
	ChangeConflict   = "conflict"    // Conflict
	ChangeLease      = "lease"       // Lease, one leased notice number, client-scoped
	ChangeRejection  = "rejection"   // Rejection, client-scoped
	ChangeBlob       = "blob"        // Blob: a photo named by a visit has arrived
	ChangeDeptFinish = "dept_finish" // DeptFinish, id = visit_id + ":" + dept (本部门检查完毕)
)

// Mutation is one entry of a client's outbox (§5 step 2). A sent mutation is
// never edited; a later edit is a new mutation with the next Seq.
type Mutation struct {
	Seq  int64           `json:"seq"`
	ID   string          `json:"id"`   // UUID made on the phone
	Name string          `json:"name"` // one of the Mutation names (mutations.go)
	At   string          `json:"at"`   // the phone's clock, RFC 3339; informative only, never orders anything
	Args json.RawMessage `json:"args"` // the typed args of Name
}

// PushRequest is the body of POST /api/v1/sync/push.
type PushRequest struct {
	ClientID      string     `json:"client_id"`
	SchemaVersion int        `json:"schema_version"`
	Mutations     []Mutation `json:"mutations"`
	// Pending is the outbox length the client reports (§5 step 8); optional.
	Pending *int `json:"pending,omitempty"`
	// Epoch is the epoch of the client's last pull; optional. A push of
	// another epoch is refused whole (schema.EEPOCH) until the client has
	// pulled: after a restore its notice numbers must be fenced first, or
	// notices it issued on leases the restored server forgot are refused.
	Epoch string `json:"epoch,omitempty"`
}

// Result is the fate of one pushed mutation.
type Result struct {
	Seq    int64  `json:"seq"`
	Status string `json:"status"` // applied | conflict | rejected
	Reason string `json:"reason,omitempty"`
	// Code names a rejection a client acts on (schema.ESETTLESTALE: reload
	// the conflict); empty for the others.
	Code string `json:"code,omitempty"`
	// Replayed is true when the mutation had been received before and this is
	// the fate stored then.
	Replayed bool `json:"replayed"`
}

// PushResponse is the answer to a push, sent only after the commit.
type PushResponse struct {
	LastSeq int64    `json:"last_seq"`
	Results []Result `json:"results"`
}

// ChangeEntry is one change as a pull delivers it. Data is JSON as
// encoding/json writes it (compact): PullResponse.AppendJSON copies it
// onto the wire as it is.
type ChangeEntry struct {
	Kind string          `json:"kind"`
	Op   string          `json:"op"`
	ID   string          `json:"id"`
	Data json.RawMessage `json:"data"`
}

// PullResponse is the answer to GET /api/v1/sync/pull.
type PullResponse struct {
	Cursor       int64         `json:"cursor"`
	HasMore      bool          `json:"has_more"`
	LastSeq      int64         `json:"last_seq"`
	Changes      []ChangeEntry `json:"changes"`
	MissingBlobs []string      `json:"missing_blobs"`
	// Epoch names the change log's history the cursor counts in (DESIGN
	// §8.5); Bootstrap says the page is the whole state of the scope.
	Epoch     string `json:"epoch"`
	Bootstrap bool   `json:"bootstrap"`
	// DeviceNo is the client's short number for its provisional notice
	// numbers, 临-{device_no}-{n} (DESIGN §8.6).
	DeviceNo int `json:"device_no"`
	// BootstrapToken names the next page of a bootstrap under way: the
	// client sends it back as bootstrap (PROTOCOL §3).
	BootstrapToken string `json:"bootstrap_token,omitempty"`
	// OpenYear is the plan year whose open work the caller's phone keeps
	// besides their own teams' visits (leads, the 联席办, admins); 0 for an
	// inspector, who keeps every visit of their teams.
	OpenYear int `json:"open_year,omitempty"`
}

// AppendJSON appends the JSON of r to dst, byte for byte what encoding/json
// writes for it. encoding/json re-validates and compacts every change's
// Data, which are already compact JSON: for a bootstrap's hundreds of
// records that was a third of the pull's time. Data is copied as it is;
// only one holding a character that encoding/json escapes for HTML (<, >,
// &, U+2028, U+2029: never found in encoding/json's own output) is
// compacted and escaped the slow way, so that the bytes stay the same.
func (r *PullResponse) AppendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, `{"cursor":`...)
	dst = strconv.AppendInt(dst, r.Cursor, 10)
	dst = append(dst, `,"has_more":`...)
	dst = strconv.AppendBool(dst, r.HasMore)
	dst = append(dst, `,"last_seq":`...)
	dst = strconv.AppendInt(dst, r.LastSeq, 10)
	dst = append(dst, `,"changes":`...)
	if r.Changes == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i := range r.Changes {
			ch := &r.Changes[i]
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"kind":`...)
			dst = appendJSONString(dst, ch.Kind)
			dst = append(dst, `,"op":`...)
			dst = appendJSONString(dst, ch.Op)
			dst = append(dst, `,"id":`...)
			dst = appendJSONString(dst, ch.ID)
			dst = append(dst, `,"data":`...)
			var err error
			if dst, err = appendRawJSON(dst, ch.Data); err != nil {
				return nil, fmt.Errorf("change %s %s: %w", ch.Kind, ch.ID, err)
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `,"missing_blobs":`...)
	if r.MissingBlobs == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i, s := range r.MissingBlobs {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, s)
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `,"epoch":`...)
	dst = appendJSONString(dst, r.Epoch)
	dst = append(dst, `,"bootstrap":`...)
	dst = strconv.AppendBool(dst, r.Bootstrap)
	dst = append(dst, `,"device_no":`...)
	dst = strconv.AppendInt(dst, int64(r.DeviceNo), 10)
	if r.BootstrapToken != "" {
		dst = append(dst, `,"bootstrap_token":`...)
		dst = appendJSONString(dst, r.BootstrapToken)
	}
	if r.OpenYear != 0 {
		dst = append(dst, `,"open_year":`...)
		dst = strconv.AppendInt(dst, int64(r.OpenYear), 10)
	}
	return append(dst, '}'), nil
}

// appendRawJSON appends raw as encoding/json writes a json.RawMessage.
func appendRawJSON(dst []byte, raw json.RawMessage) ([]byte, error) {
	if len(raw) == 0 {
		return append(dst, "null"...), nil
	}
	if bytes.IndexByte(raw, '<') < 0 && bytes.IndexByte(raw, '>') < 0 && bytes.IndexByte(raw, '&') < 0 &&
		!bytes.Contains(raw, lineSep) && !bytes.Contains(raw, paraSep) {
		return append(dst, raw...), nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, err
	}
	out := bytes.NewBuffer(dst)
	json.HTMLEscape(out, buf.Bytes())
	return out.Bytes(), nil
}

var lineSep, paraSep = []byte("\u2028"), []byte("\u2029")

// appendJSONString appends s as a JSON string the way encoding/json does:
// HTML characters, U+2028 and U+2029 escaped, invalid UTF-8 replaced.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// RegisterRequest is the body of POST /api/v1/sync/clients (§5 step 1).
type RegisterRequest struct {
	ClientID   string `json:"client_id"`
	Kind       string `json:"kind"` // mobile | web
	Platform   string `json:"platform"`
	Installed  bool   `json:"installed"`
	AppVersion string `json:"app_version"`
	Pending    *int   `json:"pending,omitempty"`
}

// Client is a registered app as the server keeps it (§5 step 1 and 8).
type Client struct {
	ID           string  `json:"client_id"`
	UserID       string  `json:"user_id"`
	Kind         string  `json:"kind"`
	Platform     string  `json:"platform"`
	Installed    bool    `json:"installed"`
	AppVersion   string  `json:"app_version"`
	LastSeq      int64   `json:"last_seq"`
	Pending      int     `json:"pending"`
	RegisteredAt string  `json:"registered_at"`
	LastSeen     string  `json:"last_seen"`
	RetiredAt    *string `json:"retired_at"`
}

// Channel is the result channel of a client of this kind (DESIGN §3).
func (c *Client) Channel() string {
	switch c.Kind {
	case KindMobile:
		return "mobile"
	case KindWeb:
		return "web"
	}
	return "import"
}

// The data of each change kind. Every record is what the server holds now;
// a pull that carries it replaces the phone's copy whole.

// ItemResult is the answer to one checklist item (R8) and its version (§5 step 5).
type ItemResult struct {
	ItemID     string   `json:"item_id"`
	VisitID    string   `json:"visit_id"`
	Dept       string   `json:"dept"`
	Value      string   `json:"value"`
	Note       string   `json:"note"`
	Photos     []string `json:"photos"`
	Version    int64    `json:"version"`
	UserID     string   `json:"user_id"`
	ClientID   string   `json:"client_id"`
	Channel    string   `json:"channel"`
	MutationID string   `json:"mutation_id"`
	UpdatedAt  string   `json:"updated_at"`
}

// Outcome is one department's result categories for a visit (R9).
type Outcome struct {
	VisitID    string   `json:"visit_id"`
	Dept       string   `json:"dept"`
	Categories []string `json:"categories"`
	Note       string   `json:"note"`
	Version    int64    `json:"version"`
	UserID     string   `json:"user_id"`
	ClientID   string   `json:"client_id"`
	Channel    string   `json:"channel"`
	MutationID string   `json:"mutation_id"`
	UpdatedAt  string   `json:"updated_at"`
}

// OutcomeID is the change id of a visit's outcome for dept.
func OutcomeID(visitID, dept string) string { return visitID + ":" + dept }

// Checkin is an inspector's arrival on site with its position (R10).
type Checkin struct {
	ID       string   `json:"id"`
	VisitID  string   `json:"visit_id"`
	UserID   string   `json:"user_id"`
	At       string   `json:"at"`
	Lat      *float64 `json:"lat"`
	Lng      *float64 `json:"lng"`
	Accuracy *float64 `json:"accuracy"`
	ClientID string   `json:"client_id"`
	Channel  string   `json:"channel"`
}

// Signature is an inspector's or the entity's signature, or a refusal (R10).
type Signature struct {
	ID      string `json:"id"`
	VisitID string `json:"visit_id"`
	Kind    string `json:"kind"` // inspector | entity | refusal
	Signer  string `json:"signer"`
	Photo   string `json:"photo"`
	Witness string `json:"witness"`
	Note    string `json:"note"`
	// Dept, SignerID and CertNo name the inspector who signed (kind
	// inspector): both inspectors of a department sign, on one phone or two.
	Dept     string `json:"dept"`
	SignerID string `json:"signer_id"`
	CertNo   string `json:"cert_no"`
	// Role, Phone and Confirmed are the entity's signer's (kind entity):
	// 负责人, 法定代表人 or 委托人, and "以上情况属实" confirmed.
	Role      string `json:"role"`
	Phone     string `json:"phone"`
	Confirmed bool   `json:"confirmed"`
	UserID    string `json:"user_id"`
	ClientID  string `json:"client_id"`
	Channel   string `json:"channel"`
	At        string `json:"at"`
}

// DeptFinish is one department's 本部门检查完毕 on a visit (R10a).
type DeptFinish struct {
	VisitID    string `json:"visit_id"`
	Dept       string `json:"dept"`
	UserID     string `json:"user_id"`
	UserName   string `json:"user_name"`
	ClientID   string `json:"client_id"`
	Channel    string `json:"channel"`
	MutationID string `json:"mutation_id"`
	At         string `json:"at"`
}

// DeptFinishID is the change id of a department's finish on a visit.
func DeptFinishID(visitID, dept string) string { return visitID + ":" + dept }

// NoticeInspector is one of the 执法人员 a notice names (R11).
type NoticeInspector struct {
	UserID string `json:"user_id"`
	Name   string `json:"name"`
	CertNo string `json:"cert_no"`
}

// Notice is a 责令改正通知书 (R11). Number is nil while only a provisional
// text exists; once numbered, both texts are kept.
type Notice struct {
	ID          string   `json:"id"`
	VisitID     string   `json:"visit_id"`
	Dept        string   `json:"dept"`
	Year        int      `json:"year"`
	Number      *int     `json:"number"`
	NumberText  string   `json:"number_text"`
	Provisional string   `json:"provisional"`
	Items       []string `json:"items"`
	Problems    string   `json:"problems"`
	LegalBasis  string   `json:"legal_basis"`
	Deadline    string   `json:"deadline"`
	IssuedAt    string   `json:"issued_at"`
	UserID      string   `json:"user_id"`
	ClientID    string   `json:"client_id"`
	Channel     string   `json:"channel"`
	ServedAt    *string  `json:"served_at"`
	ServedTo    string   `json:"served_to"`
	ServedSig   string   `json:"served_sig"`
	Status      string   `json:"status"` // issued | served | corrected | not_corrected
	// Authority is the issuing body's full name (执法主体全称); Inspectors the
	// department's inspectors on the visit when it was issued; Days the
	// 整改期限 in working days that Deadline was counted from.
	Authority  string            `json:"authority"`
	Inspectors []NoticeInspector `json:"inspectors"`
	Days       int               `json:"days"`
	// A voided (作废) notice keeps its number as a logged void; it is no
	// longer live, and the department may issue a new one.
	VoidedAt   *string `json:"voided_at"`
	VoidedBy   *string `json:"voided_by"`
	VoidReason string  `json:"void_reason"`
}

// Live reports whether the notice stands (not voided).
func (n *Notice) Live() bool { return n.VoidedAt == nil }

// Followup is the record of a 复查 after a notice's deadline (R12).
type Followup struct {
	ID        string  `json:"id"`
	NoticeID  string  `json:"notice_id"`
	VisitID   string  `json:"visit_id"`
	Corrected bool    `json:"corrected"`
	Action    string  `json:"action"` // "" | 立案 | 移送
	Penalty   float64 `json:"penalty"`
	Note      string  `json:"note"`
	UserID    string  `json:"user_id"`
	ClientID  string  `json:"client_id"`
	Channel   string  `json:"channel"`
	At        string  `json:"at"`
}

// Conflict is a phone's value that lost to the server's (§5 step 5), kept
// for the lead to settle. Values are the JSON of ResultValue or OutcomeValue.
type Conflict struct {
	ID             string          `json:"id"`
	VisitID        string          `json:"visit_id"`
	Kind           string          `json:"kind"`   // item_result | outcome
	Target         string          `json:"target"` // the item id, or the dept of an outcome
	Dept           string          `json:"dept"`
	ServerValue    json.RawMessage `json:"server_value"`
	ServerUser     string          `json:"server_user"`
	ServerUserName string          `json:"server_user_name"`
	ServerAt       string          `json:"server_at"`
	ServerVersion  int64           `json:"server_version"`
	ClientValue    json.RawMessage `json:"client_value"`
	ClientUser     string          `json:"client_user"`
	ClientUserName string          `json:"client_user_name"`
	ClientAt       string          `json:"client_at"`
	MutationID     string          `json:"mutation_id"`
	Status         string          `json:"status"` // open | settled
	SettledValue   json.RawMessage `json:"settled_value"`
	SettledBy      *string         `json:"settled_by"`
	SettledByName  string          `json:"settled_by_name"`
	SettledAt      *string         `json:"settled_at"`
}

// ResultValue is the comparable part of an item result: two results with
// equal ResultValues are the same answer (§5 step 5: no conflict).
type ResultValue struct {
	Value  string   `json:"value"`
	Note   string   `json:"note"`
	Photos []string `json:"photos"`
}

// OutcomeValue is the comparable part of an outcome.
type OutcomeValue struct {
	Categories []string `json:"categories"`
	Note       string   `json:"note"`
}

// Lease is one notice number reserved for one client (R11).
type Lease struct {
	Dept      string `json:"dept"`
	Year      int    `json:"year"`
	Number    int    `json:"number"`
	Text      string `json:"text"`
	ExpiresAt string `json:"expires_at"`
}

// LeaseID is the change id of a leased number.
func LeaseID(dept string, year, number int) string {
	return dept + ":" + itoa(year) + ":" + itoa(number)
}

// Rejection tells a client why one of its mutations was rejected.
type Rejection struct {
	MutationID string `json:"mutation_id"`
	Seq        int64  `json:"seq"`
	Name       string `json:"name"`
	Reason     string `json:"reason"`
	At         string `json:"at"` // when the server received it
}

// Blob says that a photo named by a visit is on the server.
type Blob struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// VisitState is the whole server state of one visit: what a bootstrap pull
// carries for it and what GET /api/v1/visits/{id}/state answers.
type VisitState struct {
	Visit      json.RawMessage `json:"visit"`
	Checkins   []Checkin       `json:"checkins"`
	Results    []ItemResult    `json:"results"`
	Outcomes   []Outcome       `json:"outcomes"`
	Signatures []Signature     `json:"signatures"`
	Notices    []Notice        `json:"notices"`
	Followups  []Followup      `json:"followups"`
	Conflicts  []Conflict      `json:"conflicts"`
	Blobs      []Blob          `json:"blobs"`
	Finishes   []DeptFinish    `json:"dept_finishes"`
}
