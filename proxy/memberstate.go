package proxy

import (
	"balancer/health"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"balancer/lbmethod"
)

// memberState is what a member keeps across snapshots: counters, error
// state, health and its connection pool. It is shared by every snapshot in
// which the member (same balancer, same URL) appears and must not be copied.
type memberState struct {
	sched lbmethod.Sched
	// now tells the time of the error state and slow start
	// (Options.Clock).
	now func() time.Time

	// runtime flags (FlagError, FlagHealthFailed) as atomics.
	flags atomic.Uint32
	// errorUntil is when a member in error may be retried (unix ns).
	errorUntil atomic.Int64
	// errorSince is when it entered error (unix ns), for the page.
	errorSince atomic.Int64
	// recoveredAt is when it last became usable (unix ns), for slow start.
	recoveredAt atomic.Int64

	errors   atomic.Int64 // failed exchanges
	retries  atomic.Int64 // times its retry time elapsed and it was tried again
	requests atomic.Int64 // responses delivered (for rates)
	// lastSession is when it last answered a request of a sticky session
	// it holds (unix ns; 0: never), for the drain helper.
	lastSession atomic.Int64

	lastError atomic.Pointer[string]

	// queue holds requests waiting for a slot when max is reached.
	queue slotQueue
	// full is set when a request took the member's last slot (max), and
	// cleared, with a report, by the next request to end: the two
	// crossings of max that change Eligible.
	full atomic.Bool
	// bal is the state of the member's balancer.
	bal *balancerState

	// health is the last active health-check result.
	health atomic.Pointer[health.Result]

	// reqs counts answered requests by status class with their durations.
	reqs requestCounters

	// hc is the member's connection pool, replaced when
	// limits.maxresponseheaderbytes changes (pool.go).
	hc atomic.Pointer[fasthttp.HostClient]
}

// changed reports to the balancer's lbmethod that the member's Usable,
// Eligible or Factor may have changed: every lbmethod's index reads a
// member again only when told (lbmethod.Reported).
func (st *memberState) changed() {
	if st.bal != nil {
		st.bal.lb.Changed(&st.sched)
	}
}

// markError puts the member in error for retry.
func (st *memberState) markError(retry time.Duration, reason string) {
	now := st.now().UnixNano()
	st.errorUntil.Store(now + int64(retry))
	if st.flags.Load()&FlagError == 0 {
		st.errorSince.Store(now)
	}
	for {
		f := st.flags.Load()
		if st.flags.CompareAndSwap(f, f|FlagError) {
			break
		}
	}
	st.errors.Add(1)
	st.lastError.Store(&reason)
	st.changed()
}

// clearError takes the member out of error (retry elapsed, health check
// passed, or forced recovery).
func (st *memberState) clearError() {
	for {
		f := st.flags.Load()
		if f&FlagError == 0 {
			return
		}
		if st.flags.CompareAndSwap(f, f&^FlagError) {
			st.recoveredAt.Store(st.now().UnixNano())
			st.changed()
			return
		}
	}
}

func (st *memberState) setFlag(flag uint32, on bool) (changed bool) {
	for {
		f := st.flags.Load()
		n := f &^ flag
		if on {
			n |= flag
		}
		if n == f {
			return false
		}
		if st.flags.CompareAndSwap(f, n) {
			return true
		}
	}
}

// requestDone ends one request to the member: busy goes down and the slot
// goes to the first request queued for one (max), if any.
func (st *memberState) requestDone() {
	st.sched.Busy.Add(-1)
	if st.full.Load() && st.full.Swap(false) {
		st.changed() // it was full: it may take requests again
	}
	// Busy is lowered before waiting is read, and a queueing request
	// raises waiting before it reads Busy: one of the two sees the other.
	if st.queue.waiting.Load() > 0 {
		st.handOver()
	}
	if st.bal != nil {
		st.bal.changes.notify()
	}
}
