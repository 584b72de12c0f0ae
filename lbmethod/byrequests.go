package lbmethod

// ByRequests is httpd's byrequests: weighted, smooth round robin. Each
// candidate's lbstatus grows by its factor, the one with the highest
// lbstatus wins (the first in configuration order on ties), and the winner's
// lbstatus drops by the sum of the candidates' factors. Factors 70/30 repeat
// every 10 choices, 7 and 3.
//
// A choice is O(n) in the member count: every candidate's lbstatus changes
// on every choice, which is what makes the sequence httpd's.
type ByRequests struct {
	lockedState
	total int64 // sum of the factors of this choice's candidates
}

var _ Method = (*ByRequests)(nil)

// Name implements Method.
func (*ByRequests) Name() string { return "byrequests" }

// Choose implements Method.
func (b *ByRequests) Choose(ms []Member) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.total = 0
	i := choose(ms, b)
	if i >= 0 {
		ms[i].Sched().LBStatus -= b.total
	}
	return i
}

func (b *ByRequests) better(ms []Member, cur, best int) bool {
	m := ms[cur]
	f := m.Factor()
	s := m.Sched()
	s.LBStatus += f
	b.total += f
	return best < 0 || s.LBStatus > ms[best].Sched().LBStatus
}

// Stick implements Method.
func (b *ByRequests) Stick(ms []Member, i int) { b.stick(ms, i) }

// Reset implements Method.
func (b *ByRequests) Reset(ms []Member) { b.reset(ms) }

// LBStatus implements Method.
func (b *ByRequests) LBStatus(ms []Member, i int) int64 { return b.lbstatus(ms, i) }
