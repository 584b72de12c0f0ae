package lbmethod

import "sync/atomic"

// Sched is the scheduling state an lbmethod keeps per member. The proxy
// embeds one in each member; it must not be copied after first use.
type Sched struct {
	// LBStatus is httpd's lbstatus; guarded by the owning Balancer's lock.
	LBStatus int64
	// Busy counts requests in flight to the member; changing it tells an
	// index that files members by it (IndexedByBusyness).
	Busy InFlight
	// Transferred counts bytes sent to the member (request head and body).
	// It only grows: IndexedByTraffic relies on that.
	Transferred atomic.Int64
	// Read counts bytes read from the member (response head and body).
	// It only grows, as Transferred.
	Read atomic.Int64
	// Elected counts requests the member was chosen for.
	Elected atomic.Int64

	// slot is the member's position in its balancer's index (lazyState),
	// guarded by the Shared lock; checked before use.
	slot int32
}

// Member is the view of one balancer member that a method needs.
type Member interface {
	// Sched returns the member's scheduling state.
	Sched() *Sched
	// Factor is the effective lbfactor: loadfactor × 100 (1.0 → 100),
	// possibly lowered during slow start. Always ≥ 1.
	Factor() int64
	// LBSet is the member's lbset (0-99).
	LBSet() int
	// Standby reports the hot-standby flag.
	Standby() bool
	// Usable reports whether the member may serve requests at all: not
	// disabled, stopped, in error or failed its health check. A draining
	// member is usable.
	Usable() bool
	// Eligible reports whether the member may take a new, non-sticky
	// request now: usable, and neither draining nor full.
	Eligible() bool
}
