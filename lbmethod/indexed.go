package lbmethod

// IndexedByRequests is byrequests with the same choices and lbstatus as
// ByRequests, computed lazily so that a choice and a sticky hit cost
// O(g + log n) instead of O(n), g being the number of distinct factors
// among the candidates.
//
// Each member's lbstatus is kept as base + factor × clock, where the clock
// counts the choices made from the member's pool (its lbset, normal or
// hot-standby) plus the sticky hits since the member's state last changed.
// A choice then advances one pool clock instead of adding to every
// candidate; within a pool, members of equal factor keep their order, so a
// heap per factor ordered by (base, position) holds each group's leader and
// the winner is the best of the leaders.
//
// The price is that members must announce their changes. ByRequests asks
// every member for Eligible, Usable and Factor on every choice, which is
// what makes it O(n); this type reads a member again only after Changed
// (or Shared.Changed), or at the time a Timed member gave. A member whose
// Eligible, Usable, Factor, LBSet or Standby changes unannounced makes the
// schedule differ from httpd's (it stays a weighted schedule, but not the
// same one); NewShared returns this type only for a Shared made by
// Reported, whose owner promises to announce.
//
// A slice whose first element or length differs from the previous call's
// is a new one: the lbstatus of the old slice's members is written back to
// their Sched and the new slice's members are read from theirs, O(n log n),
// allocating only when the state outgrows what earlier slices needed; so
// does the first use after Reset. Between such changes Sched.LBStatus is
// stale; read lbstatus with LBStatus. A member must appear once in a
// slice, and members are compared with == (pointers are fine). It is safe
// for concurrent use.
type IndexedByRequests struct{ indexState }

var _ Method = (*IndexedByRequests)(nil)

// Name implements Method.
func (*IndexedByRequests) Name() string { return "byrequests" }

// Choose implements Method.
func (x *IndexedByRequests) Choose(ms []Member) int { return x.ChooseExcept(ms, nil) }

// ChooseExcept implements Method.
func (x *IndexedByRequests) ChooseExcept(ms []Member, except []*Sched) int {
	z := x.begin(ms, except, byValue)
	defer x.end(except)
	return int(z.weighted())
}

// weighted makes a choice of byrequests (byValue) or bybusyness (byBusy)
// among the candidates, the eligible members of the first pool that has
// any: every candidate gains its factor (the pool's clock advances; the
// order within each group holds), the fewest requests in flight win
// (byBusy), then the highest lbstatus, then the first in the slice; the
// winner loses the sum of the factors. It visits each group's leader.
func (z *lazyState) weighted() int32 {
	p := z.firstPool()
	if p == nil {
		return -1
	}
	p.t++
	best := int32(-1)
	var bestBusy, bestVal int64
	for _, gi := range p.active {
		g := &z.groups[gi]
		top := g.heap[0]
		k, v := g.key.busy, z.slots[top].b+g.key.f*z.groupClock(g)
		if best < 0 || k < bestBusy || (k == bestBusy && (v > bestVal || (v == bestVal && top < best))) {
			best, bestBusy, bestVal = top, k, v
		}
	}
	z.slots[best].b -= p.total
	z.siftDown(&z.groups[z.slots[best].group], z.slots[best].pos)
	z.checkClock(p.t)
	return best
}
