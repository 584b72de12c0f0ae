package lbmethod

// ByRequests is httpd's byrequests: weighted, smooth round robin. Each
// candidate's lbstatus grows by its factor, the one with the highest
// lbstatus wins (the first in configuration order on ties), and the winner's
// lbstatus drops by the sum of the candidates' factors. Factors 70/30 repeat
// every 10 choices, 7 and 3.
//
// A choice is O(n) in the member count: every candidate's lbstatus changes
// on every choice, which is what makes the sequence httpd's.
type ByRequests struct{ weighted }

var _ Method = (*ByRequests)(nil)

// Name implements Method.
func (*ByRequests) Name() string { return "byrequests" }

// Choose implements Method.
func (b *ByRequests) Choose(ms []Member) int { return b.pick(ms, b, nil) }

// ChooseExcept implements Method.
func (b *ByRequests) ChooseExcept(ms []Member, except []*Sched) int { return b.pick(ms, b, except) }

func (b *ByRequests) better(ms []Member, cur, best int) bool {
	s := b.grow(ms[cur])
	return best < 0 || s.LBStatus > ms[best].Sched().LBStatus
}
