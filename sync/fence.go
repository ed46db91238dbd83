package sync

import (
	"slices"
	"strconv"
	"strings"

	"zsc/schema"
)

// The restore fence (DESIGN §8.5). A restore from backup rolls the notice
// counters back: numbers leased or issued after the backup are unknown to
// the server, yet phones hold them and paper notices carry them. So a phone
// reports, on each pull, the numbers it holds (its leases, used or not) and
// those its own notices carry; when its epoch is not the server's (it last
// pulled before the restore), the pull fences them before leasing anything:
//   - a reported number the server does not know (no row, or a row the
//     fence itself voided as a gap) becomes this phone's again: leased when
//     it holds it (its unsynced notices push with it), voided as 备份恢复前已开具
//     when it was issued (the paper exists; the notice record went with the
//     restore);
//   - the counter moves above the highest reported number, and each number
//     it skips that nobody reported is voided as a gap, claimable by the
//     phone that reports it later;
//   - a reported number the server has given to another phone since the
//     restore is a duplicate the fence came too late for: it is audited.
// In the current epoch the reports are ignored: the server knows its own.

// Reasons of numbers the fence voids; shown to users as they are.
const (
	FenceIssuedReason = "备份恢复前已开具"
	FenceGapReason    = "备份恢复后跳过（恢复前可能已由手机领用）"
)

// fenceReach bounds how far above the counter a reported number may lie:
// numbers handed out between a backup and the loss it is restored for, far
// more than a department issues in a year; a higher one is a broken or
// forged report, which must not burn a department's series.
const fenceReach = 5000

// maxReported bounds the numbers one pull may report.
const maxReported = 2000

// NumberRef names one notice number.
type NumberRef struct {
	Dept   string
	Year   int
	Number int
}

// ParseNumberList reads a pull's held= or issued= parameter: comma-separated
// entries dept:year:n or dept:year:from-to. param names it in errors.
func ParseNumberList(param, s string) ([]NumberRef, error) {
	var out []NumberRef
	if s == "" {
		return nil, nil
	}
	for _, entry := range strings.Split(s, ",") {
		parts := strings.Split(entry, ":")
		if len(parts) != 3 || parts[0] == "" {
			return nil, schema.Errorf(schema.EINVALID, "%s: %q is not dept:year:number or dept:year:from-to", param, entry)
		}
		year, err := strconv.Atoi(parts[1])
		if err != nil || year < 2000 || year > 9999 {
			return nil, schema.Errorf(schema.EINVALID, "%s: %q has no valid year", param, entry)
		}
		from, to, ok := strings.Cut(parts[2], "-")
		lo, err1 := strconv.Atoi(from)
		hi := lo
		var err2 error
		if ok {
			hi, err2 = strconv.Atoi(to)
		}
		if err1 != nil || err2 != nil || lo < 1 || hi < lo {
			return nil, schema.Errorf(schema.EINVALID, "%s: %q has no valid number or range", param, entry)
		}
		if len(out)+hi-lo+1 > maxReported {
			return nil, schema.Errorf(schema.EINVALID, "%s: more than %d numbers", param, maxReported)
		}
		for n := lo; n <= hi; n++ {
			out = append(out, NumberRef{Dept: parts[0], Year: year, Number: n})
		}
	}
	return out, nil
}

// fenceDue says whether a pull must fence: the phone reports numbers and
// its epoch is not the server's.
func fenceDue(tx ReadTx, req PullRequest) (bool, error) {
	if req.Epoch == "" || req.Held == "" && req.Issued == "" {
		return false, nil
	}
	epoch, err := tx.Epoch()
	return epoch != req.Epoch, err
}

// fence marks the numbers a phone of another epoch reports as taken (see
// above), in the pull's bookkeeping transaction, before topUp.
func (e *Engine) fence(tx Tx, at string, u *schema.User, c *Client, req PullRequest) error {
	if due, err := fenceDue(tx, req); err != nil || !due {
		return err
	}
	held, err := ParseNumberList("held", req.Held)
	if err != nil {
		return err
	}
	issued, err := ParseNumberList("issued", req.Issued)
	if err != nil {
		return err
	}
	type key struct {
		dept string
		year int
	}
	state := map[NumberRef]string{}
	groups := map[key][]int{}
	// A number both held and issued was issued: the phone marks a lease it
	// used, and its notice carries the number.
	for _, list := range []struct {
		refs  []NumberRef
		state string
	}{{held, "leased"}, {issued, "voided"}} {
		for _, r := range list.refs {
			// Only the user's own department: a phone is leased numbers of
			// its user's department alone, and nobody may fence another's series.
			if r.Dept != u.Dept {
				continue
			}
			if _, seen := state[r]; !seen {
				k := key{r.Dept, r.Year}
				groups[k] = append(groups[k], r.Number)
			}
			if state[r] != "voided" {
				state[r] = list.state
			}
		}
	}
	expires := FormatTime(e.Now().Add(e.LeaseTTL))
	var claimed, collided, gaps []string
	keys := make([]key, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int { return strings.Compare(a.dept+strconv.Itoa(a.year), b.dept+strconv.Itoa(b.year)) })
	for _, k := range keys {
		nums := groups[k]
		slices.Sort(nums)
		next, err := tx.NumberCounter(k.dept, k.year)
		if err != nil {
			return err
		}
		if top := nums[len(nums)-1]; top >= next+fenceReach {
			return schema.Errorf(schema.EINVALID, "reported notice number %d of %s %d is %d or more above the counter (%d)", top, k.dept, k.year, fenceReach, next)
		}
		short, err := tx.DeptShort(k.dept)
		if err != nil {
			return err
		}
		reported := map[int]bool{}
		for _, n := range nums {
			reported[n] = true
			ref := NumberRef{k.dept, k.year, n}
			row, err := tx.NoticeNumber(k.dept, k.year, n)
			if err != nil {
				return err
			}
			switch {
			case row == nil || row.State == "voided" && row.Reason == FenceGapReason:
			case row.ClientID == c.ID:
				continue // known as this phone's already
			default:
				collided = append(collided, NumberText(short, k.year, n))
				continue
			}
			nn := &NoticeNumber{Dept: k.dept, Year: k.year, Number: n, ClientID: c.ID, State: state[ref], LeasedAt: at, ExpiresAt: expires}
			voidedAt := ""
			if nn.State == "voided" {
				nn.ExpiresAt, nn.Reason, voidedAt = at, FenceIssuedReason, at
			}
			if err := tx.ClaimNumber(nn, voidedAt); err != nil {
				return err
			}
			if nn.State == "leased" {
				if err := tx.AppendChange(Change{Kind: ChangeLease, Op: OpPut, EntityID: LeaseID(k.dept, k.year, n), ClientID: c.ID,
					Data: Lease{Dept: k.dept, Year: k.year, Number: n, Text: NumberText(short, k.year, n), ExpiresAt: expires}}); err != nil {
					return err
				}
			}
			claimed = append(claimed, NumberText(short, k.year, n))
		}
		top := nums[len(nums)-1]
		for n := next; n < top; n++ {
			if reported[n] {
				continue
			}
			if err := tx.PutNumber(&NoticeNumber{Dept: k.dept, Year: k.year, Number: n, ClientID: "", State: "voided",
				LeasedAt: at, ExpiresAt: at, Reason: FenceGapReason}); err != nil {
				return err
			}
			gaps = append(gaps, NumberText(short, k.year, n))
		}
		if err := tx.RaiseCounter(k.dept, k.year, top+1); err != nil {
			return err
		}
	}
	if len(claimed)+len(collided)+len(gaps) == 0 {
		return nil
	}
	return tx.Audit(AuditEntry{At: at, UserID: u.ID, ClientID: c.ID, Channel: c.Channel(), Action: "notice_number.fence",
		Kind: "notice_lease", EntityID: c.ID, Reason: "备份恢复后手机报告其持有和已开具的文书编号",
		After: map[string]any{"epoch": req.Epoch, "claimed": claimed, "gaps": gaps, "duplicates": collided}})
}
