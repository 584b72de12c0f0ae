package proxy

import (
	"time"

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
	if p.h2.started() {
		p.h2.set(p.newH2Server(l), l)
	}
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
