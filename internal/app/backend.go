package app

import (
	"errors"

	"balancer/config"
	managerui "balancer/manager-ui"
	"balancer/proxy"
)

// backend is the manager's view of the running balancer.
type backend struct{ a *App }

var _ managerui.Backend = backend{}

// Balancers implements managerui.Backend.
func (b backend) Balancers() []managerui.Balancer {
	snap := b.a.proxy.Snapshot()
	views := snap.View()
	out := make([]managerui.Balancer, 0, len(views))
	for i, v := range views {
		bc := &snap.Config.Balancers[i]
		mb := managerui.Balancer{
			Name:             v.Name,
			LBMethod:         bc.LBMethod,
			StickySession:    bc.StickySession,
			StickySessionSep: bc.StickySessionSep,
			StickyMode:       bc.StickyMode,
			NoFailover:       bc.NoFailover,
			Timeout:          bc.Timeout.D().String(),
			TryTimeout:       bc.TryTimeout.D().String(),
			MaxAttempts:      bc.Attempts(),
			ForceRecovery:    bc.Recover(),
			FailOnStatus:     bc.FailOnStatus,
			Failovers:        v.Failovers,
			Retries:          v.Retries,
			StickyHits:       v.StickyHits,
			StickyMisses:     v.StickyMiss,
			MovedSessions:    v.MovedSessions,
		}
		for _, r := range snap.Config.Routes {
			if r.Balancer == v.Name {
				mb.Paths = append(mb.Paths, r.Path)
			}
		}
		for _, m := range v.Members {
			mm := managerui.Member{
				Route: m.Route, URL: m.URL, Redirect: m.Redirect, LoadFactor: m.LoadFactor, LBSet: m.LBSet,
				Status: m.Flags, Usable: m.Usable, Elected: m.Elected, Busy: m.Busy,
				Transferred: m.Transferred, Read: m.Read, Errors: m.Errors, LBStatus: m.LBStatus,
				LastError: m.LastError, Sessions: m.Sessions, SessionsWindow: m.SessionsWindow.String(),
				Health: memberHealth(bc, m.Health),
			}
			if !m.ErrorUntil.IsZero() {
				t := m.ErrorUntil
				mm.ErrorUntil = &t
			}
			mb.Members = append(mb.Members, mm)
		}
		out = append(out, mb)
	}
	return out
}

func memberHealth(bc *config.Balancer, h *proxy.HealthStatus) managerui.Health {
	if bc.HealthCheck == nil {
		return managerui.Health{State: "unchecked"}
	}
	if h == nil {
		return managerui.Health{State: "healthy"}
	}
	out := managerui.Health{State: "healthy", Status: h.Status, Error: h.Error}
	if !h.Healthy {
		out.State = "failed"
	}
	if !h.Checked.IsZero() {
		t := h.Checked
		out.Checked = &t
	}
	return out
}

// Apply implements managerui.Backend.
func (b backend) Apply(edits []config.Edit) error { return b.a.Edit(edits) }

// Info implements managerui.Backend.
func (b backend) Info() managerui.Info {
	cfg := b.a.Config()
	store := "local (no shared store configured)"
	if st := b.a.store.Load(); st != nil {
		store = st.State()
	}
	return managerui.Info{
		Version: b.a.opts.Version, Started: b.a.started, Persist: cfg.Manager.Persist,
		File: cfg.File, Store: store, Demo: b.a.opts.Demo != nil, Reload: b.a.reloadStatus(),
	}
}

// SetNodeRunning implements managerui.DemoControl in demo mode.
func (b backend) SetNodeRunning(route string, running bool) error {
	if b.a.opts.Demo == nil {
		return errors.New("not a demo")
	}
	return b.a.opts.Demo.SetNodeRunning(route, running)
}
