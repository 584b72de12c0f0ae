package proxy

import (
	"sync/atomic"
	"time"

	"balancer/affinity"
	"balancer/config"
	"balancer/lbmethod"
)

// Balancer is one balancer as configured in a snapshot.
type Balancer struct {
	Name string
	cfg  *config.Balancer
	spec affinity.Spec
	// stick is the stickymode, nil without stickiness.
	stick      stickiness
	cookieName string // insert mode cookie
	members    []*Member
	views      []lbmethod.Member
	byRoute    map[string]*Member
	// attempts is how many further members a failed request may try.
	attempts   int
	noFailover bool
	recover    bool
	failOn     [600]bool
	failOnTO   bool
	timeout    time.Duration
	retryBuf   int64
	lifetime   time.Duration
	sync       SessionSync
	method     lbmethod.Method
	// now tells the time of the session tables and the timeout wait
	// (Options.Clock).
	now func() time.Time

	st *balancerState
}

// Members returns the balancer's members in configuration order.
func (b *Balancer) Members() []*Member { return b.members }

// Method returns the balancer's lbmethod.
func (b *Balancer) Method() lbmethod.Method { return b.method }

// HealthCheck returns the balancer's active check settings, nil for none.
func (b *Balancer) HealthCheck() *config.HealthCheck { return b.cfg.HealthCheck }

// balancerState is what a balancer keeps across snapshots.
type balancerState struct {
	// lb guards every member's lbstatus, whichever lbmethod (of this
	// snapshot or an older one still serving requests) updates it, and
	// holds byrequests' index. Every change of a member's eligibility is
	// reported to it (memberState.changed); the ones that come with time
	// (retry expiry, slow-start steps) are announced by Member.Until.
	lb *lbmethod.Shared

	// current is the balancer in the newest snapshot, and changes wakes
	// the requests waiting for a usable member (balancer timeout).
	current atomic.Pointer[Balancer]
	changes changes

	failovers    atomic.Int64 // sticky requests sent to another member
	retries      atomic.Int64 // requests retried on another member
	stickyHits   atomic.Int64
	stickyMisses atomic.Int64 // requests without a usable session route
	noMember     atomic.Int64 // 503 for want of a member
	moves        atomic.Int64 // requests served by the member that took the session over
	// refused counts requests the balancer answered itself (no member).
	refused requestCounters

	// moved remembers session id → route of the member that took it over.
	moved *affinity.Table
	// seen remembers session id → route recently served, for the drain
	// helper and the page's "sessions" column.
	seen *affinity.Table
	// learned maps session ids from members' Set-Cookie to their route.
	learned *affinity.Table
}
