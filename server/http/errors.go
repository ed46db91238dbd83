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

// errorHandler is the single place that writes error JSON. Internal errors
// are logged and reach the caller as "internal error" only.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
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
		body.Code, body.Message = schema.EINTERNAL, "internal error"
	}
	if status >= 500 {
		s.Log.Error("request failed", "method", c.Request().Method, "path", c.Path(), "err", err)
		body = &schema.Error{Code: schema.EINTERNAL, Message: "internal error"}
	}
	if body.Code == schema.ERATELIMITED {
		if d, ok := body.Details.(map[string]int); ok {
			c.Response().Header().Set("Retry-After", itoa(d["retry_after"]))
		}
	}
	var werr error
	if c.Request().Method == http.MethodHead {
		werr = c.NoContent(status)
	} else {
		werr = c.JSON(status, body)
	}
	if werr != nil {
		s.Log.Warn("writing an error answer", "path", c.Request().URL.Path, "err", werr)
	}
}
