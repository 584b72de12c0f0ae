package proxy

import "time"

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
	if st.waiters.Add(1) > maxQueue {
		st.waiters.Add(-1)
		return false
	}
	defer st.waiters.Add(-1)
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		select {
		case <-st.slot:
			if st.tryAcquire(max) {
				return true
			}
		case <-t.C:
			return st.tryAcquire(max)
		}
	}
}

func (st *memberState) tryAcquire(max int64) bool {
	for {
		b := st.sched.Busy.Load()
		if b >= max {
			return false
		}
		if st.sched.Busy.CompareAndSwap(b, b+1) {
			return true
		}
	}
}
