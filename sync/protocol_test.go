package sync

import (
	"encoding/json"
	"testing"
)

func TestPullResponseAppendJSONWritesWhatEncodingJSONWrites(t *testing.T) {
	// Data as the store holds it: encoding/json's output of records.
	marshal := func(v any) json.RawMessage {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	n := 12
	served := "2024-06-03T02:12:00.000Z"
	tricky := "a \"quote\" \\ <b>&amp; \u2028\u2029 \x00\x01\x1f\x7f \b\f\n\r\t 张三 \xff\xfe end"
	full := &PullResponse{Cursor: 456, HasMore: true, LastSeq: 17,
		Changes: []ChangeEntry{
			{Kind: ChangeVisit, Op: OpPut, ID: "v1", Data: json.RawMessage(`{"id":"v1","items":[{"id":"i1","name":"检查事项"}],"lat":35.7}`)},
			{Kind: ChangeItemResult, Op: OpPut, ID: "i1", Data: marshal(ItemResult{ItemID: "i1", Value: "不符合", Note: tricky, Photos: []string{}})},
			{Kind: ChangeNotice, Op: OpPut, ID: "n1", Data: marshal(Notice{ID: "n1", Number: &n, ServedAt: &served, Problems: tricky, Items: []string{"i1"}})},
			{Kind: ChangeVisit, Op: OpRemove, ID: "v2", Data: json.RawMessage(`{}`)},
			{Kind: ChangeLease, Op: OpRemove, ID: tricky, Data: nil},
			// Not encoding/json's output: raw HTML characters and separators,
			// and spaces, which encoding/json escapes and strips.
			{Kind: ChangeRejection, Op: OpPut, ID: "m1", Data: json.RawMessage("{ \"reason\" : \"<a> & \u2028\" , \"n\": [1, 2] }")},
			{Kind: ChangeConflict, Op: OpPut, ID: "c1", Data: marshal(Conflict{ID: "c1", ServerValue: json.RawMessage(`{"value":"符合"}`),
				ClientValue: json.RawMessage(`{"value":"<不符合>"}`), SettledValue: json.RawMessage("null")})},
		},
		MissingBlobs: []string{"ab", tricky}, BootstrapToken: "b1.e." + tricky, OpenYear: 2024}
	for name, r := range map[string]*PullResponse{
		"full":      full,
		"empty":     {Changes: []ChangeEntry{}, MissingBlobs: []string{}},
		"nil lists": {Cursor: -1},
	} {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.AppendJSON([]byte("prefix"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if string(got) != "prefix"+string(want) {
			t.Errorf("%s:\n got %s\nwant prefix%s", name, got, want)
		}
	}
}

func TestPullResponseAppendJSONRefusesDataThatIsNotJSON(t *testing.T) {
	r := &PullResponse{Changes: []ChangeEntry{{Kind: ChangeVisit, Op: OpPut, ID: "v1", Data: json.RawMessage(`{"a":<}`)}}}
	if _, err := r.AppendJSON(nil); err == nil {
		t.Fatal("no error")
	}
}
