package sync

import "encoding/json"

// encodeData is json.Marshal of a change's data, with the hand-written
// encoding of an *ItemResult the pull already uses (appendItemResult): a
// push of results encodes one per result inside the single writer's
// transaction, where reflection was a tenth of the engine's own work. The
// output is byte for byte json.Marshal's (encode_test.go).
func encodeData(v any) ([]byte, error) {
	if r, ok := v.(*ItemResult); ok && r != nil {
		return appendItemResult(make([]byte, 0, itemResultSize(r)), r), nil
	}
	return json.Marshal(v)
}
