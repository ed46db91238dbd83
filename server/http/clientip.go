package http

import (
	"net"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// TrustProxies says which direct peers are reverse proxies (zsc serve
// --trusted-proxy). From a peer inside one of cidrs the client address is
// taken from X-Forwarded-For (the nearest address that is not itself a
// trusted proxy), and X-Forwarded-Proto says whether the client came over
// TLS; from any other peer both headers are ignored and the client is the
// peer. Echo's own defaults (trust loopback, link-local and private
// networks) are off: behind no proxy, anyone on the LAN could otherwise
// pick their address with a header, and with it dodge the login and
// public-search limits. Call it once, before Listen; every c.RealIP() —
// the login limiter, the public search limit — goes through it.
func (s *Server) TrustProxies(cidrs []*net.IPNet) {
	if len(cidrs) == 0 {
		s.e.IPExtractor = echo.ExtractIPDirect()
		return
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range cidrs {
		opts = append(opts, echo.TrustIPRange(n))
	}
	s.e.IPExtractor = echo.ExtractIPFromXFFHeader(opts...)
	trusted := func(remoteAddr string) bool {
		host, _, err := net.SplitHostPort(remoteAddr)
		if err != nil {
			host = remoteAddr
		}
		ip := net.ParseIP(host)
		for _, n := range cidrs {
			if ip != nil && n.Contains(ip) {
				return true
			}
		}
		return false
	}
	// httpsViaProxy: the first X-Forwarded-Proto value is what the
	// client-facing proxy saw; believed only from a trusted proxy.
	httpsViaProxy := func(r *http.Request) bool {
		p := r.Header.Get(echo.HeaderXForwardedProto)
		if p == "" || !trusted(r.RemoteAddr) {
			return false
		}
		first, _, _ := strings.Cut(p, ",")
		return strings.EqualFold(strings.TrimSpace(first), "https")
	}
	// The security headers' HSTS asks the same question (middleware.go).
	s.ViaTLS = func(r *http.Request) bool { return r.TLS != nil || httpsViaProxy(r) }
}

// RequestIsHTTPS says whether the client's connection was TLS: to this
// server directly, or to a trusted proxy that said so in X-Forwarded-Proto
// (the Strict-Transport-Security header's question, middleware.go).
func (s *Server) RequestIsHTTPS(r *http.Request) bool { return s.viaTLS(r) }
