package proxy

import (
	"fmt"
	"sort"
	"time"

	"balancer/affinity"
	"balancer/config"
	"balancer/lbmethod"
)

// Snapshot is an immutable runtime view of one configuration. Requests
// load the current snapshot once and use it to the end.
type Snapshot struct {
	Config    *config.Config
	Balancers []*Balancer
	byName    map[string]*Balancer
	routes    []route // longest path first
	now       func() time.Time
}

// Balancer returns the named balancer or nil.
func (s *Snapshot) Balancer(name string) *Balancer { return s.byName[name] }

// seenWindow is how long a session counts as held by the member that last
// served it, from its last request (the page's "sessions" column and the
// drain helper).
const seenWindow = 5 * time.Minute

// build makes a snapshot of cfg, binding members to their state.
func (s *states) build(cfg *config.Config) (*Snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := &Snapshot{Config: cfg, byName: map[string]*Balancer{}, now: s.now}
	for i := range cfg.Balancers {
		bc := &cfg.Balancers[i]
		bst := s.balancer(bc)
		// The method is bound here, immutable in the snapshot; every method
		// of the balancer shares the state's lb, so an edit never lets two
		// methods update lbstatus under different locks.
		method, err := lbmethod.NewShared(bc.LBMethod, bst.lb)
		if err != nil {
			return nil, fmt.Errorf("balancer %s: %w", bc.Name, err)
		}
		// In insert mode the route is read back from the balancer's own
		// cookie (ROUTEID=.node1), not from the application's.
		cookie, sep := bc.StickySession, bc.StickySessionSep
		if bc.StickyMode == config.StickyInsert {
			cookie, sep = bc.StickyCookie, "."
		}
		spec, err := affinity.NewSpec(cookie, sep, bc.ScolonPathDelim)
		if err != nil && cookie != "" {
			return nil, fmt.Errorf("balancer %s: %w", bc.Name, err)
		}
		b := &Balancer{
			Name:       bc.Name,
			cfg:        bc,
			spec:       spec,
			stick:      newStickiness(bc.StickySession, bc.StickyMode),
			cookieName: bc.StickyCookie,
			byRoute:    map[string]*Member{},
			attempts:   bc.Attempts(),
			noFailover: bc.NoFailover,
			recover:    bc.Recover(),
			failOnTO:   bc.FailOnTimeout,
			timeout:    bc.Timeout.D(),
			retryBuf:   int64(bc.RetryBuffer),
			lifetime:   bc.SessionLifetime.D(),
			sync:       s.sync,
			method:     method,
			now:        s.now,
			st:         bst,
		}
		for _, code := range bc.FailOnStatus {
			if code > 0 && code < len(b.failOn) {
				b.failOn[code] = true
			}
		}
		for j := range bc.Members {
			mc := &bc.Members[j]
			m := newMember(bc, mc, s.member(bc, mc, &cfg.Limits, bst))
			m.idx = j
			b.members = append(b.members, m)
			b.views = append(b.views, m)
			if m.Route != "" {
				b.byRoute[m.Route] = m
			}
		}
		snap.Balancers = append(snap.Balancers, b)
		snap.byName[b.Name] = b
	}
	for _, rc := range cfg.Routes {
		b := snap.byName[rc.Balancer]
		if b == nil {
			return nil, fmt.Errorf("route %s: unknown balancer %q", rc.Path, rc.Balancer)
		}
		snap.routes = append(snap.routes, route{
			path: trimSlash(rc.Path), bal: b, reverse: rc.Reverse,
			maxBody: int64(rc.MaxBodySize), original: rc.Path,
		})
	}
	sort.SliceStable(snap.routes, func(i, j int) bool { return len(snap.routes[i].path) > len(snap.routes[j].path) })
	return snap, nil
}
