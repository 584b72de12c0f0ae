package proxy

import (
	"time"

	"github.com/valyala/fasthttp"

	"balancer/affinity"
	"balancer/config"
)

// SetLimits makes l the limits of connections accepted from now on. A
// fasthttp.Server must not change while it serves, so new limits are a new
// server: the listeners hand their next connections to it, and the server
// it replaces closes its idle keep-alive connections and finishes the
// requests in flight, each answered with "Connection: close". Members'
// connection pools follow limits.maxresponseheaderbytes the same way: a
// new pool, the old one kept by the requests that hold its connections.
func (p *Proxy) SetLimits(l *config.Limits) {
	p.applyMu.Lock()
	defer p.applyMu.Unlock()
	if *l == p.limits {
		return
	}
	p.limits = *l
	p.servers.Swap(p.newServer(l))
	for _, b := range p.snap.Load().Balancers {
		for _, m := range b.members {
			m.st.followLimits(l)
		}
	}
}

// followTableLimits applies each balancer's sessionlifetime and
// maxsessions to its session tables, which outlive snapshots: a reload
// that changes them changes the tables in place.
func (s *Snapshot) followTableLimits(now time.Time) {
	for _, b := range s.Balancers {
		size, lifetime := b.cfg.MaxSessions, b.cfg.SessionLifetime.D()
		for _, t := range []*affinity.Table{b.st.moved, b.st.learned} {
			if n, ttl := t.Limits(); n != size || ttl != lifetime {
				t.SetLimits(size, lifetime, now)
			}
		}
		if n, _ := b.st.seen.Limits(); n != size {
			b.st.seen.SetLimits(size, seenWindow, now)
		}
	}
}

// SetSync replaces the store that shares sticky tables with other
// replicas (nil for none); snapshots built from then on use it.
func (p *Proxy) SetSync(s SessionSync) {
	p.states.mu.Lock()
	defer p.states.mu.Unlock()
	p.states.sync = s
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
