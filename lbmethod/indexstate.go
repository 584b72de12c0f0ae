package lbmethod

// indexState is what the indexed methods share: every one of them keeps
// lbstatus in the index (lazyState) of its Shared, so a sticky hit is
// O(log n) whatever the method, and methods edited into one another
// while requests run on both use one index.
type indexState struct{ lockedState }

// Stick implements Method.
func (x *indexState) Stick(ms []Member, i int) {
	sh := x.state()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	z := &sh.z
	z.sync(ms)
	// Every usable member gains its factor; the one hit loses their sum.
	z.u++
	s := &z.slots[i]
	s.b -= z.usable
	if s.kind&inPool != 0 {
		z.siftDown(&z.groups[s.group], s.pos)
	}
	z.checkClock(z.u)
}

// Reset implements Method: every lbstatus becomes 0.
func (x *indexState) Reset(ms []Member) {
	sh := x.state()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.z.flush()
	for _, m := range ms {
		m.Sched().LBStatus = 0
	}
	sh.z.forget()
}

// LBStatus implements Method.
func (x *indexState) LBStatus(ms []Member, i int) int64 {
	sh := x.state()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.z.sync(ms)
	return sh.z.value(int32(i))
}

// Changed tells the method that ms[i]'s Eligible, Usable, Factor, LBSet or
// Standby may have changed, or that another member took position i; the
// member is read again before the next choice. It is cheap and may be
// called from any goroutine.
func (x *indexState) Changed(ms []Member, i int) {
	sh := x.state()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.z.mark(ms, i)
}

// begin locks the index for one choice over ms, filed in order (a
// method of another order rebuilds it) and brought up to date, with the
// members of except left out; end undoes both.
func (x *indexState) begin(ms []Member, except []*Sched, o order) *lazyState {
	sh := x.state()
	sh.mu.Lock()
	z := &sh.z
	if z.order != o {
		z.flush()
		z.forget()
		z.order = o
	}
	z.sync(ms)
	if len(except) > 0 {
		z.takeOut(except)
	}
	return z
}

// end puts back what begin left out and unlocks the index.
func (x *indexState) end(except []*Sched) {
	sh := x.state()
	if len(except) > 0 {
		sh.z.putBack()
	}
	sh.mu.Unlock()
}
