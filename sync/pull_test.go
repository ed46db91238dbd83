package sync

import (
	"encoding/json"
	"reflect"
	"testing"
)

// fill sets every field of the struct v points to, through reflection, so
// that a field added to the type is filled too.
func fill(v any, s string, n int64) {
	rv := reflect.ValueOf(v).Elem()
	for i := range rv.NumField() {
		f := rv.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString(s + " " + rv.Type().Field(i).Name)
		case reflect.Int, reflect.Int64:
			f.SetInt(n + int64(i))
		case reflect.Slice:
			f.Set(reflect.ValueOf([]string{s, "b"}))
		default:
			panic("fill: add a case for " + f.Kind().String())
		}
	}
}

func TestAppendItemResultWritesWhatJSONMarshalWrites(t *testing.T) {
	for _, tc := range []struct {
		s       string
		escapes bool // some characters take more room escaped
	}{
		{"", false},
		{"符合", false},
		{"a \"quote\" \\ <b>&amp; \u2028\u2029 \x00\x1f\x7f \b\f\n\r\t \xff end", true},
	} {
		for _, n := range []int64{0, -3, 1 << 40} {
			var r ItemResult
			fill(&r, tc.s, n)
			for _, photos := range [][]string{r.Photos, {}, nil} {
				r.Photos = photos
				want, err := json.Marshal(r)
				if err != nil {
					t.Fatal(err)
				}
				if got := appendItemResult([]byte("x"), &r); string(got) != "x"+string(want) {
					t.Errorf("\n got %s\nwant x%s", got, want)
				}
				if !tc.escapes && len(want) > itemResultSize(&r) {
					t.Errorf("%d bytes, sized for %d", len(want), itemResultSize(&r))
				}
			}
		}
	}
}

func TestStateChangesWritesEachRecordAsJSONMarshalDoes(t *testing.T) {
	st := &VisitState{Visit: json.RawMessage(`{"id":"v1"}`)}
	for i := range 3 {
		var r ItemResult
		fill(&r, string(rune('a'+i)), int64(i))
		st.Results = append(st.Results, r)
	}
	st.Outcomes = []Outcome{{VisitID: "v1", Dept: "scjg", Categories: []string{"未发现问题"}}}
	st.Blobs = []Blob{{SHA256: "ab", Size: 3}}
	chs, err := StateChanges("v1", st)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{json.RawMessage(`{"id":"v1"}`), st.Results[0], st.Results[1], st.Results[2], st.Outcomes[0], st.Blobs[0]}
	if len(chs) != len(want) {
		t.Fatalf("%d changes, want %d", len(chs), len(want))
	}
	for i, w := range want {
		b, _ := json.Marshal(w)
		if string(chs[i].Data) != string(b) {
			t.Errorf("change %d (%s): %s, want %s", i, chs[i].Kind, chs[i].Data, b)
		}
	}
	// Each change's data is its own: appending to one must not reach the next.
	_ = append(chs[1].Data, "garbage"...)
	if b, _ := json.Marshal(st.Results[1]); string(chs[2].Data) != string(b) {
		t.Fatalf("appending to one result's data changed the next: %s", chs[2].Data)
	}
}
