package lbmethod

// IndexedByTraffic is bytraffic on the index of a Reported Shared: the
// same choices as ByTraffic. The index files the eligible members of a
// pool in one heap per factor, by their traffic per factor as last read.
// Traffic only grows, so a member's filed value is a lower bound of its
// current one: a choice reads each heap's leader again, and files it
// anew until the leader's value is current, which makes it the least of
// its heap. A choice is O(g + r log n) for g distinct factors and r
// members whose traffic grew since they were last read at the top (about
// one per request), and a sticky hit O(log n).
type IndexedByTraffic struct{ indexState }

var _ Method = (*IndexedByTraffic)(nil)

// Name implements Method.
func (*IndexedByTraffic) Name() string { return "bytraffic" }

// Choose implements Method.
func (x *IndexedByTraffic) Choose(ms []Member) int { return x.ChooseExcept(ms, nil) }

// ChooseExcept implements Method.
func (x *IndexedByTraffic) ChooseExcept(ms []Member, except []*Sched) int {
	z := x.begin(ms, except, byTraffic)
	defer x.end(except)
	p := z.firstPool()
	if p == nil {
		return -1
	}
	best := int32(-1)
	var bestKey int64
	for _, gi := range p.active {
		top := z.settle(&z.groups[gi])
		k := z.slots[top].k
		if best < 0 || k < bestKey || (k == bestKey && top < best) {
			best, bestKey = top, k
		}
	}
	return int(best)
}

// settle reads the traffic of g's leader again until the leader's filed
// value is its current one, and returns it.
func (z *lazyState) settle(g *factorGroup) int32 {
	for {
		top := g.heap[0]
		s := &z.slots[top]
		k := traffic(s)
		if k == s.k {
			return top
		}
		s.k = k
		z.siftDown(g, 0)
	}
}

// traffic is httpd's traffic per factor: bytes to the member over its
// factor plus bytes from it over its factor, in integer division.
func traffic(s *slot) int64 {
	return s.sc.Transferred.Load()/s.f + s.sc.Read.Load()/s.f
}
