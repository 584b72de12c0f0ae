package proxy

import (
	"sync"
	"time"

	"balancer/affinity"
	"balancer/config"
	"balancer/lbmethod"
)

// The state registry: per-member and per-balancer state that outlives
// snapshots, keyed by identity (balancer name + member URL).

// states owns the long-lived per-member and per-balancer state, keyed by
// identity, so snapshots built from successive configurations share it.
type states struct {
	sync      SessionSync // nil without a shared store
	mu        sync.Mutex
	members   map[string]*memberState
	balancers map[string]*balancerState
	// now is Options.Clock, time.Now by default.
	now func() time.Time
	// idleConn is how long a member connection stays open unused.
	idleConn time.Duration
}

func newStates(now func() time.Time) *states {
	if now == nil {
		now = time.Now
	}
	return &states{now: now, members: map[string]*memberState{}, balancers: map[string]*balancerState{},
		idleConn: memberIdleTTL}
}

func memberKey(balancer, url string) string { return balancer + " " + url }

func (s *states) member(b *config.Balancer, m *config.Member, limits *config.Limits, bst *balancerState) *memberState {
	k := memberKey(b.Name, m.URL)
	st := s.members[k]
	if st == nil {
		st = &memberState{bal: bst, now: s.now}
		st.hc.Store(newPool(m.URL, limits, s.idleConn))
		s.members[k] = st
	}
	return st
}

func (s *states) balancer(b *config.Balancer) *balancerState {
	st := s.balancers[b.Name]
	if st == nil {
		now := s.now
		st = &balancerState{lb: lbmethod.Reported(func() int64 { return now().UnixNano() })}
		s.balancers[b.Name] = st
	}
	lifetime := b.SessionLifetime.D()
	if st.moved == nil {
		st.moved = affinity.NewTable(b.MaxSessions, lifetime)
		st.learned = affinity.NewTable(b.MaxSessions, lifetime)
		st.seen = affinity.NewTable(b.MaxSessions, seenWindow)
	}
	return st
}

// prune forgets the members and balancers that snap, now in force, no
// longer has (removed by a reload or through the manager). Their idle
// connections are closed at once; a request still in flight on an older
// snapshot finishes normally, and its connection is closed once idle for
// idleConn, when fasthttp's cleaner goroutine for the pool ends too.
// Nothing refers to the state afterwards: /metrics and the page read the
// snapshot, health checks are keyed by member and stopped by their
// checker, and a reported check for a forgotten key is ignored.
func (s *states) prune(snap *Snapshot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	keep := make(map[string]bool, len(s.members))
	for _, b := range snap.Balancers {
		for _, m := range b.members {
			keep[memberKey(b.Name, m.URL)] = true
		}
	}
	for k, st := range s.members {
		if !keep[k] {
			delete(s.members, k)
			st.hc.Load().CloseIdleConnections()
		}
	}
	for name := range s.balancers {
		if snap.byName[name] == nil {
			delete(s.balancers, name)
		}
	}
}
