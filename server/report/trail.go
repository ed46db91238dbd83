package report

import (
	"bytes"
	"encoding/csv"
	"regexp"
	"strconv"

	"zsc/sync"
)

// Positions of a trail entry relative to the record asked about.
const (
	Before = "before" // what it came from: up to the plan (逆向可溯)
	Self   = "self"
	After  = "after" // what came of it: down to the publications (顺向可追)
)

// TrailEntry is one action on one record of the chain plan → task → draw →
// visit → result → notice → publication (R15): who did it, when, from which
// device and through which channel.
type TrailEntry struct {
	Position string `json:"position"`
	Depth    int    `json:"depth"` // 0 plan, 1 task, 2 draw, 3 visit, 4 result/outcome/notice/publication, 5 follow-up
	Kind     string `json:"kind"`
	ID       string `json:"id"`
	Label    string `json:"label"`
	At       string `json:"at"`
	Action   string `json:"action"`
	UserID   string `json:"user_id"`
	UserName string `json:"user_name"`
	ClientID string `json:"client_id"` // the device (installed app) that sent it; "" for the server's own web forms
	Channel  string `json:"channel"`   // mobile, web or import, as the server recorded it
	// OfficeEntered marks results entered by the office from a paper record.
	OfficeEntered bool   `json:"office_entered"`
	Reason        string `json:"reason,omitempty"`
}

// Trail is the answer of GET /api/v1/trail.
type Trail struct {
	Kind      string       `json:"kind"`
	ID        string       `json:"id"`
	Entries   []TrailEntry `json:"entries"`
	Truncated bool         `json:"truncated"` // the descendants were cut at the limit
}

// TrailHeader is the header row of the trail's CSV.
var TrailHeader = []string{"位置", "层级", "类型", "编号", "说明", "时间", "操作", "操作人", "操作人编号", "设备", "渠道", "办公室补录", "原因"}

var positionNames = map[string]string{Before: "上游", Self: "本条", After: "下游"}

// TrailKindNames and TrailActionNames put the trail's codes in words for the
// CSV a user opens in Excel (the screen has the same words,
// pwa/src/views/office/trail.ts); an unknown code is kept as it is.
var TrailKindNames = map[string]string{
	"plan": "抽查计划", "plan_year": "年度计划", "task": "抽查任务", "draw": "双随机抽取", "visit": "检查户", "entity": "检查对象",
	"checkin": "到场签到", "signature": "签名", "item_result": "检查结果", "outcome": "检查结论", "notice": "责令改正通知书",
	"followup": "复查", "publication": "结果公示", "user": "用户", "client": "设备", "directory": "名录库",
	"notice_number": "通知书编号", "mutation": "同步记录", "checklist_template": "检查表",
}

// TrailActionNames: see TrailKindNames; the phones' mutations are added from
// sync.MutationTitles (init below).
var TrailActionNames = map[string]string{
	"plan.import": "导入年度计划", "plan.settle": "确定牵头部门", "task.create": "创建任务", "draw.run": "抽取", "draw.redraw": "重新抽取",
	"visit.create": "生成检查户", "visit.adjust": "调整检查组或日期", "publication.publish": "公示", "entities.import": "导入检查对象名录",
	"inspectors.import": "导入执法检查人员名录", "conflicts.import": "登记回避", "checklists.import": "导入检查表",
	"client.register": "登记设备", "client.retire": "停用设备", "notice_number.lease": "领取通知书编号",
	"notice_number.void": "作废通知书编号", "notice_number.fence": "通知书编号恢复校验",
	"user.create": "创建用户", "user.update": "修改用户", "user.disable": "停用账号", "user.enable": "启用账号",
	"user.password_reset": "重置密码", "user.password_change": "修改密码",
}

// The phones' mutations are named once, in sync.MutationTitles.
func init() {
	for name, title := range sync.MutationTitles {
		TrailActionNames[name] = title
	}
}

// legacyTrigger is how an automatic completion named its mutation before the
// reason was stored in words (…（由signature.add触发）).
var legacyTrigger = regexp.MustCompile(`（由([a-z_]+\.[a-z_]+)触发）`)

// TrailReason is an audit reason in words: a reason stored before the
// server named mutations by their titles reads as one stored after.
func TrailReason(r string) string {
	return legacyTrigger.ReplaceAllStringFunc(r, func(all string) string {
		if t, ok := TrailActionNames[legacyTrigger.FindStringSubmatch(all)[1]]; ok {
			return "（由“" + t + "”触发）"
		}
		return all
	})
}

var channelNames = map[string]string{"mobile": "移动端", "web": "网页", "import": "导入"}

func named(m map[string]string, code string) string {
	if n, ok := m[code]; ok {
		return n
	}
	return code
}

// CSV renders the trail, one row per action, UTF-8 with a byte-order mark.
func (t *Trail) CSV() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	if err := w.Write(TrailHeader); err != nil {
		return nil, err
	}
	for _, e := range t.Entries {
		office := ""
		if e.OfficeEntered {
			office = "是"
		}
		if err := w.Write([]string{positionNames[e.Position], strconv.Itoa(e.Depth), named(TrailKindNames, e.Kind), e.ID, e.Label, e.At,
			named(TrailActionNames, e.Action), e.UserName, e.UserID, e.ClientID, named(channelNames, e.Channel), office, e.Reason}); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}
