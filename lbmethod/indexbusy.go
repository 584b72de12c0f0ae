package lbmethod

// IndexedByBusyness is bybusyness on the index of a Reported Shared: the
// same choices and lbstatus as ByBusyness. The index files the eligible
// members of a pool in one heap per factor and count of requests in
// flight, by lbstatus; a count that changes tells the index (InFlight),
// which files that member again before its next choice, O(log n). A
// choice then visits one leader per heap, O(g·b + log n) for g distinct
// factors and b distinct counts among the candidates, and a sticky hit is
// O(log n).
type IndexedByBusyness struct{ indexState }

var _ Method = (*IndexedByBusyness)(nil)

// Name implements Method.
func (*IndexedByBusyness) Name() string { return "bybusyness" }

// Choose implements Method.
func (x *IndexedByBusyness) Choose(ms []Member) int { return x.ChooseExcept(ms, nil) }

// ChooseExcept implements Method.
func (x *IndexedByBusyness) ChooseExcept(ms []Member, except []*Sched) int {
	z := x.begin(ms, except, byBusy)
	defer x.end(except)
	return int(z.weighted())
}

// refile files the member whose state is sc under its count of requests
// in flight, if the index holds it in a pool and the count changed.
func (z *lazyState) refile(sc *Sched) {
	i := sc.slot
	if int(i) >= len(z.slots) || z.slots[i].sc != sc {
		return // no longer indexed
	}
	s := &z.slots[i]
	if s.kind&inPool == 0 {
		return // read again when it rejoins its pool
	}
	n := sc.Busy.Load()
	if n == s.k {
		return
	}
	z.remove(i)
	s.k = n
	z.insert(i)
}
