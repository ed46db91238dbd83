package http_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
)

type followupListJSON struct {
	Status string
	Today  string
	Total  int
	Items  []struct {
		NoticeID    string `json:"notice_id"`
		NumberText  string `json:"number_text"`
		Provisional bool
		VisitID     string `json:"visit_id"`
		EntityName  string `json:"entity_name"`
		Dept        string
		DeptName    string `json:"dept_name"`
		Authority   string
		Deadline    string
		Days        int
		Status      string
		DaysLeft    int `json:"days_left"`
		Overdue     bool
		Followup    *struct {
			Corrected bool
			Action    string
			Note      string
			UserName  string `json:"user_name"`
		}
	}
}

func (l followupListJSON) ids() string {
	var out []string
	for _, it := range l.Items {
		out = append(out, it.NoticeID)
	}
	return strings.Join(out, ",")
}

// seedNotices writes notices and follow-ups of the sync fixture's visits
// straight into the store (today is 2024-06-03 there): what the lists read
// does not depend on how the phones pushed them.
func seedNotices(t *testing.T, ss *syncServer) {
	t.Helper()
	type notice struct {
		id, visit, dept   string
		number            any
		text, provisional string
		deadline, status  string
		voided            any
	}
	notices := []notice{
		{"N1", "v1", "scjg", 1, "庆市监责改〔2024〕1号", "", "2024-06-01", "issued", nil},                        // overdue
		{"N2", "v1", "wjw", 1, "庆卫健责改〔2024〕1号", "", "2024-06-05", "served", nil},                         // within three days
		{"N3", "v2", "scjg", nil, "", "临-0190aaaa-1", "2024-06-20", "issued", nil},                       // not due yet
		{"N4", "v2", "scjg", 2, "庆市监责改〔2024〕2号", "", "2024-06-01", "issued", "2024-06-02T02:00:00.000Z"}, // voided
		{"N5", "v3", "scjg", 3, "庆市监责改〔2024〕3号", "", "2024-05-20", "corrected", nil},
		{"N6", "v3", "wjw", 2, "庆卫健责改〔2024〕2号", "", "2024-05-21", "not_corrected", nil},
		{"N7", "v9", "wjw", 3, "庆卫健责改〔2024〕3号", "", "2024-05-31", "issued", nil},
	}
	err := ss.db.Write(context.Background(), func(tx *sql.Tx) error {
		if _, err := tx.Exec(`UPDATE departments SET authority = CASE code WHEN 'scjg' THEN '庆阳市市场监督管理局' WHEN 'wjw' THEN '庆阳市卫生健康委员会' ELSE authority END`); err != nil {
			return err
		}
		for _, n := range notices {
			authority := map[string]string{"scjg": "庆阳市市场监督管理局", "wjw": "庆阳市卫生健康委员会"}[n.dept]
			if _, err := tx.Exec(`INSERT INTO notices (id, visit_id, dept, year, number, number_text, provisional, items, problems, legal_basis,
				deadline, issued_at, user_id, client_id, channel, status, authority, inspectors, days, voided_at, void_reason)
				VALUES (?, ?, ?, 2024, ?, ?, ?, '[]', '1. 未公示许可证', '《中华人民共和国食品安全法》第三十五条第一款', ?, '2024-05-10T02:00:00.000Z',
				'insp1', 'c1', 'mobile', ?, ?, '[]', 10, ?, '')`,
				n.id, n.visit, n.dept, n.number, n.text, n.provisional, n.deadline, n.status, authority, n.voided); err != nil {
				return err
			}
		}
		_, err := tx.Exec(`INSERT INTO followups (id, notice_id, visit_id, corrected, action, penalty, note, user_id, client_id, channel, at) VALUES
			('F5', 'N5', 'v3', 1, '', 0, '已公示许可证', 'insp1', 'c1', 'mobile', '2024-05-21T02:00:00.000Z'),
			('F6', 'N6', 'v3', 0, '立案', 0.5, '逾期仍未整改', 'insp3', 'c3', 'mobile', '2024-05-22T02:00:00.000Z')`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestFollowupsAndReferralsInScope(t *testing.T) {
	ss := mustOpenSyncServer(t)
	seedNotices(t, ss)
	get := func(t *testing.T, user, path string) (int, followupListJSON) {
		t.Helper()
		var l followupListJSON
		code := ss.call(t, "GET", path, user, nil, nil, &l)
		return code, l
	}
	lists := []struct {
		name, user, path, want string
	}{
		{"an inspector sees his department's live notices whose deadline passed or is near, on his visits", "insp1", "/api/v1/followups?status=due", "N1"},
		{"the other inspector of the department sees the same", "insp2", "/api/v1/followups", "N1"},
		{"an inspector of another department on the same joint visit sees only his own department's notices", "insp3", "/api/v1/followups?status=due", "N7,N2"},
		{"an inspector with no notice of his department sees nothing", "insp4", "/api/v1/followups?status=due", ""},
		{"a lead sees his department's notices only", "lead", "/api/v1/followups?status=due", "N1"},
		{"the 联席办 sees every department's, nearest deadline first, never a voided one", "office", "/api/v1/followups?status=due", "N7,N1,N2"},
		{"followed-up notices list newest first", "office", "/api/v1/followups?status=done", "N6,N5"},
		{"an inspector's done list is his department's", "insp1", "/api/v1/followups?status=done", "N5"},
		{"one notice asked by id", "office", "/api/v1/followups?status=due&notice_id=N2", "N2"},
		{"a notice outside the caller's scope is not found by id either", "insp1", "/api/v1/followups?status=due&notice_id=N2", ""},
		{"待移交立案 lists the notices found not corrected", "office", "/api/v1/referrals", "N6"},
		{"a lead's 待移交立案 holds his department's only", "lead", "/api/v1/referrals", ""},
	}
	for _, c := range lists {
		t.Run(c.name, func(t *testing.T) {
			code, l := get(t, c.user, c.path)
			if code != 200 || l.ids() != c.want || l.Total != len(l.Items) {
				t.Fatalf("%s %s: %d %q (total %d), want %q", c.user, c.path, code, l.ids(), l.Total, c.want)
			}
		})
	}

	t.Run("each item says where, whose, by when and how many working days are left", func(t *testing.T) {
		_, l := get(t, "office", "/api/v1/followups?status=due&notice_id=N1")
		n := l.Items[0]
		if l.Today != "2024-06-03" || n.NumberText != "庆市监责改〔2024〕1号" || n.Provisional || n.EntityName != "西峰区甲餐馆" ||
			n.DeptName != "市市场监管局" || n.Authority != "庆阳市市场监督管理局" || n.Days != 10 || n.Deadline != "2024-06-01" {
			t.Fatalf("%+v", n)
		}
		// Saturday 1 June to Monday 3 June: one working day past.
		if n.DaysLeft != -1 || !n.Overdue || n.Followup != nil {
			t.Fatalf("days left %d overdue %v followup %+v", n.DaysLeft, n.Overdue, n.Followup)
		}
		_, l = get(t, "office", "/api/v1/followups?status=due&notice_id=N2")
		if n := l.Items[0]; n.DaysLeft != 2 || n.Overdue {
			t.Fatalf("N2: %+v", n)
		}
	})

	t.Run("a notice not yet numbered by the server shows its provisional number", func(t *testing.T) {
		// Three weeks on (signed in afresh: access tokens are short-lived).
		ss.now = ss.now.AddDate(0, 0, 20)
		delete(ss.tokens, "insp1")
		defer func() { ss.now = ss.now.AddDate(0, 0, -20); delete(ss.tokens, "insp1") }()
		_, l := get(t, "insp1", "/api/v1/followups?status=due&notice_id=N3")
		if len(l.Items) != 1 || l.Items[0].NumberText != "临-0190aaaa-1" || !l.Items[0].Provisional {
			t.Fatalf("%+v", l.Items)
		}
	})

	t.Run("a referral carries the follow-up: 未改正, 立案, the note and who recorded it", func(t *testing.T) {
		_, l := get(t, "office", "/api/v1/referrals")
		f := l.Items[0].Followup
		if l.Status != "referral" || f == nil || f.Corrected || f.Action != "立案" || f.Note != "逾期仍未整改" || f.UserName != "王三" {
			t.Fatalf("%+v %+v", l, f)
		}
	})

	refused := []struct {
		name, user, path string
		code             int
	}{
		{"an inspector has no 待移交立案 list", "insp1", "/api/v1/referrals", 403},
		{"a status other than due or done is refused in Chinese", "office", "/api/v1/followups?status=overdue", 400},
		{"a bad limit is refused", "office", "/api/v1/followups?limit=0", 400},
		{"nobody signed in is refused", "", "/api/v1/followups", 401},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			var e APIError
			if code := ss.call(t, "GET", c.path, c.user, nil, nil, &e); code != c.code {
				t.Fatalf("%d %+v, want %d", code, e, c.code)
			}
			if c.code == 400 && !strings.Contains(e.Message, "只能是") && !strings.Contains(e.Message, "应为") {
				t.Fatalf("message %q", e.Message)
			}
		})
	}
}
