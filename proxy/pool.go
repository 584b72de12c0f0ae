package proxy

import (
	"net/url"
	"time"

	"github.com/valyala/fasthttp"

	"balancer/config"
)

// Each member has one connection pool, a fasthttp.HostClient, kept in its
// memberState across snapshots.

// memberIdleTTL is how long a member connection idles in the pool before
// the balancer closes it: below the keep-alive timeouts of the common app
// servers (Tomcat 20 s, Jetty 30 s, Go's net/http none), so the member is
// rarely the one to close it. When it is, a request that must not be sent
// twice is kept off the closed connection (closedByPeer).
const memberIdleTTL = 15 * time.Second

// newPool is the connection pool of the member at rawURL (validated by
// config): its host, with the scheme's default port when none is given.
func newPool(rawURL string, l *config.Limits, idle time.Duration) *fasthttp.HostClient {
	u, _ := url.Parse(rawURL)
	addr := u.Host
	if u.Port() == "" {
		if u.Scheme == "https" {
			addr += ":443"
		} else {
			addr += ":80"
		}
	}
	return newHostClient(addr, u.Scheme == "https", l, idle)
}

// newHostClient is a member's connection pool. Response heads are read
// into buffers of limits.maxresponseheaderbytes, which bounds them.
func newHostClient(addr string, isTLS bool, l *config.Limits, idle time.Duration) *fasthttp.HostClient {
	return &fasthttp.HostClient{
		Addr:                          addr,
		IsTLS:                         isTLS,
		MaxConns:                      8192,
		MaxIdleConnDuration:           idle,
		NoDefaultUserAgentHeader:      true,
		DisableHeaderNamesNormalizing: false,
		DisablePathNormalizing:        true,
		ReadBufferSize:                int(l.MaxResponseHeaderBytes),
	}
}

// followLimits gives the member a new connection pool when the response
// head bound changed. The old pool's idle connections are closed; those
// in use go back to it when their requests end and are closed after its
// idle time (memberIdleTTL).
func (st *memberState) followLimits(l *config.Limits) {
	old := st.hc.Load()
	if old.ReadBufferSize == int(l.MaxResponseHeaderBytes) {
		return
	}
	hc := newHostClient(old.Addr, old.IsTLS, l, old.MaxIdleConnDuration)
	hc.Dial = old.Dial
	st.hc.Store(hc)
	old.CloseIdleConnections()
}
