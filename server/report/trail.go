package report

import (
	"bytes"
	"encoding/csv"
	"strconv"
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
		if err := w.Write([]string{positionNames[e.Position], strconv.Itoa(e.Depth), e.Kind, e.ID, e.Label, e.At, e.Action,
			e.UserName, e.UserID, e.ClientID, e.Channel, office, e.Reason}); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}
