package sync

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"zsc/schema"
)

// The rules of an inspection's end, in one place (R10, R10a):
//
//   - A department marks its own part done (dept.finish, 本部门检查完毕) when
//     every one of its check points is answered and its outcome recorded,
//     and, on the phone (the mobile channel), every active inspector of the
//     department on the team has signed the record (执法人员不少于两人).
//   - The server completes the visit by itself once every participating
//     department has finished and every photo the visit names has arrived,
//     and, unless every department finished from the desk (a paper check
//     whose signed record is on paper), someone checked in on site and the
//     entity signed or its refusal was recorded.
//
// Nothing on a phone completes a visit: the phone shows each department's
// state until the visit's record comes back complete.

// deptNames names departments in messages by their names (市住建局), looked
// up once per code.
type deptNames struct {
	tx    ReadTx
	cache map[string]*Department
}

func (d *deptNames) get(code string) (*Department, error) {
	if x, ok := d.cache[code]; ok {
		return x, nil
	}
	x, err := d.tx.Department(code)
	if schema.ErrorCode(err) == schema.EINVALID {
		x, err = &Department{Code: code, Name: clipID(code), Short: clipID(code), Authority: clipID(code)}, nil
	}
	if err != nil {
		return nil, err
	}
	if d.cache == nil {
		d.cache = map[string]*Department{}
	}
	d.cache[code] = x
	return x, nil
}

func (d *deptNames) name(code string) (string, error) {
	x, err := d.get(code)
	if err != nil {
		return "", err
	}
	return x.Name, nil
}

// deptMissing lists what keeps department dept from finishing its part of
// visit v, given the visit's records; mobile says whether the finish comes
// from the phone (which must carry the inspectors' signatures).
func deptMissing(names *deptNames, v *Visit, st *VisitState, dept string, mobile bool) ([]string, error) {
	name, err := names.name(dept)
	if err != nil {
		return nil, err
	}
	answered := map[string]bool{}
	for _, r := range st.Results {
		answered[r.ItemID] = true
	}
	var out []string
	open := 0
	for _, it := range v.Items {
		if it.Dept == dept && !answered[it.ID] {
			open++
		}
	}
	if open > 0 {
		out = append(out, fmt.Sprintf("%s还有 %d 项检查内容未填写", name, open))
	}
	if !slices.ContainsFunc(st.Outcomes, func(o Outcome) bool { return o.Dept == dept }) {
		out = append(out, fmt.Sprintf("%s尚未选择检查结果", name))
	}
	if mobile {
		var unsigned []string
		for _, m := range v.Members {
			if m.Dept != dept || !m.Active {
				continue
			}
			if !slices.ContainsFunc(st.Signatures, func(s Signature) bool {
				return s.Kind == "inspector" && s.SignerID == m.UserID
			}) {
				unsigned = append(unsigned, m.Name)
			}
		}
		if len(unsigned) > 0 {
			out = append(out, fmt.Sprintf("%s执法人员%s尚未在检查记录上签名", name, strings.Join(unsigned, "、")))
		}
	}
	return out, nil
}

// visitMissing lists what keeps visit v from completion once its
// departments' parts are judged: departments not finished, then the
// visit's own on-site record, then photos still on their way.
func visitMissing(names *deptNames, tx ReadTx, v *Visit, st *VisitState) ([]string, error) {
	return visitMissingAs(names, tx, v, st, paperOnly(st, false))
}

// paperOnly reports whether the on-site record is on paper: every finish so
// far came from the desk (channel web or import) and, unless none counts,
// there is at least one.
func paperOnly(st *VisitState, noneCounts bool) bool {
	if len(st.Finishes) == 0 {
		return noneCounts
	}
	for _, f := range st.Finishes {
		if f.Channel != schema.ChannelWeb && f.Channel != schema.ChannelImport {
			return false
		}
	}
	return true
}

func visitMissingAs(names *deptNames, tx ReadTx, v *Visit, st *VisitState, paperOnly bool) ([]string, error) {
	var out []string
	finished := map[string]bool{}
	for _, f := range st.Finishes {
		finished[f.Dept] = true
	}
	for _, d := range v.Depts {
		if !finished[d] {
			name, err := names.name(d)
			if err != nil {
				return nil, err
			}
			out = append(out, fmt.Sprintf("%s尚未确认本部门检查完毕", name))
		}
	}
	if !paperOnly {
		if len(st.Checkins) == 0 {
			out = append(out, "尚未现场签到")
		}
		if !slices.ContainsFunc(st.Signatures, func(s Signature) bool { return s.Kind == "entity" || s.Kind == "refusal" }) {
			out = append(out, "被检查单位尚未签字（或记录拒绝签字）")
		}
	}
	absent, err := absentPhotos(tx, st)
	if err != nil {
		return nil, err
	}
	if absent > 0 {
		out = append(out, fmt.Sprintf("还有 %d 张照片尚未上传", absent))
	}
	return out, nil
}

// absentPhotos counts the photos named by a visit's results, signatures and
// served notices that have not arrived.
func absentPhotos(tx ReadTx, st *VisitState) (int, error) {
	var photos []string
	for _, r := range st.Results {
		photos = append(photos, r.Photos...)
	}
	for _, s := range st.Signatures {
		if s.Photo != "" {
			photos = append(photos, s.Photo)
		}
	}
	for _, n := range st.Notices {
		if n.ServedSig != "" {
			photos = append(photos, n.ServedSig)
		}
	}
	slices.Sort(photos)
	photos = slices.Compact(photos)
	absent := 0
	for _, h := range photos {
		b, err := tx.Blob(h)
		if err != nil {
			return 0, err
		}
		if b == nil {
			absent++
		}
	}
	return absent, nil
}

// completeIfReady completes an open visit whose every requirement holds,
// audits it as done by by (the user whose mutation or upload made it
// ready) and tells every phone in scope with the visit's record. It
// reports whether it completed the visit.
func completeIfReady(tx Tx, names *deptNames, v *Visit, at string, by AuditEntry) (bool, error) {
	// Most calls come before every department has finished (a photo
	// upload, a signature): the visit's own record says so without reading
	// the visit's records.
	if v.Status != "open" || !v.AllFinished() {
		return false, nil
	}
	st, err := tx.VisitRecords(v.ID)
	if err != nil {
		return false, err
	}
	missing, err := visitMissing(names, tx, v, st)
	if err != nil || len(missing) > 0 {
		return false, err
	}
	if err := tx.CompleteVisit(v.ID, at); err != nil {
		return false, err
	}
	data, err := tx.VisitData(v.ID)
	if err != nil {
		return false, err
	}
	by.At, by.Action, by.Kind, by.EntityID, by.ParentKind, by.ParentID = at, MutVisitComplete, ChangeVisit, v.ID, "visit", v.ID
	by.Before = map[string]string{"status": v.Status}
	by.After = map[string]string{"status": "complete", "completed_at": at}
	if by.Reason == "" {
		by.Reason = "各部门均已检查完毕，现场记录齐全，服务器自动完成"
	}
	if err := tx.Audit(by); err != nil {
		return false, err
	}
	v.Status = "complete"
	return true, tx.AppendChange(Change{Kind: ChangeVisit, Op: OpPut, EntityID: v.ID, VisitID: v.ID, Data: data})
}

// china is the time zone of dates on Chinese documents (整改期限, 开具日期).
var china = time.FixedZone("CST", 8*3600)

// chinaDate is the calendar date in China of an RFC 3339 time.
func chinaDate(rfc3339 string) string {
	t, err := time.Parse(time.RFC3339, rfc3339)
	if err != nil {
		return ""
	}
	return t.In(china).Format(time.DateOnly)
}

// Missing lists everything that keeps visit v from completion, for a
// screen that shows it: each unfinished department's gaps, or that it has
// not confirmed 本部门检查完毕, then the visit's own. mobile says whether
// the departments' parts are judged as the phone's (with signatures); the
// desk's view (mobile false) takes a visit no phone has finished for a
// paper check, whose on-site record is on paper.
func Missing(tx ReadTx, v *Visit, st *VisitState, mobile bool) ([]string, error) {
	names := &deptNames{tx: tx}
	finished := map[string]bool{}
	for _, f := range st.Finishes {
		finished[f.Dept] = true
	}
	out := []string{}
	for _, d := range v.Depts {
		if finished[d] {
			continue
		}
		m, err := deptMissing(names, v, st, d, mobile)
		if err != nil {
			return nil, err
		}
		if len(m) == 0 {
			name, err := names.name(d)
			if err != nil {
				return nil, err
			}
			m = []string{name + "尚未确认本部门检查完毕"}
		}
		out = append(out, m...)
	}
	rest, err := visitMissingAs(names, tx, v, st, paperOnly(st, !mobile))
	if err != nil {
		return nil, err
	}
	for _, m := range rest {
		if !strings.HasSuffix(m, "尚未确认本部门检查完毕") {
			out = append(out, m)
		}
	}
	return out, nil
}
