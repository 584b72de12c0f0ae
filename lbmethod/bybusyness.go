package lbmethod

// ByBusyness is httpd's bybusyness: the candidate with the fewest requests
// in flight wins; ties go to the highest lbstatus, which grows by the
// factor like byrequests', so equally busy members share by weight.
type ByBusyness struct {
	lockedState
	total int64
}

var _ Method = (*ByBusyness)(nil)

// Name implements Method.
func (*ByBusyness) Name() string { return "bybusyness" }

// Choose implements Method.
func (b *ByBusyness) Choose(ms []Member) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.total = 0
	i := choose(ms, b)
	if i >= 0 {
		ms[i].Sched().LBStatus -= b.total
	}
	return i
}

func (b *ByBusyness) better(ms []Member, cur, best int) bool {
	m := ms[cur]
	f := m.Factor()
	s := m.Sched()
	s.LBStatus += f
	b.total += f
	if best < 0 {
		return true
	}
	bs := ms[best].Sched()
	busy, bestBusy := s.Busy.Load(), bs.Busy.Load()
	return busy < bestBusy || (busy == bestBusy && s.LBStatus > bs.LBStatus)
}

// Stick implements Method.
func (b *ByBusyness) Stick(ms []Member, i int) { b.stick(ms, i) }

// Reset implements Method.
func (b *ByBusyness) Reset(ms []Member) { b.reset(ms) }

// LBStatus implements Method.
func (b *ByBusyness) LBStatus(ms []Member, i int) int64 { return b.lbstatus(ms, i) }
