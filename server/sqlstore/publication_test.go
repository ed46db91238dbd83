package sqlstore_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"zsc/schema"
	"zsc/server/report"
	"zsc/server/sqlstore"
)

func TestPublish(t *testing.T) {
	f := world(t) // today is 2024-06-20
	cal := mustCal(t)
	ctx := context.Background()
	var first *sqlstore.Publication
	t.Run("a department publishes its own results of a completed visit, late after 20 working days", func(t *testing.T) {
		p, err := f.db.Publish(ctx, fxSCJG, sqlstore.PublishRequest{VisitID: "V1", Dept: "scjg", Channels: []string{report.ChannelPlatform}}, cal)
		if err != nil {
			t.Fatal(err)
		}
		// Completed 2024-05-20: 5-21..24 (4), 5-27..31 (9), 6-3..7 (14), 6-10 端午, 6-11..14 (18), 6-17, 6-18 (20).
		if p.Deadline != "2024-06-18" || !p.Late || p.Status != "published" || p.CompletedOn != "2024-05-20" {
			t.Fatalf("%+v", p)
		}
		first = p
	})
	t.Run("publishing again adds a channel and keeps the first publication time", func(t *testing.T) {
		f.now = f.now.Add(24 * 3600e9)
		p, err := f.db.Publish(ctx, fxSCJG, sqlstore.PublishRequest{VisitID: "V1", Dept: "scjg", Channels: []string{report.ChannelWebsite}}, cal)
		if err != nil {
			t.Fatal(err)
		}
		if p.ID != first.ID || p.PublishedAt != first.PublishedAt || strings.Join(p.Channels, ",") != report.ChannelPlatform+","+report.ChannelWebsite {
			t.Fatalf("%+v", p)
		}
		f.now = f.now.Add(-24 * 3600e9)
	})
	refused := []struct {
		name string
		u    *schema.User
		req  sqlstore.PublishRequest
		code string
	}{
		{"another department may not publish for it (谁检查、谁公开)", fxJYJLead, sqlstore.PublishRequest{VisitID: "V1", Dept: "scjg", Channels: []string{report.ChannelPlatform}}, schema.EFORBIDDEN},
		{"the 联席办 does not publish for a department", fxOffice, sqlstore.PublishRequest{VisitID: "V1", Dept: "scjg", Channels: []string{report.ChannelPlatform}}, schema.EFORBIDDEN},
		{"an open visit has nothing to publish yet", fxSCJG, sqlstore.PublishRequest{VisitID: "V3", Dept: "scjg", Channels: []string{report.ChannelPlatform}}, schema.ECONFLICT},
		{"a channel outside 附件3's three is refused", fxSCJG, sqlstore.PublishRequest{VisitID: "V1", Dept: "scjg", Channels: []string{"微信公众号"}}, schema.EINVALID},
		{"a department that took no part has nothing to publish", fxSCJG, sqlstore.PublishRequest{VisitID: "V1", Dept: "wjw", Channels: []string{report.ChannelPlatform}}, schema.EFORBIDDEN},
		{"an unknown visit is not found", fxSCJG, sqlstore.PublishRequest{VisitID: "nope", Dept: "scjg", Channels: []string{report.ChannelPlatform}}, schema.ENOTFOUND},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.db.Publish(ctx, c.u, c.req, cal)
			if schema.ErrorCode(err) != c.code {
				t.Fatalf("got %v, want %s", err, c.code)
			}
		})
	}
	lists := []struct {
		name         string
		u            *schema.User
		status       string
		dept, region string
		want         []string
	}{
		{"the 联席办 sees the unpublished part of an overdue visit", fxOffice, "overdue", "", "", []string{"V1/jyj 2024-06-18"}},
		{"the 联席办 sees what is due, nearest deadline first", fxOffice, "due", "", "", []string{"V2/jyj 2024-07-01", "V2/scjg 2024-07-01", "V5/scjg 2024-07-08"}},
		{"a department's office sees only its own department's work", fxSCJG, "due", "", "", []string{"V2/scjg 2024-07-01", "V5/scjg 2024-07-08"}},
		{"a county office sees only its county", fxCounty, "due", "", "", []string{"V5/scjg 2024-07-08"}},
		{"published results list with their deadline", fxOffice, "published", "", "", []string{"V1/scjg 2024-06-18"}},
		{"unpublished lists the overdue and the due together, overdue first", fxOffice, "unpublished", "", "", []string{"V1/jyj 2024-06-18", "V2/jyj 2024-07-01", "V2/scjg 2024-07-01", "V5/scjg 2024-07-08"}},
		{"the 联席办 narrows the list to one department", fxOffice, "unpublished", "jyj", "", []string{"V1/jyj 2024-06-18", "V2/jyj 2024-07-01"}},
		{"the 联席办 narrows the list to one region", fxOffice, "unpublished", "", fxCounty.Region, []string{"V5/scjg 2024-07-08"}},
		{"a department's office narrows to its own department", fxSCJG, "due", "scjg", "", []string{"V2/scjg 2024-07-01", "V5/scjg 2024-07-08"}},
	}
	for _, c := range lists {
		t.Run(c.name, func(t *testing.T) {
			l, err := f.db.Publications(ctx, c.u, sqlstore.PublicationQuery{Status: c.status, Dept: c.dept, Region: c.region}, cal)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range l.Items {
				got = append(got, p.VisitID+"/"+p.Dept+" "+p.Deadline)
			}
			if strings.Join(got, "; ") != strings.Join(c.want, "; ") || l.Total != len(c.want) {
				t.Fatalf("got %v (total %d), want %v", got, l.Total, c.want)
			}
		})
	}
	t.Run("asking for another department's or region's list is refused", func(t *testing.T) {
		if _, err := f.db.Publications(ctx, fxSCJG, sqlstore.PublicationQuery{Status: "due", Dept: "jyj"}, cal); schema.ErrorCode(err) != schema.EFORBIDDEN {
			t.Fatalf("another department: got %v", err)
		}
		if _, err := f.db.Publications(ctx, fxCounty, sqlstore.PublicationQuery{Status: "due", Region: "621021"}, cal); schema.ErrorCode(err) != schema.EFORBIDDEN {
			t.Fatalf("another region: got %v", err)
		}
		if _, err := f.db.Publications(ctx, fxOffice, sqlstore.PublicationQuery{Status: "soon"}, cal); schema.ErrorCode(err) != schema.EINVALID {
			t.Fatalf("unknown status: got %v", err)
		}
	})
	t.Run("each unpublished item says whether the asker may publish it (谁检查、谁公开)", func(t *testing.T) {
		may := func(u *schema.User) string {
			l, err := f.db.Publications(ctx, u, sqlstore.PublicationQuery{Status: "unpublished"}, cal)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, p := range l.Items {
				if p.CanPublish {
					out = append(out, p.VisitID+"/"+p.Dept)
				}
			}
			return strings.Join(out, " ")
		}
		if got := may(fxOffice); got != "" {
			t.Fatalf("the 联席办 publishes for no department, got %q", got)
		}
		if got := may(fxSCJG); got != "V2/scjg V5/scjg" {
			t.Fatalf("市场监管's office: %q", got)
		}
	})
	t.Run("the unpublished list marks each item due or overdue", func(t *testing.T) {
		l, err := f.db.Publications(ctx, fxOffice, sqlstore.PublicationQuery{Status: "unpublished"}, cal)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range l.Items {
			got = append(got, p.Status)
		}
		if strings.Join(got, " ") != "overdue due due due" {
			t.Fatalf("%v", got)
		}
	})
	t.Run("the overdue item counts its working days past the deadline", func(t *testing.T) {
		l, _ := f.db.Publications(ctx, fxOffice, sqlstore.PublicationQuery{Status: "overdue"}, cal)
		if l.Items[0].DaysLeft != -2 { // 6-19 and 6-20 have passed since 6-18
			t.Fatalf("days left %d", l.Items[0].DaysLeft)
		}
	})
}

func TestPublicResults(t *testing.T) {
	f := world(t)
	cal := mustCal(t)
	ctx := context.Background()
	// The entity of V1 has a second, completed but unpublished visit.
	f.visit("V7", "T2", "单位V1", map[string]int{"scjg": 1})
	f.enter("V7", "scjg", "mobile", 1, true)
	f.complete("V7", "2024-06-12T03:00:00.000Z")
	f.exec(`INSERT INTO notices (id, visit_id, dept, year, number, number_text, items, legal_basis, deadline, issued_at, user_id, client_id, channel)
		VALUES ('N1', 'V1', 'scjg', 2024, 7, '庆市监责改〔2024〕7号', '[]', '《产品质量法》', '2024-06-30', '2024-05-20T03:00:00.000Z', 'u-insp', 'c-mobile', 'mobile')`)
	if _, err := f.db.Publish(ctx, fxSCJG, sqlstore.PublishRequest{VisitID: "V1", Dept: "scjg", Channels: []string{report.ChannelPlatform}}, cal); err != nil {
		t.Fatal(err)
	}
	rs, err := f.db.PublicResults(ctx, "单位V1", 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("only the published result of the entity is found", func(t *testing.T) {
		if len(rs) != 1 || rs[0].Department != "市市场监管局" || rs[0].PlanName != "计划1" || rs[0].InspectedOn != "2024-05-20" {
			t.Fatalf("%+v", rs)
		}
	})
	t.Run("the result carries its outcome, item summary and notice number", func(t *testing.T) {
		r := rs[0]
		if strings.Join(r.Outcome, "") != "未发现问题" || r.Items.Total != 1 || r.Items.Compliant != 1 || strings.Join(r.Notices, "") != "庆市监责改〔2024〕7号" {
			t.Fatalf("%+v", r)
		}
	})
	t.Run("the answer names no risk class and nothing about the inspectors", func(t *testing.T) {
		b, _ := json.Marshal(rs)
		for _, secret := range []string{"risk", `"C"`, fxInspect.Name, fxInspect.Username, fxInspect.ID, fxInspect.CertNo, "user", "client", "mobile"} {
			if strings.Contains(string(b), secret) {
				t.Fatalf("the public answer contains %q: %s", secret, b)
			}
		}
	})
	t.Run("the USCC finds the entity as well", func(t *testing.T) {
		got, err := f.db.PublicResults(ctx, rs[0].USCC, 0)
		if err != nil || len(got) != 1 {
			t.Fatalf("%v %+v", err, got)
		}
	})
	t.Run("an entity with no published result is not found", func(t *testing.T) {
		got, err := f.db.PublicResults(ctx, "单位V5", 0)
		if err != nil || len(got) != 0 {
			t.Fatalf("%v %+v", err, got)
		}
	})
	t.Run("a one-character search is refused", func(t *testing.T) {
		if _, err := f.db.PublicResults(ctx, "单", 0); schema.ErrorCode(err) != schema.EINVALID {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("the preview of a publication is what the public search shows once published", func(t *testing.T) {
		// V7 (单位V1's second visit) is complete and unpublished.
		if got, err := f.db.PublicResults(ctx, "单位V1", 0); err != nil || len(got) != 1 {
			t.Fatalf("before: %v %+v", err, got)
		}
		preview, err := f.db.PublicationPreview(ctx, fxSCJG, "V7", "scjg", []string{report.ChannelWebsite})
		if err != nil {
			t.Fatal(err)
		}
		if preview.PublishedOn != "2024-06-20" || strings.Join(preview.Channels, "") != report.ChannelWebsite || preview.InspectedOn != "2024-06-12" {
			t.Fatalf("%+v", preview)
		}
		if _, err := f.db.Publish(ctx, fxSCJG, sqlstore.PublishRequest{VisitID: "V7", Dept: "scjg", Channels: []string{report.ChannelWebsite}}, cal); err != nil {
			t.Fatal(err)
		}
		got, err := f.db.PublicResults(ctx, "单位V1", 0)
		if err != nil || len(got) != 2 {
			t.Fatalf("after: %v %+v", err, got)
		}
		var found *sqlstore.PublicResult
		for i := range got {
			if got[i].InspectedOn == "2024-06-12" {
				found = &got[i]
			}
		}
		a, _ := json.Marshal(preview)
		b, _ := json.Marshal(found)
		if string(a) != string(b) {
			t.Fatalf("the preview\n%s\nis not what /public shows\n%s", a, b)
		}
	})
	t.Run("a preview of an already published result shows its date and channels", func(t *testing.T) {
		p, err := f.db.PublicationPreview(ctx, fxOffice, "V1", "scjg", []string{report.ChannelSystem})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(p.Channels, ",") != report.ChannelPlatform+","+report.ChannelSystem || strings.Join(p.Notices, "") != "庆市监责改〔2024〕7号" {
			t.Fatalf("%+v", p)
		}
	})
	t.Run("a preview is refused outside one's scope, for an open visit, for a department not taking part", func(t *testing.T) {
		cases := []struct {
			u           *schema.User
			visit, dept string
			code        string
		}{
			{fxJYJLead, "V7", "scjg", schema.EFORBIDDEN},
			{fxSCJG, "V3", "scjg", schema.ECONFLICT},
			{fxSCJG, "V7", "wjw", schema.ENOTFOUND},
			{fxSCJG, "", "scjg", schema.EINVALID},
		}
		for _, c := range cases {
			if _, err := f.db.PublicationPreview(ctx, c.u, c.visit, c.dept, nil); schema.ErrorCode(err) != c.code {
				t.Fatalf("%s %s/%s: got %v, want %s", c.u.Username, c.visit, c.dept, err, c.code)
			}
		}
	})
	t.Run("LIKE wildcards in the query are taken literally", func(t *testing.T) {
		got, err := f.db.PublicResults(ctx, "%%", 0)
		if err != nil || len(got) != 0 {
			t.Fatalf("%v %+v", err, got)
		}
	})
}
