package sync

import (
	"encoding/json"
	"strconv"
)

// encodeData is json.Marshal of a change's data, with a hand-written path
// for *ItemResult: a push of results encodes one per result inside the
// single writer's transaction, where reflection was a tenth of the engine's
// own work. The output is byte for byte json.Marshal's (encode_test.go), with the
// string quoting the pull's answer uses (protocol.go).
func encodeData(v any) ([]byte, error) {
	if r, ok := v.(*ItemResult); ok && r != nil {
		return r.appendJSON(make([]byte, 0, 384)), nil
	}
	return json.Marshal(v)
}

func (r *ItemResult) appendJSON(b []byte) []byte {
	b = append(b, `{"item_id":`...)
	b = appendJSONString(b, r.ItemID)
	b = append(b, `,"visit_id":`...)
	b = appendJSONString(b, r.VisitID)
	b = append(b, `,"dept":`...)
	b = appendJSONString(b, r.Dept)
	b = append(b, `,"value":`...)
	b = appendJSONString(b, r.Value)
	b = append(b, `,"note":`...)
	b = appendJSONString(b, r.Note)
	b = append(b, `,"photos":`...)
	if r.Photos == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, p := range r.Photos {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, p)
		}
		b = append(b, ']')
	}
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, r.Version, 10)
	b = append(b, `,"user_id":`...)
	b = appendJSONString(b, r.UserID)
	b = append(b, `,"client_id":`...)
	b = appendJSONString(b, r.ClientID)
	b = append(b, `,"channel":`...)
	b = appendJSONString(b, r.Channel)
	b = append(b, `,"mutation_id":`...)
	b = appendJSONString(b, r.MutationID)
	b = append(b, `,"updated_at":`...)
	b = appendJSONString(b, r.UpdatedAt)
	return append(b, '}')
}
