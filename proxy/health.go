package proxy

import (
	"time"
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
func (p *Proxy) SetHealthy(key string, healthy bool, last HealthStatus) {
	p.states.mu.Lock()
	st := p.states.members[key]
	p.states.mu.Unlock()
	if st == nil {
		return
	}
	last.Healthy = healthy
	st.health.Store(&last)
	if st.setFlag(FlagHealthFailed, !healthy) {
		if healthy {
			st.recoveredAt.Store(st.clock.now().UnixNano())
			// httpd: a passing check also clears the error state.
			st.clearError()
			st.bal.changes.notify()
		}
		p.log.Info("member health changed", "member", key, "healthy", healthy, "error", last.Error)
	}
}

// RecordCheck stores a health-check result without a transition.
func (p *Proxy) RecordCheck(key string, last HealthStatus) {
	p.states.mu.Lock()
	st := p.states.members[key]
	p.states.mu.Unlock()
	if st == nil {
		return
	}
	last.Healthy = st.flags.Load()&FlagHealthFailed == 0
	st.health.Store(&last)
}

// HealthStatus is a member's last active health-check result.
type HealthStatus struct {
	Healthy  bool      `json:"healthy"`
	Checked  time.Time `json:"checked"`
	Status   int       `json:"status,omitempty"`
	Error    string    `json:"error,omitempty"`
	Duration string    `json:"duration,omitempty"`
}
