package proxy

import (
	"sync"
	"sync/atomic"
	"time"
)

// changes wakes the requests that wait for a usable member (the
// balancer's timeout) whenever something happened that may have made one
// usable: a request to one of its members finished (a member below its
// max again), a configuration or manager edit took effect, or a member
// passed its health check. Waiters also wake when a member's retry time
// ends, by their own timer. Nothing is paid while nobody waits.
type changes struct {
	waiting atomic.Int32
	mu      sync.Mutex
	ch      chan struct{} // closed and replaced by notify; nil until a waiter asks
}

// next returns a channel closed by the next notify.
func (c *changes) next() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch == nil {
		c.ch = make(chan struct{})
	}
	return c.ch
}

// notify wakes every waiter.
func (c *changes) notify() {
	if c.waiting.Load() == 0 {
		return
	}
	c.mu.Lock()
	if c.ch != nil {
		close(c.ch)
		c.ch = nil
	}
	c.mu.Unlock()
}

// Waiting is how many requests wait for a usable member now (balancer
// timeout).
func (b *Balancer) Waiting() int { return int(b.st.changes.waiting.Load()) }

// waitForMember is httpd's balancer timeout: when no member is usable,
// wait up to the timeout for one to become usable before answering 503.
// httpd polls a hundred times over the timeout; here the request sleeps
// until a change that may matter (see changes) or the end of a member's
// retry time, and then chooses again, on the newest configuration, among
// the members the request has not tried yet.
func (b *Balancer) waitForMember(rq *request) *Member {
	c := &b.st.changes
	c.waiting.Add(1)
	defer c.waiting.Add(-1)
	deadline := b.now().Add(b.timeout)
	t := time.NewTimer(b.timeout)
	defer t.Stop()
	for {
		// Taken before choosing: a change during the choice closes it.
		woken := c.next()
		cur := b.st.current.Load()
		if cur == nil {
			cur = b
		}
		if m := cur.chooseUntried(rq); m != nil {
			return m
		}
		now := b.now()
		if !now.Before(deadline) {
			return nil
		}
		wake := deadline
		if r := cur.nextRetry(now); !r.IsZero() && r.Before(wake) {
			wake = r
		}
		t.Reset(wake.Sub(now))
		select {
		case <-woken:
		case <-t.C:
		}
	}
}

// chooseUntried runs the lbmethod over the members the request has not
// tried yet.
func (b *Balancer) chooseUntried(rq *request) *Member {
	return b.choose(rq.exceptTried())
}

// nextRetry is the earliest end of a retry time among members that only
// their error state keeps from being usable; zero when there is none.
func (b *Balancer) nextRetry(now time.Time) time.Time {
	var next int64
	for _, m := range b.members {
		if m.admin&(FlagDisabled|FlagStopped) != 0 {
			continue
		}
		f := m.st.flags.Load()
		if f&FlagError == 0 || f&FlagHealthFailed != 0 {
			continue
		}
		if u := m.st.errorUntil.Load(); u > now.UnixNano() && (next == 0 || u < next) {
			next = u
		}
	}
	if next == 0 {
		return time.Time{}
	}
	return time.Unix(0, next)
}
