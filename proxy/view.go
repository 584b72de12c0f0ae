package proxy

import (
	"time"
)

// MemberView is a point-in-time copy of a member's state, for the manager.
type MemberView struct {
	URL, Route, Redirect string
	LoadFactor           float64
	LBSet                int
	Flags                []string
	Usable               bool
	Elected, Busy        int64
	Transferred, Read    int64
	Errors, LBStatus     int64
	LastError            string
	ErrorUntil           time.Time // zero unless in error
	Health               *HealthStatus
	// Sessions counts distinct sticky sessions it served within
	// SessionsWindow; LastSession is the last time one reached it.
	Sessions       int
	SessionsWindow time.Duration
}

// BalancerView is a point-in-time copy of a balancer's state.
type BalancerView struct {
	Name                   string
	Failovers, Retries     int64
	StickyHits, StickyMiss int64
	Moves, NoMember        int64
	MovedSessions          int
	Members                []MemberView
}

// View returns the state of every balancer of the snapshot.
func (s *Snapshot) View() []BalancerView {
	out := make([]BalancerView, 0, len(s.Balancers))
	now := s.clock.now()
	for _, b := range s.Balancers {
		st := b.st
		bv := BalancerView{
			Name: b.Name, Failovers: st.failovers.Load(), Retries: st.retries.Load(),
			StickyHits: st.stickyHits.Load(), StickyMiss: st.stickyMisses.Load(),
			Moves: st.moves.Load(), NoMember: st.noMember.Load(), MovedSessions: st.moved.Len(),
		}
		perRoute := st.seen.CountByRoute(now)
		for _, m := range b.members {
			ms := m.st
			f := m.Flags()
			mv := MemberView{
				URL: m.URL, Route: m.Route, Redirect: m.Redirect, LoadFactor: m.LoadFactor(), LBSet: m.lbset,
				Flags: FlagNames(f), Usable: m.Usable(),
				Elected: ms.sched.Elected.Load(), Busy: ms.sched.Busy.Load(),
				Transferred: ms.sched.Transferred.Load(), Read: ms.sched.Read.Load(),
				Errors: ms.errors.Load(), LBStatus: b.method.LBStatus(b.views, m.idx),
				Health: ms.health.Load(), Sessions: perRoute[m.Route], SessionsWindow: seenWindow,
			}
			if p := ms.lastError.Load(); p != nil {
				mv.LastError = *p
			}
			if f&FlagError != 0 {
				mv.ErrorUntil = time.Unix(0, ms.errorUntil.Load())
			}
			bv.Members = append(bv.Members, mv)
		}
		out = append(out, bv)
	}
	return out
}
