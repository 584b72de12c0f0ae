// Package app assembles a running balancer: the proxy on its listeners,
// the manager on its own, configuration reloads and manager edits. The
// command and end-to-end tests both start balancers through it.
package app

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"balancer/cluster"
	"balancer/config"
	"balancer/health"
	"balancer/internal/handover"
	managerui "balancer/manager-ui"
	"balancer/proxy"
)

// Options are an App's collaborators.
type Options struct {
	// Logger receives the balancer's logs; nil discards them.
	Logger *slog.Logger
	// Version is shown on the manager page and in build info.
	Version string
	// Demo, when set, lets the manager page stop and start app nodes.
	Demo managerui.DemoControl
}

// App is a running balancer.
type App struct {
	log     *slog.Logger
	opts    Options
	proxy   *proxy.Proxy
	started time.Time
	metrics *metrics
	health  *health.Checker
	access  accessLog
	store   atomic.Pointer[cluster.Store] // nil without store.redis
	// lastReload is the outcome of the last reload, for the manager.
	lastReload atomic.Pointer[managerui.ReloadStatus]

	// mu serialises reloads, manager edits and shared edits, and guards
	// what they change.
	mu      sync.Mutex
	cfg     *config.Config // the file's configuration (without manager edits)
	running *config.Config // cfg with the manager edits applied
	edits   []config.Edit  // the manager edits in force
	// stopWatch ends the file watcher; nil while none runs.
	stopWatch chan struct{}
	listeners []*listener // public listeners, in the file's order
	mgr       managerSide
	stopOnce  sync.Once

	redirectOnce sync.Once
	redirect     *handover.Servers // serves redirecthttps listeners
	wg           sync.WaitGroup    // accept loops
}

// Start builds the balancer for cfg and starts serving.
func Start(cfg *config.Config, o Options) (*App, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	a := &App{log: o.Logger, opts: o, started: time.Now()}
	p, err := proxy.New(cfg, proxy.Options{Logger: o.Logger, Observer: &a.access})
	if err != nil {
		return nil, err
	}
	a.proxy = p
	a.metrics = newMetrics(a)
	c, err := a.prepare(cfg, cfg, nil)
	if err != nil {
		_ = p.Shutdown(context.Background())
		return nil, err
	}
	// The manager serves from within commit, before a.cfg is set: hold
	// a.mu as a reload does, so that a request arriving meanwhile waits
	// for the configuration instead of reading a nil one.
	a.mu.Lock()
	after, err := a.commit(c)
	a.mu.Unlock()
	if err != nil {
		_ = p.Shutdown(context.Background())
		return nil, err
	}
	a.startHealth()
	after()
	return a, nil
}

// ProxyAddr is the first public listener's address.
func (a *App) ProxyAddr() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.listeners[0].ln.Addr().String()
}

// ManagerAddr is the manager listener's address.
func (a *App) ManagerAddr() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.mgr.ln.Addr().String()
}

// Proxy returns the runtime.
func (a *App) Proxy() *proxy.Proxy { return a.proxy }

// Config returns the configuration loaded from the file.
func (a *App) Config() *config.Config {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cfg
}

// Stop stops accepting, waits up to grace for in-flight requests, then
// closes what is left.
func (a *App) Stop(grace time.Duration) error {
	var err error
	a.stopOnce.Do(func() { err = a.stop(grace) })
	return err
}

func (a *App) stop(grace time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	a.mu.Lock()
	a.watch(false)
	redirect := a.redirect
	a.mu.Unlock()
	err := a.proxy.Shutdown(ctx)
	a.health.Stop()
	a.access.close()
	if st := a.store.Load(); st != nil {
		st.Close()
	}
	if redirect != nil {
		_ = redirect.Shutdown(ctx)
	}
	a.wg.Wait()
	a.mgr.stop(ctx)
	return err
}
