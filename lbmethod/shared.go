package lbmethod

import "sync"

// Shared is what one balancer's methods share across configuration
// snapshots: the lock that guards every member's lbstatus and, when the
// caller reports its members' changes (Reported), the index that makes a
// choice and a sticky hit O(g + log n) instead of O(n). A
// balancer whose lbmethod is edited while requests still run on the old
// method keeps lbstatus under one lock and in one place.
type Shared struct {
	mu sync.Mutex
	z  lazyState
	// indexed: the methods bound to this state are the indexed ones.
	indexed bool
}

// Reported returns a Shared whose owner promises to call Changed whenever
// a member's Eligible, Usable or Factor may have changed (an error, a
// health transition, a member filling up or freeing its last slot),
// except for the changes a member announces itself by implementing
// Timed. Counts of requests in flight announce themselves (InFlight);
// traffic counters need no announcement, as they only grow. A method
// bound to it is the indexed one (IndexedByRequests, IndexedByTraffic,
// IndexedByBusyness). now tells
// the time, in the unit Timed uses (Unix nanoseconds for the proxy); it
// may be nil when no member is Timed.
func Reported(now func() int64) *Shared {
	sh := &Shared{indexed: true}
	sh.z.now = now
	return sh
}

// Changed reports that the member whose scheduling state is s may have
// changed; it is read again before the next choice. It is O(1), safe from
// any goroutine, and a no-op for a member the index does not hold.
func (sh *Shared) Changed(s *Sched) {
	sh.mu.Lock()
	sh.z.markSched(s)
	sh.mu.Unlock()
}
