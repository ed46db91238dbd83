package http

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"zsc/schema"
)

// statusOf is the one table from error code to HTTP status (STYLE 2–4).
var statusOf = map[string]int{
	schema.EINVALID:       http.StatusBadRequest,
	schema.ENOTFOUND:      http.StatusNotFound,
	schema.ECONFLICT:      http.StatusConflict,
	schema.EGAP:           http.StatusConflict,
	schema.ESEQREUSED:     http.StatusConflict,
	schema.EEPOCH:         http.StatusConflict,
	schema.EFORBIDDEN:     http.StatusForbidden,
	schema.EUNAUTHORIZED:  http.StatusUnauthorized,
	schema.ETOOLARGE:      http.StatusRequestEntityTooLarge,
	schema.ERATELIMITED:   http.StatusTooManyRequests,
	schema.EINTERNAL:      http.StatusInternalServerError,
	schema.EUNPROCESSABLE: http.StatusUnprocessableEntity,
	// A full disk (blobs.go): the phone keeps the photo and retries later.
	schema.EINSUFFICIENTSTORAGE: http.StatusInsufficientStorage,
}

// codeOfStatus maps Echo's own errors (404 route, 405, body limit) to a code.
var codeOfStatus = map[int]string{
	http.StatusBadRequest:            schema.EINVALID,
	http.StatusNotFound:              schema.ENOTFOUND,
	http.StatusMethodNotAllowed:      schema.ENOTFOUND,
	http.StatusUnauthorized:          schema.EUNAUTHORIZED,
	http.StatusForbidden:             schema.EFORBIDDEN,
	http.StatusRequestEntityTooLarge: schema.ETOOLARGE,
	http.StatusTooManyRequests:       schema.ERATELIMITED,
	http.StatusUnsupportedMediaType:  schema.EINVALID,
}

// errorBody is the error JSON: the error and the request's id, which the
// phone shows in its error details so that a report names the log line.
type errorBody struct {
	*schema.Error
	RequestID string `json:"request_id,omitempty"`
}

// errorHandler is the single place that writes error JSON. Internal errors
// are logged and reach the caller as "服务器内部错误" only. A client that
// hung up is no error of ours: it is logged at info, and nothing is written.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if hungUp(c, err) {
		c.Set(hungUpKey, true)
		s.Log.Info("client hung up", "request_id", requestID(c), "method", c.Request().Method, "route", routeOf(c), "err", err)
		return
	}
	body := &schema.Error{}
	status := http.StatusInternalServerError
	var he *echo.HTTPError
	var de *schema.Error
	switch {
	case errors.As(err, &de):
		body = de
		if st, ok := statusOf[de.Code]; ok {
			status = st
		}
	case errors.As(err, &he):
		status = he.Code
		body.Code = codeOfStatus[he.Code]
		if body.Code == "" {
			body.Code = schema.EINTERNAL
		}
		body.Message = http.StatusText(he.Code)
		if m, ok := he.Message.(string); ok {
			body.Message = m
		}
	default:
		body.Code, body.Message = schema.EINTERNAL, "服务器内部错误"
	}
	if status >= 500 {
		s.Log.Error("request failed", "request_id", requestID(c), "method", c.Request().Method, "route", routeOf(c), "err", err)
		if body.Code != schema.EINSUFFICIENTSTORAGE { // its Chinese message tells the phone to retry later
			body = &schema.Error{Code: schema.EINTERNAL, Message: "服务器内部错误"}
		}
	}
	if body.Code == schema.ERATELIMITED {
		if d, ok := body.Details.(map[string]int); ok {
			c.Response().Header().Set("Retry-After", itoa(d["retry_after"]))
		}
	}
	if m := clipQuoted(body.Message); m != body.Message {
		clipped := *body // not the error's own: it may be a shared value
		clipped.Message = m
		body = &clipped
	}
	var werr error
	if c.Request().Method == http.MethodHead {
		werr = c.NoContent(status)
	} else {
		werr = c.JSON(status, errorBody{Error: body, RequestID: requestID(c)})
	}
	if werr != nil {
		s.Log.Warn("writing an error answer", "request_id", requestID(c), "route", routeOf(c), "err", werr)
	}
}
