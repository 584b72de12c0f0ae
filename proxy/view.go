package proxy

import (
	"time"

	"balancer/health"
)

// What the manager reads of the runtime. Nothing here is a copy of a
// member's state: the manager reads the live counters (Member.Sched,
// Member.Flags, the methods below) once, into the one view it shows.

// SessionsWindow is how long a session counts as held by the member that
// last served it (the page's "sessions" column and the drain helper).
const SessionsWindow = seenWindow

// Errors counts the member's failed exchanges.
func (m *Member) Errors() int64 { return m.st.errors.Load() }

// LastError says why the member last failed; "" when it never did.
func (m *Member) LastError() string {
	if p := m.st.lastError.Load(); p != nil {
		return *p
	}
	return ""
}

// ErrorUntil is when a member in error is tried again; zero unless it is
// in error.
func (m *Member) ErrorUntil() time.Time {
	if m.Flags()&FlagError == 0 {
		return time.Time{}
	}
	return time.Unix(0, m.st.errorUntil.Load())
}

// LastSession is when the member last answered a request of a sticky
// session it holds; zero if it never did.
func (m *Member) LastSession() time.Time {
	if ns := m.st.lastSession.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}

// Health is the member's last active health-check result, nil before the
// first; whether the member counts as failed is its FlagHealthFailed.
func (m *Member) Health() *health.Result { return m.st.health.Load() }

// LBStatus is the lbmethod's running status of m (httpd's "Load" column).
func (b *Balancer) LBStatus(m *Member) int64 { return b.method.LBStatus(b.views, m.idx) }

// Sessions counts, by member route, the distinct sticky sessions served
// within SessionsWindow.
func (b *Balancer) Sessions() map[string]int { return b.st.seen.CountByRoute(b.now()) }

// BalancerCounters are a balancer's request counters.
type BalancerCounters struct {
	Failovers, Retries     int64
	StickyHits, StickyMiss int64
	Moves, NoMember        int64
	// MovedSessions is the size of the moved-session table.
	MovedSessions int
}

// Counters reads the balancer's counters.
func (b *Balancer) Counters() BalancerCounters {
	st := b.st
	return BalancerCounters{
		Failovers: st.failovers.Load(), Retries: st.retries.Load(),
		StickyHits: st.stickyHits.Load(), StickyMiss: st.stickyMisses.Load(),
		Moves: st.moves.Load(), NoMember: st.noMember.Load(), MovedSessions: st.moved.Len(),
	}
}
