package proxy

import (
	"time"
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
