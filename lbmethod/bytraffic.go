package lbmethod

// ByTraffic is httpd's bytraffic: the candidate with the least traffic per
// weight wins, traffic = transferred/factor + read/factor in integer
// division (bytes to and from the member since start), first on ties.
type ByTraffic struct {
	lockedState
	min int64
}

var _ Method = (*ByTraffic)(nil)

// Name implements Method.
func (*ByTraffic) Name() string { return "bytraffic" }

// Choose implements Method.
func (b *ByTraffic) Choose(ms []Member) int { return b.ChooseExcept(ms, nil) }

// ChooseExcept implements Method.
func (b *ByTraffic) ChooseExcept(ms []Member, except []*Sched) int {
	mu := b.lock()
	defer mu.Unlock()
	return choose(ms, b, except)
}

func (b *ByTraffic) better(ms []Member, cur, best int) bool {
	m := ms[cur]
	f := m.Factor()
	s := m.Sched()
	t := s.Transferred.Load()/f + s.Read.Load()/f
	if best < 0 || t < b.min {
		b.min = t
		return true
	}
	return false
}
