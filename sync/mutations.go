package sync

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"zsc/schema"
)

// Mutation names: the closed set of DESIGN §5 step 2. Anything else is
// rejected with a reason and the queue moves on.
const (
	MutCheckin        = "visit.checkin"
	MutItemSet        = "item.set"
	MutOutcomeSet     = "outcome.set"
	MutSignatureAdd   = "signature.add"
	MutNoticeIssue    = "notice.issue"
	MutNoticeServe    = "notice.serve"
	MutFollowupRecord = "followup.record"
	MutVisitComplete  = "visit.complete"
	MutConflictSettle = "conflict.settle"
	MutDeptFinish     = "dept.finish"
	MutNoticeVoid     = "notice.void"
)

// MutationNames lists the closed set in a stable order.
var MutationNames = []string{MutCheckin, MutItemSet, MutOutcomeSet, MutSignatureAdd, MutNoticeIssue,
	MutNoticeServe, MutFollowupRecord, MutVisitComplete, MutConflictSettle, MutDeptFinish, MutNoticeVoid}

// MutationTitles are the mutations' names in words: the server's audit
// reasons name a mutation by them (a user reads 签名, not signature.add),
// and the trail's screen and CSV name the actions with them
// (server/report.TrailActionNames).
var MutationTitles = map[string]string{
	MutCheckin: "到场签到", MutItemSet: "录入检查项", MutOutcomeSet: "录入检查结论", MutSignatureAdd: "签名",
	MutNoticeIssue: "开具通知书", MutNoticeServe: "送达通知书", MutFollowupRecord: "记录复查",
	MutVisitComplete: "完成检查", MutConflictSettle: "处理冲突", MutDeptFinish: "部门录入完成", MutNoticeVoid: "作废通知书",
}

// AutoCompleteReason is the audit reason of a completion the server made by
// itself when mutation name made the visit ready (R10a).
func AutoCompleteReason(name string) string {
	return "各部门均已检查完毕，现场记录齐全，服务器自动完成（由“" + MutationTitles[name] + "”触发）"
}

// Item values (R8).
const (
	ValueYes = "符合"
	ValueNo  = "不符合"
	ValueNA  = "不涉及"
)

// Outcome categories (R9). NoProblem excludes every other category.
const (
	NoProblem = "未发现问题"
	Pending   = "发现问题待后续处理"
	Corrected = "发现问题经责令已改正"
)

// OutcomeCategories are the standard result categories of R9, in their order.
var OutcomeCategories = []string{
	NoProblem,
	Pending,
	Corrected,
	"未发现开展本次抽查涉及的经营活动",
	"通过登记的住所（经营场所）无法联系",
	"不配合检查情节严重",
	"已关闭停业或正在组织清算",
	"已注销/被吊销/被撤销/迁出",
}

// Limits on free text and lists, so that one phone cannot fill the database.
const (
	maxNote   = 2000
	maxPhotos = 20
	maxItems  = 200
	maxName   = 200
)

// Args is the typed argument record of one mutation name.
type Args interface {
	// Validate checks the args on their own, without the database; the error
	// is a *schema.Error whose message becomes the rejection reason.
	Validate() error
	// Visit is the visit the mutation acts on, for scope checks and routing.
	Visit() string
	// Photos are the photo hashes the mutation names (§5 step 6).
	Photos() []string
}

// CheckinArgs are the args of visit.checkin: arrival on site (R10).
type CheckinArgs struct {
	ID       string   `json:"id"` // the check-in's UUID, made on the phone
	VisitID  string   `json:"visit_id"`
	Lat      *float64 `json:"lat"`
	Lng      *float64 `json:"lng"`
	Accuracy *float64 `json:"accuracy"` // metres
}

// ItemSetArgs are the args of item.set: the answer to one checklist item.
type ItemSetArgs struct {
	VisitID     string   `json:"visit_id"`
	ItemID      string   `json:"item_id"`
	Value       string   `json:"value"` // 符合 | 不符合 | 不涉及
	Note        string   `json:"note"`
	PhotoHashes []string `json:"photos"`
	// BaseVersion is the server version of the result the phone last saw
	// (0: none yet); see §5 step 5.
	BaseVersion int64 `json:"base_version"`
}

// OutcomeSetArgs are the args of outcome.set: one department's categories (R9).
type OutcomeSetArgs struct {
	VisitID     string   `json:"visit_id"`
	Dept        string   `json:"dept"`
	Categories  []string `json:"categories"`
	Note        string   `json:"note"`
	BaseVersion int64    `json:"base_version"`
}

// SignatureAddArgs are the args of signature.add (R10).
type SignatureAddArgs struct {
	ID      string `json:"id"`
	VisitID string `json:"visit_id"`
	Kind    string `json:"kind"`   // inspector | entity | refusal
	Signer  string `json:"signer"` // the name of who signed (required for entity)
	Photo   string `json:"photo"`  // sha256 of the signature image (or of the refusal's evidence)
	Witness string `json:"witness"`
	Note    string `json:"note"` // a refusal's reason
	// Dept and SignerID (kind inspector): the department signed for and the
	// team member who signs, who may be the phone user's teammate. Empty
	// SignerID: the phone's user.
	Dept     string `json:"dept"`
	SignerID string `json:"signer_id"`
	// Role, Phone and Confirmed (kind entity): the signer's capacity
	// (EntitySignerRoles), a contact number, and "以上情况属实" confirmed.
	Role      string `json:"role"`
	Phone     string `json:"phone"`
	Confirmed bool   `json:"confirmed"`
}

// EntitySignerRoles are the capacities in which someone signs for the
// inspected entity.
var EntitySignerRoles = []string{"负责人", "法定代表人", "委托人"}

// NoticeIssueArgs are the args of notice.issue (R11). Number is the leased
// number the phone took; nil when its lease ran out offline, in which case
// Provisional holds the phone's provisional text and the server numbers it.
type NoticeIssueArgs struct {
	ID          string   `json:"id"`
	VisitID     string   `json:"visit_id"`
	Dept        string   `json:"dept"`
	Items       []string `json:"items"` // the failed checklist item ids
	Problems    string   `json:"problems"`
	LegalBasis  string   `json:"legal_basis"`
	Deadline    string   `json:"deadline"` // YYYY-MM-DD, the 整改期限
	Year        int      `json:"year"`
	Number      *int     `json:"number"`
	Provisional string   `json:"provisional"`
	// Days is the 整改期限 in working days that Deadline was counted from on
	// the holiday calendar (0 from phones that predate it).
	Days int `json:"days"`
}

// NoticeVoidArgs are the args of notice.void: 作废 with a reason (R11). The
// number stays used, as a logged void; a re-issue takes a new number.
type NoticeVoidArgs struct {
	VisitID  string `json:"visit_id"`
	NoticeID string `json:"notice_id"`
	Reason   string `json:"reason"`
}

// DeptFinishArgs are the args of dept.finish: 本部门检查完毕 (R10a).
type DeptFinishArgs struct {
	VisitID string `json:"visit_id"`
	Dept    string `json:"dept"`
}

// NoticeServeArgs are the args of notice.serve: the notice was handed over.
type NoticeServeArgs struct {
	VisitID   string `json:"visit_id"`
	NoticeID  string `json:"notice_id"`
	ServedTo  string `json:"served_to"`
	Signature string `json:"signature"` // sha256 of the receipt's signature, optional
}

// FollowupRecordArgs are the args of followup.record: the 复查 (R12).
type FollowupRecordArgs struct {
	ID        string  `json:"id"`
	VisitID   string  `json:"visit_id"`
	NoticeID  string  `json:"notice_id"`
	Corrected bool    `json:"corrected"`
	Action    string  `json:"action"`  // "" when corrected; 立案 or 移送 otherwise
	Penalty   float64 `json:"penalty"` // 万元
	Note      string  `json:"note"`
}

// VisitCompleteArgs are the args of visit.complete.
type VisitCompleteArgs struct {
	VisitID string `json:"visit_id"`
}

// ConflictSettleArgs are the args of conflict.settle (leads only): keep the
// current value ("server") or take the phone's ("client").
type ConflictSettleArgs struct {
	VisitID    string `json:"visit_id"`
	ConflictID string `json:"conflict_id"`
	Pick       string `json:"pick"` // server | client
	// BaseVersion is the conflict's server_version the lead saw: the
	// settlement is refused when the value has moved since. Required: a
	// settlement from an app that does not send it cannot say what the lead
	// saw (the conflict follows the current value), so it is rejected.
	BaseVersion *int64 `json:"base_version"`
}

// DecodeArgs decodes the args of a mutation called name and validates them.
// An unknown name, undecodable args or invalid args give a *schema.Error
// whose message is the rejection reason.
func DecodeArgs(name string, raw json.RawMessage) (Args, error) {
	var a Args
	switch name {
	case MutCheckin:
		a = &CheckinArgs{}
	case MutItemSet:
		a = &ItemSetArgs{}
	case MutOutcomeSet:
		a = &OutcomeSetArgs{}
	case MutSignatureAdd:
		a = &SignatureAddArgs{}
	case MutNoticeIssue:
		a = &NoticeIssueArgs{}
	case MutNoticeServe:
		a = &NoticeServeArgs{}
	case MutFollowupRecord:
		a = &FollowupRecordArgs{}
	case MutVisitComplete:
		a = &VisitCompleteArgs{}
	case MutConflictSettle:
		a = &ConflictSettleArgs{}
	case MutDeptFinish:
		a = &DeptFinishArgs{}
	case MutNoticeVoid:
		a = &NoticeVoidArgs{}
	default:
		return nil, invalid("未知的操作类型 %q", clip(name, 64))
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, invalid("%s 的参数必须是 JSON 对象", name)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(a); err != nil {
		return nil, invalid("%s 的参数%s", name, decodeError(err))
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return a, nil
}

// decodeError says in Chinese what is wrong with args that do not decode,
// to follow "<name> 的参数".
func decodeError(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch msg := err.Error(); {
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return "不是有效的 JSON"
	case errors.As(err, &typ) && typ.Field != "":
		return "中 " + clip(typ.Field, 64) + " 的类型不对"
	case strings.HasPrefix(msg, "json: unknown field "):
		return "含有未知字段 " + clip(strings.TrimPrefix(msg, "json: unknown field "), 64)
	default:
		return "无法解析：" + clip(msg, 200)
	}
}

func invalid(format string, args ...any) error {
	return schema.Errorf(schema.EINVALID, format, args...)
}

// clip shortens s to n bytes on a rune boundary, for reasons that echo input.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// IsUUID reports whether s is a UUID in its canonical 36-character form.
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	_, err := uuid.Parse(s)
	return err == nil
}

// IsSHA256 reports whether s is a sha256 in 64 lower-case hex digits, the
// only form photo names take.
func IsSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func checkID(field, s string) error {
	if !IsUUID(s) {
		return invalid("%s 必须是 UUID", field)
	}
	return nil
}

// checkRef checks an id of a server record (a visit, an item): non-empty and short.
func checkRef(field, s string) error {
	if s == "" {
		return invalid("缺少 %s", field)
	}
	if len(s) > 64 {
		return invalid("%s 过长", field)
	}
	return nil
}

func checkText(field, s string, n int) error {
	if !utf8.ValidString(s) {
		return invalid("%s 不是有效的 UTF-8 文本", field)
	}
	if utf8.RuneCountInString(s) > n {
		return invalid("%s 超过 %d 字", field, n)
	}
	return nil
}

func checkPhotos(field string, ps []string) error {
	if len(ps) > maxPhotos {
		return invalid("%s 最多 %d 张照片", field, maxPhotos)
	}
	for i, p := range ps {
		if !IsSHA256(p) {
			return invalid("%s[%d] 必须是 64 位小写十六进制的 sha256", field, i)
		}
		if slices.Contains(ps[:i], p) {
			return invalid("%s[%d] 与前面的照片重复", field, i)
		}
	}
	return nil
}

// Validate implements Args.
func (a *CheckinArgs) Validate() error {
	if err := checkID("id", a.ID); err != nil {
		return err
	}
	if err := checkRef("visit_id", a.VisitID); err != nil {
		return err
	}
	if (a.Lat == nil) != (a.Lng == nil) {
		return invalid("lat 和 lng 必须同时提供")
	}
	if a.Lat != nil && (!(*a.Lat >= -90 && *a.Lat <= 90) || !(*a.Lng >= -180 && *a.Lng <= 180)) {
		return invalid("lat 必须在 [-90, 90] 之间，lng 必须在 [-180, 180] 之间")
	}
	if a.Accuracy != nil && !(*a.Accuracy >= 0 && *a.Accuracy < 1e7) {
		return invalid("accuracy（定位精度）必须是不小于 0 的米数")
	}
	return nil
}

// Visit implements Args.
func (a *CheckinArgs) Visit() string { return a.VisitID }

// Photos implements Args.
func (a *CheckinArgs) Photos() []string { return nil }

// Validate implements Args.
func (a *ItemSetArgs) Validate() error {
	if err := checkRef("visit_id", a.VisitID); err != nil {
		return err
	}
	if err := checkRef("item_id", a.ItemID); err != nil {
		return err
	}
	if a.Value != ValueYes && a.Value != ValueNo && a.Value != ValueNA {
		return invalid("value 只能是“符合”“不符合”或“不涉及”，不能是 %q", clip(a.Value, 32))
	}
	if err := checkText("note", a.Note, maxNote); err != nil {
		return err
	}
	if a.BaseVersion < 0 {
		return invalid("base_version 不能为负数")
	}
	return checkPhotos("photos", a.PhotoHashes)
}

// Visit implements Args.
func (a *ItemSetArgs) Visit() string { return a.VisitID }

// Photos implements Args.
func (a *ItemSetArgs) Photos() []string { return a.PhotoHashes }

// ResultValue is the comparable value the mutation sets.
func (a *ItemSetArgs) ResultValue() ResultValue {
	return ResultValue{Value: a.Value, Note: a.Note, Photos: nonNil(a.PhotoHashes)}
}

// Validate implements Args: R9's categories, 未发现问题 on its own.
func (a *OutcomeSetArgs) Validate() error {
	if err := checkRef("visit_id", a.VisitID); err != nil {
		return err
	}
	if err := checkRef("dept", a.Dept); err != nil {
		return err
	}
	if len(a.Categories) == 0 {
		return invalid("categories 至少要选一项")
	}
	for i, c := range a.Categories {
		if !slices.Contains(OutcomeCategories, c) {
			return invalid("categories[%d]：%q 不是标准的检查结果类别", i, clip(c, 64))
		}
		if slices.Contains(a.Categories[:i], c) {
			return invalid("categories[%d] 重复选择了“%s”", i, c)
		}
	}
	if slices.Contains(a.Categories, NoProblem) && len(a.Categories) > 1 {
		return invalid("categories：选了“未发现问题”就不能再选其他类别")
	}
	if err := checkText("note", a.Note, maxNote); err != nil {
		return err
	}
	if a.BaseVersion < 0 {
		return invalid("base_version 不能为负数")
	}
	return nil
}

// Visit implements Args.
func (a *OutcomeSetArgs) Visit() string { return a.VisitID }

// Photos implements Args.
func (a *OutcomeSetArgs) Photos() []string { return nil }

// OutcomeValue is the comparable value the mutation sets; the categories are
// sorted in R9's order, so that the same set in another order is equal.
func (a *OutcomeSetArgs) OutcomeValue() OutcomeValue {
	return OutcomeValue{Categories: SortCategories(a.Categories), Note: a.Note}
}

// SortCategories returns cs in the order of OutcomeCategories.
func SortCategories(cs []string) []string {
	out := slices.Clone(cs)
	slices.SortFunc(out, func(a, b string) int {
		return slices.Index(OutcomeCategories, a) - slices.Index(OutcomeCategories, b)
	})
	return nonNil(out)
}

// Validate implements Args: a signature needs its image; a refusal needs a
// note and a witness or a photo (R10).
func (a *SignatureAddArgs) Validate() error {
	if err := checkID("id", a.ID); err != nil {
		return err
	}
	if err := checkRef("visit_id", a.VisitID); err != nil {
		return err
	}
	for _, f := range []struct{ name, s string }{{"signer", a.Signer}, {"witness", a.Witness}} {
		if err := checkText(f.name, f.s, maxName); err != nil {
			return err
		}
	}
	if err := checkText("note", a.Note, maxNote); err != nil {
		return err
	}
	if a.Photo != "" && !IsSHA256(a.Photo) {
		return invalid("photo 必须是 64 位小写十六进制的 sha256")
	}
	for _, f := range []struct{ name, s string }{{"dept", a.Dept}, {"signer_id", a.SignerID}, {"role", a.Role}, {"phone", a.Phone}} {
		if err := checkText(f.name, f.s, 64); err != nil {
			return err
		}
	}
	switch a.Kind {
	case "inspector":
		if a.Photo == "" {
			return invalid("检查人员签名须附签名图片（photo）")
		}
	case "entity":
		if a.Photo == "" || a.Signer == "" {
			return invalid("被检查单位签名须附签名图片（photo）和签字人姓名（signer）")
		}
		if a.Role != "" && !slices.Contains(EntitySignerRoles, a.Role) {
			return invalid("签字人身份（role）只能是负责人、法定代表人或委托人")
		}
	case "refusal":
		if a.Note == "" || (a.Witness == "" && a.Photo == "") {
			return invalid("拒绝签字须填写情况说明（note），并有见证人（witness）或照片（photo）")
		}
	default:
		return invalid("kind 只能是 inspector、entity 或 refusal")
	}
	return nil
}

// Visit implements Args.
func (a *SignatureAddArgs) Visit() string { return a.VisitID }

// Photos implements Args.
func (a *SignatureAddArgs) Photos() []string {
	if a.Photo == "" {
		return nil
	}
	return []string{a.Photo}
}

// Validate implements Args (R11).
func (a *NoticeIssueArgs) Validate() error {
	if err := checkID("id", a.ID); err != nil {
		return err
	}
	if err := checkRef("visit_id", a.VisitID); err != nil {
		return err
	}
	if err := checkRef("dept", a.Dept); err != nil {
		return err
	}
	if len(a.Items) == 0 || len(a.Items) > maxItems {
		return invalid("items 须列出 1 至 %d 项不符合的检查事项", maxItems)
	}
	for i, it := range a.Items {
		if err := checkRef("items["+strconv.Itoa(i)+"]", it); err != nil {
			return err
		}
		if slices.Contains(a.Items[:i], it) {
			return invalid("items[%d] 与前面的检查事项重复", i)
		}
	}
	if err := checkText("problems", a.Problems, maxNote); err != nil {
		return err
	}
	if a.LegalBasis == "" {
		return invalid("缺少 legal_basis（法律依据）")
	}
	if err := checkText("legal_basis", a.LegalBasis, maxNote); err != nil {
		return err
	}
	if _, err := time.Parse(time.DateOnly, a.Deadline); err != nil {
		return invalid("deadline（整改期限）必须是 YYYY-MM-DD 格式的日期")
	}
	if a.Year < 2000 || a.Year > 2999 {
		return invalid("year 必须是通知书的年份，如 2024")
	}
	if a.Number != nil && *a.Number < 1 {
		return invalid("number 必须是本机预留的编号（不小于 1）")
	}
	if a.Number == nil && a.Provisional == "" {
		return invalid("没有预留编号的通知书须填写临时编号（provisional）")
	}
	if a.Days < 0 || a.Days > 90 {
		return invalid("days（整改期限）须为 1 至 90 个工作日")
	}
	return checkText("provisional", a.Provisional, 64)
}

// Validate implements Args.
func (a *NoticeVoidArgs) Validate() error {
	if err := checkRef("visit_id", a.VisitID); err != nil {
		return err
	}
	if err := checkID("notice_id", a.NoticeID); err != nil {
		return err
	}
	if strings.TrimSpace(a.Reason) == "" {
		return invalid("作废通知书须写明原因")
	}
	return checkText("reason", a.Reason, maxName)
}

// Visit implements Args.
func (a *NoticeVoidArgs) Visit() string { return a.VisitID }

// Photos implements Args.
func (a *NoticeVoidArgs) Photos() []string { return nil }

// Validate implements Args.
func (a *DeptFinishArgs) Validate() error {
	if err := checkRef("visit_id", a.VisitID); err != nil {
		return err
	}
	return checkRef("dept", a.Dept)
}

// Visit implements Args.
func (a *DeptFinishArgs) Visit() string { return a.VisitID }

// Photos implements Args.
func (a *DeptFinishArgs) Photos() []string { return nil }

// Visit implements Args.
func (a *NoticeIssueArgs) Visit() string { return a.VisitID }

// Photos implements Args.
func (a *NoticeIssueArgs) Photos() []string { return nil }

// Validate implements Args.
func (a *NoticeServeArgs) Validate() error {
	if err := checkRef("visit_id", a.VisitID); err != nil {
		return err
	}
	if err := checkID("notice_id", a.NoticeID); err != nil {
		return err
	}
	if a.ServedTo == "" {
		return invalid("缺少 served_to：须写明通知书的签收人")
	}
	if err := checkText("served_to", a.ServedTo, maxName); err != nil {
		return err
	}
	if a.Signature != "" && !IsSHA256(a.Signature) {
		return invalid("signature 必须是 64 位小写十六进制的 sha256")
	}
	return nil
}

// Visit implements Args.
func (a *NoticeServeArgs) Visit() string { return a.VisitID }

// Photos implements Args.
func (a *NoticeServeArgs) Photos() []string {
	if a.Signature == "" {
		return nil
	}
	return []string{a.Signature}
}

// Validate implements Args (R12): corrected takes no action; not corrected
// names 立案 or 移送.
func (a *FollowupRecordArgs) Validate() error {
	if err := checkID("id", a.ID); err != nil {
		return err
	}
	if err := checkRef("visit_id", a.VisitID); err != nil {
		return err
	}
	if err := checkID("notice_id", a.NoticeID); err != nil {
		return err
	}
	if a.Corrected && a.Action != "" {
		return invalid("已改正的通知书不填写处理方式（action）")
	}
	if !a.Corrected && a.Action != "立案" && a.Action != "移送" {
		return invalid("未改正的通知书须选择处理方式（action）：立案或移送")
	}
	if !(a.Penalty >= 0 && a.Penalty < 1e6) {
		return invalid("penalty（罚款金额）必须是不小于 0 的万元数")
	}
	return checkText("note", a.Note, maxNote)
}

// Visit implements Args.
func (a *FollowupRecordArgs) Visit() string { return a.VisitID }

// Photos implements Args.
func (a *FollowupRecordArgs) Photos() []string { return nil }

// Validate implements Args.
func (a *VisitCompleteArgs) Validate() error { return checkRef("visit_id", a.VisitID) }

// Visit implements Args.
func (a *VisitCompleteArgs) Visit() string { return a.VisitID }

// Photos implements Args.
func (a *VisitCompleteArgs) Photos() []string { return nil }

// Validate implements Args.
func (a *ConflictSettleArgs) Validate() error {
	if err := checkRef("visit_id", a.VisitID); err != nil {
		return err
	}
	if err := checkRef("conflict_id", a.ConflictID); err != nil {
		return err
	}
	if a.Pick != "server" && a.Pick != "client" {
		return invalid("pick 只能是 server 或 client")
	}
	if a.BaseVersion == nil {
		return invalid("缺少 base_version（组长看到的版本），请更新应用后重新裁定")
	}
	if *a.BaseVersion < 0 {
		return invalid("base_version 不能为负数")
	}
	return nil
}

// Visit implements Args.
func (a *ConflictSettleArgs) Visit() string { return a.VisitID }

// Photos implements Args.
func (a *ConflictSettleArgs) Photos() []string { return nil }

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }

// NumberText is the printed number of a notice (R11), such as
// 庆市监责改〔2024〕12号 for the department short 庆市监.
func NumberText(short string, year, n int) string {
	return fmt.Sprintf("%s责改〔%d〕%d号", short, year, n)
}
