package sync

import (
	"strconv"
	"strings"
)

// Provisional notice numbers (DESIGN §8.6, sync/PROTOCOL.md §4). A phone
// that issues a notice with no leased number left prints a provisional
// text; the server gives the notice a final number on sync and keeps both.
// The text must be unique per phone for its lifetime, so it is made of the
// device number the server gives each client (clients.device_no, the
// migration 0013 trigger; sent in every pull answer) and the phone's own
// count: 临-{device_no}-{n}. The former 临-{first 8 of client id}-{n}
// collided: client ids are UUIDv7, whose first 8 hex digits are a
// timestamp, the same for two phones installed in the same minute.

// ProvisionalPrefix is the prefix of a device's provisional texts.
func ProvisionalPrefix(deviceNo int) string { return "临-" + strconv.Itoa(deviceNo) + "-" }

// provisionalOK checks that a notice's provisional text is this phone's:
// 临-{its device_no}-{n}, n ≥ 1. Texts printed before device numbers
// existed (临-{first 8 of its own client id}-{n}) are still this phone's
// and are kept: they are on paper already.
func (p *pusher) provisionalOK(text string) (fate, bool, error) {
	if text == "" {
		return fate{}, true, nil
	}
	no, err := p.tx.DeviceNo(p.c.ID)
	if err != nil {
		return fate{}, false, err
	}
	if rest, ok := strings.CutPrefix(text, ProvisionalPrefix(no)); ok && no > 0 {
		if n, err := strconv.Atoi(rest); err == nil && n >= 1 && strconv.Itoa(n) == rest {
			return fate{}, true, nil
		}
	}
	if rest, ok := strings.CutPrefix(text, "临-"+p.c.ID[:min(8, len(p.c.ID))]+"-"); ok && rest != "" {
		return fate{}, true, nil
	}
	return reject("临时编号%s不是本机的临时编号（本机应为%sN）", text, ProvisionalPrefix(no)), false, nil
}
