package app

import (
	"context"

	"balancer/config"
	"balancer/health"
)

// startHealth runs the active checks of every balancer with a healthcheck.
// It holds the lock edits and reloads hold: the manager and the public
// listeners already serve, and an edit may come at once.
func (a *App) startHealth() {
	a.mu.Lock()
	defer a.mu.Unlock()
	// The runtime is the checker's Reporter and Recorder.
	a.health = health.New(a.proxy, health.WithLogger(a.log))
	a.syncHealth(a.running)
	a.health.Start(context.Background())
}

// syncHealth gives the checker the members of cfg; members that remain
// keep their counts.
func (a *App) syncHealth(cfg *config.Config) {
	if a.health == nil {
		return
	}
	var targets []health.Target
	snap := a.proxy.Snapshot()
	for name, ts := range snap.HealthTargets() {
		hc := snap.Balancer(name).HealthCheck()
		spec := health.Spec{
			Method: hc.Method, URI: hc.URI, Interval: hc.Interval.D(), Timeout: hc.Timeout.D(),
			Passes: hc.Passes, Fails: hc.Fails, Expect: hc.Expect.Match,
		}
		for _, t := range ts {
			targets = append(targets, health.Target{Key: t.Key, URL: t.URL, Spec: spec})
		}
	}
	if err := a.health.Update(targets); err != nil {
		a.log.Error("health checks not updated", "error", err.Error())
	}
}
