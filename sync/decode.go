package sync

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"zsc/schema"
)

// MaxMutationsPerPush bounds one push; a longer outbox is sent in batches.
const MaxMutationsPerPush = 1000

// Decode reads a push body of at most maxBytes. A longer body is ETOOLARGE;
// anything that is not a well-formed push is EINVALID and nothing of it is
// applied. Well-formed means: one JSON object, a UUID client_id, a positive
// schema_version, and mutations whose seq rise by exactly one, each with a
// UUID id and a name. Whether a name is known and its args valid is decided
// per mutation by the Engine, which rejects that one mutation with a reason
// and lets the queue move on.
func Decode(r io.Reader, maxBytes int64) (*PushRequest, error) {
	body, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return nil, schema.Errorf(schema.EINVALID, "reading the push body: %v", err)
	}
	if int64(len(body)) > maxBytes {
		return nil, schema.Errorf(schema.ETOOLARGE, "push body larger than %d bytes: send the outbox in smaller batches", maxBytes)
	}
	var req PushRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&req); err != nil {
		return nil, schema.Errorf(schema.EINVALID, "malformed push: %s", clip(err.Error(), 200))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, schema.Errorf(schema.EINVALID, "malformed push: data after the JSON object")
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	return &req, nil
}

// Validate checks the shape of a push (see Decode).
func (req *PushRequest) Validate() error {
	if !IsUUID(req.ClientID) {
		return schema.Errorf(schema.EINVALID, "malformed push: client_id must be a UUID")
	}
	if req.SchemaVersion < 1 {
		return schema.Errorf(schema.EINVALID, "malformed push: schema_version is required")
	}
	if len(req.Mutations) > MaxMutationsPerPush {
		return schema.Errorf(schema.ETOOLARGE, "push of %d mutations: at most %d per push", len(req.Mutations), MaxMutationsPerPush)
	}
	if req.Pending != nil && *req.Pending < 0 {
		return schema.Errorf(schema.EINVALID, "malformed push: pending must not be negative")
	}
	ids := make(map[string]bool, len(req.Mutations))
	for i, m := range req.Mutations {
		switch {
		case m.Seq < 1:
			return schema.Errorf(schema.EINVALID, "malformed push: mutations[%d].seq must be 1 or more", i)
		case i > 0 && m.Seq != req.Mutations[i-1].Seq+1:
			return schema.Errorf(schema.EINVALID, "malformed push: mutations[%d].seq is %d, expected %d (seq rises by exactly one)", i, m.Seq, req.Mutations[i-1].Seq+1)
		case !IsUUID(m.ID):
			return schema.Errorf(schema.EINVALID, "malformed push: mutations[%d].id must be a UUID", i)
		case ids[m.ID]:
			return schema.Errorf(schema.EINVALID, "malformed push: mutations[%d].id repeats an earlier id", i)
		case m.Name == "":
			return schema.Errorf(schema.EINVALID, "malformed push: mutations[%d].name is required", i)
		}
		ids[m.ID] = true
	}
	return nil
}
