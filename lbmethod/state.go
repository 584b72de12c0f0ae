package lbmethod

import "sync"

// lockedState binds a method to the Shared state of its balancer: the
// lock every method holds while it updates lbstatus across members (no
// I/O happens under it) and the byrequests index.
type lockedState struct {
	sh *Shared // never nil: NewShared makes one when given none
}

// state returns the method's Shared.
func (l *lockedState) state() *Shared { return l.sh }

// lock locks the state for a method that reads lbstatus from the
// members' Sched, and returns the lock to release. Such methods are bound
// only to a Shared that is not Reported, which holds no index.
func (l *lockedState) lock() *sync.Mutex {
	mu := &l.state().mu
	mu.Lock()
	return mu
}

// weighted is the state byrequests and bybusyness share: every candidate's
// lbstatus grows by its factor during a choice, and the winner's drops by
// the sum.
type weighted struct {
	lockedState
	total int64 // sum of the factors of this choice's candidates
}

// pick runs one choice with cmp's comparison and settles the winner.
func (w *weighted) pick(ms []Member, cmp isBest, except []*Sched) int {
	mu := w.lock()
	defer mu.Unlock()
	w.total = 0
	i := choose(ms, cmp, except)
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

// Stick implements Method: the update httpd makes on a sticky hit for
// every method.
func (l *lockedState) Stick(ms []Member, i int) {
	mu := l.lock()
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
	defer mu.Unlock()
	for _, m := range ms {
		m.Sched().LBStatus = 0
	}
}

// LBStatus implements Method.
func (l *lockedState) LBStatus(ms []Member, i int) int64 {
	mu := l.lock()
	defer mu.Unlock()
	return ms[i].Sched().LBStatus
}
