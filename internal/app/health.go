package app

import (
	"context"

	"balancer/config"
	"balancer/health"
	"balancer/proxy"
)

// healthReporter hands the checker's transitions and results to the
// runtime, which declares what it needs without knowing the checker.
type healthReporter struct{ p *proxy.Proxy }

func status(r health.Result) proxy.HealthStatus {
	return proxy.HealthStatus{Checked: r.At, Status: r.Status, Error: r.Err, Duration: r.Duration.String()}
}

// SetHealthy implements health.Reporter.
func (h healthReporter) SetHealthy(key string, healthy bool, last health.Result) {
	h.p.SetHealthy(key, healthy, status(last))
}

// RecordCheck implements health.Recorder.
func (h healthReporter) RecordCheck(key string, last health.Result) {
	h.p.RecordCheck(key, status(last))
}

// startHealth runs the active checks of every balancer with a healthcheck.
// It holds the lock edits and reloads hold: the manager and the public
// listeners already serve, and an edit may come at once.
func (a *App) startHealth() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.health = health.New(healthReporter{a.proxy}, health.WithLogger(a.log))
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
