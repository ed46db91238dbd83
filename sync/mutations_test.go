package sync

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"zsc/schema"
)

const (
	okID  = "0190c3a2-7d1e-7c3a-9f1e-3b2a1c0d9e8f"
	okSHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
)

func TestMutationArgsValidation(t *testing.T) {
	tests := []struct {
		name, mutation, args string
		wantErr              string // "" for valid
	}{
		{"a check-in with a position is valid", MutCheckin, `{"id":"` + okID + `","visit_id":"v1","lat":35.7,"lng":107.6,"accuracy":8}`, ""},
		{"a check-in without a position is valid", MutCheckin, `{"id":"` + okID + `","visit_id":"v1"}`, ""},
		{"a check-in needs a UUID", MutCheckin, `{"id":"c1","visit_id":"v1"}`, "id 必须是 UUID"},
		{"a check-in needs lat and lng together", MutCheckin, `{"id":"` + okID + `","visit_id":"v1","lat":35.7}`, "同时提供"},
		{"a check-in's latitude lies within 90 degrees", MutCheckin, `{"id":"` + okID + `","visit_id":"v1","lat":135.7,"lng":1}`, "lat 必须在"},
		{"an item set to 符合 is valid", MutItemSet, `{"visit_id":"v1","item_id":"i1","value":"符合","photos":["` + okSHA + `"],"base_version":0}`, ""},
		{"an item set to 不符合 is valid", MutItemSet, `{"visit_id":"v1","item_id":"i1","value":"不符合","note":"过期食品","base_version":3}`, ""},
		{"an item set to 不涉及 is valid", MutItemSet, `{"visit_id":"v1","item_id":"i1","value":"不涉及"}`, ""},
		{"an item value outside the three is invalid", MutItemSet, `{"visit_id":"v1","item_id":"i1","value":"合格"}`, "value 只能是"},
		{"an item photo must be a sha256", MutItemSet, `{"visit_id":"v1","item_id":"i1","value":"符合","photos":["abc"]}`, "sha256"},
		{"an item photo in upper case is invalid", MutItemSet, `{"visit_id":"v1","item_id":"i1","value":"符合","photos":["` + strings.ToUpper(okSHA) + `"]}`, "sha256"},
		{"an item photo may not repeat", MutItemSet, `{"visit_id":"v1","item_id":"i1","value":"符合","photos":["` + okSHA + `","` + okSHA + `"]}`, "重复"},
		{"an item needs its visit", MutItemSet, `{"item_id":"i1","value":"符合"}`, "缺少 visit_id"},
		{"a negative base version is invalid", MutItemSet, `{"visit_id":"v1","item_id":"i1","value":"符合","base_version":-1}`, "base_version"},
		{"an over-long note is invalid", MutItemSet, `{"visit_id":"v1","item_id":"i1","value":"符合","note":"` + strings.Repeat("长", 2001) + `"}`, "超过 2000 字"},
		{"an unknown arg is invalid", MutItemSet, `{"visit_id":"v1","item_id":"i1","value":"符合","valu":"x"}`, "未知字段 \"valu\""},
		{"未发现问题 alone is a valid outcome", MutOutcomeSet, `{"visit_id":"v1","dept":"scjg","categories":["未发现问题"]}`, ""},
		{"several problem categories are a valid outcome", MutOutcomeSet, `{"visit_id":"v1","dept":"scjg","categories":["发现问题待后续处理","不配合检查情节严重"]}`, ""},
		{"未发现问题 with another category is invalid", MutOutcomeSet, `{"visit_id":"v1","dept":"scjg","categories":["未发现问题","发现问题待后续处理"]}`, "不能再选其他类别"},
		{"an unknown category is invalid", MutOutcomeSet, `{"visit_id":"v1","dept":"scjg","categories":["很好"]}`, "不是标准的检查结果类别"},
		{"no category is invalid", MutOutcomeSet, `{"visit_id":"v1","dept":"scjg","categories":[]}`, "至少要选一项"},
		{"a repeated category is invalid", MutOutcomeSet, `{"visit_id":"v1","dept":"scjg","categories":["不配合检查情节严重","不配合检查情节严重"]}`, "重复"},
		{"an inspector's signature with its image is valid", MutSignatureAdd, `{"id":"` + okID + `","visit_id":"v1","kind":"inspector","photo":"` + okSHA + `"}`, ""},
		{"an inspector's signature needs its image", MutSignatureAdd, `{"id":"` + okID + `","visit_id":"v1","kind":"inspector"}`, "须附签名图片"},
		{"the entity's signature needs the signer", MutSignatureAdd, `{"id":"` + okID + `","visit_id":"v1","kind":"entity","photo":"` + okSHA + `"}`, "signer"},
		{"a refusal with a witness is valid", MutSignatureAdd, `{"id":"` + okID + `","visit_id":"v1","kind":"refusal","witness":"社区网格员 王五","note":"拒绝签字"}`, ""},
		{"a refusal needs a witness or a photo", MutSignatureAdd, `{"id":"` + okID + `","visit_id":"v1","kind":"refusal","note":"拒绝签字"}`, "见证人（witness）或照片（photo）"},
		{"a signature kind outside the three is invalid", MutSignatureAdd, `{"id":"` + okID + `","visit_id":"v1","kind":"stamp"}`, "kind 只能是"},
		{"a notice with a leased number is valid", MutNoticeIssue, `{"id":"` + okID + `","visit_id":"v1","dept":"scjg","items":["i1"],"legal_basis":"《食品安全法》","deadline":"2024-06-30","year":2024,"number":12}`, ""},
		{"a notice with a provisional text is valid", MutNoticeIssue, `{"id":"` + okID + `","visit_id":"v1","dept":"scjg","items":["i1"],"legal_basis":"《食品安全法》","deadline":"2024-06-30","year":2024,"provisional":"临-0190c3a2-1"}`, ""},
		{"a notice needs a number or a provisional text", MutNoticeIssue, `{"id":"` + okID + `","visit_id":"v1","dept":"scjg","items":["i1"],"legal_basis":"x","deadline":"2024-06-30","year":2024}`, "provisional"},
		{"a notice needs failed items", MutNoticeIssue, `{"id":"` + okID + `","visit_id":"v1","dept":"scjg","items":[],"legal_basis":"x","deadline":"2024-06-30","year":2024,"number":1}`, "items"},
		{"a notice needs its legal basis", MutNoticeIssue, `{"id":"` + okID + `","visit_id":"v1","dept":"scjg","items":["i1"],"deadline":"2024-06-30","year":2024,"number":1}`, "legal_basis"},
		{"a notice's deadline is a date", MutNoticeIssue, `{"id":"` + okID + `","visit_id":"v1","dept":"scjg","items":["i1"],"legal_basis":"x","deadline":"下周","year":2024,"number":1}`, "deadline"},
		{"a notice number starts at 1", MutNoticeIssue, `{"id":"` + okID + `","visit_id":"v1","dept":"scjg","items":["i1"],"legal_basis":"x","deadline":"2024-06-30","year":2024,"number":0}`, "number"},
		{"a notice needs its year", MutNoticeIssue, `{"id":"` + okID + `","visit_id":"v1","dept":"scjg","items":["i1"],"legal_basis":"x","deadline":"2024-06-30","number":1}`, "year"},
		{"a served notice names who received it", MutNoticeServe, `{"visit_id":"v1","notice_id":"` + okID + `","served_to":""}`, "served_to"},
		{"a served notice is valid", MutNoticeServe, `{"visit_id":"v1","notice_id":"` + okID + `","served_to":"张三","signature":"` + okSHA + `"}`, ""},
		{"a corrected follow-up is valid", MutFollowupRecord, `{"id":"` + okID + `","visit_id":"v1","notice_id":"` + okID + `","corrected":true}`, ""},
		{"a corrected follow-up takes no action", MutFollowupRecord, `{"id":"` + okID + `","visit_id":"v1","notice_id":"` + okID + `","corrected":true,"action":"立案"}`, "不填写处理方式"},
		{"an uncorrected follow-up names 立案 or 移送", MutFollowupRecord, `{"id":"` + okID + `","visit_id":"v1","notice_id":"` + okID + `","corrected":false}`, "立案或移送"},
		{"a negative penalty is invalid", MutFollowupRecord, `{"id":"` + okID + `","visit_id":"v1","notice_id":"` + okID + `","corrected":false,"action":"立案","penalty":-1}`, "penalty"},
		{"completing a visit names it", MutVisitComplete, `{"visit_id":""}`, "visit_id"},
		{"settling picks server or client", MutConflictSettle, `{"visit_id":"v1","conflict_id":"c1","pick":"both"}`, "pick"},
		{"settling with a pick is valid", MutConflictSettle, `{"visit_id":"v1","conflict_id":"c1","pick":"client","base_version":3}`, ""},
		{"settling without the version the lead saw is invalid", MutConflictSettle, `{"visit_id":"v1","conflict_id":"c1","pick":"server"}`, "base_version"},
		{"an unknown mutation name is invalid", "visit.delete", `{}`, "未知的操作类型"},
		{"args that are an array are invalid", MutVisitComplete, `[1]`, "JSON 对象"},
		{"absent args are invalid", MutVisitComplete, ``, "JSON 对象"},
		{"args of the wrong type are invalid", MutVisitComplete, `{"visit_id":1}`, "visit.complete 的参数中 visit_id 的类型不对"},
		{"args that are not JSON are invalid", MutVisitComplete, `{"visit_id":`, "visit.complete 的参数不是有效的 JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeArgs(tt.mutation, json.RawMessage(tt.args))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
			if schema.ErrorCode(err) != schema.EINVALID {
				t.Fatalf("code %s, want invalid", schema.ErrorCode(err))
			}
		})
	}
}

func TestEveryMutationNameDecodes(t *testing.T) {
	for _, n := range MutationNames {
		if _, err := DecodeArgs(n, json.RawMessage(`{}`)); err != nil && strings.Contains(err.Error(), "unknown mutation name") {
			t.Errorf("%s is not decoded", n)
		}
	}
}

func TestSortCategoriesFollowsR9(t *testing.T) {
	got := SortCategories([]string{"已注销/被吊销/被撤销/迁出", "发现问题待后续处理"})
	if got[0] != "发现问题待后续处理" {
		t.Fatalf("%v", got)
	}
}

func TestNumberTextUsesTheDepartmentsShortName(t *testing.T) {
	if got := NumberText("庆市监", 2024, 12); got != "庆市监责改〔2024〕12号" {
		t.Fatal(got)
	}
}

func TestDecodePush(t *testing.T) {
	ok := `{"client_id":"` + okID + `","schema_version":1,"mutations":[{"seq":3,"id":"` + okID + `","name":"item.set","at":"2024-06-03T10:12:00+08:00","args":{}},` +
		`{"seq":4,"id":"0190c3a2-7d1e-7c3a-9f1e-3b2a1c0d9e80","name":"nope","args":[]}]}`
	tests := []struct {
		name, body, code string
	}{
		{"a well-formed push decodes, whatever its mutations' names and args", ok, ""},
		{"an empty push decodes", `{"client_id":"` + okID + `","schema_version":1,"mutations":[]}`, ""},
		{"a body over the cap is too large", ok + strings.Repeat(" ", 2000), schema.ETOOLARGE},
		{"a truncated body is invalid", ok[:40], schema.EINVALID},
		{"trailing data is invalid", ok + `{}`, schema.EINVALID},
		{"a client id that is no UUID is invalid", `{"client_id":"phone","schema_version":1}`, schema.EINVALID},
		{"a missing schema version is invalid", `{"client_id":"` + okID + `"}`, schema.EINVALID},
		{"a seq that skips is invalid", `{"client_id":"` + okID + `","schema_version":1,"mutations":[{"seq":1,"id":"` + okID + `","name":"x"},{"seq":3,"id":"0190c3a2-7d1e-7c3a-9f1e-3b2a1c0d9e80","name":"x"}]}`, schema.EINVALID},
		{"a repeated mutation id is invalid", `{"client_id":"` + okID + `","schema_version":1,"mutations":[{"seq":1,"id":"` + okID + `","name":"x"},{"seq":2,"id":"` + okID + `","name":"x"}]}`, schema.EINVALID},
		{"a seq of 0 is invalid", `{"client_id":"` + okID + `","schema_version":1,"mutations":[{"seq":0,"id":"` + okID + `","name":"x"}]}`, schema.EINVALID},
		{"a mutation without a name is invalid", `{"client_id":"` + okID + `","schema_version":1,"mutations":[{"seq":1,"id":"` + okID + `"}]}`, schema.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := Decode(strings.NewReader(tt.body), int64(len(ok)+100))
			if got := schema.ErrorCode(err); got != tt.code {
				t.Fatalf("code %q (%v), want %q", got, err, tt.code)
			}
			if err == nil && req == nil {
				t.Fatal("no request")
			}
		})
	}
}

// FuzzDecodePush checks that no body makes Decode panic, and that whatever
// it accepts is well-formed and survives a round trip.
func FuzzDecodePush(f *testing.F) {
	f.Add([]byte(`{"client_id":"` + okID + `","schema_version":1,"mutations":[{"seq":1,"id":"` + okID + `","name":"item.set","at":"2024-06-03T10:12:00+08:00","args":{"visit_id":"v1"}}]}`))
	f.Add([]byte(`{"client_id":"` + okID + `","schema_version":1,"mutations":[]}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`[`))
	f.Add([]byte(`{"client_id":"` + okID + `","schema_version":1,"mutations":[{"seq":9223372036854775807,"id":"` + okID + `","name":"x"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := Decode(bytes.NewReader(body), 1<<16)
		if err != nil {
			if c := schema.ErrorCode(err); c != schema.EINVALID && c != schema.ETOOLARGE {
				t.Fatalf("code %s", c)
			}
			return
		}
		if err := req.Validate(); err != nil {
			t.Fatalf("accepted a push that does not validate: %v", err)
		}
		for i := 1; i < len(req.Mutations); i++ {
			if req.Mutations[i].Seq != req.Mutations[i-1].Seq+1 {
				t.Fatal("accepted non-consecutive seqs")
			}
		}
		b, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Decode(bytes.NewReader(b), 1<<20); err != nil {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// FuzzMutationArgs checks that no mutation's validation panics on any args,
// and that every failure is an EINVALID with a reason.
func FuzzMutationArgs(f *testing.F) {
	seeds := []string{
		`{"id":"` + okID + `","visit_id":"v1","lat":35.7,"lng":107.6,"accuracy":8}`,
		`{"visit_id":"v1","item_id":"i1","value":"符合","photos":["` + okSHA + `"],"base_version":2}`,
		`{"visit_id":"v1","dept":"scjg","categories":["未发现问题"]}`,
		`{"id":"` + okID + `","visit_id":"v1","kind":"refusal","witness":"w","note":"n"}`,
		`{"id":"` + okID + `","visit_id":"v1","dept":"scjg","items":["i1"],"legal_basis":"x","deadline":"2024-06-30","year":2024,"number":1}`,
		`{"visit_id":"v1","notice_id":"` + okID + `","served_to":"张三"}`,
		`{"id":"` + okID + `","visit_id":"v1","notice_id":"` + okID + `","corrected":false,"action":"移送","penalty":1e308}`,
		`{"visit_id":"v1","conflict_id":"c","pick":"server"}`,
		`{"lat":null,"lng":1e999}`, `null`, `{"categories":null}`, `{"number":-9223372036854775808}`,
	}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
	}
	f.Fuzz(func(t *testing.T, which uint8, args []byte) {
		name := "unknown.name"
		if int(which) < len(MutationNames) {
			name = MutationNames[which]
		}
		a, err := DecodeArgs(name, args)
		if err != nil {
			if schema.ErrorCode(err) != schema.EINVALID || schema.ErrorMessage(err) == "" {
				t.Fatalf("error %v is not an invalid with a reason", err)
			}
			return
		}
		if a.Visit() == "" {
			t.Fatal("valid args without a visit")
		}
		for _, p := range a.Photos() {
			if !IsSHA256(p) {
				t.Fatalf("valid args name photo %q", p)
			}
		}
	})
}
