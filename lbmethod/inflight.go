package lbmethod

import "sync/atomic"

// InFlight counts a member's requests in flight: an atomic counter that
// also tells the index ordering members by it (IndexedByBusyness) which
// members changed, so that its next choice reads those again and no
// other. Telling costs one atomic load while no such index watches the
// member, and one flag and one push, lock-free, the first time the count
// changes after a choice when one does. A Sched is watched by the index of at
// most one Shared in its life (the proxy keeps one Shared per balancer
// and one Sched per member of it).
type InFlight struct {
	n atomic.Int64
	// watch is the list of the index that files the member by its
	// count; nil while none does.
	watch atomic.Pointer[watchList]
	// pending: the counter is on watch's list, or is being put there;
	// whoever sets it pushes, the index clears it when it takes the
	// counter off.
	pending atomic.Bool
	next    *InFlight // the next on the list; written only by the pusher that set pending
	sched   *Sched    // the Sched holding the counter; set and read under the watching Shared's lock
}

// Load returns the count.
func (c *InFlight) Load() int64 { return c.n.Load() }

// Add adds d to the count and returns the new count.
func (c *InFlight) Add(d int64) int64 {
	v := c.n.Add(d)
	c.changed()
	return v
}

// CompareAndSwap sets the count to new if it is old, and reports whether
// it did.
func (c *InFlight) CompareAndSwap(old, new int64) bool {
	if !c.n.CompareAndSwap(old, new) {
		return false
	}
	c.changed()
	return true
}

// Store sets the count.
func (c *InFlight) Store(v int64) {
	c.n.Store(v)
	c.changed()
}

// changed puts the counter on its watcher's list unless it is there
// already. The count changed before the flag is read: a counter the index
// takes off clears the flag before reading the count, so either the index
// reads the new count or this call sees the flag clear and pushes again.
func (c *InFlight) changed() {
	w := c.watch.Load()
	if w == nil || c.pending.Load() || !c.pending.CompareAndSwap(false, true) {
		return
	}
	for {
		h := w.head.Load()
		c.next = h
		if w.head.CompareAndSwap(h, c) {
			return
		}
	}
}

// watchList is an index's list of the counters that changed since it
// last took them: a stack that counters push onto and the index empties
// whole (so no pop can meet a counter pushed again meanwhile).
type watchList struct{ head atomic.Pointer[InFlight] }

// watch makes w the list sc's count changes go to; nil stops them. Called
// under the lock of the Shared that owns w.
func (w *watchList) watch(sc *Sched, on bool) {
	c := &sc.Busy
	if !on {
		c.watch.Store(nil)
		return
	}
	c.sched = sc
	c.watch.Store(w)
}

// take empties the list, calling f with the Sched of every counter on it,
// whose flag is clear by then. Called under the owning Shared's lock.
func (w *watchList) take(f func(*Sched)) {
	for c := w.head.Swap(nil); c != nil; {
		next := c.next // read before the flag clears: a push may rewrite it
		c.pending.Store(false)
		f(c.sched)
		c = next
	}
}
