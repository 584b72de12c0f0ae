package lbmethod

import "math"

// IndexedByTraffic is bytraffic on the index of a Reported Shared: the
// same choices as ByTraffic. A choice still visits every candidate (its
// traffic changes with every byte), but reads only two counters each: the
// candidates and their factors come from the index, which the owner keeps
// current, and a sticky hit is O(log n).
type IndexedByTraffic struct{ indexState }

var _ Method = (*IndexedByTraffic)(nil)

// Name implements Method.
func (*IndexedByTraffic) Name() string { return "bytraffic" }

// Choose implements Method.
func (x *IndexedByTraffic) Choose(ms []Member) int { return x.ChooseExcept(ms, nil) }

// ChooseExcept implements Method.
func (x *IndexedByTraffic) ChooseExcept(ms []Member, except []*Sched) int {
	return x.scan(ms, except, false)
}

// IndexedByBusyness is bybusyness on the index of a Reported Shared: the
// same choices and lbstatus as ByBusyness. Every candidate gains its
// factor in one step (the pool's clock), the fewest requests in flight
// win, then the highest lbstatus; a choice visits every candidate's
// busy counter, a sticky hit is O(log n).
type IndexedByBusyness struct{ indexState }

var _ Method = (*IndexedByBusyness)(nil)

// Name implements Method.
func (*IndexedByBusyness) Name() string { return "bybusyness" }

// Choose implements Method.
func (x *IndexedByBusyness) Choose(ms []Member) int { return x.ChooseExcept(ms, nil) }

// ChooseExcept implements Method.
func (x *IndexedByBusyness) ChooseExcept(ms []Member, except []*Sched) int {
	return x.scan(ms, except, true)
}

// scan makes one choice among the candidates (the eligible members of
// the first pool that has any), visiting each. busy: bybusyness (every
// candidate gains its factor, the fewest requests in flight win, then
// the highest lbstatus, and the winner loses the sum of the factors);
// else bytraffic (the least traffic per factor wins). Ties go to the
// first in the slice, as in ByTraffic and ByBusyness.
func (x *indexState) scan(ms []Member, except []*Sched, busy bool) int {
	z := x.begin(ms, except)
	defer x.end(except)
	pi := z.firstPoolAt()
	if pi < 0 {
		return -1
	}
	p := &z.pools[pi]
	if busy {
		p.t++
	}
	// In slice order, so that the first of equals wins with strict
	// comparisons, as in ByTraffic and ByBusyness; the slots are read
	// one after the other.
	best := int32(-1)
	var bestKey, bestVal int64
	for i := range z.slots {
		s := &z.slots[i]
		if s.kind&inPool == 0 || s.pool != pi {
			continue
		}
		if busy {
			k, v := s.sc.Busy.Load(), s.b+s.f*(p.t+z.u)
			if best < 0 || k < bestKey || (k == bestKey && v > bestVal) {
				best, bestKey, bestVal = int32(i), k, v
			}
			continue
		}
		tx, rx := s.sc.Transferred.Load(), s.sc.Read.Load()
		// tx/f + rx/f ≥ (tx+rx)/f - 1 in integer division: a member
		// with tx+rx ≥ (best+2)×f cannot beat the best, and costs a
		// multiplication instead of two divisions.
		if best >= 0 && bestKey <= math.MaxInt64/s.f-2 && tx+rx >= (bestKey+2)*s.f {
			continue
		}
		t := tx/s.f + rx/s.f
		if best < 0 || t < bestKey {
			best, bestKey = int32(i), t
		}
	}
	if busy {
		z.slots[best].b -= p.total
		z.siftDown(&z.groups[z.slots[best].group], z.slots[best].pos)
		z.checkClock(p.t)
	}
	return int(best)
}
