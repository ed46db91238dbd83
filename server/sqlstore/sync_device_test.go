package sqlstore_test

import (
	"fmt"
	"strings"
	"testing"

	zsync "zsc/sync"
)

// Two phones installed in the same minute printed the same provisional
// number: 临-{first 8 of client id}-1, and client ids are UUIDv7, whose
// first 8 hex digits are a timestamp. Each client now has a device number
// of its own for life, sent in every pull, and a provisional text must be
// 临-{this phone's device number}-{n}: another phone's is refused (DESIGN §8.6).
func TestProvisionalNumbersAreUniquePerPhone(t *testing.T) {
	env := mustSyncEnv(t)
	a, b := env.register(t, "insp1", "mobile"), env.register(t, "insp2", "mobile")
	if a[:8] != b[:8] {
		t.Logf("client ids %s and %s differ in their first 8 digits this time", a, b)
	}
	pa, pb := env.pull(t, "insp1", a, 0), env.pull(t, "insp2", b, 0)
	if pa.DeviceNo < 1 || pb.DeviceNo < 1 || pa.DeviceNo == pb.DeviceNo {
		t.Fatalf("device numbers %d and %d; want two different ones", pa.DeviceNo, pb.DeviceNo)
	}
	if again := env.pull(t, "insp1", a, pa.Cursor); again.DeviceNo != pa.DeviceNo {
		t.Fatalf("phone A's device number changed from %d to %d", pa.DeviceNo, again.DeviceNo)
	}
	one(t, env.push(t, "insp1", a, env.mut(a, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "不符合", 0))), "applied")
	issue := func(provisional string) zsync.Result {
		return env.push(t, "insp1", a, env.mut(a, zsync.MutNoticeIssue, map[string]any{"id": newUUID(), "visit_id": "v1", "dept": "scjg",
			"items": []string{"v1-scjg-1"}, "problems": "从业人员未取得健康证明上岗", "legal_basis": "《中华人民共和国食品安全法》第四十五条第一款",
			"deadline": "2099-12-31", "days": 10, "year": 2024, "number": nil, "provisional": provisional})).Results[0]
	}
	if r := issue(fmt.Sprintf("临-%d-1", pb.DeviceNo)); r.Status != "rejected" || !strings.Contains(r.Reason, "不是本机的临时编号") {
		t.Fatalf("phone A issued with phone B's provisional number: %+v", r)
	}
	if r := issue(fmt.Sprintf("临-%d-1", pa.DeviceNo)); r.Status != "applied" {
		t.Fatalf("phone A's own provisional number: %+v", r)
	}
}
