package proxy

import (
	"balancer/health"
)

// HealthTarget is one member to check actively.
type HealthTarget struct {
	// Key identifies the member across reloads (balancer name + URL).
	Key string
	URL string
}

// HealthTargets lists, per balancer with a healthcheck, the members to
// check.
func (s *Snapshot) HealthTargets() map[string][]HealthTarget {
	out := map[string][]HealthTarget{}
	for _, b := range s.Balancers {
		if b.cfg.HealthCheck == nil {
			continue
		}
		for _, m := range b.members {
			out[b.Name] = append(out[b.Name], HealthTarget{Key: memberKey(b.Name, m.URL), URL: m.URL})
		}
	}
	return out
}

// SetHealthy records an active health-check transition of the member
// identified by key: a failed member takes no requests until it passes
// again; its state and last result show in the manager.
func (p *Proxy) SetHealthy(key string, healthy bool, last health.Result) {
	p.states.mu.Lock()
	st := p.states.members[key]
	p.states.mu.Unlock()
	if st == nil {
		return
	}
	st.health.Store(&last)
	if st.setFlag(FlagHealthFailed, !healthy) {
		st.changed()
		if healthy {
			st.recoveredAt.Store(st.now().UnixNano())
			// httpd: a passing check also clears the error state.
			st.clearError()
			st.bal.changes.notify()
		}
		p.log.Info("member health changed", "member", key, "healthy", healthy, "error", last.Err)
	}
}

// RecordCheck stores a health-check result without a transition.
// Together with SetHealthy it makes the Proxy a health.Reporter and
// health.Recorder.
func (p *Proxy) RecordCheck(key string, last health.Result) {
	p.states.mu.Lock()
	st := p.states.members[key]
	p.states.mu.Unlock()
	if st == nil {
		return
	}
	st.health.Store(&last)
}

var (
	_ health.Reporter = (*Proxy)(nil)
	_ health.Recorder = (*Proxy)(nil)
)
