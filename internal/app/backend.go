package app

import (
	"errors"

	"balancer/cluster"
	"balancer/config"
	"balancer/health"
	managerui "balancer/manager-ui"
	"balancer/proxy"
)

// backend is the manager's view of the running balancer.
type backend struct{ a *App }

var _ managerui.Backend = backend{}

// Balancers implements managerui.Backend. Each member's live state is
// read once, straight into the view the page and the API show.
func (b backend) Balancers() []managerui.Balancer {
	snap := b.a.proxy.Snapshot()
	var others *cluster.Elsewhere
	if st := b.a.store.Load(); st != nil {
		e := st.Elsewhere()
		others = &e
	}
	out := make([]managerui.Balancer, 0, len(snap.Balancers))
	for i, pb := range snap.Balancers {
		bc := &snap.Config.Balancers[i]
		c := pb.Counters()
		mb := managerui.Balancer{
			Name:             pb.Name,
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
			Failovers:        c.Failovers,
			Retries:          c.Retries,
			StickyHits:       c.StickyHits,
			StickyMisses:     c.StickyMiss,
			MovedSessions:    c.MovedSessions,
		}
		for _, r := range snap.Config.Routes {
			if r.Balancer == pb.Name {
				mb.Paths = append(mb.Paths, r.Path)
			}
		}
		sessions := pb.Sessions()
		for _, m := range pb.Members() {
			s := m.Sched()
			f := m.Flags()
			mm := managerui.Member{
				Route: m.Route, URL: m.URL, Redirect: m.Redirect, LoadFactor: m.LoadFactor(), LBSet: m.LBSet(),
				Status: proxy.FlagNames(f), Usable: m.Usable(),
				Elected: s.Elected.Load(), Busy: s.Busy.Load(), Transferred: s.Transferred.Load(), Read: s.Read.Load(),
				Errors: m.Errors(), LBStatus: pb.LBStatus(m), LastError: m.LastError(),
				Sessions: sessions[m.Route], SessionsWindow: proxy.SessionsWindow.String(),
				Health: memberHealth(bc, m.Health(), f&proxy.FlagHealthFailed == 0),
			}
			if others != nil {
				c := others.Members[cluster.HeldMember{Balancer: pb.Name, URL: m.URL}]
				mm.Elsewhere = &managerui.Elsewhere{Known: others.Known, Replicas: others.Replicas, Sessions: c.Sessions, Busy: c.Busy}
			}
			if last := m.LastSession(); !last.IsZero() {
				mm.LastSession = &last
			}
			if until := m.ErrorUntil(); !until.IsZero() {
				mm.ErrorUntil = &until
			}
			mb.Members = append(mb.Members, mm)
		}
		out = append(out, mb)
	}
	return out
}

// memberHealth is the page's health of a member: its state, and the last
// check's result (h, nil before the first).
func memberHealth(bc *config.Balancer, h *health.Result, healthy bool) managerui.Health {
	if bc.HealthCheck == nil {
		return managerui.Health{State: "unchecked"}
	}
	if h == nil {
		return managerui.Health{State: "healthy"}
	}
	out := managerui.Health{State: "healthy", Status: h.Status, Error: h.Err}
	if !healthy {
		out.State = "failed"
	}
	if !h.At.IsZero() {
		t := h.At
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
