// Package metrics exposes the server's Prometheus metrics (issue 13): HTTP
// requests by route pattern and status with their latency, the fates of
// pushed mutations, the single writer's time, the database's files, photos
// stored, notice-number leases outstanding, disk space, and the Go runtime
// and process. README "Monitoring" lists every name.
//
// They are served on a listener of their own (zsc serve --metrics-addr,
// off by default), never on the API's: see Listen.
package metrics

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	zhttp "zsc/server/http"
	"zsc/server/sqlstore"
	zsync "zsc/sync"
)

// Metrics are one server's collectors, in a registry of their own (not
// Prometheus' global one, so that tests may make as many as they like).
type Metrics struct {
	Registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	fates    *prometheus.CounterVec
}

// latencyBuckets run from 5 ms (a read answered from cache) to 60 s (a
// lead's first bootstrap or a year's export on a slow link).
var latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// Fates of a pushed mutation, the fate label of zsc_push_mutations_total: the
// three statuses of sync/protocol.go for a mutation seen the first time, and
// replayed for one the server had already decided (a phone that lost the
// answer sends it again; its stored fate is sent back, nothing is redone).
const (
	FateApplied  = zsync.StatusApplied
	FateConflict = zsync.StatusConflict
	FateRejected = zsync.StatusRejected
	FateReplayed = "replayed"
)

// New makes the collectors of a server on db whose photos live in
// photoDir (for the disk space of its file system); log hears a scrape's
// failed database read.
func New(db *sqlstore.DB, photoDir string, log *slog.Logger) *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "zsc_http_requests_total",
			Help: "HTTP requests answered, by method, route pattern (never a raw path) and status code; 499: the client hung up first.",
		}, []string{"method", "route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "zsc_http_request_duration_seconds",
			Help:    "Time from a request's arrival to its answer, by method and route pattern.",
			Buckets: latencyBuckets,
		}, []string{"method", "route"}),
		fates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "zsc_push_mutations_total",
			Help: "Pushed mutations by fate: applied, conflict or rejected the first time the server saw them; replayed when sent again.",
		}, []string{"fate"}),
	}
	for _, f := range []string{FateApplied, FateConflict, FateRejected, FateReplayed} {
		// Every fate is there from the start, so rate() and alerts see 0, not nothing.
		m.fates.WithLabelValues(f)
	}
	m.Registry.MustRegister(m.requests, m.latency, m.fates,
		newStoreCollector(db, photoDir, log),
		collectors.NewDBStatsCollector(db.Reader(), "reader"),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Attach counts srv's requests and push fates: the middleware goes before
// every other (Echo's Pre), so it sees the status the client was sent,
// after the access log has run the error handler.
func (m *Metrics) Attach(srv *zhttp.Server) {
	srv.Echo().Pre(m.Middleware)
}

// knownMethods are the methods a label may name; any other is "other", so
// that a client sending made-up methods cannot grow the series.
var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
}

// Middleware counts each request by its route pattern (/api/v1/visits/:id,
// never the raw path: ids would make a series per visit) and status, times
// it, and counts the fates of a push's answer.
func (m *Metrics) Middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			// Nothing outside answers it but Echo itself, after us: answer
			// it here so that the status counted is the one sent.
			c.Error(err)
		}
		req, res := c.Request(), c.Response()
		method := req.Method
		if !knownMethods[method] {
			method = "other"
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		code := res.Status
		if !res.Committed && errors.Is(req.Context().Err(), context.Canceled) {
			code = 499 // nginx's "client closed request": nothing was sent
		}
		m.requests.WithLabelValues(method, route, strconv.Itoa(code)).Inc()
		m.latency.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
		if p, ok := c.Get(zhttp.PushAnswerKey).(*zsync.PushResponse); ok && p != nil {
			m.Pushed(p)
		}
		return nil
	}
}

// Pushed counts the fates of one push's answer.
func (m *Metrics) Pushed(p *zsync.PushResponse) {
	for _, r := range p.Results {
		fate := r.Status
		if r.Replayed {
			fate = FateReplayed
		}
		switch fate {
		case FateApplied, FateConflict, FateRejected, FateReplayed:
			m.fates.WithLabelValues(fate).Inc()
		}
	}
}

// Handler serves the registry in Prometheus' text format. A collector
// that fails (the database did not answer in time) leaves its metrics out
// and the rest are still served (ContinueOnError), counted in
// promhttp_metric_handler_errors_total; at most two scrapes run at once.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{
		Registry:            m.Registry,
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: 2,
	})
}
