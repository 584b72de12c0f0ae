package proxy

import (
	"time"

	"balancer/affinity"
)

// Sticky tables shared between replicas: the moved-session table and the
// learned table are local first; a SessionSync, when configured, copies
// each local write to the other replicas and answers local misses of the
// learned table within its budget.

// Table names used with SessionSync.
const (
	TableMoved   = "moved"
	TableLearned = "learned"
)

// SessionSync replicates sticky table entries; implemented by cluster.
type SessionSync interface {
	// PutSession must not block.
	PutSession(balancer, table, sid, route string, expires time.Time)
	// GetSession may wait up to its budget.
	GetSession(balancer, table, sid string) (string, bool)
}

// PutRemote records an entry another replica wrote.
func (p *Proxy) PutRemote(balancer, table, sid, route string, expires time.Time) {
	b := p.snap.Load().Balancer(balancer)
	if b == nil {
		return
	}
	switch table {
	case TableMoved:
		b.st.moved.PutUntil(sid, route, expires)
	case TableLearned:
		b.st.learned.PutUntil(sid, route, expires)
	}
}

// RangeSessions calls f with every live entry of the shared sticky tables
// until f returns false (to write them back to a store that lost them).
func (p *Proxy) RangeSessions(f func(balancer, table, sid, route string, expires time.Time) bool) {
	now := p.states.now()
	for _, b := range p.snap.Load().Balancers {
		more := true
		for _, t := range [...]struct {
			name string
			tab  *affinity.Table
		}{{TableMoved, b.st.moved}, {TableLearned, b.st.learned}} {
			t.tab.Range(now, func(sid, route string, expires time.Time) bool {
				more = f(b.Name, t.name, sid, route, expires)
				return more
			})
			if !more {
				return
			}
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
