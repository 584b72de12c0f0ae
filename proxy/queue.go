package proxy

import (
	"sync"
	"sync/atomic"
	"time"
)

// slotQueue holds the requests waiting for one of a member's slots (max),
// first come first served. A slot given back is handed to the first
// waiter under mu, and a request queues only after checking again under
// mu that no slot is free, so a wake-up cannot be lost between a failed
// check and the wait (the request would otherwise sit out queuetimeout
// while a slot is free).
type slotQueue struct {
	// waiting counts requests from the moment they decide to queue until
	// they leave; requestDone looks at it (one atomic load) before taking
	// mu, so members without waiters pay nothing more.
	waiting atomic.Int64

	mu      sync.Mutex
	waiters []*waiter
}

// waiter is one queued request; ready receives its slot.
type waiter struct {
	max   int64
	ready chan struct{}
}

var waiterPool = sync.Pool{New: func() any { return &waiter{ready: make(chan struct{}, 1)} }}

// Test hooks: called, when set, at the two moments a wake-up could be lost
// (after the failed fast check, and after joining the queue before
// waiting), so that tests can give a slot back exactly there.
var testHookBeforeQueue, testHookQueued func()

// acquire takes a slot for one request to the member: at once when it has
// no max or is below it; else the request waits in a bounded queue (at
// most maxQueue waiting, at most wait long) so that an overloaded member
// sheds load to its peers instead of timing out. It reports whether the
// slot was taken; requestDone gives it back.
func (st *memberState) acquire(max, maxQueue int64, wait time.Duration) bool {
	if max <= 0 {
		st.sched.Busy.Add(1)
		return true
	}
	if st.tryAcquire(max) {
		return true
	}
	if maxQueue <= 0 {
		return false
	}
	if testHookBeforeQueue != nil {
		testHookBeforeQueue()
	}
	q := &st.queue
	if q.waiting.Add(1) > maxQueue {
		q.waiting.Add(-1)
		return false
	}
	defer q.waiting.Add(-1)
	w := waiterPool.Get().(*waiter)
	defer waiterPool.Put(w)
	w.max = max
	q.mu.Lock()
	// waiting was raised before this check: a slot given back before it is
	// seen here, one given back after it sees waiting and hands over.
	if st.tryAcquire(max) {
		q.mu.Unlock()
		return true
	}
	q.waiters = append(q.waiters, w)
	q.mu.Unlock()
	if testHookQueued != nil {
		testHookQueued()
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-w.ready:
		return true
	case <-t.C:
	}
	q.mu.Lock()
	if !q.remove(w) {
		// The slot was handed over as the wait ended: it is ours.
		q.mu.Unlock()
		<-w.ready
		return true
	}
	q.mu.Unlock()
	return false
}

// remove takes w out of the queue; false when it was handed a slot.
func (q *slotQueue) remove(w *waiter) bool {
	for i, x := range q.waiters {
		if x == w {
			copy(q.waiters[i:], q.waiters[i+1:])
			q.waiters[len(q.waiters)-1] = nil
			q.waiters = q.waiters[:len(q.waiters)-1]
			return true
		}
	}
	return false
}

// handOver gives free slots to the waiters in order, each slot taken on
// the waiter's behalf before it is woken.
func (st *memberState) handOver() {
	q := &st.queue
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	for n < len(q.waiters) && st.tryAcquire(q.waiters[n].max) {
		q.waiters[n].ready <- struct{}{}
		n++
	}
	if n > 0 {
		rest := copy(q.waiters, q.waiters[n:])
		clear(q.waiters[rest:])
		q.waiters = q.waiters[:rest]
	}
}

// queued is how many requests wait for a slot.
func (st *memberState) queued() int64 { return st.queue.waiting.Load() }

func (st *memberState) tryAcquire(max int64) bool {
	for {
		b := st.sched.Busy.Load()
		if b >= max {
			return false
		}
		if st.sched.Busy.CompareAndSwap(b, b+1) {
			if b+1 == max {
				// Set before the report: a request ending meanwhile that
				// missed the flag is read by the report's re-read.
				st.full.Store(true)
				st.changed()
			}
			return true
		}
	}
}
