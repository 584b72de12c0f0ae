package lbmethod

// ByBusyness is httpd's bybusyness: the candidate with the fewest requests
// in flight wins; ties go to the highest lbstatus, which grows by the
// factor like byrequests', so equally busy members share by weight.
type ByBusyness struct{ weighted }

var _ Method = (*ByBusyness)(nil)

// Name implements Method.
func (*ByBusyness) Name() string { return "bybusyness" }

// Choose implements Method.
func (b *ByBusyness) Choose(ms []Member) int { return b.pick(ms, b, nil) }

// ChooseExcept implements Method.
func (b *ByBusyness) ChooseExcept(ms []Member, except []*Sched) int { return b.pick(ms, b, except) }

func (b *ByBusyness) better(ms []Member, cur, best int) bool {
	s := b.grow(ms[cur])
	if best < 0 {
		return true
	}
	bs := ms[best].Sched()
	busy, bestBusy := s.Busy.Load(), bs.Busy.Load()
	return busy < bestBusy || (busy == bestBusy && s.LBStatus > bs.LBStatus)
}
