package lbmethod

import (
	"fmt"
	"sync"
)

// Method chooses a member for a request that has no usable sticky member.
// One Method value serves one balancer; it is safe for concurrent use.
type Method interface {
	// Name is the configured name, e.g. "byrequests".
	Name() string
	// Choose returns the index in ms of the chosen member, or -1 when no
	// member is eligible (httpd's ap_proxy_balancer_get_best_worker).
	Choose(ms []Member) int
	// Stick records a sticky hit on ms[i]: every usable member's lbstatus
	// grows by its factor and ms[i]'s shrinks by their sum, as httpd does
	// for every method, so sticky traffic counts in later choices.
	Stick(ms []Member, i int)
	// Reset zeroes lbstatus (httpd's reset()).
	Reset(ms []Member)
	// LBStatus reads ms[i]'s lbstatus under the method's lock.
	LBStatus(ms []Member, i int) int64
}

// New returns the method called name, with a lock of its own.
func New(name string) (Method, error) { return NewShared(name, nil) }

// NewShared returns the method called name, locking mu while it updates
// lbstatus (its own lock when mu is nil). Methods that share mu may serve
// the same members at once: a balancer whose lbmethod is edited while
// requests still run on the old one keeps lbstatus under one lock.
func NewShared(name string, mu *sync.Mutex) (Method, error) {
	switch name {
	case "", "byrequests":
		m := &ByRequests{}
		m.shared = mu
		return m, nil
	case "bytraffic":
		m := &ByTraffic{}
		m.shared = mu
		return m, nil
	case "bybusyness":
		m := &ByBusyness{}
		m.shared = mu
		return m, nil
	}
	return nil, fmt.Errorf("unknown lbmethod %q (want one of %v)", name, Names())
}

// Names lists the methods New knows.
func Names() []string { return []string{"byrequests", "bytraffic", "bybusyness"} }

// lockedState is the lock every method holds while it updates lbstatus
// across members; no I/O happens under it.
type lockedState struct {
	own    sync.Mutex
	shared *sync.Mutex // NewShared's, else nil
}

// lock returns the mutex that guards lbstatus.
func (l *lockedState) lock() *sync.Mutex {
	if l.shared != nil {
		return l.shared
	}
	return &l.own
}

// Stick implements Method: the update httpd makes on a sticky hit for
// every method.
// weighted is the state byrequests and bybusyness share: every candidate's
// lbstatus grows by its factor during a choice, and the winner's drops by
// the sum.
type weighted struct {
	lockedState
	total int64 // sum of the factors of this choice's candidates
}

// pick runs one choice with cmp's comparison and settles the winner.
func (w *weighted) pick(ms []Member, cmp isBest) int {
	mu := w.lock()
	mu.Lock()
	defer mu.Unlock()
	w.total = 0
	i := choose(ms, cmp)
	if i >= 0 {
		ms[i].Sched().LBStatus -= w.total
	}
	return i
}

// grow adds a candidate's factor to its lbstatus and to the total.
func (w *weighted) grow(m Member) *Sched {
	f := m.Factor()
	s := m.Sched()
	s.LBStatus += f
	w.total += f
	return s
}

func (l *lockedState) Stick(ms []Member, i int) {
	mu := l.lock()
	mu.Lock()
	defer mu.Unlock()
	var total int64
	for _, m := range ms {
		if m.Usable() {
			f := m.Factor()
			m.Sched().LBStatus += f
			total += f
		}
	}
	ms[i].Sched().LBStatus -= total
}

// Reset implements Method.
func (l *lockedState) Reset(ms []Member) {
	mu := l.lock()
	mu.Lock()
	defer mu.Unlock()
	for _, m := range ms {
		m.Sched().LBStatus = 0
	}
}

// LBStatus implements Method.
func (l *lockedState) LBStatus(ms []Member, i int) int64 {
	mu := l.lock()
	mu.Lock()
	defer mu.Unlock()
	return ms[i].Sched().LBStatus
}

// isBest is one method's comparison (httpd's is_best callback): it sees
// each candidate of the current pass in order and says whether it beats
// the best so far (-1 when none yet).
type isBest interface {
	better(ms []Member, cur, best int) bool
}

// choose walks lbsets from the lowest, httpd's get_best_worker: within an
// lbset the eligible normal members are candidates; when none of them was
// chosen, the eligible hot-standby members of that lbset are. The first
// lbset that yields a member wins. The caller holds the lock.
func choose(ms []Member, cmp isBest) int {
	if len(ms) == 0 {
		return -1
	}
	cur := ms[0].LBSet()
	for _, m := range ms[1:] {
		cur = min(cur, m.LBSet())
	}
	for {
		best := -1
		hasStandby, hasNext := false, false
		next := 0
		for i, m := range ms {
			s := m.LBSet()
			if s != cur {
				if s > cur && (!hasNext || s < next) {
					next, hasNext = s, true
				}
				continue
			}
			if m.Standby() {
				hasStandby = true
				continue
			}
			if m.Eligible() && cmp.better(ms, i, best) {
				best = i
			}
		}
		if best < 0 && hasStandby {
			for i, m := range ms {
				if m.LBSet() == cur && m.Standby() && m.Eligible() && cmp.better(ms, i, best) {
					best = i
				}
			}
		}
		if best >= 0 || !hasNext {
			return best
		}
		cur = next
	}
}
