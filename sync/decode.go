package sync

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

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
		return nil, schema.Errorf(schema.EINVALID, "读取同步数据失败：%v", err)
	}
	if int64(len(body)) > maxBytes {
		return nil, schema.Errorf(schema.ETOOLARGE, "同步数据超过 %d 字节，请分批发送", maxBytes)
	}
	var req PushRequest
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '{' {
		return nil, schema.Errorf(schema.EINVALID, "同步数据格式错误：须为一个 JSON 对象")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	// Strict like every request (DESIGN §8.10): a field the server does not
	// know is refused, never silently dropped.
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, schema.Errorf(schema.EINVALID, "同步数据格式错误：%s", jsonProblem(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, schema.Errorf(schema.EINVALID, "同步数据格式错误：JSON 对象之后还有多余内容")
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	return &req, nil
}

// Validate checks the shape of a push (see Decode).
func (req *PushRequest) Validate() error {
	if !IsUUID(req.ClientID) {
		return schema.Errorf(schema.EINVALID, "同步数据格式错误：client_id 必须是 UUID")
	}
	if req.SchemaVersion < 1 {
		return schema.Errorf(schema.EINVALID, "同步数据格式错误：缺少 schema_version")
	}
	if len(req.Mutations) > MaxMutationsPerPush {
		return schema.Errorf(schema.ETOOLARGE, "一次同步了 %d 条操作，每次最多 %d 条", len(req.Mutations), MaxMutationsPerPush)
	}
	if req.Pending != nil && *req.Pending < 0 {
		return schema.Errorf(schema.EINVALID, "同步数据格式错误：pending 不能为负数")
	}
	ids := make(map[string]bool, len(req.Mutations))
	for i, m := range req.Mutations {
		switch {
		case m.Seq < 1:
			return schema.Errorf(schema.EINVALID, "同步数据格式错误：mutations[%d].seq 必须不小于 1", i)
		case i > 0 && m.Seq != req.Mutations[i-1].Seq+1:
			return schema.Errorf(schema.EINVALID, "同步数据格式错误：mutations[%d].seq 为 %d，应为 %d（序号须逐一递增）", i, m.Seq, req.Mutations[i-1].Seq+1)
		case !IsUUID(m.ID):
			return schema.Errorf(schema.EINVALID, "同步数据格式错误：mutations[%d].id 必须是 UUID", i)
		case ids[m.ID]:
			return schema.Errorf(schema.EINVALID, "同步数据格式错误：mutations[%d].id 与前面的操作重复", i)
		case m.Name == "":
			return schema.Errorf(schema.EINVALID, "同步数据格式错误：缺少 mutations[%d].name", i)
		}
		ids[m.ID] = true
	}
	return nil
}

// jsonProblem says in Chinese what the JSON decoder found wrong (the phone
// shows it; the decoder's own English stays out of the message).
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("JSON 格式错误（第 %d 字节）", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("字段 %s 的值不合要求（须为 %s）", clip(typ.Field, 64), typ.Type)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "未知字段 " + clip(strings.TrimPrefix(err.Error(), "json: unknown field "), 64)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "JSON 不完整"
	}
	return "JSON 无法解析"
}
