package proxy

import (
	"time"

	"balancer/affinity"
	"balancer/config"
	"balancer/lbmethod"
)

// Balancer is one balancer as configured in a snapshot.
type Balancer struct {
	Name       string
	cfg        *config.Balancer
	spec       affinity.Spec
	sticky     bool // stickysession configured
	mode       string
	cookieName string // insert mode cookie
	members    []*Member
	views      []lbmethod.Member
	byRoute    map[string]*Member
	// attempts is how many further members a failed request may try.
	attempts   int
	noFailover bool
	recover    bool
	failOn     [600]bool
	failOnTO   bool
	timeout    time.Duration
	retryBuf   int64
	lifetime   time.Duration
	sync       SessionSync
	method     lbmethod.Method

	st *balancerState
}

// Members returns the balancer's members in configuration order.
func (b *Balancer) Members() []*Member { return b.members }

// Method returns the balancer's lbmethod.
func (b *Balancer) Method() lbmethod.Method { return b.method }

// member returns the member serving route, following redirect routes when
// it is unusable (httpd find_route_worker, bounded against loops, PR 59864).
func (b *Balancer) routeMember(route []byte) (m *Member, redirected bool) {
	m = b.byRoute[string(route)]
	for i := 0; m != nil && i <= len(b.members); i++ {
		if m.Usable() {
			return m, i > 0
		}
		if m.Redirect == "" {
			return nil, false
		}
		m = b.byRoute[m.Redirect]
	}
	return nil, false
}

// hasRoute reports whether route names a member of the balancer.
func (b *Balancer) hasRoute(route []byte) bool {
	_, ok := b.byRoute[string(route)]
	return ok
}

// choose runs the lbmethod; when every member is in error and forcerecovery
// is on, errors are cleared first, as httpd's force_recovery does.
func (b *Balancer) choose(views []lbmethod.Member) *Member {
	i := b.method.Choose(views)
	if i < 0 && b.recover && b.allInError() {
		for _, m := range b.members {
			m.st.clearError()
		}
		i = b.method.Choose(views)
	}
	if i < 0 {
		return nil
	}
	return views[i].(*Member)
}

func (b *Balancer) allInError() bool {
	n := 0
	for _, m := range b.members {
		if m.admin&(FlagDisabled|FlagStopped) != 0 {
			continue
		}
		if m.st.flags.Load()&FlagError == 0 {
			return false
		}
		n++
	}
	return n > 0
}

// HealthCheck returns the balancer's active check settings, nil for none.
func (b *Balancer) HealthCheck() *config.HealthCheck { return b.cfg.HealthCheck }
