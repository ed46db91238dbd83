package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Listener serves /metrics on an address of its own.
//
// Why a listener and not a route of the API: the API's port is the one a
// reverse proxy publishes to the internet, and anything routed there is
// one proxy rule away from being public. The metrics say how many photos
// and leases there are, which routes fail and how busy the server is; on a
// port of its own, bound to loopback or an internal interface, they never
// pass the proxy, and Prometheus needs no token (which would live in its
// config and in every scrape's headers) to read them.
type Listener struct {
	hs   *http.Server
	Addr string // the address bound, with the port chosen for ":0"
}

// Listen serves m on addr: GET /metrics, 404 for anything else.
func (m *Metrics) Listen(addr string, log *slog.Logger) (*Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listening on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	l := &Listener{Addr: ln.Addr().String(), hs: &http.Server{
		Handler: mux,
		// A scrape is a short GET with no body; Prometheus times out at
		// 10 s by default.
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}}
	go func() {
		if err := l.hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server stopped", "addr", l.Addr, "err", err)
		}
	}()
	return l, nil
}

// Shutdown stops the listener, letting a scrape in flight finish.
func (l *Listener) Shutdown(ctx context.Context) error { return l.hs.Shutdown(ctx) }

// Public reports whether addr listens on every interface (":9464",
// "0.0.0.0:9464", "[::]:9464"): serve warns, since the metrics are then
// as reachable as the machine is unless a firewall says otherwise.
func Public(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return host == "" || (ip != nil && ip.IsUnspecified())
}
